"""Login end to end: password, then a second factor. Real Argon2id, real TOTP, real database.

Threats covered: a phished password (never enough on its own), a replayed TOTP code, session fixation,
open redirects through `next`, user enumeration, online guessing (lockout by account), and identifying
data (IP address, user agent) kept about staff.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import serializers
from django.test import Client
from django.utils import timezone

from mosty.accounts.models import User
from mosty.accounts.tests.factories import PASSWORD, current_totp_code, make_member, totp_device
from mosty.core.models import AuditEvent

LOGIN = "/accounts/login/"
VERIFY = "/accounts/verify/"
HOME = "/"


def _password(client: Client, username: str, password: str = PASSWORD, *, url: str = LOGIN, **extra: Any):
    return client.post(url, {"username": username, "password": password}, **extra)


def _code(user: User, *, offset_steps: int = 0) -> str:
    return current_totp_code(totp_device(user), offset_steps=offset_steps)


def _wrong_code(user: User) -> str:
    """A six-digit code that the device accepts at no step in its tolerance window."""
    valid = {_code(user, offset_steps=n) for n in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in valid)


def _is_verified_session(client: Client) -> bool:
    response = client.get(HOME)
    return response.status_code == 200


@pytest.fixture
def member(organisation):
    return make_member(organisation, "caseworker", username="amina")


@pytest.mark.django_db
def test_password_then_totp_reaches_home(client, member):
    response = _password(client, "amina")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    # The password alone opens nothing.
    assert client.get(HOME)["Location"] == VERIFY

    page = client.get(VERIFY)
    assert page.status_code == 200
    assert b'name="code"' in page.content

    response = client.post(VERIFY, {"code": _code(member)})
    assert response.status_code == 302
    assert response["Location"] == HOME
    home = client.get(HOME)
    assert home.status_code == 200
    assert b"Prague Civil Society Centre" in home.content
    assert AuditEvent.objects.filter(action="user.logged_in", actor_id=member.pk).count() == 1


@pytest.mark.django_db
def test_username_is_case_insensitive_and_trimmed(client, member):
    response = _password(client, "  AMINA ")
    assert response["Location"] == VERIFY


@pytest.mark.django_db
def test_next_is_honoured_through_both_steps(client, member):
    response = client.get("/accounts/members/")
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url == "/accounts/login/?next=%2Faccounts%2Fmembers%2F"

    page = client.get(login_url)
    assert b'name="next" value="/accounts/members/"' in page.content
    response = client.post(login_url, {"username": "amina", "password": PASSWORD, "next": "/accounts/members/"})
    assert response["Location"] == VERIFY
    response = client.post(VERIFY, {"code": _code(member)})
    assert response["Location"] == "/accounts/members/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        " https://evil.example",
    ],
)
def test_open_redirects_are_refused(client, member, target):
    response = client.post(LOGIN, {"username": "amina", "password": PASSWORD, "next": target})
    assert response["Location"] == VERIFY
    response = client.post(VERIFY, {"code": _code(member)})
    assert response.status_code == 302
    assert response["Location"] == HOME


@pytest.mark.django_db
def test_verified_user_on_login_page_is_not_sent_off_site(client, member):
    client.post(LOGIN, {"username": "amina", "password": PASSWORD})
    client.post(VERIFY, {"code": _code(member)})
    response = client.get(LOGIN, {"next": "https://evil.example/"})
    assert response["Location"] == HOME


@pytest.mark.django_db
def test_session_key_changes_at_password_and_at_second_factor(client, member):
    client.get(LOGIN)
    session = client.session
    session["probe"] = "before login"
    session.save()
    anonymous_key = session.session_key

    _password(client, "amina")
    password_key = client.cookies["mosty_session"].value
    assert password_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()

    client.post(VERIFY, {"code": _code(member)})
    verified_key = client.cookies["mosty_session"].value
    assert verified_key not in (anonymous_key, password_key)
    assert not Session.objects.filter(session_key=password_key).exists()
    assert _is_verified_session(client)


@pytest.mark.django_db
def test_replayed_totp_code_is_refused(client, member):
    code = _code(member)
    _password(client, "amina")
    assert client.post(VERIFY, {"code": code})["Location"] == HOME
    client.post("/accounts/logout/")
    assert client.get(HOME).status_code == 302

    # Same 30-second step, same code: refused, even though the password is right again.
    _password(client, "amina")
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert b'role="alert"' in response.content
    assert client.get(HOME)["Location"] == VERIFY


@pytest.mark.django_db
def test_wrong_totp_code_is_refused(client, member):
    _password(client, "amina")
    response = client.post(VERIFY, {"code": _wrong_code(member)})
    assert response.status_code == 400
    assert client.get(HOME)["Location"] == VERIFY


@pytest.mark.django_db
def test_verify_page_needs_a_password_first(client, member):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def _normalised(content: bytes, typed_username: str) -> str:
    text = content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', text)
    return text.replace(typed_username, "USERNAME")


@pytest.mark.django_db
def test_unknown_user_and_wrong_password_answer_alike(member):
    wrong_password = _password(Client(), "amina", "not the password at all")
    unknown_user = _password(Client(), "nobody-here", "not the password at all")
    assert wrong_password.status_code == unknown_user.status_code == 400
    assert _normalised(wrong_password.content, "amina") == _normalised(unknown_user.content, "nobody-here")
    assert b"The username or password is not correct" in wrong_password.content


@pytest.mark.django_db
def test_lockout_after_threshold_failures(settings, member):
    settings.MOSTY_LOCKOUT_THRESHOLD = 3
    for _ in range(3):
        assert _password(Client(), "amina", "wrong guess").status_code == 400
    member.refresh_from_db()
    assert member.is_locked()
    assert AuditEvent.objects.filter(action="user.locked", object_id=str(member.pk)).exists()

    # Even the right password is refused now, with the same answer as a wrong one.
    locked = _password(Client(), "amina")
    wrong = _password(Client(), "amina", "wrong guess")
    assert locked.status_code == wrong.status_code == 400
    assert _normalised(locked.content, "amina") == _normalised(wrong.content, "amina")

    # The lock ends on its own (here: moved into the past rather than waiting).
    User.objects.filter(pk=member.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert _password(Client(), "amina")["Location"] == VERIFY


@pytest.mark.django_db
def test_guesses_while_locked_do_not_extend_the_lock(settings, member):
    settings.MOSTY_LOCKOUT_THRESHOLD = 2
    for _ in range(2):
        _password(Client(), "amina", "wrong guess")
    member.refresh_from_db()
    locked_until = member.locked_until
    _password(Client(), "amina", "another guess")
    member.refresh_from_db()
    assert member.locked_until == locked_until


@pytest.mark.django_db
def test_successful_password_resets_the_failure_count(settings, member):
    settings.MOSTY_LOCKOUT_THRESHOLD = 3
    _password(Client(), "amina", "wrong guess")
    _password(Client(), "amina", "wrong guess")
    _password(Client(), "amina")
    member.refresh_from_db()
    assert member.failed_logins == 0
    _password(Client(), "amina", "wrong guess")
    member.refresh_from_db()
    assert not member.is_locked()


@pytest.mark.django_db
def test_failed_second_factor_codes_count_toward_lockout(settings, client, member):
    settings.MOSTY_LOCKOUT_THRESHOLD = 3
    _password(client, "amina")
    wrong = _wrong_code(member)
    assert client.post(VERIFY, {"code": wrong}).status_code == 400
    assert client.post(VERIFY, {"recovery_code": "aaaa-bbbb-cccc"}).status_code == 400
    response = client.post(VERIFY, {"code": wrong})
    # Locked: the half-logged-in session is ended and the login page says the same as for a bad password.
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    member.refresh_from_db()
    assert member.is_locked()
    page = client.get(LOGIN)
    assert b"The username or password is not correct" in page.content
    assert client.get(VERIFY)["Location"].startswith(LOGIN)

    # The right password and the right code do not help while the lock lasts.
    assert _password(client, "amina").status_code == 400


@pytest.mark.django_db
def test_lock_applies_to_sessions_already_past_the_password(settings, member):
    """Another session locks the account (guessing codes); this one, waiting at the second factor, is ended."""
    settings.MOSTY_LOCKOUT_THRESHOLD = 2
    waiting, guessing = Client(), Client()
    _password(waiting, "amina")
    _password(guessing, "amina")
    wrong = _wrong_code(member)
    guessing.post(VERIFY, {"code": wrong})
    guessing.post(VERIFY, {"code": wrong})
    member.refresh_from_db()
    assert member.is_locked()

    response = waiting.post(VERIFY, {"code": _code(member)})
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert waiting.get(HOME)["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_inactive_user_answers_like_a_wrong_password(member):
    User.objects.filter(pk=member.pk).update(is_active=False)
    inactive = _password(Client(), "amina")
    wrong = _password(Client(), "amina", "wrong guess")
    assert inactive.status_code == wrong.status_code == 400
    assert _normalised(inactive.content, "amina") == _normalised(wrong.content, "amina")


IDENTIFYING_FIELD = re.compile(r"(^|_)(ip|ips|ip_address|addr|address|remote|agent|user_agent|useragent|host)(_|$)")
CANARY_IP = "198.51.100.77"
CANARY_AGENT = "CanaryBrowser/9.9 (mosty-test-canary)"


@pytest.mark.django_db
def test_no_ip_address_or_user_agent_is_stored(settings, client, member):
    settings.MOSTY_LOCKOUT_THRESHOLD = 5
    for model in (User, Session, AuditEvent):
        names = [field.name for field in model._meta.concrete_fields]
        assert not [name for name in names if IDENTIFYING_FIELD.search(name)], model

    headers = {"REMOTE_ADDR": CANARY_IP, "HTTP_USER_AGENT": CANARY_AGENT, "HTTP_X_FORWARDED_FOR": CANARY_IP}
    _password(client, "amina", "wrong guess", **headers)
    _password(client, "amina", **headers)
    client.post(VERIFY, {"code": _code(member)}, **headers)
    assert client.get(HOME, **headers).status_code == 200

    sessions = [json.dumps(s.get_decoded()) for s in Session.objects.all()]
    assert sessions
    dump = "\n".join(sessions)
    for table in apps.get_models():
        dump += serializers.serialize("json", table._default_manager.all())
    assert CANARY_IP not in dump
    assert "CanaryBrowser" not in dump
