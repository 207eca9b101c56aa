"""The access matrix of referred cases: organisation x role x case (own; referred and pending; accepted;
declined; revoked; consent revoked; and an unrelated organisation). Every pair that was not granted answers
404, on the case page, the cases API and the referral pages and API; and the parts rule holds: a recipient
reads only the parts referred to it, on the page and underneath, where its keys do not open the rest."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import login_verified, make_organisation
from mosty.api.tests.factories import bearer, make_token
from mosty.cases import referrals, services
from mosty.cases.models import CaseNote, Referral
from mosty.cases.selectors import CASE_READ_ROLES
from mosty.cases.tests.test_referrals import (
    CANARY_NAME,
    CANARY_NOTE,
    CANARY_SUMMARY,
    URLS,
    access_of,
    api_base,
    fast_member,
    fast_viewer,
    make_case,
    name_of,
    notes_of,
    reads,
    refer,
    summary_of,
)
from mosty.core.attachment_models import EncryptedFile
from mosty.core.attachments import attachment_open
from mosty.core.crypto.errors import KeyNotAvailable
from mosty.core.crypto.keyring import acting_as

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLS)]

ROLES = [Role.ORG_ADMIN, Role.CASEWORKER, Role.COORDINATOR, Role.PROGRAMME_OFFICER, Role.DOCUMENTER, Role.VIEWER]
STATES = ["own", "pending", "accepted", "declined", "revoked", "consent_revoked"]


def _cases_api_base() -> str | None:
    """Where the cases API answers (None if it is not mounted)."""
    from mosty.api.api import api
    from mosty.cases.api import router as cases_router

    return next((f"/api/v1{prefix}" for prefix, r in api._routers if r is cases_router), None)


def _build() -> dict[str, Any]:
    sender = fast_viewer(make_organisation("Sender NGO"))
    receiver = fast_viewer(make_organisation("Receiver NGO"))
    unrelated = make_organisation("Unrelated NGO")
    cases: dict[str, Any] = {}
    referral_ids: dict[str, Any] = {}
    for state in STATES:
        case = make_case(sender, note=CANARY_NOTE)
        cases[state] = case
        if state == "own":
            continue
        referral = refer(sender, case, receiver.organisation, ["case"])
        referral_ids[state] = referral.pk
        if state in {"accepted", "consent_revoked"}:
            referrals.referral_accept(viewer=receiver, referral=referral)
        if state == "declined":
            referrals.referral_decline(viewer=receiver, referral=referral)
        elif state == "revoked":
            referrals.referral_revoke(viewer=sender, referral=referral)
        elif state == "consent_revoked":
            referrals.consent_revoke(viewer=sender, consent=referral.consent)
    return {
        "orgs": {"sender": sender.organisation, "receiver": receiver.organisation, "unrelated": unrelated},
        "cases": cases,
        "referrals": referral_ids,
    }


def _may_open_case(org: str, role: str, state: str) -> bool:
    if role not in CASE_READ_ROLES:
        return False
    if org == "sender":
        return True
    return org == "receiver" and state in {"pending", "accepted"}


def _may_see_referral(org: str, role: str) -> bool:
    return role in CASE_READ_ROLES and org in {"sender", "receiver"}


def test_every_pair_not_granted_answers_404() -> None:
    world = _build()
    cases_api = _cases_api_base()
    sharing_api = api_base()
    wrong: list[str] = []

    def check(label: str, response: Any, granted: bool) -> None:
        expected = 200 if granted else 404
        if response.status_code != expected:
            wrong.append(f"{label}: {response.status_code}, expected {expected}")

    for org_name, organisation in world["orgs"].items():
        for role in ROLES:
            user = fast_member(organisation, role, totp=True)
            client = Client()
            login_verified(client, user)
            headers = bearer(make_token(user, organisation).plaintext)
            for state, case in world["cases"].items():
                granted = _may_open_case(org_name, role, state)
                label = f"{org_name}/{role}/{state}"
                check(f"page {label}", client.get(f"/cases/{case.pk}/"), granted)
                if cases_api is not None:
                    check(f"cases API {label}", client.get(f"{cases_api}/{case.pk}", **headers), granted)
                own = role in CASE_READ_ROLES and org_name == "sender"
                check(f"consents page {label}", client.get(f"/cases/referrals/case/{case.pk}/consents/"), own)
                check(
                    f"consents API {label}",
                    client.get(f"{sharing_api}/consents", {"case_id": str(case.pk)}, **headers),
                    own,
                )
                referral_id = world["referrals"].get(state)
                if referral_id is not None:
                    seen = _may_see_referral(org_name, role)
                    check(f"referral page {label}", client.get(f"/cases/referrals/{referral_id}/"), seen)
                    check(
                        f"referral API {label}", client.get(f"{sharing_api}/referrals/{referral_id}", **headers), seen
                    )
    assert wrong == []


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_recipient_reads_only_the_referred_parts(settings, tmp_path) -> None:
    settings.MOSTY_ATTACHMENTS_DIR = tmp_path / "attachments"
    sender = fast_viewer(make_organisation("Sender NGO"))
    receiver = fast_viewer(make_organisation("Receiver NGO"))
    third = fast_viewer(make_organisation("Third NGO"))
    case = make_case(sender, note=CANARY_NOTE)
    with acting_as(sender.organisation_id):
        link = services.attachment_add(
            viewer=sender,
            access=access_of(sender, case),
            uploaded=SimpleUploadedFile("scan.png", _png(), "image/png"),
        )
    file_id = link.file_id

    def open_file() -> Any:
        return attachment_open(file=EncryptedFile.objects.get(pk=file_id))

    referral = refer(sender, case, receiver.organisation, ["case"], consent_parts=["case", "identity", "notes"])
    referrals.referral_accept(viewer=receiver, referral=referral)

    # On the page and through the API: the summary, nothing of the notes, the identity or the attachments.
    member = fast_member(receiver.organisation, Role.CASEWORKER, totp=True)
    client = Client()
    login_verified(client, member)
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert CANARY_NOTE not in html
    assert CANARY_NAME not in html
    assert client.get(f"/cases/{case.pk}/attachments/{link.pk}/").status_code == 404
    cases_api = _cases_api_base()
    if cases_api is not None:
        headers = bearer(make_token(member, receiver.organisation).plaintext)
        body = client.get(f"{cases_api}/{case.pk}", **headers).json()
        assert body["summary"] == CANARY_SUMMARY
        assert body["parts"] == ["case"]
        assert body["notes"] == []
        assert body["person"]["family_name"] is None
        assert CANARY_NOTE not in json.dumps(body, ensure_ascii=False)

    # Underneath: the recipient's keys open the case part only.
    assert reads(receiver.organisation, summary_of(case))
    for read in (notes_of(case), name_of(case), open_file):
        assert not reads(receiver.organisation, read)
    with acting_as(receiver.organisation_id), pytest.raises(KeyNotAvailable):
        _ = CaseNote.objects.get(case_id=case.pk).body

    # Another organisation, referred the attachments: it opens the file, and a file added later too.
    refer(sender, case, third.organisation, ["case", "attachments"])
    assert reads(third.organisation, open_file)
    with acting_as(sender.organisation_id):
        later = services.attachment_add(
            viewer=sender,
            access=access_of(sender, case),
            uploaded=SimpleUploadedFile("later.png", _png(), "image/png"),
        )
        recipients = referrals.referral_share_attachment(case=case, data_key_id=later.file.ensure_data_key())
    assert recipients == 1  # the third organisation, not the one referred the case part only
    assert reads(third.organisation, lambda: attachment_open(file=EncryptedFile.objects.get(pk=later.file_id)))
    assert not reads(receiver.organisation, lambda: attachment_open(file=EncryptedFile.objects.get(pk=later.file_id)))
    assert Referral.objects.filter(case=case).count() == 2
