"""Consent and referrals: no sharing without a valid consent for that recipient covering every part; exactly
the parts' keys are shared; declining, revoking the referral or the consent, and expiry remove access; every
step is audited (ids only), on the timeline and in the consent's history.

The helpers at the top (and the test URLconf, which adds the referral API where the real one does not mount it
yet) are shared with the other referral, vouching, trust and access matrix tests."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from collections.abc import Iterable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.utils import timezone

from mosty.accounts import services as accounts_services
from mosty.accounts.models import Membership, Organisation, Role, User
from mosty.accounts.selectors import Viewer
from mosty.accounts.tests.factories import login_verified, make_organisation
from mosty.api.tests.factories import bearer, make_token
from mosty.cases import referrals, selectors, services
from mosty.cases.models import (
    Case,
    CaseEvent,
    CaseNote,
    Consent,
    ConsentEvent,
    Person,
    Referral,
    ReferralStatus,
)
from mosty.cases.referral_api import router as referral_router
from mosty.core.crypto import keyring
from mosty.core.crypto.errors import KeyNotAvailable
from mosty.core.crypto.keyring import acting_as
from mosty.core.exceptions import Conflict, ConsentMissing, NotFound, PermissionDenied, ValidationFailed
from mosty.core.models import AuditEvent, WrappedDataKey
from mosty.registry.models import SupportType

# --- the test URLconf: the site, with the referral API wherever it is mounted ------------------------------------
# Built lazily (PEP 562 module __getattr__), so that tests which need no URL do not import the whole site.


@functools.cache
def _site() -> tuple[str, list[Any]]:
    from config import urls as config_urls
    from mosty.api.api import api as main_api
    from mosty.api.api import create_api

    for prefix, mounted in main_api._routers:
        if mounted is referral_router:
            return f"/api/v1{prefix}", list(config_urls.urlpatterns)
    test_api = create_api(urls_namespace="api", routers=[("/sharing", referral_router)])
    return "/api/v1/sharing", [path("api/v1/", test_api.urls), *config_urls.urlpatterns]


def api_base() -> str:
    """Where the referral API answers in the test URLconf (`URLS`)."""
    return _site()[0]


def __getattr__(name: str) -> Any:
    if name == "urlpatterns":
        return _site()[1]
    raise AttributeError(name)


URLS = "mosty.cases.tests.test_referrals"

pytestmark = pytest.mark.django_db

CANARY_SUMMARY = "canary-summary-Подснежник-4410"
CANARY_NAME = "Канарейкина"
CANARY_NOTE = "canary-note-Черемша-7782"
CANARY_PURPOSE = "canary-purpose-Relocation-5521"


# --- helpers (shared) --------------------------------------------------------------------------------------------


_users = itertools.count(1)


def fast_member(organisation: Organisation, role: str = Role.CASEWORKER, *, totp: bool = False) -> User:
    """A member without a usable password (no Argon2 run: these tests log in with `force_login` or a token)."""
    user = User(username=f"member{next(_users)}-{organisation.pk}")
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=role)
    if totp:
        accounts_services.totp_device_create_confirmed(user=user)
    return user


def fast_viewer(organisation: Organisation, role: str = Role.CASEWORKER) -> Viewer:
    return Viewer(user=fast_member(organisation, role), organisation=organisation, role=role)


def today() -> dt.date:
    return timezone.localdate()


def make_case(viewer: Viewer, *, summary: str = CANARY_SUMMARY, note: str | None = None, person: Person | None = None):
    with acting_as(viewer.organisation_id):
        if person is None:
            person = services.person_create(
                viewer=viewer,
                organisation=viewer.organisation,
                data=services.PersonInput(family_name=CANARY_NAME, given_name="Ольга"),
            )
        case = services.case_create(
            viewer=viewer,
            organisation=viewer.organisation,
            person=person,
            data=services.CaseInput(support_type=SupportType.objects.get(slug="legal-aid"), summary=summary),
        )
        if note is not None:
            services.note_add(viewer=viewer, access=selectors.access_case_by_id(viewer, case.pk), body=note)
    return case


def access_of(viewer: Viewer, case: Case) -> selectors.CaseAccess:
    return selectors.access_case_by_id(viewer, case.pk)


def give_consent(
    viewer: Viewer,
    case: Case,
    recipient: Organisation,
    parts: Iterable[str] = ("case",),
    *,
    days: int = 30,
    purpose: str = CANARY_PURPOSE,
) -> Consent:
    with acting_as(viewer.organisation_id):
        return referrals.consent_record(
            viewer=viewer,
            access=access_of(viewer, case),
            recipient=recipient,
            given_by="person",
            purpose=purpose,
            parts=list(parts),
            valid_until=today() + dt.timedelta(days=days),
        )


def refer(
    viewer: Viewer,
    case: Case,
    recipient: Organisation,
    parts: Iterable[str] = ("case",),
    *,
    consent_parts: Iterable[str] | None = None,
) -> Referral:
    give_consent(viewer, case, recipient, consent_parts or parts)
    with acting_as(viewer.organisation_id):
        return referrals.referral_create(
            viewer=viewer, access=access_of(viewer, case), to_organisation=recipient, parts=list(parts)
        )


def reads(organisation: Organisation, read: Any) -> bool:
    """Whether `organisation`'s keys open what `read()` decrypts (fresh rows, nothing cached)."""
    try:
        with acting_as(organisation.pk):
            read()
    except KeyNotAvailable:
        return False
    return True


