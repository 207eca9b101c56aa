"""Consent and referrals: handing a case, or chosen parts of it, to another organisation, only with the
person's recorded consent. Services (writes) and selectors (reads) of both.

A consent is a record of its own: who gave it (the person, a guardian, a representative), to which
organisation, for what purpose, for which parts, until when; it can be revoked, and its history (given, used,
each answer to a referral, revoked, expired) is kept as `ConsentEvent` rows.

A referral shares exactly the keys of the parts it names, and nothing else:

- "case": the case's data key (summary, details, tasks and messages are encrypted under it);
- "identity": the person's data key;
- "notes": the case's notes key (created if the case has none yet);
- "attachments": each attached file's own data key.

Threats, and where they are met:
- sharing without consent: `referral_create` refuses (`ConsentMissing`, nothing written) unless a consent that
  is not revoked, not expired and given for *that* recipient covers every part asked for;
- a referral that grows: its parts are fixed at creation; to share more, revoke it and refer again under a
  consent that covers more. One open referral per case and recipient;
- access that outlives consent: revoking a consent (or its expiry, `consents_expire`, a job), revoking the
  referral, or the recipient declining it removes the recipient's wrappings of those keys, so whatever copy of
  the ciphertexts it kept no longer opens; keys another open referral to the same recipient still needs stay;
- passing a case on: only the owner, acting for itself, can wrap a key for someone else (`keyring`);
- a leak through the audit trail or the timeline: both carry ids and codes, never the purpose or a name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mosty.accounts.models import Organisation, User
from mosty.accounts.selectors import Viewer
from mosty.cases.models import (
    Case,
    CaseMessage,
    CaseNote,
    CaseTask,
    Consent,
    ConsentEvent,
    ConsentGiver,
    Person,
    Referral,
    ReferralPart,
    ReferralStatus,
)
from mosty.cases.selectors import CASE_READ_ROLES, CASE_WRITE_ROLES, OPEN_REFERRAL, CaseAccess
from mosty.cases.services import event_record
from mosty.core.audit import audit_record
from mosty.core.crypto import keyring
from mosty.core.crypto.errors import NoActingOrganisation
from mosty.core.exceptions import Conflict, ConsentMissing, NotFound, PermissionDenied, ValidationFailed

CONSENT_MAX_DAYS = 2 * 365
PARTS_ORDER: tuple[str, ...] = tuple(ReferralPart.values)


def _audit(viewer: Viewer | None, action: str, object_type: str, object_id: Any, organisation: Any = None) -> None:
    audit_record(
        action=action,
        actor=viewer.user if viewer else None,
        organisation=viewer.organisation if viewer else organisation,
        object_type=object_type,
        object_id=object_id,
    )


def _history(consent: Consent, kind: str, actor: User | None, **data: Any) -> None:
    ConsentEvent.objects.create(consent=consent, kind=kind, actor=actor, data=data)


def clean_parts(parts: Iterable[str]) -> list[str]:
    """The parts, known and in their canonical order; ValidationFailed when empty or unknown."""
    chosen = {str(p) for p in parts}
    if not chosen:
        raise ValidationFailed(errors={"parts": [_("Choose at least one part.")]})
    if chosen - set(PARTS_ORDER):
        raise ValidationFailed(errors={"parts": [_("Choose parts from the list.")]})
    return [p for p in PARTS_ORDER if p in chosen]


def _owner_case(viewer: Viewer, access: CaseAccess) -> Case:
    """Only the owning organisation's writers share a case or record consent for it."""
    if not access.own or access.case.organisation_id != viewer.organisation_id:
        raise NotFound
    if not viewer.has_role(CASE_WRITE_ROLES):
        raise PermissionDenied
    return access.case


@contextmanager
def _as_owner(organisation_id: int) -> Iterator[None]:
    """Act as the case's owner while wrapping keys for the recipient: the request scope when it is already the
    owner's (the viewer is a member of the owner, checked by the caller), a scope of its own otherwise."""
    try:
        current: int | None = keyring.acting_organisation_id()
    except NoActingOrganisation:
        current = None
    if current == organisation_id:
        yield
        return
    with keyring.acting_as(organisation_id):
        yield


