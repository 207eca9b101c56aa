"""Guards that apply to every request: quick exit, CSRF, body size, language switch, security headers.

Deny-by-default itself is tested URL by URL in test_urls_crawl.py.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from mosty.accounts.models import User
from mosty.accounts.tests.factories import PASSWORD

CLEAR_SITE_DATA_MUST_NAME = ('"cookies"', '"storage"')


def _assert_quick_exit(response) -> None:
    assert response.status_code == 302
    assert response["Location"] == settings.MOSTY_QUICK_EXIT_URL
    clear = response["Clear-Site-Data"]
    for directive in CLEAR_SITE_DATA_MUST_NAME:
        assert directive in clear
    assert "no-store" in response["Cache-Control"]
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value == ""
    assert cookie["max-age"] == 0


@pytest.mark.django_db
def test_quick_exit_anonymous(client):
    _assert_quick_exit(client.get("/exit/"))


@pytest.mark.django_db
def test_quick_exit_logged_in_ends_the_session(verified_client):
    session_key = verified_client.session.session_key
    assert Session.objects.filter(session_key=session_key).exists()
    assert verified_client.get("/").status_code == 200

    _assert_quick_exit(verified_client.get("/exit/"))
    assert not Session.objects.filter(session_key=session_key).exists()
    response = verified_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_quick_exit_link_is_on_every_page(client):
    assert b'href="/exit/"' in client.get("/accounts/login/").content


# --- CSRF ---------------------------------------------------------------------------------------------


def _csrf_token(content: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
    assert match
    return match.group(1).decode()


@pytest.mark.django_db
def test_login_without_csrf_token_is_refused_and_changes_nothing(caseworker):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    sessions_before = Session.objects.count()
    response = client.post("/accounts/login/", {"username": caseworker.username, "password": PASSWORD})
    assert response.status_code == 403
    assert b'data-error-code="csrf_failed"' in response.content
    assert b"did not come from this site" in response.content
    assert Session.objects.count() == sessions_before
    assert "_auth_user_id" not in client.session
    # A refused request is not a password guess: nothing is counted.
    assert User.objects.get(pk=caseworker.pk).failed_logins == 0


@pytest.mark.django_db
def test_login_with_forged_csrf_token_is_refused(caseworker):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    forged = "A" * 64
    response = client.post(
        "/accounts/login/",
        {"username": caseworker.username, "password": "wrong guess", "csrfmiddlewaretoken": forged},
    )
    assert response.status_code == 403
    assert b'data-error-code="csrf_failed"' in response.content
    assert User.objects.get(pk=caseworker.pk).failed_logins == 0


@pytest.mark.django_db
def test_login_with_the_real_csrf_token_works(caseworker):
    """The control for the two tests above: the same request with the page's token goes through."""
    client = Client(enforce_csrf_checks=True)
    token = _csrf_token(client.get("/accounts/login/").content)
    response = client.post(
        "/accounts/login/",
        {"username": caseworker.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/verify/"


@pytest.mark.django_db
def test_csrf_cookie_is_strict_and_http_only(client):
    response = client.get("/accounts/login/")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["samesite"] == "Strict"
    assert cookie["httponly"]


# --- Body size ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_oversized_body_is_refused_before_any_view(client, caseworker):
    size = settings.MOSTY_MAX_BODY_BYTES + 1
    response = client.post("/accounts/login/", data=b"x" * size, content_type="application/octet-stream")
    assert response.status_code == 413
    assert b'data-error-code="request_too_large"' in response.content


@pytest.mark.django_db
def test_oversized_form_is_refused_and_guesses_nothing(settings, client, caseworker):
    settings.MOSTY_MAX_BODY_BYTES = 2048
    response = client.post("/accounts/login/", {"username": caseworker.username, "password": "x" * 4096})
    assert response.status_code == 413
    assert User.objects.get(pk=caseworker.pk).failed_logins == 0


@pytest.mark.django_db
def test_body_at_the_limit_is_accepted(settings, client):
    settings.MOSTY_MAX_BODY_BYTES = 2048
    response = client.post("/language/", data=b"x" * 2048, content_type="application/octet-stream")
    assert response.status_code != 413


# --- Language -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["xx", "", "en-evil", "../../etc"])
def test_unknown_language_is_refused_and_cookie_unchanged(client, code):
    response = client.post("/language/", {"language": code, "next": "/accounts/login/"})
    assert response.status_code == 400
    assert b'data-error-code="unknown_language"' in response.content
    assert b"This language is not available." in response.content
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


@pytest.mark.django_db
def test_known_language_sets_the_cookie_and_keeps_it_on_site(client):
    response = client.post("/language/", {"language": "uk", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "uk"
    assert cookie["samesite"] == "Strict"
    page = client.get("/accounts/login/")
    assert b'<html lang="uk"' in page.content

    # A later unknown code leaves the chosen language as it was.
    client.post("/language/", {"language": "xx"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uk"


@pytest.mark.django_db
def test_language_switch_is_post_only(client):
    assert client.get("/language/", {"language": "uk"}).status_code == 405
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


# --- Security headers ---------------------------------------------------------------------------------


def _assert_page_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "no-store" in response["Cache-Control"]
    if response.status_code == 200:
        # Redirects from the deny-by-default middleware have no body to frame; CSP frame-ancestors covers them.
        assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Never a referrer to another site (same-origin keeps the Origin header that CSRF checks need).
    assert response["Referrer-Policy"] in {"no-referrer", "same-origin"}


@pytest.mark.django_db
def test_security_headers_on_public_pages(client):
    for url in ("/accounts/login/", "/healthz/"):
        _assert_page_headers(client.get(url))
    # Redirects too (they are pages that reveal where one was going).
    _assert_page_headers(client.get("/accounts/members/"))


@pytest.mark.django_db
def test_security_headers_on_logged_in_pages(verified_client):
    for url in ("/", "/accounts/members/", "/accounts/security/"):
        response = verified_client.get(url)
        assert response.status_code == 200
        _assert_page_headers(response)


@pytest.mark.django_db
def test_security_headers_on_error_pages(verified_client):
    _assert_page_headers(verified_client.get("/no-such-page/"))


@pytest.mark.django_db
def test_session_cookie_is_strict_and_http_only(client, caseworker):
    response = client.post("/accounts/login/", {"username": caseworker.username, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["samesite"] == "Strict"
    assert cookie["httponly"]
