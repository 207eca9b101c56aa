"""Writes for persons and cases: create, triage, assign, move through the workflow, tasks, notes, messages
to the applicant, attachments. Each checks the viewer's right on the case (`CaseAccess`), validates
everything before writing, runs in one transaction with its timeline entry and audit event (ids and codes
only), and encrypts what identifies anyone under the right key.

Referrals, consent and vouching live in `referrals.py` and `vouching.py`; the public intake in `intake.py`;
retention and exports in `retention.py` and `exports.py`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from mosty.accounts.models import Membership, Organisation, User
from mosty.accounts.selectors import Viewer
from mosty.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseMessage,
    CaseNote,
    CaseSource,
    CaseTask,
    CaseTypeSettings,
    MessageDirection,
    Person,
)
from mosty.cases.selectors import CASE_WRITE_ROLES, CaseAccess
from mosty.cases.workflows import Triage, TypeField, Workflow, workflow_for
from mosty.core.audit import audit_record
from mosty.core.exceptions import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from mosty.registry.models import Region, SupportType

_LABEL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def _require_write(viewer: Viewer) -> None:
    if not viewer.has_role(CASE_WRITE_ROLES):
        raise PermissionDenied


def _require_own(viewer: Viewer, access: CaseAccess) -> Case:
    """Only the owning organisation's writers change a case (a referral gives read access)."""
    if not access.own or access.case.organisation_id != viewer.organisation_id:
        raise NotFound
    _require_write(viewer)
    return access.case


def _clean(instance: Any, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude or [])
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def event_record(case: Case, *, kind: str, actor: User | None, organisation: Organisation | None, **data: Any) -> None:
    """One timeline entry (codes and ids only)."""
    CaseEvent.objects.create(case=case, kind=kind, actor=actor, organisation=organisation, data=data)


def _audit(viewer: Viewer | None, action: str, object_type: str, object_id: Any, organisation: Any = None) -> None:
    audit_record(
        action=action,
        actor=viewer.user if viewer else None,
        organisation=viewer.organisation if viewer else organisation,
        object_type=object_type,
        object_id=object_id,
    )


# --- settings -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeSettings:
    workflow: Workflow
    retention_days: int
    disabled_states: frozenset[str]
    intake_enabled: bool


def type_settings(organisation_id: int, support_type: SupportType) -> TypeSettings:
    """The shipped workflow of a support type with the organisation's adjustments."""
    workflow = workflow_for(support_type.slug)
    row = CaseTypeSettings.objects.filter(organisation_id=organisation_id, support_type=support_type).first()
    if row is None:
        return TypeSettings(workflow, workflow.retention_days, frozenset(), True)
    optional = {s.code for s in workflow.states if s.optional}
    return TypeSettings(
        workflow, row.retention_days, frozenset(c for c in row.disabled_states if c in optional), row.intake_enabled
    )


def case_type_settings_set(
    *, viewer: Viewer, support_type: SupportType, retention_days: int, disabled_states: list[str], intake_enabled: bool
) -> CaseTypeSettings:
    """An administrator adjusts a support type for the organisation: retention, optional states, intake."""
    from mosty.accounts.models import Role

    if not viewer.has_role(frozenset({Role.ORG_ADMIN})):
        raise PermissionDenied
    workflow = workflow_for(support_type.slug)
    optional = {s.code for s in workflow.states if s.optional}
    unknown = [c for c in disabled_states if c not in optional]
    if unknown:
        raise ValidationFailed(errors={"disabled_states": [_("Only optional states can be switched off.")]})
    with transaction.atomic():
        row, _created = CaseTypeSettings.objects.get_or_create(
            organisation=viewer.organisation,
            support_type=support_type,
            defaults={"retention_days": retention_days},
        )
        row.retention_days = retention_days
        row.disabled_states = sorted(set(disabled_states))
        row.intake_enabled = intake_enabled
        _clean(row)
        row.save()
        _audit(viewer, "cases.settings.updated", "case_type_settings", row.pk)
    return row


# --- persons ------------------------------------------------------------------------------------------------


@dataclass
class PersonInput:
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    aliases: str = ""
    birth_date: str = ""  # ISO date or partial date ("1987", "1987-05")
    citizenship: str = ""
    contact: str = ""