# --- the keys of the parts ---------------------------------------------------------------------------------------


def _persisted_key(model: type[Case] | type[Person], record: Case | Person) -> int:
    """The record's data key, created and saved if it has none yet (a record with no encrypted value so far)."""
    if record.data_key_id is None:
        key = record.ensure_data_key()
        if not model.objects.filter(pk=record.pk, data_key__isnull=True).update(data_key_id=key):
            record.data_key_id = model.objects.filter(pk=record.pk).values_list("data_key_id", flat=True).get()
    return int(record.data_key_id)  # type: ignore[arg-type]


def _notes_key(case: Case) -> int:
    if case.notes_key_id is None:
        key = keyring.data_key_create(owner_organisation_id=case.organisation_id)
        if Case.objects.filter(pk=case.pk, notes_key__isnull=True).update(notes_key=key):
            case.notes_key = key
        else:
            case.notes_key_id = Case.objects.filter(pk=case.pk).values_list("notes_key_id", flat=True).get()
    return int(case.notes_key_id)  # type: ignore[arg-type]


def _ids(queryset: QuerySet[Any]) -> set[int]:
    return {int(i) for i in queryset.exclude(data_key__isnull=True).values_list("data_key_id", flat=True).distinct()}


def part_keys(case: Case, parts: Iterable[str], *, create: bool = False) -> set[int]:
    """The data keys that hold the named parts of a case. With `create`, keys a part will need (the case's, the
    person's, the notes key) are made now, so that what is written later is covered by the referral too.

    Beyond the case's and the notes key, the keys its tasks, messages and notes actually carry are included: a
    record written before its case had a saved key may carry a key of its own."""
    wanted = set(parts)
    keys: set[int] = set()
    if ReferralPart.CASE in wanted:
        if create:
            keys.add(_persisted_key(Case, case))
        elif case.data_key_id is not None:
            keys.add(int(case.data_key_id))
        keys |= _ids(CaseTask.objects.filter(case=case)) | _ids(CaseMessage.objects.filter(case=case))
    if ReferralPart.IDENTITY in wanted:
        person = case.person
        if create:
            keys.add(_persisted_key(Person, person))
        elif person.data_key_id is not None:
            keys.add(int(person.data_key_id))
    if ReferralPart.NOTES in wanted:
        if create:
            keys.add(_notes_key(case))
        elif case.notes_key_id is not None:
            keys.add(int(case.notes_key_id))
        keys |= _ids(CaseNote.objects.filter(case=case))
    if ReferralPart.ATTACHMENTS in wanted:
        keys |= {
            int(k)
            for k in case.attachments.exclude(file__data_key__isnull=True).values_list("file__data_key_id", flat=True)
        }
    return keys


def _share(referral: Referral) -> None:
    case = referral.case
    with _as_owner(case.organisation_id):
        for key in sorted(part_keys(case, referral.parts, create=True)):
            keyring.data_key_share(data_key_id=key, with_organisation_id=referral.to_organisation_id)


def _unshare(referral: Referral) -> None:
    """Remove the recipient's wrappings of the referral's keys, except those another open referral to the same
    recipient still needs (another case of the same person, say)."""
    keys = part_keys(referral.case, referral.parts)
    others = (
        Referral.objects.filter(to_organisation_id=referral.to_organisation_id, status__in=OPEN_REFERRAL)
        .exclude(pk=referral.pk)
        .filter(Q(case=referral.case) | Q(case__person_id=referral.case.person_id))
        .select_related("case", "case__person")
    )
    for other in others:
        keys -= part_keys(other.case, other.parts)
    for key in sorted(keys):
        keyring.data_key_unshare(data_key_id=key, organisation_id=referral.to_organisation_id)


# --- consent -----------------------------------------------------------------------------------------------------


