import datetime as dt
import json
import logging
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mosty.accounts import services as accounts_services
from mosty.accounts.models import Membership, Organisation, User
from mosty.accounts.tests.factories import login_verified, make_member, make_organisation
from mosty.api import services
from mosty.api.models import ApiToken
from mosty.api.tests.factories import bearer, make_token
from mosty.core.models import AuditEvent

pytestmark = pytest.mark.django_db

INVALID_TOKEN_BODY = {
    "error": {
        "code": "invalid_token",
        "message": "The API token is not valid, has expired or was revoked.",
        "details": {},
    }
}


def assert_invalid_token(response: Any) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == INVALID_TOKEN_BODY
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.fixture
def issued(caseworker, organisation):
    return make_token(caseworker, organisation)


# --- a valid token ------------------------------------------------------------------------------------------


def test_me(client, caseworker, organisation, issued):
    response = client.get("/api/v1/me", **bearer(issued.plaintext))
    assert response.status_code == 200
    assert response.json() == {
        "user": {"id": caseworker.pk, "username": "caseworker"},
        "organisation": {"id": organisation.pk, "name": organisation.name},
        "role": "caseworker",
        "token_expires_at": issued.token.expires_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


def test_organisation(client, organisation, issued):
    response = client.get("/api/v1/organisation", **bearer(issued.plaintext))
    assert response.status_code == 200
    assert response.json() == {
        "id": organisation.pk,
        "name": "Prague Civil Society Centre",
        "slug": "prague-centre",
        "kind": "intermediary",
        "country": "CZ",
    }


def test_use_records_the_day_only(client, issued):
    client.get("/api/v1/me", **bearer(issued.plaintext))
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.last_used_at == timezone.localdate()
    assert isinstance(token.last_used_at, dt.date)
    assert not isinstance(token.last_used_at, dt.datetime)


def test_viewer_token_acts_as_viewer(client, caseworker, organisation):
    issued = make_token(caseworker, organisation, role="viewer")
    assert client.get("/api/v1/me", **bearer(issued.plaintext)).json()["role"] == "viewer"


def test_the_token_decides_who_acts_not_the_session(client, caseworker, organisation):
    """A browser session of another user riding along changes nothing: the token's identity wins."""
    other = make_member(organisation, "org_admin", username="someone-else")
    login_verified(client, other)
    issued = make_token(caseworker, organisation)
    assert client.get("/api/v1/me", **bearer(issued.plaintext)).json()["user"]["username"] == "caseworker"


# --- tenancy ------------------------------------------------------------------------------------------------


def test_members_lists_only_the_tokens_organisation(client, organisation, other_organisation, caseworker):
    make_member(organisation, "documenter", username="doc-a")
    make_member(other_organisation, "caseworker", username="foreign-b")
    issued = make_token(caseworker, organisation)
    response = client.get("/api/v1/organisation/members", **bearer(issued.plaintext))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {m["username"] for m in body["items"]} == {"caseworker", "doc-a"}
    assert "foreign-b" not in response.content.decode()


def test_member_of_two_organisations_with_a_token_for_one_never_sees_the_other(
    client, organisation, other_organisation
):
    both = make_member(organisation, "caseworker", username="two-hats")
    accounts_services.membership_set(user=both, organisation=other_organisation, role="org_admin")
    make_member(other_organisation, "caseworker", username="only-in-b")
    issued = make_token(both, organisation)
    headers = bearer(issued.plaintext)
    me = client.get("/api/v1/me", **headers).json()
    assert me["organisation"]["id"] == organisation.pk
    assert me["role"] == "caseworker"
    assert client.get("/api/v1/organisation", **headers).json()["id"] == organisation.pk
    members = client.get("/api/v1/organisation/members", **headers)
    assert {m["username"] for m in members.json()["items"]} == {"two-hats"}
    for response in (me, members):
        text = json.dumps(response) if isinstance(response, dict) else response.content.decode()
        assert other_organisation.name not in text
        assert "only-in-b" not in text
    # No parameter lets a token reach another organisation.
    for query in (f"?organisation={other_organisation.pk}", f"?organisation_id={other_organisation.pk}"):
        listed = client.get(f"/api/v1/organisation/members{query}", **headers).json()
        assert {m["username"] for m in listed["items"]} == {"two-hats"}


def test_members_pagination_and_query_count(client, organisation, caseworker, django_assert_max_num_queries):
    issued = make_token(caseworker, organisation)
    for i in range(4):
        make_member(organisation, "viewer", username=f"member-{i}")
    headers = bearer(issued.plaintext)
    page = client.get("/api/v1/organisation/members?page=2&page_size=2", **headers).json()
    assert page["count"] == 5
    assert [m["username"] for m in page["items"]] == ["member-1", "member-2"]
    client.get("/api/v1/organisation/members", **headers)  # the day's last_used write is behind us
    with django_assert_max_num_queries(6) as few:
        client.get("/api/v1/organisation/members", **headers)
    for i in range(4, 30):
        make_member(organisation, "viewer", username=f"member-{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/organisation/members", **headers).json()["items"]) == 31


