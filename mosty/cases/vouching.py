"""Vouching: an organisation's statement that it knows another organisation, an initiative or a person, on a
basis (known personally, worked together, documents seen), from a date, until an expiry. Services (create,
revoke) and selectors (given, received, about a subject); the trust signal built on them is in `trust.py`.

Threats:
- infiltration: a vouch is only ever a signal weighed through the viewer's own trust (`trust.py`), so a front
  organisation gains nothing by vouching, and only administrators and coordinators vouch for their
  organisation;
- a vouch that reveals a person or a group to an organisation that should not know of them: an organisation
  vouches only for an initiative it may see (recorded or linked) and for the person of a case whose identity
  it may read, and the vouches for such a subject are shown only to organisations that may see it;
- stale trust: every vouch expires (at most three years ahead) and can be revoked; expired and revoked vouches
  are kept for the record but count for nothing.

Audit events carry ids only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mosty.accounts.models import Organisation, Role
from mosty.accounts.selectors import Viewer
from mosty.cases.models import Person, Referral, ReferralPart, Vouch, VouchBasis
from mosty.cases.selectors import CASE_READ_ROLES, OPEN_REFERRAL, CaseAccess
from mosty.core.audit import audit_record
from mosty.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from mosty.registry import selectors as registry_selectors
from mosty.registry.models import Initiative

VOUCH_ROLES = frozenset({Role.ORG_ADMIN, Role.COORDINATOR})
VOUCH_MAX_DAYS = 3 * 365

Subject = Organisation | Initiative | Person


def current_vouches(on: dt.date | None = None) -> QuerySet[Vouch]:
    """Vouches that count today: not revoked, not expired."""
    return Vouch.objects.filter(revoked_at__isnull=True, expires_on__gte=on or timezone.localdate())


def _audit(viewer: Viewer, action: str, object_id: Any) -> None:
    audit_record(
        action=action, actor=viewer.user, organisation=viewer.organisation, object_type="vouch", object_id=object_id
    )


def person_visible(viewer: Viewer, person: Person) -> bool:
    """Whether the viewer may read this person's identity: a person of its own organisation, or of a case
    referred to it (open referral) with the identity part."""
    if not viewer.has_role(CASE_READ_ROLES) or person.shredded_at is not None:
        return False
    if person.organisation_id == viewer.organisation_id:
        return True
    referred_parts = Referral.objects.filter(
        case__person=person, case__shredded_at__isnull=True, to_organisation_id=viewer.organisation_id
    ).filter(status__in=OPEN_REFERRAL)
    return any(ReferralPart.IDENTITY in parts for parts in referred_parts.values_list("parts", flat=True))


def _subject_fields(viewer: Viewer, subject: Subject) -> dict[str, Any]:
    """The vouch's subject column, once the viewer is known to be allowed to name that subject (NotFound
    otherwise: the same answer as for one that does not exist)."""
    if isinstance(subject, Organisation):
        if subject.pk == viewer.organisation_id:
            raise ValidationFailed(errors={"organisation": [_("An organisation cannot vouch for itself.")]})
        if not subject.is_active:
            raise NotFound
        return {"subject_organisation": subject}
    if isinstance(subject, Initiative):
        return {"subject_initiative": registry_selectors.access_initiative_by_id(viewer, subject.pk)}
    if isinstance(subject, Person):
        if not person_visible(viewer, subject):
            raise NotFound
        return {"subject_person": subject}
    raise NotFound


def _check_dates(since: dt.date | None, expires_on: dt.date) -> None:
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if since is not None and since > today:
        errors["since"] = [_("The date cannot be in the future.")]
    if expires_on <= today:
        errors["expires_on"] = [_("A vouch must run until a date in the future.")]
    elif expires_on > today + dt.timedelta(days=VOUCH_MAX_DAYS):
        errors["expires_on"] = [_("At most three years ahead: vouch again then.")]
    if errors:
        raise ValidationFailed(errors=errors)


def vouch_create(*, viewer: Viewer, subject: Subject, basis: str, since: dt.date | None, expires_on: dt.date) -> Vouch:
    """The viewer's organisation vouches for `subject` (an organisation, an initiative it may see, or the
    person of a case whose identity it may read). Administrators and coordinators only; one current vouch per
    subject (revoke it to change it)."""
    if not viewer.has_role(VOUCH_ROLES):
        raise PermissionDenied
    fields = _subject_fields(viewer, subject)
    if basis not in VouchBasis.values:
        raise ValidationFailed(errors={"basis": [_("Choose a basis from the list.")]})
    _check_dates(since, expires_on)
    with transaction.atomic():
        # Serialise vouches of one organisation, so two requests cannot both pass the duplicate check.
        list(Organisation.objects.select_for_update().filter(pk=viewer.organisation_id).values_list("pk", flat=True))
        if current_vouches().filter(voucher_id=viewer.organisation_id, **fields).exists():
            raise ValidationFailed(
                errors={"__all__": [_("Your organisation already vouches for this. Revoke that vouch to change it.")]}
            )
        vouch = Vouch(
            voucher=viewer.organisation,
            basis=basis,
            since=since,
            expires_on=expires_on,
            created_by=viewer.user,
            **fields,
        )
        try:
            vouch.full_clean()
        except DjangoValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        vouch.save(force_insert=True)
        _audit(viewer, "cases.vouch.created", vouch.pk)
    return vouch


def vouch_revoke(*, viewer: Viewer, vouch: Vouch) -> Vouch:
    """Withdraw a vouch the viewer's organisation gave (it stays on record, revoked, and counts for nothing)."""
    if vouch.voucher_id != viewer.organisation_id:
        raise NotFound
    if not viewer.has_role(VOUCH_ROLES):
        raise PermissionDenied
    with transaction.atomic():
        vouch = Vouch.objects.select_for_update().get(pk=vouch.pk)
        if vouch.revoked_at is None:
            vouch.revoked_at = timezone.now()
            vouch.save(update_fields=["revoked_at"])
            _audit(viewer, "cases.vouch.revoked", vouch.pk)
    return vouch