def consent_record(
    *,
    viewer: Viewer,
    access: CaseAccess,
    recipient: Organisation,
    given_by: str,
    purpose: str,
    parts: Iterable[str],
    valid_until: dt.date,
) -> Consent:
    """Record the person's consent to share parts of their case with one organisation, for a purpose, until a
    date (in the future, at most two years ahead). The owning organisation's writers only."""
    case = _owner_case(viewer, access)
    errors: dict[str, list[str]] = {}
    if recipient.pk == case.organisation_id:
        errors["recipient"] = [_("Consent is for sharing with another organisation.")]
    elif not recipient.is_active:
        errors["recipient"] = [_("This organisation is not active.")]
    if given_by not in ConsentGiver.values:
        errors["given_by"] = [_("Choose who gave the consent.")]
    purpose = " ".join(purpose.split())
    if not purpose:
        errors["purpose"] = [_("Say what the sharing is for.")]
    elif len(purpose) > 300:
        errors["purpose"] = [_("At most 300 characters.")]
    try:
        chosen = clean_parts(parts)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        chosen = []
    today = timezone.localdate()
    if valid_until <= today:
        errors["valid_until"] = [_("The consent must run until a date in the future.")]
    elif valid_until > today + dt.timedelta(days=CONSENT_MAX_DAYS):
        errors["valid_until"] = [_("At most two years ahead: ask the person again then.")]
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        consent = Consent(
            organisation_id=case.organisation_id,
            case=case,
            recipient=recipient,
            given_by=given_by,
            purpose=purpose,
            parts=chosen,
            valid_until=valid_until,
            recorded_by=viewer.user,
        )
        try:
            consent.full_clean()
        except DjangoValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        consent.save(force_insert=True)
        _history(consent, "given", viewer.user, parts=chosen)
        event_record(
            case, kind="consent_given", actor=viewer.user, organisation=viewer.organisation, consent=str(consent.pk)
        )
        _audit(viewer, "cases.consent.given", "consent", consent.pk)
    return consent


def _close(
    referral: Referral, *, status: str, viewer: Viewer | None, history_kind: str, timeline_kind: str, reason: str
) -> None:
    """Close an open referral (locked by the caller): its status, the keys unshared, the consent's history,
    the timeline and the audit trail."""
    now = timezone.now()
    referral.status = status
    if status == ReferralStatus.DECLINED:
        referral.decided_at = now
        referral.decided_by = viewer.user if viewer else None
    else:
        referral.revoked_at = now
    referral.save(update_fields=["status", "decided_at", "decided_by", "revoked_at"])
    _unshare(referral)
    actor = viewer.user if viewer else None
    _history(referral.consent, history_kind, actor, referral=str(referral.pk), reason=reason)
    event_record(
        referral.case,
        kind=timeline_kind,
        actor=actor,
        organisation=viewer.organisation if viewer else None,
        referral=str(referral.pk),
        reason=reason,
    )
    action = "declined" if status == ReferralStatus.DECLINED else "revoked"
    _audit(viewer, f"cases.referral.{action}", "referral", referral.pk, organisation=referral.from_organisation)


def _lock_case(case_id: Any) -> None:
    """Lock the case row first, as `referral_create` does: one lock order (case, consent, referral), no
    deadlock between a new referral and a revocation."""
    list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))


def _open_referrals_of(consent: Consent) -> list[Referral]:
    return list(
        Referral.objects.select_for_update(of=("self",))
        .filter(consent=consent, status__in=OPEN_REFERRAL)
        .select_related("case", "case__person", "consent", "from_organisation")
        .order_by("created_at", "pk")
    )


def consent_revoke(*, viewer: Viewer, consent: Consent) -> Consent:
    """The person withdrew consent: mark it revoked, and revoke every open referral based on it (the
    recipients' keys go at once). The owning organisation's writers only; revoking twice changes nothing."""
    if consent.organisation_id != viewer.organisation_id:
        raise NotFound
    if not viewer.has_role(CASE_WRITE_ROLES):
        raise PermissionDenied
    with transaction.atomic():
        _lock_case(consent.case_id)
        consent = Consent.objects.select_for_update(of=("self",)).select_related("case").get(pk=consent.pk)
        if consent.revoked_at is not None:
            return consent
        consent.revoked_at = timezone.now()
        consent.revoked_by = viewer.user
        consent.save(update_fields=["revoked_at", "revoked_by"])
        _history(consent, "revoked", viewer.user)
        for referral in _open_referrals_of(consent):
            _close(
                referral,
                status=ReferralStatus.REVOKED,
                viewer=viewer,
                history_kind="referral_revoked",
                timeline_kind="referral_revoked",
                reason="consent_revoked",
            )
        event_record(
            consent.case,
            kind="consent_revoked",
            actor=viewer.user,
            organisation=viewer.organisation,
            consent=str(consent.pk),
        )
        _audit(viewer, "cases.consent.revoked", "consent", consent.pk)
    return consent