def _partial_date(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    for fmt, length in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        if len(value) == length:
            try:
                dt.datetime.strptime(value, fmt)  # noqa: DTZ007 (a date, no time zone)
            except ValueError:
                break
            return value
    raise ValidationFailed(errors={"birth_date": [_("Use a date like 1987-05-31, 1987-05 or 1987.")]})


def _new_label(organisation: Organisation) -> str:
    for _attempt in range(20):
        label = "P-" + "".join(secrets.choice(_LABEL_ALPHABET) for _ in range(5))
        if not Person.objects.filter(organisation=organisation, label=label).exists():
            return label
    raise ValidationFailed(_("Could not find a free label; try again."))


def _fill_person(person: Person, data: PersonInput) -> None:
    person.family_name = data.family_name.strip() or None
    person.given_name = data.given_name.strip() or None
    person.patronymic = data.patronymic.strip() or None
    person.aliases = data.aliases.strip() or None
    person.birth_date = _partial_date(data.birth_date)
    person.citizenship = data.citizenship.strip() or None
    person.contact = data.contact.strip() or None
    _clean(person, exclude=["data_key", "family_name_index", "given_name_index", "birth_date_index"])


def person_create(*, viewer: Viewer | None, organisation: Organisation, data: PersonInput) -> Person:
    """A person of `organisation`, identity encrypted under a new data key, with a random label."""
    with transaction.atomic():
        person = Person(organisation=organisation, label=_new_label(organisation))
        _fill_person(person, data)
        person.ensure_data_key()
        person.save()
    return person


def person_update(*, viewer: Viewer, access: CaseAccess, data: PersonInput) -> Person:
    case = _require_own(viewer, access)
    with transaction.atomic():
        person = case.person
        _fill_person(person, data)
        person.save()
        event_record(case, kind="person_updated", actor=viewer.user, organisation=viewer.organisation)
        _audit(viewer, "cases.person.updated", "person", person.pk)
    return person


# --- details ------------------------------------------------------------------------------------------------


def clean_details(workflow: Workflow, raw: dict[str, Any], *, intake_only: bool = False) -> dict[str, Any]:
    """The type's fields, checked and typed; unknown keys dropped; ValidationFailed names each bad field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    for f in workflow.fields:
        if intake_only and not f.intake:
            continue
        value = raw.get(f.key)
        if value in (None, "", []):
            if f.required:
                errors[f.key] = [_("This field is required.")]
            continue
        try:
            out[f.key] = _typed(f, value)
        except ValueError as exc:
            errors[f.key] = [str(exc)]
    if errors:
        raise ValidationFailed(errors=errors)
    return out


def _typed(f: TypeField, value: Any) -> Any:
    if f.kind == "bool":
        return value in (True, "on", "true", "1", "yes", 1)
    if f.kind == "number":
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(_("Enter a whole number.")) from None
        if not 0 <= number <= 10_000_000:
            raise ValueError(_("Enter a number between 0 and 10,000,000."))
        return number
    if f.kind == "date":
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date like 2026-05-31.")) from None
    if f.kind == "choice":
        allowed = {c[0] for c in f.choices}
        if str(value) not in allowed:
            raise ValueError(_("Choose one of the options."))
        return str(value)
    text = str(value).strip()
    if len(text) > f.max_length:
        raise ValueError(_("At most %(n)s characters.") % {"n": f.max_length})
    return text


# --- cases --------------------------------------------------------------------------------------------------


@dataclass
class CaseInput:
    support_type: SupportType
    risk: int = 2
    urgency: int = 2
    summary: str = ""
    details: dict[str, Any] | None = None
    region: Region | None = None
    assignee: User | None = None


def _new_reference(organisation: Organisation) -> str:
    year = timezone.localdate().year
    prefix = f"{year}-"
    # Longest first, then highest: "2026-100000" comes after "2026-99999" although it sorts before it as text.
    last = (
        Case.objects.select_for_update()
        .filter(organisation=organisation, reference__startswith=prefix)
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.split("-")[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def _check_assignee(organisation_id: int, assignee: User | None) -> None:
    if assignee is None:
        return
    ok = Membership.objects.filter(
        user=assignee, organisation_id=organisation_id, role__in=CASE_WRITE_ROLES, user__is_active=True
    ).exists()
    if not ok:
        raise ValidationFailed(errors={"assignee": [_("Choose a member of your organisation who works on cases.")]})


def _check_level(name: str, value: int) -> None:
    if not 1 <= value <= 4:
        raise ValidationFailed(errors={name: [_("Choose a level from 1 (low) to 4 (critical).")]})


def case_create(
    *,
    viewer: Viewer | None,
    organisation: Organisation,
    person: Person,
    data: CaseInput,
    source: str = CaseSource.STAFF,
    codename_lookup: str | None = None,
) -> Case:
    """Open a case for a person of the same organisation, in the type's first state, with its triage score.
    `viewer` is None only for the public intake, which also passes the keyed hash of the applicant's codename."""
    if viewer is not None:
        _require_write(viewer)
    if person.organisation_id != organisation.pk:
        raise NotFound
    _check_level("risk", data.risk)
    _check_level("urgency", data.urgency)
    _check_assignee(organisation.pk, data.assignee)
    workflow = workflow_for(data.support_type.slug)
    details = clean_details(workflow, data.details or {}, intake_only=source == CaseSource.INTAKE)
    with transaction.atomic():
        case = Case(
            organisation=organisation,
            reference=_new_reference(organisation),
            person=person,
            support_type=data.support_type,
            state=workflow.initial,
            risk=data.risk,
            urgency=data.urgency,
            triage_score=Triage(data.risk, data.urgency).score,
            assignee=data.assignee,
            region=data.region,
            source=source,
            codename_lookup=codename_lookup,
            created_by=viewer.user if viewer else None,
        )
        case.summary = data.summary.strip() or None
        case.details = details or None
        _clean(case, exclude=["data_key", "notes_key", "person", "support_type", "codename_lookup"])
        # The key exists from the start, even with nothing encrypted yet: tasks, messages and referrals use it.
        case.ensure_data_key()
        case.save()
        event_record(
            case,
            kind="created",
            actor=viewer.user if viewer else None,
            organisation=organisation,
            state=case.state,
            source=source,
        )
        _audit(viewer, "cases.case.created", "case", case.pk, organisation=organisation)
    return case


def case_update(
    *,
    viewer: Viewer,
    access: CaseAccess,
    summary: str,
    details: dict[str, Any],
    region: Region | None,
) -> Case:
    case = _require_own(viewer, access)
    cleaned = clean_details(access.workflow, details)
    with transaction.atomic():
        case.summary = summary.strip() or None
        case.details = cleaned or None
        case.region = region
        case.updated_at = timezone.now()
        _clean(case, exclude=["data_key", "notes_key", "person", "support_type", "codename_lookup"])
        case.save()
        event_record(case, kind="updated", actor=viewer.user, organisation=viewer.organisation)
        _audit(viewer, "cases.case.updated", "case", case.pk)
    return case


def case_triage(*, viewer: Viewer, access: CaseAccess, risk: int, urgency: int) -> Case:
    """Set risk and urgency; the score follows the documented rule (`workflows.Triage`)."""
    case = _require_own(viewer, access)
    _check_level("risk", risk)
    _check_level("urgency", urgency)
    with transaction.atomic():
        case.risk, case.urgency = risk, urgency
        case.triage_score = _score(case)
        case.updated_at = timezone.now()
        case.save(update_fields=["risk", "urgency", "triage_score", "updated_at"])
        event_record(
            case, kind="triaged", actor=viewer.user, organisation=viewer.organisation, risk=risk, urgency=urgency
        )
        _audit(viewer, "cases.case.triaged", "case", case.pk)
    return case


def _score(case: Case) -> int:
    soon = case.next_deadline is not None and case.next_deadline <= timezone.localdate() + dt.timedelta(days=7)
    return Triage(case.risk, case.urgency, deadline_soon=soon).score


def case_assign(*, viewer: Viewer, access: CaseAccess, assignee: User | None) -> Case:
    case = _require_own(viewer, access)
    _check_assignee(case.organisation_id, assignee)
    with transaction.atomic():
        case.assignee = assignee
        case.updated_at = timezone.now()
        case.save(update_fields=["assignee", "updated_at"])
        event_record(
            case,
            kind="assigned",
            actor=viewer.user,
            organisation=viewer.organisation,
            assignee=assignee.pk if assignee else None,
        )
        _audit(viewer, "cases.case.assigned", "case", case.pk)
    return case


def case_transition(*, viewer: Viewer, access: CaseAccess, to_state: str) -> Case:
    """Move the case to `to_state` if its workflow allows that from the current state (InvalidTransition
    otherwise, changing nothing). Closing sets the retention date; re-opening clears it."""
    case = _require_own(viewer, access)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        settings = type_settings(case.organisation_id, case.support_type)
        if to_state not in settings.workflow.allowed(case.state, disabled=settings.disabled_states):
            raise InvalidTransition
        from_state = case.state
        case.state = to_state
        now = timezone.now()
        if to_state in settings.workflow.closed_codes():
            case.closed_at = now
            case.retention_until = timezone.localdate() + dt.timedelta(days=settings.retention_days)
        else:
            case.closed_at = None
            case.retention_until = None
        case.updated_at = now
        case.save(update_fields=["state", "closed_at", "retention_until", "updated_at"])
        event_record(
            case,
            kind="state_changed",
            actor=viewer.user,
            organisation=viewer.organisation,
            from_state=from_state,
            to_state=to_state,
        )
        _audit(viewer, "cases.case.state_changed", "case", case.pk)
    return case


# --- tasks, notes, messages, attachments ---------------------------------------------------------------------


def _refresh_deadline(case: Case) -> None:
    case.next_deadline = case.tasks.filter(done_at__isnull=True).aggregate(d=Min("due_date"))["d"]
    case.triage_score = _score(case)
    case.save(update_fields=["next_deadline", "triage_score"])


def task_add(
    *, viewer: Viewer, access: CaseAccess, title: str, due_date: dt.date | None, assignee: User | None = None
) -> CaseTask:
    case = _require_own(viewer, access)
    if not title.strip():
        raise ValidationFailed(errors={"title": [_("Describe the task.")]})
    _check_assignee(case.organisation_id, assignee)
    with transaction.atomic():
        task = CaseTask(organisation_id=case.organisation_id, case=case, due_date=due_date, assignee=assignee)
        task.title = title.strip()
        _clean(task, exclude=["data_key", "case", "organisation"])
        task.save()
        _refresh_deadline(case)
        event_record(case, kind="task_added", actor=viewer.user, organisation=viewer.organisation, task=str(task.pk))
        _audit(viewer, "cases.task.created", "case_task", task.pk)
    return task


def task_done(*, viewer: Viewer, access: CaseAccess, task_id: Any) -> CaseTask:
    case = _require_own(viewer, access)
    with transaction.atomic():
        task = CaseTask.objects.select_for_update().filter(case=case, pk=task_id).first()
        if task is None:
            raise NotFound
        if task.done_at is None:
            task.done_at = timezone.now()
            task.save(update_fields=["done_at"])
            _refresh_deadline(case)
            event_record(case, kind="task_done", actor=viewer.user, organisation=viewer.organisation, task=str(task.pk))
            _audit(viewer, "cases.task.done", "case_task", task.pk)
    return task


def note_add(*, viewer: Viewer, access: CaseAccess, body: str) -> CaseNote:
    case = _require_own(viewer, access)
    if not body.strip():
        raise ValidationFailed(errors={"body": [_("The note is empty.")]})
    with transaction.atomic():
        note = CaseNote(organisation_id=case.organisation_id, case=case, author=viewer.user)
        note.body = body.strip()
        _clean(note, exclude=["data_key", "case", "organisation"])
        note.save()
        event_record(case, kind="note_added", actor=viewer.user, organisation=viewer.organisation)
        _audit(viewer, "cases.note.created", "case_note", note.pk)
    return note


def message_to_applicant(*, viewer: Viewer, access: CaseAccess, body: str) -> CaseMessage:
    """A message the applicant reads when checking the status with their codename."""
    case = _require_own(viewer, access)
    if case.codename_lookup is None:
        raise ValidationFailed(_("This case has no applicant codename: messages go through the intake only."))
    if not body.strip():
        raise ValidationFailed(errors={"body": [_("The message is empty.")]})
    with transaction.atomic():
        message = CaseMessage(
            organisation_id=case.organisation_id, case=case, direction=MessageDirection.TO_APPLICANT, author=viewer.user
        )
        message.body = body.strip()
        _clean(message, exclude=["data_key", "case", "organisation"])
        message.save()
        event_record(case, kind="message_sent", actor=viewer.user, organisation=viewer.organisation)
        _audit(viewer, "cases.message.sent", "case_message", message.pk)
    return message


def attachment_add(*, viewer: Viewer, access: CaseAccess, uploaded: Any) -> CaseAttachment:
    """Store an upload (metadata stripped, encrypted under its own key) and attach it to the case. Runs outside
    any surrounding transaction: the file store commits on its own."""
    from mosty.core.attachments import attachment_store

    case = _require_own(viewer, access)
    from mosty.cases.referrals import referral_share_attachment

    file = attachment_store(organisation=viewer.organisation, uploaded=uploaded, actor=viewer.user)
    with transaction.atomic():
        link = CaseAttachment.objects.create(case=case, file=file, added_by=viewer.user)
        event_record(case, kind="attachment_added", actor=viewer.user, organisation=viewer.organisation)
        # Open referrals that include attachments receive the new file too.
        referral_share_attachment(case=case, data_key_id=file.ensure_data_key())
    return link
