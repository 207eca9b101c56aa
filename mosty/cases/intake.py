"""The public intake: what someone without an account can do. Ask an organisation for help (a person and a case
land in its queue, state "new"), receive a codename once, and later check the status, read the caseworker's
messages and answer them with that codename.

Selectors (reads) first, then services (writes). The views in `intake_views.py` only parse and render.

Threats:
- a request landing where it should not: the organisation and support type are reached only through
  `access_intake_target`, which answers NotFound for an unknown or inactive organisation, an unknown support
  type, and a type the organisation switched off (one answer for all).
- a stolen database: the applicant's name, contact, request and messages are encrypted under the case's and the
  person's data keys (the organisation's scope, `acting_as`); the codename is kept only as a keyed slow hash
  (`mosty.core.crypto.codenames`).
- a flooded queue: at most `MOSTY_INTAKE_PER_WINDOW` public writes (requests and replies) per organisation and
  10-minute window, counted in `IntakeWindow` rows; nothing about the sender (no IP address: over Tor it would
  mean nothing anyway, and it would put the applicant at risk) is kept.
- guessing codenames (and burning CPU and memory with Argon2id): at most `STATUS_CHECKS_PER_WINDOW` status
  checks per window for the whole installation, counted before the hash runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mosty.accounts.models import Organisation
from mosty.cases import services
from mosty.cases.models import (
    Case,
    CaseMessage,
    CaseSource,
    CaseTypeSettings,
    IntakeWindow,
    MessageDirection,
    StatusCheckWindow,
)
from mosty.cases.workflows import workflow_for
from mosty.core.audit import audit_record
from mosty.core.crypto import codenames
from mosty.core.crypto.keyring import acting_as
from mosty.core.exceptions import NotFound, RateLimited, ValidationFailed
from mosty.registry.models import Region, SupportType

WINDOW_SECONDS = 10 * 60
# Status checks for the whole installation per window. Each costs one Argon2id (64 MiB); legitimate applicants
# check rarely. Counted in `StatusCheckWindow` rows, shared by every server process.
STATUS_CHECKS_PER_WINDOW = 200
# Window rows older than this are deleted: they would only tell when an organisation received requests.
WINDOW_ROWS_KEPT = dt.timedelta(days=1)
NEED_MAX_CHARS = 3000
NAME_MAX_CHARS = 200
CONTACT_MAX_CHARS = 1000
REPLY_MAX_CHARS = 3000


# --- selectors ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeOption:
    """An organisation on the start page, with the support types it takes public requests for."""

    organisation: Organisation
    support_types: tuple[SupportType, ...]


def intake_options() -> list[IntakeOption]:
    """Active organisations that take public requests for at least one support type, each with those types.

    The same rule as `services.type_settings(...).intake_enabled` (a type is open unless the organisation
    switched it off), in three queries for the whole page instead of one per organisation and type."""
    support_types = list(SupportType.objects.order_by("position", "slug"))
    switched_off = set(
        CaseTypeSettings.objects.filter(intake_enabled=False).values_list("organisation_id", "support_type_id")
    )
    options = []
    for organisation in Organisation.objects.filter(is_active=True).order_by("name", "pk"):
        accepted = tuple(t for t in support_types if (organisation.pk, t.pk) not in switched_off)
        if accepted:
            options.append(IntakeOption(organisation, accepted))
    return options


def _intake_target(organisation: Organisation | None, support_type: SupportType | None) -> None:
    if organisation is None:
        raise NotFound
    if not organisation.is_active:
        raise NotFound
    if support_type is None:
        raise NotFound
    if not services.type_settings(organisation.pk, support_type).intake_enabled:
        raise NotFound


def access_intake_target(*, organisation_slug: str, support_type_slug: str) -> tuple[Organisation, SupportType]:
    """The organisation and support type a public request goes to; NotFound unless the organisation is active
    and takes public requests for that type (one answer for unknown, inactive and switched off)."""
    organisation = Organisation.objects.filter(slug=organisation_slug).first()
    support_type = SupportType.objects.filter(slug=support_type_slug).first()
    _intake_target(organisation, support_type)
    return organisation, support_type  # type: ignore[return-value]  # checked above


def access_intake_target_by_id(*, organisation_id: int, support_type_slug: str) -> tuple[Organisation, SupportType]:
    """`access_intake_target` for the ids carried in a signed form ticket (checked again: the organisation may
    have switched the type off since the form was shown)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    support_type = SupportType.objects.filter(slug=support_type_slug).first()
    _intake_target(organisation, support_type)
    return organisation, support_type  # type: ignore[return-value]  # checked above


