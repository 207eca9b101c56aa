"""Writes for the registry. Each runs in one transaction, checks the viewer's role, validates the whole record
before saving, and writes its audit event there (ids only, never a pseudonym, a title or a description).

Who may write: an organisation's administrators edit its profile; administrators and coordinators record
initiatives and activities; every role but "viewer" records needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mosty.accounts.models import Organisation, Role
from mosty.accounts.selectors import Viewer
from mosty.core.audit import audit_record
from mosty.core.crypto import keyring
from mosty.core.exceptions import PermissionDenied, ValidationFailed
from mosty.registry.models import (
    Activity,
    FundingStatus,
    Initiative,
    InitiativeLink,
    LinkKind,
    Need,
    OrganisationProfile,
    Region,
    Sector,
    SupportType,
)

PROFILE_ROLES = frozenset({Role.ORG_ADMIN})
EDITOR_ROLES = frozenset({Role.ORG_ADMIN, Role.COORDINATOR})
NEED_ROLES = frozenset({Role.ORG_ADMIN, Role.COORDINATOR, Role.CASEWORKER, Role.PROGRAMME_OFFICER, Role.DOCUMENTER})


def _require(viewer: Viewer, roles: frozenset[str]) -> None:
    if not viewer.has_role(roles):
        raise PermissionDenied


def _clean(instance: object, *, exclude: Sequence[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


# --- profiles ---------------------------------------------------------------------------------------------------


@dataclass
class ProfileInput:
    summary: str = ""
    website: str = ""
    founded_year: int | None = None
    sectors: Sequence[Sector] = ()
    regions: Sequence[Region] = ()
    contact: str = ""
    internal_notes: str = ""


def profile_update(*, viewer: Viewer, data: ProfileInput) -> OrganisationProfile:
    """Create or replace the viewer's own organisation's profile. Administrators only."""
    _require(viewer, PROFILE_ROLES)
    with transaction.atomic():
        profile = OrganisationProfile.objects.select_for_update().filter(organisation=viewer.organisation).first()
        created = profile is None
        if profile is None:
            profile = OrganisationProfile(organisation=viewer.organisation)
        profile.summary = data.summary.strip()
        profile.website = data.website.strip()
        profile.founded_year = data.founded_year
        profile.contact = data.contact.strip() or None
        profile.internal_notes = data.internal_notes.strip() or None
        profile.updated_at = timezone.now()
        _clean(profile, exclude=["data_key"])
        profile.save()
        profile.sectors.set(data.sectors)
        profile.regions.set(data.regions)
        audit_record(
            action="registry.profile.created" if created else "registry.profile.updated",
            actor=viewer.user,
            organisation=viewer.organisation,
            object_type="organisation_profile",
            object_id=profile.pk,
        )
    return profile


# --- initiatives ------------------------------------------------------------------------------------------------


@dataclass
class InitiativeInput:
    codename: str
    description: str = ""
    sectors: Sequence[Sector] = ()
    regions: Sequence[Region] = ()
    is_active: bool = True


def _codename_taken(organisation: Organisation, codename: str, *, exclude_pk: Any = None) -> bool:
    queryset = Initiative.objects.filter(organisation=organisation, codename__iexact=codename)
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.exists()


def _fill_initiative(initiative: Initiative, data: InitiativeInput, *, is_new: bool) -> None:
    codename = " ".join(data.codename.split())
    if not codename:
        raise ValidationFailed(errors={"codename": [_("Give the initiative a pseudonym.")]})
    if _codename_taken(initiative.organisation, codename, exclude_pk=None if is_new else initiative.pk):
        raise ValidationFailed(errors={"codename": [_("Your organisation already uses this pseudonym.")]})
    initiative.codename = codename
    initiative.description = data.description.strip() or None
    initiative.is_active = data.is_active
    initiative.updated_at = timezone.now()
    _clean(initiative, exclude=["data_key"])


def initiative_create(*, viewer: Viewer, data: InitiativeInput) -> Initiative:
    """Record an initiative for the viewer's organisation. Its data key exists from the start, so that links
    added later can share it."""
    _require(viewer, EDITOR_ROLES)
    with transaction.atomic():
        initiative = Initiative(organisation=viewer.organisation)
        _fill_initiative(initiative, data, is_new=True)
        initiative.ensure_data_key()
        initiative.save(force_insert=True)
        initiative.sectors.set(data.sectors)
        initiative.regions.set(data.regions)
        audit_record(
            action="registry.initiative.created",
            actor=viewer.user,
            organisation=viewer.organisation,
            object_type="initiative",
            object_id=initiative.pk,
        )
    return initiative


def initiative_update(*, viewer: Viewer, initiative: Initiative, data: InitiativeInput) -> Initiative:
    """Change an initiative the viewer's organisation recorded (the caller loaded it with
    `access_own_initiative_by_id`)."""
    _require(viewer, EDITOR_ROLES)
    if initiative.organisation_id != viewer.organisation_id:
        raise PermissionDenied
    with transaction.atomic():
        _fill_initiative(initiative, data, is_new=False)
        initiative.save()
        initiative.sectors.set(data.sectors)
        initiative.regions.set(data.regions)
        audit_record(
            action="registry.initiative.updated",
            actor=viewer.user,
            organisation=viewer.organisation,
            object_type="initiative",
            object_id=initiative.pk,
        )
    return initiative


def initiative_link_add(
    *, viewer: Viewer, initiative: Initiative, organisation: Organisation, kind: str, since: dt.date | None = None
) -> InitiativeLink:
    """Let another organisation see an initiative: a link, and the initiative's data key wrapped for it."""
    _require(viewer, EDITOR_ROLES)
    if initiative.organisation_id != viewer.organisation_id:
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if organisation.pk == viewer.organisation_id:
        errors["organisation"] = [_("Your organisation recorded this initiative and sees it already.")]
    elif not organisation.is_active:
        errors["organisation"] = [_("This organisation is not active.")]
    if kind not in LinkKind.values:
        errors["kind"] = [_("Choose a relationship from the list.")]
    if since is not None and since > timezone.localdate():
        errors["since"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                link = InitiativeLink.objects.create(
                    initiative=initiative, organisation=organisation, kind=kind, since=since
                )
        except IntegrityError:
            raise ValidationFailed(
                errors={"organisation": [_("This organisation is linked to the initiative already.")]}
            ) from None
        keyring.data_key_share(data_key_id=initiative.ensure_data_key(), with_organisation_id=organisation.pk)
        audit_record(
            action="registry.initiative.linked",
            actor=viewer.user,
            organisation=viewer.organisation,
            object_type="initiative_link",
            object_id=link.pk,
        )
    return link


def initiative_link_remove(*, viewer: Viewer, link: InitiativeLink) -> None:
    """End a link: the organisation no longer sees the initiative, and its wrapping of the data key is gone."""
    _require(viewer, EDITOR_ROLES)
    initiative = link.initiative
    if initiative.organisation_id != viewer.organisation_id:
        raise PermissionDenied
    with transaction.atomic():
        if initiative.data_key_id is not None:
            keyring.data_key_unshare(data_key_id=initiative.data_key_id, organisation_id=link.organisation_id)
        link_id = link.pk
        link.delete()
        audit_record(
            action="registry.initiative.unlinked",
            actor=viewer.user,
            organisation=viewer.organisation,
            object_type="initiative_link",
            object_id=link_id,
        )


# --- activities -------------------------------------------------------------------------------------------------


@dataclass
class ActivityInput:
    title: str
    support_type: SupportType
    sector: Sector
    regions: Sequence[Region]
    start_date: dt.date
    end_date: dt.date | None = None
    people_per_month: int | None = None
    funding_status: str = FundingStatus.UNFUNDED
    shared: bool = True
    initiative: Initiative | None = None
    reference: str = ""


def _fill_activity(activity: Activity, data: ActivityInput, viewer: Viewer) -> None:
    errors: dict[str, list[str]] = {}
    if not data.regions:
        errors["regions"] = [_("Choose at least one region or country.")]
    if data.end_date is not None and data.end_date < data.start_date:
        errors["end_date"] = [_("The end cannot be before the start.")]
    known = data.initiative is None or data.initiative.organisation_id == viewer.organisation_id
    if (
        not known
        and not InitiativeLink.objects.filter(initiative=data.initiative, organisation=viewer.organisation).exists()
    ):
        errors["initiative"] = [_("Choose an initiative your organisation knows.")]
    if data.funding_status not in FundingStatus.values:
        errors["funding_status"] = [_("Choose a funding status from the list.")]
    activity.title = " ".join(data.title.split())
    activity.support_type = data.support_type
    activity.sector = data.sector
    activity.start_date = data.start_date
    activity.end_date = data.end_date
    activity.people_per_month = data.people_per_month
    activity.funding_status = data.funding_status
    activity.initiative = data.initiative
    # An initiative's activity is never shown beyond the organisations that know the initiative.
    activity.shared = data.shared and data.initiative is None
    if data.reference:
        activity.reference = data.reference.strip()
    activity.updated_at = timezone.now()
    try:
        activity.full_clean(exclude=["regions"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    clash = Activity.objects.filter(organisation=viewer.organisation, reference=activity.reference).exclude(
        pk=activity.pk
    )
    if activity.reference and clash.exists():
        errors.setdefault("reference", []).append(_("Another activity of your organisation has this reference."))
    if errors:
        raise ValidationFailed(errors=errors)


def _audit_activity(viewer: Viewer, action: str, activity_id: object) -> None:
    audit_record(
        action=f"registry.activity.{action}",
        actor=viewer.user,
        organisation=viewer.organisation,
        object_type="activity",
        object_id=activity_id,
    )


def activity_create(*, viewer: Viewer, data: ActivityInput) -> Activity:
    """Record an activity of the viewer's organisation (or of an initiative it knows)."""
    _require(viewer, EDITOR_ROLES)
    with transaction.atomic():
        activity = Activity(organisation=viewer.organisation)
        _fill_activity(activity, data, viewer)
        activity.save(force_insert=True)
        activity.regions.set(data.regions)
        _audit_activity(viewer, "created", activity.pk)
    return activity


def activity_update(*, viewer: Viewer, activity: Activity, data: ActivityInput) -> Activity:
    """Change an activity of the viewer's organisation (loaded with `access_own_activity_by_id`)."""
    _require(viewer, EDITOR_ROLES)
    if activity.organisation_id != viewer.organisation_id:
        raise PermissionDenied
    with transaction.atomic():
        _fill_activity(activity, data, viewer)
        activity.save()
        activity.regions.set(data.regions)
        _audit_activity(viewer, "updated", activity.pk)
    return activity


def activity_delete(*, viewer: Viewer, activity: Activity) -> None:
    _require(viewer, EDITOR_ROLES)
    if activity.organisation_id != viewer.organisation_id:
        raise PermissionDenied
    with transaction.atomic():
        activity_id = activity.pk
        activity.delete()
        _audit_activity(viewer, "deleted", activity_id)


@dataclass(frozen=True)
class ImportOutcome:
    created: int
    updated: int


def activities_upsert(
    *, viewer: Viewer, rows: Iterable[tuple[int, ActivityInput]], dry_run: bool = False
) -> ImportOutcome:
    """Create or update many activities by reference, all or nothing.

    `rows` pairs each input with its line in the source file; every invalid row is reported by line
    (ValidationFailed with errors keyed "line N"), and then nothing at all is written. A dry run checks
    everything the real run would (including the database's constraints) and rolls back.
    """
    _require(viewer, EDITOR_ROLES)
    errors: dict[str, list[str]] = {}
    created = updated = 0
    with transaction.atomic():
        existing = {a.reference: a for a in Activity.objects.filter(organisation=viewer.organisation)}
        for line, data in rows:
            activity = existing.get(data.reference) if data.reference else None
            is_new = activity is None
            if activity is None:
                activity = Activity(organisation=viewer.organisation)
            try:
                _fill_activity(activity, data, viewer)
            except ValidationFailed as exc:
                errors[f"line {line}"] = [f"{key}: {'; '.join(msgs)}" for key, msgs in exc.errors.items()]
                continue
            activity.save(force_insert=is_new)
            activity.regions.set(data.regions)
            existing[activity.reference] = activity
            if is_new:
                created += 1
            else:
                updated += 1
        if errors:
            transaction.set_rollback(True)
            raise ValidationFailed(_("Nothing was imported: fix the lines below and try again."), errors=errors)
        if dry_run:
            transaction.set_rollback(True)
            return ImportOutcome(created=created, updated=updated)
        audit_record(
            action="registry.activity.imported",
            actor=viewer.user,
            organisation=viewer.organisation,
            object_type="activity",
            object_id=f"{created}+{updated}",
        )
    return ImportOutcome(created=created, updated=updated)


# --- needs ------------------------------------------------------------------------------------------------------


def need_create(
    *,
    viewer: Viewer,
    region: Region,
    sector: Sector,
    support_type: SupportType | None,
    requests: int,
    month: dt.date,
) -> Need:
    """Record how many requests for help came in from a region, for a sector, in a month."""
    _require(viewer, NEED_ROLES)
    errors: dict[str, list[str]] = {}
    month = month.replace(day=1)
    if month > timezone.localdate():
        errors["month"] = [_("The month cannot be in the future.")]
    with transaction.atomic():
        need = Need(
            organisation=viewer.organisation,
            region=region,
            sector=sector,
            support_type=support_type,
            requests=requests,
            month=month,
        )
        try:
            need.full_clean()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
        if errors:
            raise ValidationFailed(errors=errors)
        need.save(force_insert=True)
        audit_record(
            action="registry.need.created",
            actor=viewer.user,
            organisation=viewer.organisation,
            object_type="need",
            object_id=need.pk,
        )
    return need


def need_delete(*, viewer: Viewer, need: Need) -> None:
    _require(viewer, NEED_ROLES)
    if need.organisation_id != viewer.organisation_id:
        raise PermissionDenied
    with transaction.atomic():
        need_id = need.pk
        need.delete()
        audit_record(
            action="registry.need.deleted",
            actor=viewer.user,
            organisation=viewer.organisation,
            object_type="need",
            object_id=need_id,
        )