def consents_expire(*, on: dt.date | None = None) -> int:
    """A job: every consent past its date gets its "expired" entry once, and the open referrals based on it are
    revoked (keys unshared). Safe to run twice. Returns how many consents expired now."""
    today = on or timezone.localdate()
    due = (
        Consent.objects.filter(valid_until__lt=today, revoked_at__isnull=True)
        .exclude(history__kind="expired")
        .values_list("pk", flat=True)
    )
    count = 0
    for consent_id in list(due):
        with transaction.atomic():
            _lock_case(Consent.objects.filter(pk=consent_id).values_list("case_id", flat=True).get())
            locked = Consent.objects.select_for_update(of=("self",)).select_related("case", "organisation")
            consent = locked.get(pk=consent_id)
            if consent.history.filter(kind="expired").exists():
                continue
            _history(consent, "expired", None)
            for referral in _open_referrals_of(consent):
                _close(
                    referral,
                    status=ReferralStatus.REVOKED,
                    viewer=None,
                    history_kind="referral_revoked",
                    timeline_kind="referral_revoked",
                    reason="consent_expired",
                )
            event_record(consent.case, kind="consent_expired", actor=None, organisation=None, consent=str(consent.pk))
            _audit(None, "cases.consent.expired", "consent", consent.pk, organisation=consent.organisation)
            count += 1
    return count


# --- referrals ---------------------------------------------------------------------------------------------------


def covering_consent(
    case: Case, recipient_id: int, parts: Iterable[str], *, consent: Consent | None = None, lock: bool = False
) -> Consent | None:
    """The newest consent for this case and recipient that is neither revoked nor expired and covers every
    part (only `consent` when given)."""
    wanted = set(parts)
    queryset = Consent.objects.filter(
        case=case, recipient_id=recipient_id, revoked_at__isnull=True, valid_until__gte=timezone.localdate()
    )
    if consent is not None:
        queryset = queryset.filter(pk=consent.pk)
    if lock:
        queryset = queryset.select_for_update()
    for candidate in queryset.order_by("-recorded_at", "pk"):
        if wanted <= set(candidate.parts):
            return candidate
    return None


def referral_create(
    *,
    viewer: Viewer,
    access: CaseAccess,
    to_organisation: Organisation,
    parts: Iterable[str],
    consent: Consent | None = None,
) -> Referral:
    """Refer the named parts of a case to another organisation and wrap exactly their keys for it.

    Refused with ConsentMissing, writing nothing, unless a valid consent for that organisation covers every
    part (`consent` when given, otherwise the newest that does). The owning organisation's writers only; one
    open referral per case and recipient."""
    case = _owner_case(viewer, access)
    wanted = clean_parts(parts)
    if to_organisation.pk == case.organisation_id:
        raise ValidationFailed(errors={"to_organisation": [_("Refer the case to another organisation.")]})
    if not to_organisation.is_active:
        raise ValidationFailed(errors={"to_organisation": [_("This organisation is not active.")]})
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
        covering = covering_consent(case, to_organisation.pk, wanted, consent=consent, lock=True)
        if covering is None:
            raise ConsentMissing
        if Referral.objects.filter(case=case, to_organisation=to_organisation, status__in=OPEN_REFERRAL).exists():
            raise Conflict(_("This case is already referred to this organisation: revoke that referral first."))
        referral = Referral(
            case=case,
            from_organisation_id=case.organisation_id,
            to_organisation=to_organisation,
            consent=covering,
            parts=wanted,
            created_by=viewer.user,
        )
        referral.save(force_insert=True)
        _share(referral)
        _history(covering, "used", viewer.user, referral=str(referral.pk), parts=wanted)
        event_record(
            case,
            kind="referral_created",
            actor=viewer.user,
            organisation=viewer.organisation,
            referral=str(referral.pk),
            consent=str(covering.pk),
        )
        _audit(viewer, "cases.referral.created", "referral", referral.pk)
    return referral


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "case__person", "consent", "from_organisation", "to_organisation")
        .get(pk=referral.pk)
    )