def _reachable_cases() -> QuerySet[Case]:
    return Case.objects.select_related("organisation", "support_type").filter(
        source=CaseSource.INTAKE, shredded_at__isnull=True, organisation__is_active=True
    )


def access_case_by_codename(codename: str) -> Case:
    """The case an applicant's codename opens. NotFound for a wrong codename and for a case that was destroyed
    or whose organisation is inactive (one answer). The slow hash runs whatever was typed, so a wrong codename
    takes as long as a right one."""
    lookup = codenames.codename_lookup(codename)
    case = _reachable_cases().filter(codename_lookup=lookup).first()
    if case is None:
        raise NotFound
    return case


def access_checked_in_case(case_id: Any) -> Case:
    """The case an applicant checked in to earlier in this session (its id is kept in the session, never the
    codename). NotFound if it is no longer reachable."""
    try:
        case: Case | None = _reachable_cases().filter(pk=case_id, codename_lookup__isnull=False).first()
    except (ValueError, TypeError, ValidationError):
        raise NotFound from None
    if case is None:
        raise NotFound
    return case


@dataclass(frozen=True)
class ApplicantMessage:
    from_applicant: bool
    body: str
    at: dt.datetime


@dataclass(frozen=True)
class ApplicantStatus:
    """What the applicant sees: the state's public label, and the messages (decrypted, plain values, so that the
    template renders outside the organisation's scope)."""

    organisation_name: str
    support_type_name: str
    state_label: str
    closed: bool
    sent_on: dt.date
    messages: tuple[ApplicantMessage, ...]


def applicant_status(case: Case, language: str) -> ApplicantStatus:
    """The status page of a checked-in applicant, in `language` (en/uk/ru)."""
    state = workflow_for(case.support_type.slug).state(case.state)
    with acting_as(case.organisation_id):
        messages = tuple(
            ApplicantMessage(m.direction == MessageDirection.FROM_APPLICANT, str(m.body or ""), m.created_at)
            for m in CaseMessage.objects.filter(case=case).order_by("created_at", "pk")
        )
    return ApplicantStatus(
        organisation_name=case.organisation.name,
        support_type_name=case.support_type.name(language),
        state_label=state.label(language) if state else _("In progress"),
        closed=case.is_closed,
        sent_on=timezone.localdate(case.created_at),
        messages=messages,
    )


# --- rate limits --------------------------------------------------------------------------------------------


def window_start(now: dt.datetime | None = None) -> dt.datetime:
    """The start of the 10-minute window `now` falls in (UTC)."""
    seconds = int((now or timezone.now()).timestamp())
    return dt.datetime.fromtimestamp(seconds - seconds % WINDOW_SECONDS, tz=dt.UTC)


def _per_window() -> int:
    return int(settings.MOSTY_INTAKE_PER_WINDOW)


def _window_full(organisation: Organisation) -> bool:
    """A cheap read before the slow hash: is the organisation's window already full?"""
    row = IntakeWindow.objects.filter(organisation=organisation, window_start=window_start()).first()
    return row is not None and row.count >= _per_window()


def _window_hit(organisation: Organisation) -> None:
    """Count one public write for the organisation in the current window, or raise RateLimited. Inside the
    caller's transaction: a write that fails afterwards is not counted. The check and the increment are one
    conditional UPDATE, so concurrent requests cannot both take the last place."""
    start = window_start()
    _row, created = IntakeWindow.objects.get_or_create(organisation=organisation, window_start=start)
    if created:
        IntakeWindow.objects.filter(window_start__lt=start - WINDOW_ROWS_KEPT).delete()
    counted = IntakeWindow.objects.filter(
        organisation=organisation, window_start=start, count__lt=_per_window()
    ).update(count=F("count") + 1)
    if not counted:
        raise RateLimited