# --- tokens that must not work ------------------------------------------------------------------------------


def test_unknown_and_malformed_tokens(client, issued):
    assert_invalid_token(client.get("/api/v1/me"))
    for header in (
        "Bearer mosty_unknown0000000000000000000000000000000000000",
        f"Bearer {issued.plaintext}x",
        f"Bearer {issued.plaintext[:-1]}",
        f"Bearer {issued.plaintext[:12]}",
        "Bearer ",
        "Bearer",
        f"Token {issued.plaintext}",
        f"Basic {issued.plaintext}",
        f"Bearer {issued.plaintext[6:]}",
        "Bearer mosty_" + "a" * 500,
        "Bearer mosty_ä",
    ):
        assert_invalid_token(client.get("/api/v1/me", HTTP_AUTHORIZATION=header))


def test_expired_token_answers_like_an_unknown_one(client, issued):
    past = timezone.now() - dt.timedelta(days=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(created_at=past - dt.timedelta(days=90), expires_at=past)
    expired = client.get("/api/v1/me", **bearer(issued.plaintext))
    unknown = client.get("/api/v1/me", **bearer("mosty_" + "x" * 43))
    assert_invalid_token(expired)
    assert expired.content == unknown.content


def test_revoked_token(client, caseworker, issued):
    services.api_token_revoke(token=issued.token, actor=caseworker)
    assert_invalid_token(client.get("/api/v1/me", **bearer(issued.plaintext)))


def test_removed_membership(client, caseworker, organisation, issued):
    accounts_services.membership_remove(membership=Membership.objects.get(user=caseworker, organisation=organisation))
    assert_invalid_token(client.get("/api/v1/me", **bearer(issued.plaintext)))
    assert_invalid_token(client.get("/api/v1/organisation/members", **bearer(issued.plaintext)))


def test_membership_removed_then_restored_does_not_revive_old_tokens(client, caseworker, organisation, issued):
    accounts_services.membership_remove(membership=Membership.objects.get(user=caseworker, organisation=organisation))
    accounts_services.membership_set(user=caseworker, organisation=organisation, role="caseworker")
    assert_invalid_token(client.get("/api/v1/me", **bearer(issued.plaintext)))
    fresh = make_token(caseworker, organisation)
    assert client.get("/api/v1/me", **bearer(fresh.plaintext)).status_code == 200


def test_inactive_or_locked_user(client, caseworker, issued):
    User.objects.filter(pk=caseworker.pk).update(locked_until=timezone.now() + dt.timedelta(minutes=5))
    assert_invalid_token(client.get("/api/v1/me", **bearer(issued.plaintext)))
    User.objects.filter(pk=caseworker.pk).update(locked_until=None, is_active=False)
    assert_invalid_token(client.get("/api/v1/me", **bearer(issued.plaintext)))
    User.objects.filter(pk=caseworker.pk).update(is_active=True)
    assert client.get("/api/v1/me", **bearer(issued.plaintext)).status_code == 200


def test_inactive_organisation(client, organisation, issued):
    Organisation.objects.filter(pk=organisation.pk).update(is_active=False)
    assert_invalid_token(client.get("/api/v1/me", **bearer(issued.plaintext)))


def test_token_above_a_lowered_role_stops_working(client, organisation):
    admin = make_member(organisation, "org_admin")
    admin_token = make_token(admin, organisation, role="org_admin")
    viewer_token = make_token(admin, organisation, role="viewer")
    accounts_services.membership_set(user=admin, organisation=organisation, role="caseworker")
    assert_invalid_token(client.get("/api/v1/me", **bearer(admin_token.plaintext)))
    assert client.get("/api/v1/me", **bearer(viewer_token.plaintext)).json()["role"] == "viewer"
    # Raising the role again does not revive the token: the change revoked it for good, and said so.
    accounts_services.membership_set(user=admin, organisation=organisation, role="org_admin")
    assert_invalid_token(client.get("/api/v1/me", **bearer(admin_token.plaintext)))
    admin_token.token.refresh_from_db()
    assert admin_token.token.revoked_at is not None
    assert AuditEvent.objects.filter(
        action="api_token.revoked_by_membership_change", object_id=str(admin_token.token.pk)
    ).exists()


# --- one error shape ----------------------------------------------------------------------------------------


def test_unknown_routes_answer_json(client, issued):
    for path in ("/api/v1/", "/api/v1/nothing-here", "/api/v1/me/", "/api/v1/organisation/members/1/x"):
        assert_invalid_token(client.get(path))
        response = client.get(path, **bearer(issued.plaintext))
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "details": {}}}


