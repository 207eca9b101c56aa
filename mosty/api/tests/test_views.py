import re

import pytest
from django.test import Client

from mosty.accounts import services as accounts_services
from mosty.accounts.models import Organisation
from mosty.accounts.tests.factories import login_verified, make_member
from mosty.api.models import ApiToken
from mosty.api.tests.factories import bearer, database_dump, make_token
from mosty.core.crypto.secrets import hash_secret

pytestmark = pytest.mark.django_db

SECRET_RE = re.compile(r'<pre class="secret"[^>]*>(mosty_[A-Za-z0-9_-]+)</pre>')


def create_form(organisation: Organisation, **overrides: object) -> dict[str, object]:
    data = {"name": "monthly report", "organisation": organisation.pk, "role": "caseworker", "expires_in_days": 90}
    data.update(overrides)
    return data


def assert_clean_html(html: str) -> None:
    assert " style=" not in html
    for attributes, _body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        assert "src=" in attributes or "application/json" in attributes
    for url in re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)="([^"]+)\"""", html):
        assert url.startswith("/"), url


def test_token_pages_need_a_verified_session(client, caseworker, organisation):
    token = make_token(caseworker, organisation).token
    for method, url in (
        ("get", "/tokens/"),
        ("get", "/tokens/new/"),
        ("post", "/tokens/new/"),
        ("post", f"/tokens/{token.pk}/revoke/"),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert ApiToken.objects.get().revoked_at is None


def test_create_shows_the_secret_once_and_stores_only_its_hash(verified_client, organisation):
    form = verified_client.get("/tokens/new/")
    assert form.status_code == 200
    html = form.content.decode()
    assert_clean_html(html)
    for field in ("name", "organisation", "role", "expires_in_days"):
        assert f'<label for="id_{field}">' in html
    assert f'<option value="{organisation.pk}" selected>' in html

    shown = verified_client.post("/tokens/new/", create_form(organisation))
    assert shown.status_code == 200
    token = ApiToken.objects.get()
    assert (token.name, token.role, token.organisation_id) == ("monthly report", "caseworker", organisation.pk)
    html = shown.content.decode()
    assert_clean_html(html)
    found = SECRET_RE.search(html)
    assert found is not None
    secret = found.group(1)
    assert hash_secret(secret) == token.token_hash
    assert shown["Cache-Control"] == "no-store"

    again = verified_client.get("/tokens/").content.decode()
    assert secret not in again
    assert token.prefix in again
    # Not in any table, sessions included (decoded), even right after it was shown.
    dump = database_dump()
    assert secret not in dump
    assert secret[12:] not in dump
    # And it works.
    assert Client().get("/api/v1/me", **bearer(secret)).status_code == 200


def test_list_shows_own_tokens_with_status(verified_client, caseworker, organisation):
    active = make_token(caseworker, organisation, name="active one").token
    revoked = make_token(caseworker, organisation, name="revoked one", role="viewer").token
    revoked.revoked_at = revoked.created_at
    revoked.save()
    colleague = make_member(organisation, "caseworker")
    make_token(colleague, organisation, name="colleague's token")
    html = verified_client.get("/tokens/").content.decode()
    assert "active one" in html
    assert "revoked one" in html
    assert "colleague&#x27;s token" not in html
    assert "colleague's token" not in html
    assert 'data-status="active"' in html
    assert 'data-status="revoked"' in html
    assert f'action="/tokens/{active.pk}/revoke/"' in html
    assert f'action="/tokens/{revoked.pk}/revoke/"' not in html
    assert SECRET_RE.search(html) is None


def test_list_query_count_does_not_grow_with_tokens(
    verified_client, caseworker, organisation, other_organisation, django_assert_max_num_queries
):
    accounts_services.membership_set(user=caseworker, organisation=other_organisation, role="caseworker")
    make_token(caseworker, organisation)
    verified_client.get("/tokens/")
    with django_assert_max_num_queries(50) as few:
        verified_client.get("/tokens/")
    for i in range(10):
        make_token(caseworker, other_organisation if i % 2 else organisation)
    with django_assert_max_num_queries(len(few.captured_queries)):
        verified_client.get("/tokens/")


def test_create_defaults_to_the_active_organisation(client, organisation, other_organisation):
    user = make_member(organisation, "caseworker")
    accounts_services.membership_set(user=user, organisation=other_organisation, role="org_admin")
    login_verified(client, user)
    client.post("/accounts/organisation/", {"organisation": other_organisation.pk, "next": "/"})
    html = client.get("/tokens/new/").content.decode()
    assert f'<option value="{other_organisation.pk}" selected>' in html
    assert '<option value="org_admin" selected>' in html


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "org_admin"}, "role"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"expires_in_days": "soon"}, "expires_in_days"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
    ],
)
def test_create_refuses_invalid_input(verified_client, organisation, overrides, field):
    response = verified_client.post("/tokens/new/", create_form(organisation, **overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not ApiToken.objects.exists()
    assert_clean_html(response.content.decode())


def test_role_above_membership_in_the_chosen_organisation_is_refused(client, organisation, other_organisation):
    """Org admin in A, caseworker in B: 'org_admin' is offered (for A) but refused for B."""
    user = make_member(organisation, "org_admin")
    accounts_services.membership_set(user=user, organisation=other_organisation, role="caseworker")
    login_verified(client, user)
    response = client.post("/tokens/new/", create_form(other_organisation, role="org_admin"))
    assert response.status_code == 400
    assert response.context["form"].errors["role"]
    assert not ApiToken.objects.exists()


def test_create_for_a_foreign_organisation_is_refused(verified_client, other_organisation):
    response = verified_client.post("/tokens/new/", create_form(other_organisation))
    assert response.status_code == 400
    assert response.context["form"].errors["organisation"]
    assert not ApiToken.objects.exists()


def test_revoke_with_csrf(caseworker, organisation):
    client = Client(enforce_csrf_checks=True)
    login_verified(client, caseworker)
    issued = make_token(caseworker, organisation)
    url = f"/tokens/{issued.token.pk}/revoke/"

    assert client.post(url).status_code == 403  # no CSRF token
    assert ApiToken.objects.get().revoked_at is None

    html = client.get("/tokens/").content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found is not None
    csrf = found.group(1)
    assert client.get(url).status_code == 405
    response = client.post(url, {"csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert response["Location"] == "/tokens/"
    assert ApiToken.objects.get().revoked_at is not None
    assert Client().get("/api/v1/me", **bearer(issued.plaintext)).status_code == 401
    html = client.get("/tokens/").content.decode()
    assert 'data-status="revoked"' in html


def test_revoke_someone_elses_token_is_not_found(verified_client, organisation):
    colleague = make_member(organisation, "caseworker")
    theirs = make_token(colleague, organisation).token
    for token_id in (theirs.pk, 999_999):
        response = verified_client.post(f"/tokens/{token_id}/revoke/")
        assert response.status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_user_without_membership_cannot_create(client):
    from mosty.accounts.tests.factories import make_user

    user = make_user()
    login_verified(client, user)
    response = client.get("/tokens/new/")
    assert response.status_code == 200
    assert '<form method="post" action="/tokens/new/"' not in response.content.decode()
