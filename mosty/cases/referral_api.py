"""The API of referrals, consent, vouching and the trust signal. Through the same selectors and services as the
pages: a token refers, answers and vouches exactly as its holder could on the web with the token's role, and
everything it may not see answers 404.

Paths are relative to where the router is mounted: `/referrals`, `/consents`, `/vouches`, `/trust/...`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from mosty.accounts import selectors as accounts_selectors
from mosty.accounts.models import Organisation
from mosty.accounts.selectors import Viewer
from mosty.api.auth import identity
from mosty.cases import referrals, trust, vouching
from mosty.cases.models import Consent, ConsentGiver, Referral, ReferralPart, Vouch, VouchBasis
from mosty.cases.selectors import CaseAccess, access_case_by_id
from mosty.core.exceptions import InvalidRequest, NotFound, ValidationFailed
from mosty.registry import selectors as registry_selectors

router = Router(tags=["referrals"])
VOUCHING = ["vouching"]


def _viewer(request: HttpRequest) -> Viewer:
    who = identity(request)
    return Viewer(user=who.user, organisation=who.organisation, role=who.role)


class Pages(PageNumberPagination):
    """Page numbers from 1; 50 items a page unless `page_size` asks for fewer (at most 200)."""


def _organisation(organisation_id: int, field_name: str) -> Organisation:
    try:
        return accounts_selectors.active_organisation_by_id(organisation_id)
    except NotFound:
        raise ValidationFailed(errors={field_name: ["unknown organisation"]}) from None


def _own_case(viewer: Viewer, case_id: uuid.UUID) -> CaseAccess:
    access = access_case_by_id(viewer, case_id)
    if not access.own:
        raise NotFound
    return access


# --- schemas -----------------------------------------------------------------------------------------------------


class ReferralOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    from_organisation_id: int
    from_organisation: str
    to_organisation_id: int
    to_organisation: str
    parts: list[str]
    status: str
    consent_id: uuid.UUID
    purpose: str | None = Field(None, description="The consent's purpose: the sender always, the recipient while open.")
    valid_until: dt.date | None = None
    created_at: dt.datetime
    decided_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _referral_out(viewer: Viewer, referral: Referral) -> ReferralOut:
    terms = referral.from_organisation_id == viewer.organisation_id or referral.is_open
    return ReferralOut(
        id=referral.pk,
        case_id=referral.case_id,
        case_reference=referral.case.reference,
        from_organisation_id=referral.from_organisation_id,
        from_organisation=referral.from_organisation.name,
        to_organisation_id=referral.to_organisation_id,
        to_organisation=referral.to_organisation.name,
        parts=list(referral.parts),
        status=referral.status,
        consent_id=referral.consent_id,
        purpose=referral.consent.purpose if terms else None,
        valid_until=referral.consent.valid_until if terms else None,
        created_at=referral.created_at,
        decided_at=referral.decided_at,
        revoked_at=referral.revoked_at,
    )


class ReferralIn(Schema):
    case_id: uuid.UUID
    to_organisation_id: int
    parts: list[ReferralPart] = Field(..., min_length=1)
    consent_id: uuid.UUID | None = Field(None, description="Default: the newest valid consent that covers it.")


class ConsentEventOut(Schema):
    kind: str
    at: dt.datetime
    actor: str | None
    referral_id: str | None

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.username if obj.actor else None

    @staticmethod
    def resolve_referral_id(obj: Any) -> str | None:
        return obj.data.get("referral") if isinstance(obj.data, dict) else None


class ConsentOut(Schema):
    id: uuid.UUID
    case_id: uuid.UUID
    recipient_id: int
    recipient: str
    given_by: str
    purpose: str
    parts: list[str]
    valid_until: dt.date
    valid: bool
    recorded_at: dt.datetime
    revoked_at: dt.datetime | None
    history: list[ConsentEventOut]

    @staticmethod
    def resolve_recipient(obj: Consent) -> str:
        return obj.recipient.name

    @staticmethod
    def resolve_valid(obj: Consent) -> bool:
        return obj.is_valid()

    @staticmethod
    def resolve_history(obj: Consent) -> list[Any]:
        return list(obj.history.all())


class ConsentIn(Schema):
    case_id: uuid.UUID
    recipient_id: int
    given_by: ConsentGiver
    purpose: str = Field(..., max_length=300)
    parts: list[ReferralPart] = Field(..., min_length=1)
    valid_until: dt.date


class VouchOut(Schema):
    id: uuid.UUID
    voucher_id: int
    voucher: str
    subject_kind: str
    subject_organisation_id: int | None
    subject_initiative_id: uuid.UUID | None
    subject_person_label: str | None
    basis: str
    since: dt.date | None
    expires_on: dt.date
    current: bool
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_voucher(obj: Vouch) -> str:
        return obj.voucher.name

    @staticmethod
    def resolve_subject_kind(obj: Vouch) -> str:
        return vouching.subject_kind(obj)

    @staticmethod
    def resolve_subject_person_label(obj: Vouch) -> str | None:
        return obj.subject_person.label if obj.subject_person_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_current(obj: Vouch) -> bool:
        return vouching.is_current(obj)


class VouchIn(Schema):
    subject_organisation_id: int | None = None
    subject_initiative_id: uuid.UUID | None = None
    subject_case_id: uuid.UUID | None = Field(None, description="Vouch for the person of this case.")
    basis: VouchBasis
    since: dt.date | None = None
    expires_on: dt.date


class VoucherOut(Schema):
    organisation_id: int
    name: str
    basis: str
    since: dt.date | None
    expires_on: dt.date
    trusted: bool
    level: int | None = Field(None, description="Vouches between you and this organisation (0: you).")
    path: list[str] = Field(description="From you, through organisations you trust, to this one.")


class TrustOut(Schema):
    subject_kind: str
    signal: str = Field(description="none | some | strong: a signal to weigh, never a verdict.")
    signal_label: str
    subject_trusted: bool | None = Field(None, description="Organisations: does trust flow to it from you?")
    subject_level: int | None = None
    trusted_vouchers: list[VoucherOut]
    untrusted_vouchers: list[VoucherOut]


def _trust_out(explanation: trust.TrustExplanation) -> TrustOut:
    def voucher(v: trust.VoucherView) -> VoucherOut:
        return VoucherOut(
            organisation_id=v.organisation_id,
            name=v.name,
            basis=v.basis,
            since=v.since,
            expires_on=v.expires_on,
            trusted=v.trusted,
            level=v.level,
            path=list(v.path),
        )

    return TrustOut(
        subject_kind=explanation.subject_kind,
        signal=explanation.signal,
        signal_label=explanation.signal_label,
        subject_trusted=explanation.subject_trusted,
        subject_level=explanation.subject_level,
        trusted_vouchers=[voucher(v) for v in explanation.trusted_vouchers],
        untrusted_vouchers=[voucher(v) for v in explanation.untrusted_vouchers],
    )


# --- referrals ---------------------------------------------------------------------------------------------------


class ReferralPages(Pages):
    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        viewer = _viewer(request)
        page[self.items_attribute] = [_referral_out(viewer, r) for r in page[self.items_attribute]]
        return page


@router.get("/referrals", response=list[ReferralOut], summary="Referrals received (default) or sent")
@paginate(ReferralPages, page_size=50, max_page_size=200)
def referral_list(request: HttpRequest, box: str = "received") -> Any:
    viewer = _viewer(request)
    if box not in {"received", "sent"}:
        raise InvalidRequest(errors={"box": ["received or sent"]})
    return referrals.referrals_sent(viewer) if box == "sent" else referrals.referrals_received(viewer)


@router.post("/referrals", response={201: ReferralOut}, summary="Refer a case (403 consent_missing without consent)")
def referral_create(request: HttpRequest, payload: ReferralIn) -> Any:
    viewer = _viewer(request)
    access = _own_case(viewer, payload.case_id)
    consent = referrals.access_consent_by_id(viewer, payload.consent_id) if payload.consent_id else None
    if consent is not None and consent.case_id != access.case.pk:
        raise NotFound
    referral = referrals.referral_create(
        viewer=viewer,
        access=access,
        to_organisation=_organisation(payload.to_organisation_id, "to_organisation_id"),
        parts=[str(p) for p in payload.parts],
        consent=consent,
    )
    return _referral_out(viewer, referrals.access_referral_by_id(viewer, referral.pk))


@router.get("/referrals/{referral_id}", response=ReferralOut, summary="One referral you sent or received")
def referral_detail(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    return _referral_out(viewer, referrals.access_referral_by_id(viewer, referral_id))


def _answer(request: HttpRequest, referral_id: uuid.UUID, action: Any) -> ReferralOut:
    viewer = _viewer(request)
    action(viewer=viewer, referral=referrals.access_referral_by_id(viewer, referral_id))
    return _referral_out(viewer, referrals.access_referral_by_id(viewer, referral_id))


@router.post("/referrals/{referral_id}/accept", response=ReferralOut, summary="Accept a referral to you")
def referral_accept(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    return _answer(request, referral_id, referrals.referral_accept)


@router.post("/referrals/{referral_id}/decline", response=ReferralOut, summary="Decline a referral (access ends)")
def referral_decline(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    return _answer(request, referral_id, referrals.referral_decline)


@router.post("/referrals/{referral_id}/revoke", response=ReferralOut, summary="Revoke a referral you sent")
def referral_revoke(request: HttpRequest, referral_id: uuid.UUID) -> Any:
    return _answer(request, referral_id, referrals.referral_revoke)


# --- consent -----------------------------------------------------------------------------------------------------


@router.get("/consents", response=list[ConsentOut], summary="Consents of one of your cases, with their history")
def consent_list(request: HttpRequest, case_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    return list(referrals.consents_for(_own_case(viewer, case_id)))


@router.post("/consents", response={201: ConsentOut}, summary="Record a person's consent")
def consent_create(request: HttpRequest, payload: ConsentIn) -> Any:
    viewer = _viewer(request)
    return referrals.consent_record(
        viewer=viewer,
        access=_own_case(viewer, payload.case_id),
        recipient=_organisation(payload.recipient_id, "recipient_id"),
        given_by=str(payload.given_by),
        purpose=payload.purpose,
        parts=[str(p) for p in payload.parts],
        valid_until=payload.valid_until,
    )


@router.post("/consents/{consent_id}/revoke", response=ConsentOut, summary="Revoke a consent and its referrals")
def consent_revoke(request: HttpRequest, consent_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    consent = referrals.access_consent_by_id(viewer, consent_id)
    _own_case(viewer, consent.case_id)
    return referrals.consent_revoke(viewer=viewer, consent=consent)


# --- vouching and trust ------------------------------------------------------------------------------------------


@router.get("/vouches", response=list[VouchOut], tags=VOUCHING, summary="Vouches given (default) or received")
@paginate(Pages, page_size=50, max_page_size=200)
def vouch_list(request: HttpRequest, direction: str = "given") -> Any:
    viewer = _viewer(request)
    if direction not in {"given", "received"}:
        raise InvalidRequest(errors={"direction": ["given or received"]})
    if direction == "received":
        return vouching.vouches_received(viewer)
    return vouching.vouches_given(viewer)


def _subject(viewer: Viewer, payload: VouchIn) -> Any:
    chosen = [
        name
        for name in ("subject_organisation_id", "subject_initiative_id", "subject_case_id")
        if getattr(payload, name) is not None
    ]
    if len(chosen) != 1:
        raise ValidationFailed(errors={"subject": ["give exactly one subject"]})
    if payload.subject_organisation_id is not None:
        return _organisation(payload.subject_organisation_id, "subject_organisation_id")
    if payload.subject_initiative_id is not None:
        return registry_selectors.access_initiative_by_id(viewer, payload.subject_initiative_id)
    return access_case_by_id(viewer, payload.subject_case_id).case.person


@router.post(
    "/vouches", response={201: VouchOut}, tags=VOUCHING, summary="Vouch for an organisation, initiative or person"
)
def vouch_create(request: HttpRequest, payload: VouchIn) -> Any:
    viewer = _viewer(request)
    vouch = vouching.vouch_create(
        viewer=viewer,
        subject=_subject(viewer, payload),
        basis=str(payload.basis),
        since=payload.since,
        expires_on=payload.expires_on,
    )
    return vouching.access_vouch_by_id(viewer, vouch.pk)


@router.post("/vouches/{vouch_id}/revoke", response=VouchOut, tags=VOUCHING, summary="Revoke a vouch you gave")
def vouch_revoke(request: HttpRequest, vouch_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    vouching.vouch_revoke(viewer=viewer, vouch=vouching.access_vouch_by_id(viewer, vouch_id))
    return vouching.access_vouch_by_id(viewer, vouch_id)


@router.get(
    "/trust/organisations/{organisation_id}", response=TrustOut, tags=VOUCHING, summary="Trust signal: organisation"
)
def trust_organisation(request: HttpRequest, organisation_id: int) -> Any:
    viewer = _viewer(request)
    organisation = accounts_selectors.active_organisation_by_id(organisation_id)
    return _trust_out(trust.explain_organisation(viewer, organisation))


@router.get("/trust/initiatives/{initiative_id}", response=TrustOut, tags=VOUCHING, summary="Trust signal: initiative")
def trust_initiative(request: HttpRequest, initiative_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    initiative = registry_selectors.access_initiative_by_id(viewer, initiative_id)
    return _trust_out(trust.explain_initiative(viewer, initiative))


@router.get("/trust/cases/{case_id}", response=TrustOut, tags=VOUCHING, summary="Trust signal: the person of a case")
def trust_person(request: HttpRequest, case_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    return _trust_out(trust.explain_person(viewer, access_case_by_id(viewer, case_id)))