def summary_of(case: Case) -> Any:
    return lambda: Case.objects.get(pk=case.pk).summary


def name_of(case: Case) -> Any:
    return lambda: Case.objects.select_related("person").get(pk=case.pk).person.family_name


def notes_of(case: Case) -> Any:
    return lambda: [n.body for n in CaseNote.objects.filter(case_id=case.pk)]


def snapshot() -> tuple[int, ...]:
    """Counts of everything a refused referral must not write."""
    return (
        Referral.objects.count(),
        WrappedDataKey.objects.count(),
        ConsentEvent.objects.count(),
        AuditEvent.objects.count(),
        CaseEvent.objects.count(),
    )


def audit_actions(object_id: Any) -> list[str]:
    return list(AuditEvent.objects.filter(object_id=str(object_id)).order_by("seq").values_list("action", flat=True))


@pytest.fixture
def world():
    a, b, c = make_organisation("Sender"), make_organisation("Receiver"), make_organisation("Unrelated")
    return fast_viewer(a, Role.CASEWORKER), fast_viewer(b, Role.CASEWORKER), fast_viewer(c, Role.CASEWORKER)


# --- consent -----------------------------------------------------------------------------------------------------


def test_consent_is_recorded_with_history_timeline_and_audit(world) -> None:
    a, b, _c = world
    case = make_case(a)
    consent = give_consent(a, case, b.organisation, ["identity", "case"])
    assert consent.parts == ["case", "identity"]
    assert [e.kind for e in consent.history.all()] == ["given"]
    assert CaseEvent.objects.filter(case=case, kind="consent_given", data__consent=str(consent.pk)).exists()
    assert audit_actions(consent.pk) == ["cases.consent.given"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"valid_until": -1}, "valid_until"),
        ({"valid_until": 0}, "valid_until"),
        ({"valid_until": 800}, "valid_until"),
        ({"parts": []}, "parts"),
        ({"parts": ["case", "everything"]}, "parts"),
        ({"purpose": "   "}, "purpose"),
        ({"given_by": "neighbour"}, "given_by"),
        ({"recipient": "self"}, "recipient"),
    ],
)
def test_invalid_consent_is_refused_field_by_field(world, overrides, field) -> None:
    a, b, _c = world
    case = make_case(a)
    values: dict[str, Any] = {
        "recipient": b.organisation,
        "given_by": "person",
        "purpose": "legal help",
        "parts": ["case"],
        "valid_until": today() + dt.timedelta(days=30),
    }
    for key, value in overrides.items():
        if key == "valid_until":
            value = today() + dt.timedelta(days=value)
        if value == "self":
            value = a.organisation
        values[key] = value
    with pytest.raises(ValidationFailed) as caught, acting_as(a.organisation_id):
        referrals.consent_record(viewer=a, access=access_of(a, case), **values)
    assert field in caught.value.errors
    assert not Consent.objects.exists()