def _require_recipient_writer(viewer: Viewer, referral: Referral) -> None:
    if referral.to_organisation_id != viewer.organisation_id or not viewer.has_role(CASE_READ_ROLES):
        raise NotFound
    if not viewer.has_role(CASE_WRITE_ROLES):
        raise PermissionDenied


def referral_accept(*, viewer: Viewer, referral: Referral) -> Referral:
    """The receiving organisation takes the referral on (while its consent is still valid)."""
    _require_recipient_writer(viewer, referral)
    with transaction.atomic():
        referral = _locked(referral)
        if referral.status != ReferralStatus.PENDING:
            raise Conflict(_("This referral was already answered or revoked."))
        if not referral.consent.is_valid():
            raise ConsentMissing
        referral.status = ReferralStatus.ACCEPTED
        referral.decided_at = timezone.now()
        referral.decided_by = viewer.user
        referral.save(update_fields=["status", "decided_at", "decided_by"])
        _history(referral.consent, "referral_accepted", viewer.user, referral=str(referral.pk))
        event_record(
            referral.case,
            kind="referral_accepted",
            actor=viewer.user,
            organisation=viewer.organisation,
            referral=str(referral.pk),
        )
        _audit(viewer, "cases.referral.accepted", "referral", referral.pk)
    return referral


def referral_decline(*, viewer: Viewer, referral: Referral) -> Referral:
    """The receiving organisation declines a pending referral; its wrappings of the keys are removed."""
    _require_recipient_writer(viewer, referral)
    with transaction.atomic():
        referral = _locked(referral)
        if referral.status != ReferralStatus.PENDING:
            raise Conflict(_("This referral was already answered or revoked."))
        _close(
            referral,
            status=ReferralStatus.DECLINED,
            viewer=viewer,
            history_kind="referral_declined",
            timeline_kind="referral_declined",
            reason="declined",
        )
    return referral


def referral_revoke(*, viewer: Viewer, referral: Referral) -> Referral:
    """The sending organisation ends an open referral; the recipient's wrappings of the keys are removed."""
    if referral.from_organisation_id != viewer.organisation_id or not viewer.has_role(CASE_READ_ROLES):
        raise NotFound
    if not viewer.has_role(CASE_WRITE_ROLES):
        raise PermissionDenied
    with transaction.atomic():
        referral = _locked(referral)
        if not referral.is_open:
            raise Conflict(_("This referral is no longer open."))
        _close(
            referral,
            status=ReferralStatus.REVOKED,
            viewer=viewer,
            history_kind="referral_revoked",
            timeline_kind="referral_revoked",
            reason="revoked",
        )
    return referral


def referral_share_attachment(*, case: Case, data_key_id: int) -> int:
    """Wrap a newly attached file's key for every open referral of the case that names "attachments" and whose
    consent is still valid (the parts stay as they were; the file falls under a part already shared). For
    `services.attachment_add` to call, in the owner's scope. Returns the number of recipients."""
    today = timezone.localdate()
    referrals = Referral.objects.filter(
        case=case, status__in=OPEN_REFERRAL, consent__revoked_at__isnull=True, consent__valid_until__gte=today
    )
    recipients = sorted({r.to_organisation_id for r in referrals if ReferralPart.ATTACHMENTS in r.parts})
    with _as_owner(case.organisation_id):
        for organisation_id in recipients:
            keyring.data_key_share(data_key_id=data_key_id, with_organisation_id=organisation_id)
    return len(recipients)


# --- selectors ---------------------------------------------------------------------------------------------------


def _referrals() -> QuerySet[Referral]:
    return Referral.objects.select_related(
        "case", "case__support_type", "from_organisation", "to_organisation", "consent"
    ).order_by("-created_at", "pk")


def referrals_received(viewer: Viewer) -> QuerySet[Referral]:
    """Referrals to the viewer's organisation, in every status, newest first."""
    if not viewer.has_role(CASE_READ_ROLES):
        return Referral.objects.none()
    return _referrals().filter(to_organisation_id=viewer.organisation_id)