def status_check_admit() -> None:
    """Count one status check for the installation in the current window, or raise RateLimited (before any
    hash runs). One conditional UPDATE in the database: every server process shares the count."""
    start = window_start()
    _row, created = StatusCheckWindow.objects.get_or_create(window_start=start)
    if created:
        StatusCheckWindow.objects.filter(window_start__lt=start - WINDOW_ROWS_KEPT).delete()
    counted = StatusCheckWindow.objects.filter(window_start=start, count__lt=STATUS_CHECKS_PER_WINDOW).update(
        count=F("count") + 1
    )
    if not counted:
        raise RateLimited


# --- services -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeRequest:
    """A public request as the form parsed it. `risk` and `urgency` are the applicant's own assessment (1-4)."""

    support_type: SupportType
    need: str
    name: str = ""
    contact: str = ""
    region: Region | None = None
    risk: int = 2
    urgency: int = 2
    details: dict[str, Any] = field(default_factory=dict)


def _check_sizes(data: IntakeRequest) -> None:
    errors: dict[str, list[str]] = {}
    for name, value, limit in (
        ("need", data.need, NEED_MAX_CHARS),
        ("name", data.name, NAME_MAX_CHARS),
        ("contact", data.contact, CONTACT_MAX_CHARS),
    ):
        if len(value) > limit:
            errors[name] = [_("At most %(n)s characters.") % {"n": limit}]
    if not data.need.strip():
        errors["need"] = [_("Tell us what you need.")]
    if errors:
        raise ValidationFailed(errors=errors)


def intake_submit(*, organisation: Organisation, data: IntakeRequest) -> str:
    """Open a person and a case in the organisation's queue (state "new", source "intake"), everything that
    identifies the applicant encrypted in the organisation's scope, all in one transaction; count it in the
    organisation's window (RateLimited when full, nothing written). Returns the new codename: the only copy,
    for the confirmation page. Only its keyed slow hash is stored."""
    _intake_target(organisation, data.support_type)
    _check_sizes(data)
    if _window_full(organisation):
        raise RateLimited
    codename = codenames.new_codename()
    lookup = codenames.codename_lookup(codename)  # slow: before the transaction, so no lock waits for it
    with acting_as(organisation.pk), transaction.atomic():
        _window_hit(organisation)
        person = services.person_create(
            viewer=None,
            organisation=organisation,
            # "How to address you" is whatever the applicant chose, often a pseudonym: an alias, not a name.
            data=services.PersonInput(aliases=data.name, contact=data.contact),
        )
        services.case_create(
            viewer=None,
            organisation=organisation,
            person=person,
            data=services.CaseInput(
                support_type=data.support_type,
                risk=data.risk,
                urgency=data.urgency,
                summary=data.need,
                details=data.details,
                region=data.region,
            ),
            source=CaseSource.INTAKE,
            codename_lookup=lookup,
        )
    return codename


def applicant_messages_read(case: Case) -> int:
    """Mark the caseworker's messages as read by the applicant (they were just shown)."""
    return CaseMessage.objects.filter(case=case, direction=MessageDirection.TO_APPLICANT, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def applicant_reply(*, case: Case, body: str) -> CaseMessage:
    """The applicant's answer: a message from the applicant, encrypted under the case's key, with a timeline
    entry and an audit event (ids only), counted in the organisation's window. Refused on a closed case."""
    body = body.strip()
    if not body:
        raise ValidationFailed(errors={"body": [_("The message is empty.")]})
    if len(body) > REPLY_MAX_CHARS:
        raise ValidationFailed(errors={"body": [_("At most %(n)s characters.") % {"n": REPLY_MAX_CHARS}]})
    if case.is_closed:
        raise ValidationFailed(_("This request is closed. To ask for help again, send a new request."))
    organisation = case.organisation
    with acting_as(organisation.pk), transaction.atomic():
        _window_hit(organisation)
        message = CaseMessage(organisation=organisation, case=case, direction=MessageDirection.FROM_APPLICANT)
        message.body = body
        try:
            message.full_clean(exclude=["data_key", "case", "organisation", "author"])
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        message.save()
        services.event_record(case, kind="message_received", actor=None, organisation=organisation)
        audit_record(
            action="cases.message.received",
            organisation=organisation,
            object_type="case_message",
            object_id=message.pk,
        )
    return message
