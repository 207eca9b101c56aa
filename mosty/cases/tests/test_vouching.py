"""Vouching: who may vouch, for what (an organisation, an initiative it may see, a person whose identity it may
read), with dates that make sense, once; revocation; the lists; the pages and the API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import login_verified, make_organisation
from mosty.api.tests.factories import bearer, make_token
from mosty.cases import vouching
from mosty.cases.models import Vouch, VouchBasis
from mosty.cases.tests.test_referrals import (
    URLS,
    access_of,
    api_base,
    fast_member,
    fast_viewer,
    make_case,
    refer,
    today,
)
from mosty.core.crypto.keyring import acting_as
from mosty.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from mosty.core.models import AuditEvent
from mosty.registry import services as registry_services
from mosty.registry.models import LinkKind

pytestmark = pytest.mark.django_db


def in_days(days: int) -> dt.date:
    return today() + dt.timedelta(days=days)


def vouch(viewer: Any, subject: Any, **overrides: Any) -> Vouch:
    values: dict[str, Any] = {
        "basis": VouchBasis.WORKED_TOGETHER,
        "since": dt.date(2020, 1, 1),
        "expires_on": in_days(365),
    }
    values.update(overrides)
    return vouching.vouch_create(viewer=viewer, subject=subject, **values)


def make_initiative(viewer: Any, codename: str = "Bereza") -> Any:
    with acting_as(viewer.organisation_id):
        return registry_services.initiative_create(
            viewer=viewer, data=registry_services.InitiativeInput(codename=codename)
        )


@pytest.fixture
def orgs():
    a, b, c = make_organisation("Alpha"), make_organisation("Beta"), make_organisation("Gamma")
    return fast_viewer(a, Role.ORG_ADMIN), fast_viewer(b, Role.COORDINATOR), fast_viewer(c, Role.ORG_ADMIN)


def test_vouch_for_an_organisation_is_listed_and_audited(orgs) -> None:
    a, b, _c = orgs
    given = vouch(a, b.organisation)
    assert list(vouching.vouches_given(a)) == [given]
    assert list(vouching.vouches_received(b)) == [given]
    assert list(vouching.vouches_received(a)) == []
    assert vouching.subject_kind(given) == "organisation"
    assert list(AuditEvent.objects.filter(object_id=str(given.pk)).values_list("action", "object_type")) == [
        ("cases.vouch.created", "vouch")
    ]


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PROGRAMME_OFFICER, Role.DOCUMENTER, Role.VIEWER])
def test_only_administrators_and_coordinators_vouch(orgs, role) -> None:
    a, b, _c = orgs
    with pytest.raises(PermissionDenied):
        vouch(fast_viewer(a.organisation, role), b.organisation)
    assert not Vouch.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"since": in_days(3)}, "since"),
        ({"expires_on": today()}, "expires_on"),
        ({"expires_on": in_days(-5)}, "expires_on"),
        ({"expires_on": in_days(4 * 365)}, "expires_on"),
        ({"basis": "rumour"}, "basis"),
    ],
)
def test_dates_and_basis_are_checked(orgs, overrides, field) -> None:
    a, b, _c = orgs
    with pytest.raises(ValidationFailed) as caught:
        vouch(a, b.organisation, **overrides)
    assert field in caught.value.errors
    assert not Vouch.objects.exists()


def test_no_self_vouching_no_duplicates_and_revocation(orgs) -> None:
    a, b, c = orgs
    with pytest.raises(ValidationFailed):
        vouch(a, a.organisation)
    given = vouch(a, b.organisation)
    with pytest.raises(ValidationFailed):
        vouch(a, b.organisation, basis=VouchBasis.KNOWN_PERSONALLY)
    with pytest.raises(NotFound):
        vouching.vouch_revoke(viewer=c, vouch=given)
    with pytest.raises(NotFound):
        vouching.access_vouch_by_id(c, given.pk)
    vouching.vouch_revoke(viewer=a, vouch=given)
    vouching.vouch_revoke(viewer=a, vouch=given)  # twice: nothing more
    given.refresh_from_db()
    assert given.revoked_at is not None
    assert not vouching.is_current(given)
    assert list(vouching.vouches_about_organisations([b.organisation_id])) == []
    again = vouch(a, b.organisation)  # a revoked vouch does not block a new one
    assert vouching.is_current(again)
    actions = AuditEvent.objects.filter(object_type="vouch").values_list("action", flat=True)
    assert sorted(actions) == ["cases.vouch.created", "cases.vouch.created", "cases.vouch.revoked"]


def test_inactive_organisations_cannot_be_vouched_for(orgs) -> None:
    a, b, _c = orgs
    b.organisation.is_active = False
    b.organisation.save()
    with pytest.raises(NotFound):
        vouch(a, b.organisation)


def test_initiatives_only_when_visible(orgs) -> None:
    a, b, c = orgs
    initiative = make_initiative(a)
    with pytest.raises(NotFound):
        vouch(b, initiative)
    with acting_as(a.organisation_id):
        registry_services.initiative_link_add(
            viewer=a, initiative=initiative, organisation=b.organisation, kind=LinkKind.KNOWS
        )
    given = vouch(b, initiative)
    assert given.subject_initiative == initiative
    assert list(vouching.vouches_about_initiative(a, initiative)) == [given]
    with pytest.raises(NotFound):
        vouching.vouches_about_initiative(c, initiative)


def test_persons_only_when_their_identity_is_readable(orgs) -> None:
    a, b, c = orgs
    case = make_case(fast_viewer(a.organisation))
    own = vouch(a, case.person)
    assert list(vouching.vouches_about_person(a, access_of(a, case))) == [own]
    with pytest.raises(NotFound):
        vouch(c, case.person)  # not referred to C
    refer(a, case, b.organisation, ["case"])
    with pytest.raises(NotFound):
        vouch(b, case.person)  # referred without the identity
    with pytest.raises(NotFound):
        vouching.vouches_about_person(b, access_of(b, case))
    other = make_case(fast_viewer(a.organisation))
    refer(a, other, b.organisation, ["case", "identity"])
    assert vouch(b, other.person).subject_person == other.person
    with pytest.raises(PermissionDenied):
        vouch(fast_viewer(a.organisation, Role.CASEWORKER), other.person)


# --- pages -------------------------------------------------------------------------------------------------------


def _client(viewer: Any, role: str = Role.ORG_ADMIN) -> Client:
    client = Client()
    login_verified(client, fast_member(viewer.organisation, role, totp=True))
    return client


def test_vouches_page_vouches_revokes_and_explains(orgs) -> None:
    a, b, c = orgs
    vouch(b, c.organisation)
    client = _client(a)
    first = client.get("/cases/referrals/vouches/")
    assert first.status_code == 200
    assert "Gamma" in first.content.decode()
    response = client.post(
        "/cases/referrals/vouches/",
        {
            "kind": "organisation",
            "org-organisation": b.organisation_id,
            "org-basis": "worked_together",
            "org-since": "2021-03-01",
            "org-expires_on": in_days(100).isoformat(),
        },
    )
    assert response.status_code == 302
    given = Vouch.objects.get(voucher=a.organisation)
    page = client.get("/cases/referrals/vouches/").content.decode()
    # Gamma is vouched for by Beta, whom Alpha now vouches for: "by Beta, who you trust".
    assert "Vouched for by one organisation you trust" in page
    assert "Beta" in page
    bad = client.post(
        "/cases/referrals/vouches/",
        {
            "kind": "organisation",
            "org-organisation": c.organisation_id,
            "org-basis": "worked_together",
            "org-expires_on": "2000-01-01",
        },
    )
    assert bad.status_code == 400
    assert _client(c).post(f"/cases/referrals/vouches/{given.pk}/revoke/").status_code == 404
    assert client.post(f"/cases/referrals/vouches/{given.pk}/revoke/").status_code == 302
    assert Vouch.objects.get(pk=given.pk).revoked_at is not None


def test_caseworkers_see_but_do_not_vouch(orgs) -> None:
    a, b, _c = orgs
    client = _client(a, Role.CASEWORKER)
    page = client.get("/cases/referrals/vouches/")
    assert page.status_code == 200
    assert 'name="kind"' not in page.content.decode()
    response = client.post(
        "/cases/referrals/vouches/",
        {
            "kind": "organisation",
            "org-organisation": b.organisation_id,
            "org-basis": "worked_together",
            "org-expires_on": in_days(9).isoformat(),
        },
    )
    assert response.status_code == 403
    assert not Vouch.objects.exists()


def test_person_vouch_page(orgs) -> None:
    a, b, c = orgs
    case = make_case(fast_viewer(a.organisation))
    client = _client(a)
    assert client.get(f"/cases/referrals/case/{case.pk}/vouches/").status_code == 200
    response = client.post(
        f"/cases/referrals/case/{case.pk}/vouches/",
        {"basis": "documents_seen", "expires_on": in_days(30).isoformat()},
    )
    assert response.status_code == 302
    assert Vouch.objects.get().subject_person_id == case.person_id
    assert _client(c).get(f"/cases/referrals/case/{case.pk}/vouches/").status_code == 404
    refer(a, case, b.organisation, ["case"])
    assert _client(b).get(f"/cases/referrals/case/{case.pk}/vouches/").status_code == 404


# --- API ---------------------------------------------------------------------------------------------------------


def _headers(viewer: Any, role: str = Role.ORG_ADMIN) -> dict[str, Any]:
    user = fast_member(viewer.organisation, role)
    return bearer(make_token(user, viewer.organisation).plaintext)


@pytest.mark.urls(URLS)
def test_api_vouch_list_revoke_and_trust(orgs) -> None:
    a, b, c = orgs
    client, headers_a, headers_c = Client(), _headers(a), _headers(c)
    body = {
        "subject_organisation_id": b.organisation_id,
        "basis": "known_personally",
        "expires_on": in_days(50).isoformat(),
    }
    created = client.post(f"{api_base()}/vouches", data=json.dumps(body), content_type="application/json", **headers_a)
    assert created.status_code == 201, created.content
    vouch_id = created.json()["id"]
    assert created.json()["subject_kind"] == "organisation"
    assert created.json()["current"] is True
    two_subjects = {**body, "subject_case_id": "00000000-0000-0000-0000-000000000000"}
    assert (
        client.post(
            f"{api_base()}/vouches", data=json.dumps(two_subjects), content_type="application/json", **headers_a
        ).status_code
        == 400
    )
    assert client.get(f"{api_base()}/vouches", **headers_a).json()["count"] == 1
    assert client.get(f"{api_base()}/vouches", {"direction": "received"}, **headers_a).json()["count"] == 0

    trust = client.get(f"{api_base()}/trust/organisations/{b.organisation_id}", **headers_a).json()
    assert trust["signal"] == "some"
    assert trust["subject_trusted"] is True
    assert trust["trusted_vouchers"][0]["name"] == "Alpha"
    from_c = client.get(f"{api_base()}/trust/organisations/{b.organisation_id}", **headers_c).json()
    assert from_c["signal"] == "none"
    assert from_c["untrusted_vouchers"][0]["name"] == "Alpha"
    assert from_c["subject_trusted"] is False

    assert client.post(f"{api_base()}/vouches/{vouch_id}/revoke", **headers_c).status_code == 404
    revoked = client.post(f"{api_base()}/vouches/{vouch_id}/revoke", **headers_a)
    assert revoked.status_code == 200
    assert revoked.json()["current"] is False
    assert client.get(f"{api_base()}/trust/organisations/{b.organisation_id}", **headers_a).json()["signal"] == "none"