def referrals_sent(viewer: Viewer) -> QuerySet[Referral]:
    """Referrals the viewer's organisation made, in every status, newest first."""
    if not viewer.has_role(CASE_READ_ROLES):
        return Referral.objects.none()
    return _referrals().filter(from_organisation_id=viewer.organisation_id)


def access_referral_by_id(viewer: Viewer, referral_id: Any) -> Referral:
    """A referral the viewer's organisation sent or received; NotFound for anyone else (and for one that does
    not exist)."""
    if not viewer.has_role(CASE_READ_ROLES):
        raise NotFound
    org = viewer.organisation_id
    try:
        return _referrals().filter(Q(from_organisation_id=org) | Q(to_organisation_id=org)).get(pk=referral_id)
    except (Referral.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound from None


def consents_for(access: CaseAccess) -> QuerySet[Consent]:
    """Every consent recorded for a case, with its history; the owning organisation only (a recipient does not
    learn who else the case may be shared with)."""
    if not access.own:
        raise NotFound
    history = ConsentEvent.objects.select_related("actor").order_by("at", "pk")
    return (
        Consent.objects.filter(case=access.case)
        .select_related("recipient", "recorded_by", "revoked_by")
        .prefetch_related(Prefetch("history", queryset=history))
        .order_by("-recorded_at", "pk")
    )


def access_consent_by_id(viewer: Viewer, consent_id: Any) -> Consent:
    """A consent recorded by the viewer's organisation for one of its cases it may open; NotFound otherwise."""
    if not viewer.has_role(CASE_READ_ROLES):
        raise NotFound
    try:
        return Consent.objects.select_related("case", "recipient").get(
            pk=consent_id, organisation_id=viewer.organisation_id, case__shredded_at__isnull=True
        )
    except (Consent.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound from None


@dataclass(frozen=True)
class Coverage:
    """Whether a referral of `parts` to `recipient` is covered, and if not, why: "none" (no consent for that
    organisation), "revoked", "expired" (only such consents), or "parts" (valid ones that miss `missing`)."""

    consent: Consent | None
    reason: str
    missing: tuple[str, ...] = ()
    candidates: tuple[Consent, ...] = field(default_factory=tuple)


def consent_coverage(access: CaseAccess, recipient: Organisation, parts: Iterable[str]) -> Coverage:
    """Explain which consent covers a referral, or why none does (for the referral form and the API)."""
    if not access.own:
        raise NotFound
    wanted = [p for p in PARTS_ORDER if p in set(parts)]
    consent = covering_consent(access.case, recipient.pk, wanted)
    if consent is not None:
        return Coverage(consent=consent, reason="covered")
    for_recipient = list(Consent.objects.filter(case=access.case, recipient=recipient).order_by("-recorded_at"))
    today = timezone.localdate()
    valid = [c for c in for_recipient if c.is_valid(today)]
    if valid:
        missing = min((tuple(p for p in wanted if p not in c.parts) for c in valid), key=len)
        return Coverage(consent=None, reason="parts", missing=missing, candidates=tuple(valid))
    if not for_recipient:
        return Coverage(consent=None, reason="none")
    if any(c.revoked_at is None for c in for_recipient):
        return Coverage(consent=None, reason="expired", candidates=tuple(for_recipient))
    return Coverage(consent=None, reason="revoked", candidates=tuple(for_recipient))


def valid_consents(access: CaseAccess) -> QuerySet[Consent]:
    """The case's consents that are neither revoked nor expired (the referral form offers them)."""
    if not access.own:
        raise NotFound
    return (
        Consent.objects.filter(case=access.case, revoked_at__isnull=True, valid_until__gte=timezone.localdate())
        .select_related("recipient")
        .order_by("recipient__name", "-recorded_at")
    )


def recipient_organisations(viewer: Viewer) -> QuerySet[Organisation]:
    """Organisations a case can be shared with: every active one but the viewer's own (their names are public on
    the platform)."""
    return Organisation.objects.filter(is_active=True).exclude(pk=viewer.organisation_id).order_by("name", "pk")