def test_only_the_owners_writers_record_consent(world) -> None:
    a, b, _c = world
    case = make_case(a)
    officer = fast_viewer(a.organisation, Role.PROGRAMME_OFFICER)
    with pytest.raises(PermissionDenied):
        give_consent(officer, case, b.organisation)
    referral = refer(a, case, b.organisation)
    receiving = access_of(b, case)  # B reads the case, but records no consent for it
    with pytest.raises(NotFound):
        referrals.consent_record(
            viewer=b,
            access=receiving,
            recipient=a.organisation,
            given_by="person",
            purpose="x",
            parts=["case"],
            valid_until=today() + dt.timedelta(days=3),
        )
    with pytest.raises(NotFound):
        referrals.consents_for(receiving)
    with pytest.raises(NotFound):
        referrals.consent_revoke(viewer=b, consent=referral.consent)


# --- refusals: nothing written -----------------------------------------------------------------------------------


def test_referral_without_consent_is_refused_and_writes_nothing(world) -> None:
    a, b, _c = world
    case = make_case(a)
    before = snapshot()
    with pytest.raises(ConsentMissing), acting_as(a.organisation_id):
        referrals.referral_create(viewer=a, access=access_of(a, case), to_organisation=b.organisation, parts=["case"])
    assert snapshot() == before
    assert not reads(b.organisation, summary_of(case))


def test_referral_with_an_expired_consent_is_refused_and_writes_nothing(world) -> None:
    a, b, _c = world
    case = make_case(a)
    consent = give_consent(a, case, b.organisation)
    Consent.objects.filter(pk=consent.pk).update(valid_until=today() - dt.timedelta(days=1))
    before = snapshot()
    for chosen in (None, consent):
        with pytest.raises(ConsentMissing), acting_as(a.organisation_id):
            referrals.referral_create(
                viewer=a, access=access_of(a, case), to_organisation=b.organisation, parts=["case"], consent=chosen
            )
    assert snapshot() == before


def test_referral_under_another_recipients_consent_is_refused(world) -> None:
    a, b, c = world
    case = make_case(a)
    consent_for_c = give_consent(a, case, c.organisation, ["case", "identity", "notes"])
    before = snapshot()
    for chosen in (None, consent_for_c):
        with pytest.raises(ConsentMissing), acting_as(a.organisation_id):
            referrals.referral_create(
                viewer=a, access=access_of(a, case), to_organisation=b.organisation, parts=["case"], consent=chosen
            )
    assert snapshot() == before
    assert not reads(b.organisation, summary_of(case))


def test_referral_beyond_the_consented_parts_is_refused(world) -> None:
    a, b, _c = world
    case = make_case(a)
    give_consent(a, case, b.organisation, ["case"])
    before = snapshot()
    with pytest.raises(ConsentMissing), acting_as(a.organisation_id):
        referrals.referral_create(
            viewer=a, access=access_of(a, case), to_organisation=b.organisation, parts=["case", "identity"]
        )
    assert snapshot() == before
    coverage = referrals.consent_coverage(access_of(a, case), b.organisation, ["case", "identity"])
    assert coverage.reason == "parts"
    assert coverage.missing == ("identity",)


def test_revoked_consent_covers_nothing(world) -> None:
    a, b, _c = world
    case = make_case(a)
    consent = give_consent(a, case, b.organisation)
    with acting_as(a.organisation_id):
        referrals.consent_revoke(viewer=a, consent=consent)
        with pytest.raises(ConsentMissing):
            referrals.referral_create(
                viewer=a, access=access_of(a, case), to_organisation=b.organisation, parts=["case"]
            )
    assert referrals.consent_coverage(access_of(a, case), b.organisation, ["case"]).reason == "revoked"


