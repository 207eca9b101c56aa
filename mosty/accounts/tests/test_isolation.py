"""Organisation isolation on every list: one organisation's members and audit events never show in another's
pages, and switching to an organisation one does not belong to answers 404 and changes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mosty.accounts import services
from mosty.accounts.middleware import SESSION_KEY as ACTIVE_ORG_SESSION_KEY
from mosty.accounts.models import User
from mosty.accounts.tests.factories import login_verified, make_member, make_user
from mosty.core.models import AuditEvent

MEMBERS = "/accounts/members/"
AUDIT = "/accounts/audit/"
SWITCH = "/accounts/organisation/"


@pytest.fixture
def two_orgs(organisation, other_organisation):
    a_admin = make_member(organisation, "org_admin", username="a-admin")
    a_worker = make_member(organisation, "caseworker", username="a-worker")
    b_admin = make_member(other_organisation, "org_admin", username="b-admin")
    b_worker = make_member(other_organisation, "documenter", username="b-worker")
    return {
        "a": organisation,
        "b": other_organisation,
        "a_admin": a_admin,
        "a_worker": a_worker,
        "b_admin": b_admin,
        "b_worker": b_worker,
    }


def _add_members(organisation, count: int, *, prefix: str, role: str = "viewer") -> None:
    """Many members quickly: users without a usable password (no Argon2id per row), memberships through the
    service so the audit trail is real."""
    users = User.objects.bulk_create(User(username=f"{prefix}{n:03d}", password="!") for n in range(count))
    for user in users:
        services.membership_set(user=user, organisation=organisation, role=role)


def _client(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def _usernames(response) -> set[str]:
    return {m.user.username for m in response.context["page"].object_list}


@pytest.mark.django_db
def test_members_list_shows_only_own_organisation(two_orgs):
    response = _client(two_orgs["a_admin"]).get(MEMBERS)
    assert response.status_code == 200
    assert _usernames(response) == {"a-admin", "a-worker"}
    assert b"b-admin" not in response.content
    assert b"b-worker" not in response.content

    response = _client(two_orgs["b_worker"]).get(MEMBERS)
    assert _usernames(response) == {"b-admin", "b-worker"}
    assert b"a-admin" not in response.content


@pytest.mark.django_db
def test_audit_log_shows_only_own_organisation(two_orgs):
    a, b = two_orgs["a"], two_orgs["b"]
    assert AuditEvent.objects.filter(organisation_id=b.pk).exists()
    response = _client(two_orgs["a_admin"]).get(AUDIT)
    assert response.status_code == 200
    events = list(response.context["page"].object_list)
    assert events
    assert {e.organisation_id for e in events} == {a.pk}
    assert {e.seq for e in events} == set(AuditEvent.objects.filter(organisation_id=a.pk).values_list("seq", flat=True))
    # Newest first.
    assert [e.seq for e in events] == sorted((e.seq for e in events), reverse=True)


@pytest.mark.django_db
def test_audit_log_is_for_administrators_and_coordinators_only(two_orgs):
    response = _client(two_orgs["a_worker"]).get(AUDIT)
    assert response.status_code == 404
    assert b'data-error-code="not_found"' in response.content


@pytest.mark.django_db
def test_switching_to_a_foreign_organisation_is_404_and_changes_nothing(two_orgs):
    client = _client(two_orgs["a_admin"])
    before = client.session.get(ACTIVE_ORG_SESSION_KEY)
    for value in (two_orgs["b"].pk, 999_999, "not-a-number", ""):
        response = client.post(SWITCH, {"organisation": value, "next": MEMBERS})
        assert response.status_code == 404
        assert client.session.get(ACTIVE_ORG_SESSION_KEY) == before
    response = client.get(MEMBERS)
    assert _usernames(response) == {"a-admin", "a-worker"}


@pytest.mark.django_db
def test_foreign_organisation_forced_into_the_session_is_ignored(two_orgs):
    client = _client(two_orgs["a_admin"])
    session = client.session
    session[ACTIVE_ORG_SESSION_KEY] = two_orgs["b"].pk
    session.save()
    assert _usernames(client.get(MEMBERS)) == {"a-admin", "a-worker"}
    events = client.get(AUDIT).context["page"].object_list
    assert {e.organisation_id for e in events} == {two_orgs["a"].pk}


@pytest.mark.django_db
def test_member_of_two_organisations_switches_between_them(two_orgs):
    a, b = two_orgs["a"], two_orgs["b"]
    both = make_member(a, "coordinator", username="bridge")
    services.membership_set(user=both, organisation=b, role="org_admin")
    client = _client(both)

    page = client.get(MEMBERS)
    # The switcher offers both organisations.
    assert f'value="{a.pk}"'.encode() in page.content
    assert f'value="{b.pk}"'.encode() in page.content

    response = client.post(SWITCH, {"organisation": b.pk, "next": MEMBERS})
    assert response.status_code == 302
    assert response["Location"] == MEMBERS
    assert _usernames(client.get(MEMBERS)) == {"b-admin", "b-worker", "bridge"}
    events = client.get(AUDIT).context["page"].object_list
    assert {e.organisation_id for e in events} == {b.pk}

    response = client.post(SWITCH, {"organisation": a.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert _usernames(client.get(MEMBERS)) == {"a-admin", "a-worker", "bridge"}
    events = client.get(AUDIT).context["page"].object_list
    assert {e.organisation_id for e in events} == {a.pk}


@pytest.mark.django_db
def test_user_without_organisation_sees_empty_state(client):
    loner = make_user("loner")
    login_verified(client, loner)
    response = client.get(MEMBERS)
    assert response.status_code == 200
    assert b'class="empty"' in response.content
    assert client.get(AUDIT).status_code == 404


@pytest.mark.django_db
def test_members_list_is_paginated(organisation):
    admin = make_member(organisation, "org_admin", username="admin")
    _add_members(organisation, 51, prefix="m")
    client = _client(admin)
    first = client.get(MEMBERS)
    assert len(first.context["page"].object_list) == 50
    assert b'href="?page=2"' in first.content
    second = client.get(MEMBERS, {"page": 2})
    assert len(second.context["page"].object_list) == 2
    assert client.get(MEMBERS, {"page": "nonsense"}).status_code == 200


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [MEMBERS, AUDIT])
def test_list_pages_query_count_does_not_grow_with_rows(organisation, url):
    admin = make_member(organisation, "org_admin", username="admin")
    client = _client(admin)
    few = _queries(client, url)
    _add_members(organisation, 10, prefix="extra")
    assert _queries(client, url) == few