def test_method_not_allowed_answers_json(client, issued):
    response = client.post("/api/v1/me", **bearer(issued.plaintext))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


def test_validation_error_shape_does_not_echo_the_input(client, issued):
    response = client.get("/api/v1/organisation/members?page=canary-input-text", **bearer(issued.plaintext))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"]["errors"][0]["loc"] == ["query", "page"]
    assert "canary-input-text" not in response.content.decode()


def test_error_messages_follow_the_language(client):
    response = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="uk")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


@pytest.mark.urls("mosty.api.tests.failing_urls")
def test_unexpected_error_is_a_bare_500_and_the_log_has_no_message(client, caplog):
    from mosty.api.tests.failing_urls import EXCEPTION_CANARY

    organisation = make_organisation("Canary Organisation Name")
    user = make_member(organisation, "caseworker", username="canary-username")
    issued = make_token(user, organisation)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.request")
    response = Client(raise_request_exception=False).get("/api/v1/test/boom", **bearer(issued.plaintext))
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "server_error",
            "message": "Something went wrong on our side. Nothing was changed.",
            "details": {},
        }
    }
    assert "RuntimeError" in caplog.text  # whoever runs the server learns what failed, and where
    for secret in (EXCEPTION_CANARY, "canary-username", "Canary Organisation Name", issued.plaintext):
        assert secret not in response.content.decode()
        assert secret not in caplog.text


def test_failing_requests_log_no_user_org_or_token(client, caplog):
    organisation = make_organisation("Canary Organisation Name")
    user = make_member(organisation, "caseworker", username="canary-username")
    issued = make_token(user, organisation)
    headers = bearer(issued.plaintext)
    # Everything, including django.request's 4xx warnings that the settings normally keep quiet.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.request")
    caplog.set_level(logging.DEBUG, logger="mosty")
    client.get("/api/v1/nowhere", **headers)
    client.get("/api/v1/organisation/members?page=0", **headers)
    client.post("/api/v1/me", **headers)
    services.api_token_revoke(token=issued.token, actor=user)
    client.get("/api/v1/me", **headers)
    assert len(caplog.records) >= 4  # the test would prove nothing if nothing were logged
    for secret in ("canary-username", "Canary Organisation Name", issued.plaintext, issued.plaintext[6:]):
        assert secret not in caplog.text