# --- sharing exactly the parts -----------------------------------------------------------------------------------


def test_a_referral_shares_exactly_its_parts_and_never_widens(world) -> None:
    a, b, c = world
    case = make_case(a, note=CANARY_NOTE)
    # The consent would allow more; the referral asks for the case only, and that is all it ever shares.
    referral = refer(a, case, b.organisation, ["case"], consent_parts=["case", "identity", "notes"])
    assert referral.parts == ["case"]
    assert reads(b.organisation, summary_of(case))
    assert not reads(b.organisation, name_of(case))
    assert not reads(b.organisation, notes_of(case))
    assert not reads(c.organisation, summary_of(case))
    access = access_of(b, case)
    assert access.parts == frozenset({"case"})
    assert not access.own
    assert not access.can_write
    # A second referral to the same organisation cannot be used to widen the first: revoke it first.
    with pytest.raises(Conflict), acting_as(a.organisation_id):
        referrals.referral_create(
            viewer=a, access=access_of(a, case), to_organisation=b.organisation, parts=["case", "notes"]
        )
    assert Referral.objects.count() == 1


def test_identity_and_notes_parts_share_their_keys_including_later_notes(world) -> None:
    a, b, _c = world
    case = make_case(a)  # no note yet: the notes key is created by the referral
    assert Case.objects.get(pk=case.pk).notes_key_id is None
    refer(a, case, b.organisation, ["case", "identity", "notes"])
    assert Case.objects.get(pk=case.pk).notes_key_id is not None
    with acting_as(a.organisation_id):
        services.note_add(viewer=a, access=access_of(a, case), body=CANARY_NOTE)
    assert reads(b.organisation, name_of(case))
    with acting_as(b.organisation_id):
        assert [n.body for n in CaseNote.objects.filter(case_id=case.pk)] == [CANARY_NOTE]
        assert Case.objects.select_related("person").get(pk=case.pk).person.family_name == CANARY_NAME


def test_the_recipient_cannot_pass_the_case_on(world) -> None:
    a, b, c = world
    case = make_case(a)
    refer(a, case, b.organisation, ["case"])
    with pytest.raises(NotFound):
        referrals.referral_create(viewer=b, access=access_of(b, case), to_organisation=c.organisation, parts=["case"])
    with acting_as(b.organisation_id), pytest.raises(KeyNotAvailable):
        keyring.data_key_share(data_key_id=int(case.data_key_id), with_organisation_id=c.organisation_id)


# --- answers and revocation --------------------------------------------------------------------------------------


def test_accept_then_revoke_by_the_sender(world) -> None:
    a, b, c = world
    case = make_case(a)
    referral = refer(a, case, b.organisation)
    officer_b = fast_viewer(b.organisation, Role.PROGRAMME_OFFICER)
    with pytest.raises(PermissionDenied):
        referrals.referral_accept(viewer=officer_b, referral=referral)
    for outsider in (a, c):
        with pytest.raises(NotFound):
            referrals.referral_accept(viewer=outsider, referral=referral)
    referrals.referral_accept(viewer=b, referral=referral)
    with pytest.raises(Conflict):
        referrals.referral_accept(viewer=b, referral=referral)
    with pytest.raises(Conflict):
        referrals.referral_decline(viewer=b, referral=referral)
    assert reads(b.organisation, summary_of(case))
    with pytest.raises(NotFound):
        referrals.referral_revoke(viewer=b, referral=referral)
    referrals.referral_revoke(viewer=a, referral=referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REVOKED
    assert referral.revoked_at is not None
    assert not reads(b.organisation, summary_of(case))
    with pytest.raises(NotFound):
        access_of(b, case)
    assert audit_actions(referral.pk) == [
        "cases.referral.created",
        "cases.referral.accepted",
        "cases.referral.revoked",
    ]
    kinds = [e.kind for e in referral.consent.history.all()]
    assert kinds == ["given", "used", "referral_accepted", "referral_revoked"]
    timeline = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"referral_created", "referral_accepted", "referral_revoked"} <= timeline