# --- selectors ---------------------------------------------------------------------------------------------------


def vouches_given(viewer: Viewer) -> QuerySet[Vouch]:
    """Every vouch the viewer's organisation gave (current, expired and revoked), newest first."""
    return (
        Vouch.objects.filter(voucher_id=viewer.organisation_id)
        .select_related("subject_organisation", "subject_initiative", "subject_person", "created_by")
        .order_by("-created_at", "pk")
    )


def vouches_received(viewer: Viewer) -> QuerySet[Vouch]:
    """Every vouch for the viewer's organisation itself, newest first."""
    return (
        Vouch.objects.filter(subject_organisation_id=viewer.organisation_id)
        .select_related("voucher")
        .order_by("-created_at", "pk")
    )


def access_vouch_by_id(viewer: Viewer, vouch_id: Any) -> Vouch:
    """A vouch the viewer's organisation gave; NotFound otherwise."""
    try:
        return vouches_given(viewer).get(pk=vouch_id)
    except (Vouch.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound from None


def vouches_about_organisations(organisation_ids: Iterable[int]) -> QuerySet[Vouch]:
    """Current vouches for these organisations by active organisations (who vouches for an organisation is
    visible to every organisation on the platform, as the organisations themselves are)."""
    return (
        current_vouches()
        .filter(subject_organisation_id__in=list(organisation_ids), voucher__is_active=True)
        .select_related("voucher")
        .order_by("-created_at", "pk")
    )


def vouches_about_initiative(viewer: Viewer, initiative: Initiative) -> QuerySet[Vouch]:
    """Current vouches for an initiative the viewer may see; NotFound otherwise."""
    registry_selectors.access_initiative_by_id(viewer, initiative.pk)
    return (
        current_vouches()
        .filter(subject_initiative=initiative, voucher__is_active=True)
        .select_related("voucher")
        .order_by("-created_at", "pk")
    )


def vouches_about_person(viewer: Viewer, access: CaseAccess) -> QuerySet[Vouch]:
    """Current vouches for the person of a case, if the viewer may read the person's identity; NotFound
    otherwise."""
    if not access.can(ReferralPart.IDENTITY) or not person_visible(viewer, access.case.person):
        raise NotFound
    return (
        current_vouches()
        .filter(subject_person_id=access.case.person_id, voucher__is_active=True)
        .select_related("voucher")
        .order_by("-created_at", "pk")
    )


def vouchable_organisations(viewer: Viewer) -> QuerySet[Organisation]:
    """Active organisations other than the viewer's own."""
    return Organisation.objects.filter(is_active=True).exclude(pk=viewer.organisation_id).order_by("name", "pk")


def vouchable_initiatives(viewer: Viewer) -> QuerySet[Initiative]:
    """Initiatives the viewer's organisation recorded or is linked to."""
    return registry_selectors.initiatives(viewer)


def is_current(vouch: Vouch, on: dt.date | None = None) -> bool:
    return vouch.revoked_at is None and vouch.expires_on >= (on or timezone.localdate())


def subject_kind(vouch: Vouch) -> str:
    if vouch.subject_organisation_id is not None:
        return "organisation"
    if vouch.subject_initiative_id is not None:
        return "initiative"
    return "person"