def test_decline_removes_access(world) -> None:
    a, b, _c = world
    case = make_case(a)
    referral = refer(a, case, b.organisation, ["case", "identity"])
    assert reads(b.organisation, name_of(case))
    referrals.referral_decline(viewer=b, referral=referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.decided_by == b.user
    assert not reads(b.organisation, summary_of(case))
    assert not reads(b.organisation, name_of(case))
    with pytest.raises(NotFound):
        access_of(b, case)
    assert "cases.referral.declined" in audit_actions(referral.pk)
    # The recipient still sees the referral's record, not its terms; the sender sees everything.
    assert referrals.access_referral_by_id(b, referral.pk).status == ReferralStatus.DECLINED


def test_revoking_the_consent_revokes_its_referrals(world) -> None:
    a, b, _c = world
    case = make_case(a, note=CANARY_NOTE)
    referral = refer(a, case, b.organisation, ["case", "notes"])
    referrals.referral_accept(viewer=b, referral=referral)
    assert reads(b.organisation, notes_of(case))
    with acting_as(a.organisation_id):
        referrals.consent_revoke(viewer=a, consent=referral.consent)
        referrals.consent_revoke(viewer=a, consent=referral.consent)  # twice: nothing more happens
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REVOKED
    assert not reads(b.organisation, summary_of(case))
    assert not reads(b.organisation, notes_of(case))
    with pytest.raises(NotFound):
        access_of(b, case)
    consent = Consent.objects.get(pk=referral.consent_id)
    assert consent.revoked_by == a.user
    assert [e.kind for e in consent.history.all()] == [
        "given",
        "used",
        "referral_accepted",
        "revoked",
        "referral_revoked",
    ]
    assert audit_actions(consent.pk) == ["cases.consent.given", "cases.consent.revoked"]
    assert CaseEvent.objects.filter(case=case, kind="consent_revoked").count() == 1


def test_expired_consent_ends_its_referrals_when_the_job_runs(world) -> None:
    a, b, _c = world
    case = make_case(a)
    referral = refer(a, case, b.organisation)
    Consent.objects.filter(pk=referral.consent_id).update(valid_until=today() - dt.timedelta(days=1))
    with pytest.raises(ConsentMissing):
        referrals.referral_accept(viewer=b, referral=referral)
    assert referrals.consents_expire() == 1
    assert referrals.consents_expire() == 0
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REVOKED
    assert not reads(b.organisation, summary_of(case))
    assert [e.kind for e in referral.consent.history.all()][-2:] == ["expired", "referral_revoked"]
    assert "cases.consent.expired" in audit_actions(referral.consent_id)


def test_keys_another_open_referral_needs_stay_shared(world) -> None:
    a, b, _c = world
    first = make_case(a)
    with acting_as(a.organisation_id):
        person = Person.objects.get(pk=first.person_id)
    second = make_case(a, person=person)
    one = refer(a, first, b.organisation, ["case", "identity"])
    refer(a, second, b.organisation, ["case", "identity"])
    referrals.referral_revoke(viewer=a, referral=one)
    assert not reads(b.organisation, summary_of(first))
    assert reads(b.organisation, summary_of(second))
    assert reads(b.organisation, name_of(second))  # the person's key serves the second referral still


def test_selectors_show_referrals_to_sender_and_receiver_only(world) -> None:
    a, b, c = world
    case = make_case(a)
    referral = refer(a, case, b.organisation)
    assert list(referrals.referrals_sent(a)) == [referral]
    assert list(referrals.referrals_received(b)) == [referral]
    assert list(referrals.referrals_received(a)) == []
    assert list(referrals.referrals_sent(c)) == list(referrals.referrals_received(c)) == []
    assert referrals.access_referral_by_id(a, referral.pk) == referral
    assert referrals.access_referral_by_id(b, referral.pk) == referral
    for viewer, referral_id in ((c, referral.pk), (fast_viewer(b.organisation, Role.VIEWER), referral.pk), (a, "x")):
        with pytest.raises(NotFound):
            referrals.access_referral_by_id(viewer, referral_id)


def test_audit_and_timeline_carry_ids_only(world) -> None:
    a, b, _c = world
    case = make_case(a)
    referral = refer(a, case, b.organisation, ["case", "identity"])
    referrals.referral_decline(viewer=b, referral=referral)
    rows = [str(r) for r in AuditEvent.objects.values_list("action", "object_type", "object_id")]
    rows += [json.dumps(d) for d in CaseEvent.objects.values_list("data", flat=True)]
    text = "\n".join(rows)
    for secret in (CANARY_PURPOSE, CANARY_NAME, CANARY_SUMMARY, "Receiver"):
        assert secret not in text


# --- pages -------------------------------------------------------------------------------------------------------


def _client(viewer: Viewer, role: str = Role.CASEWORKER) -> tuple[Client, Viewer]:
    user = fast_member(viewer.organisation, role, totp=True)
    client = Client()
    login_verified(client, user)
    return client, Viewer(user=user, organisation=viewer.organisation, role=role)


def test_pages_refer_accept_and_revoke(world) -> None:
    a, b, _c = world
    case = make_case(a)
    client_a, _ = _client(a)
    client_b, _ = _client(b)

    response = client_a.get(f"/cases/referrals/case/{case.pk}/new/")
    assert response.status_code == 200
    response = client_a.post(
        f"/cases/referrals/case/{case.pk}/new/", {"to_organisation": b.organisation_id, "parts": ["case"]}
    )
    assert response.status_code == 400
    assert "No consent to share this case with Receiver was recorded." in response.content.decode()
    assert not Referral.objects.exists()

    response = client_a.post(
        f"/cases/referrals/case/{case.pk}/consents/",
        {
            "recipient": b.organisation_id,
            "parts": ["case"],
            "given_by": "person",
            "purpose": CANARY_PURPOSE,
            "valid_until": (today() + dt.timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 302
    response = client_a.post(
        f"/cases/referrals/case/{case.pk}/new/", {"to_organisation": b.organisation_id, "parts": ["case", "notes"]}
    )
    assert response.status_code == 400
    assert "does not cover: Caseworkers" in response.content.decode()
    response = client_a.post(
        f"/cases/referrals/case/{case.pk}/new/", {"to_organisation": b.organisation_id, "parts": ["case"]}
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/referrals/{referral.pk}/"

    inbox = client_b.get("/cases/referrals/").content.decode()
    assert case.reference in inbox
    page = client_b.get(f"/cases/referrals/{referral.pk}/").content.decode()
    assert CANARY_PURPOSE in page
    assert f"/cases/referrals/{referral.pk}/accept/" in page
    assert client_b.post(f"/cases/referrals/{referral.pk}/revoke/").status_code == 404
    assert client_b.post(f"/cases/referrals/{referral.pk}/accept/").status_code == 302
    assert client_b.get(f"/cases/{case.pk}/").status_code == 200

    assert client_a.post(f"/cases/referrals/{referral.pk}/revoke/").status_code == 302
    assert client_b.get(f"/cases/{case.pk}/").status_code == 404
    page = client_b.get(f"/cases/referrals/{referral.pk}/").content.decode()
    assert CANARY_PURPOSE not in page  # the terms are not the recipient's once it is closed
    consents_page = client_a.get(f"/cases/referrals/case/{case.pk}/consents/").content.decode()
    assert "Referral revoked" in consents_page
    assert client_b.get(f"/cases/referrals/case/{case.pk}/consents/").status_code == 404


def test_consent_page_revokes_and_foreign_consents_are_not_found(world) -> None:
    a, b, c = world
    case = make_case(a)
    other_case = make_case(a)
    consent = give_consent(a, case, b.organisation)
    client_a, _ = _client(a)
    client_c, _ = _client(c)
    assert client_c.post(f"/cases/referrals/case/{case.pk}/consents/{consent.pk}/revoke/").status_code == 404
    assert client_a.post(f"/cases/referrals/case/{other_case.pk}/consents/{consent.pk}/revoke/").status_code == 404
    assert Consent.objects.get(pk=consent.pk).revoked_at is None
    assert client_a.post(f"/cases/referrals/case/{case.pk}/consents/{consent.pk}/revoke/").status_code == 302
    assert Consent.objects.get(pk=consent.pk).revoked_at is not None


def test_inbox_query_count_does_not_grow_with_referrals(world) -> None:
    a, b, _c = world
    client_b, _ = _client(b)
    refer(a, make_case(a), b.organisation)
    client_b.get("/cases/referrals/")  # warm up (session, keys)
    with CaptureQueriesContext(connection) as one:
        client_b.get("/cases/referrals/")
    for _ in range(4):
        refer(a, make_case(a), b.organisation)
    with CaptureQueriesContext(connection) as five:
        assert client_b.get("/cases/referrals/").status_code == 200
    assert len(five) == len(one)


# --- API ---------------------------------------------------------------------------------------------------------


def _token(viewer: Viewer, role: str = Role.CASEWORKER) -> dict[str, Any]:
    user = fast_member(viewer.organisation, role)
    return bearer(make_token(user, viewer.organisation).plaintext)


def _post(client: Client, url: str, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(f"{api_base()}{url}", data=json.dumps(body), content_type="application/json", **headers)


@pytest.mark.urls(URLS)
def test_api_consent_refer_answer_and_revoke(world) -> None:
    a, b, c = world
    case = make_case(a)
    client, headers_a, headers_b, headers_c = Client(), _token(a), _token(b), _token(c)
    refused = _post(
        client,
        "/referrals",
        {"case_id": str(case.pk), "to_organisation_id": b.organisation_id, "parts": ["case"]},
        headers_a,
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "consent_missing"
    assert not Referral.objects.exists()

    body = {
        "case_id": str(case.pk),
        "recipient_id": b.organisation_id,
        "given_by": "person",
        "purpose": "legal help",
        "parts": ["case", "identity"],
        "valid_until": (today() + dt.timedelta(days=20)).isoformat(),
    }
    created = _post(client, "/consents", body, headers_a)
    assert created.status_code == 201, created.content
    consent_id = created.json()["id"]
    assert created.json()["history"][0]["kind"] == "given"
    assert _post(client, "/consents", body, headers_c).status_code == 404
    assert client.get(f"{api_base()}/consents", {"case_id": str(case.pk)}, **headers_a).json()[0]["id"] == consent_id
    assert client.get(f"{api_base()}/consents", {"case_id": str(case.pk)}, **headers_b).status_code == 404

    made = _post(
        client,
        "/referrals",
        {"case_id": str(case.pk), "to_organisation_id": b.organisation_id, "parts": ["case"]},
        headers_a,
    )
    assert made.status_code == 201, made.content
    referral_id = made.json()["id"]
    assert made.json()["parts"] == ["case"]
    received = client.get(f"{api_base()}/referrals", **headers_b).json()
    assert received["count"] == 1
    assert received["items"][0]["purpose"] == "legal help"
    assert client.get(f"{api_base()}/referrals", {"box": "sent"}, **headers_a).json()["count"] == 1
    assert client.get(f"{api_base()}/referrals/{referral_id}", **headers_c).status_code == 404
    assert _post(client, f"/referrals/{referral_id}/accept", {}, headers_c).status_code == 404
    assert _post(client, f"/referrals/{referral_id}/accept", {}, headers_b).json()["status"] == "accepted"
    assert _post(client, f"/referrals/{referral_id}/accept", {}, headers_b).status_code == 409

    revoked = _post(client, f"/consents/{consent_id}/revoke", {}, headers_a)
    assert revoked.status_code == 200
    assert revoked.json()["valid"] is False
    detail = client.get(f"{api_base()}/referrals/{referral_id}", **headers_b).json()
    assert detail["status"] == "revoked"
    assert detail["purpose"] is None
    assert not reads(b.organisation, summary_of(case))
