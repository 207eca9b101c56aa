"""Retention: closed cases are destroyed on their date, by destroying their keys (crypto-shredding) and then
their rows.

Threat: data kept longer than needed. A closed case carries `retention_until` (set on closing from the support
type's retention period, `services.case_transition`); the daily job (`mosty retention`, scheduled by the
operator, see docs/operations.md) destroys every closed case whose date has come:

1. every key its ciphertexts were sealed under is shredded (`keyring.data_key_shred`: all wrappings, the
   owner's and those made for referrals): the case's data key (summary, details, tasks, messages), its notes
   key, each attachment's key (`attachment_delete`, which also removes the file); the person's key too when no
   other case of that person remains. From then on no copy of those ciphertexts (a replica, a backup made
   afterwards, a page cached somewhere) can be decrypted by anyone;
2. the rows go: the case with its tasks, notes, messages, attachments, timeline, consents and referrals, the
   person when no other case refers to them, and the emptied key records;
3. what stays is one audit event per case (`cases.case.shredded`, and `cases.person.shredded` for the person):
   ids only, which name nobody once the rows are gone.

One transaction per case: an interruption loses nothing (the case is either untouched or entirely gone) and
the next run carries on. Runs may overlap (two timers, a manual run during the scheduled one): on PostgreSQL a
case another run holds is skipped (`SELECT ... FOR UPDATE SKIP LOCKED`) and the person row is locked before
deciding whether it is still needed; SQLite serialises writers anyway. A case re-opened meanwhile is left alone:
only closed cases are ever touched, checked again under the lock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError, QuerySet
from django.utils import timezone

from mosty.accounts.models import Organisation
from mosty.accounts.selectors import Viewer
from mosty.cases.models import Case, CaseAttachment, CaseMessage, CaseNote, CaseTask, Consent, Person, Referral
from mosty.cases.selectors import CASE_READ_ROLES
from mosty.core.attachments import attachment_delete
from mosty.core.audit import audit_record
from mosty.core.crypto import keyring
from mosty.core.crypto.errors import CryptoError

DUE_HORIZON_DAYS = 90


def retention_due(viewer: Viewer, *, on: dt.date | None = None, days: int = DUE_HORIZON_DAYS) -> QuerySet[Case]:
    """The viewer's organisation's closed cases that will be destroyed by `on` + `days` (default: the next 90
    days, and any the job has not reached yet), soonest first. Only what the retention page shows is loaded:
    no encrypted column, no person. Empty for roles that do not work with cases."""
    if not viewer.has_role(CASE_READ_ROLES):
        return Case.objects.none()
    horizon = (on or timezone.localdate()) + dt.timedelta(days=days)
    return (
        Case.objects.filter(
            organisation_id=viewer.organisation_id,
            closed_at__isnull=False,
            retention_until__isnull=False,
            retention_until__lte=horizon,
        )
        .select_related("support_type")
        .only("id", "organisation_id", "reference", "support_type", "state", "closed_at", "retention_until")
        .order_by("retention_until", "closed_at", "pk")
    )


def _due_ids(on: dt.date) -> list[uuid.UUID]:
    """Closed cases whose date has come, in every organisation, soonest first."""
    return list(
        Case.objects.filter(closed_at__isnull=False, retention_until__isnull=False, retention_until__lte=on)
        .order_by("retention_until", "pk")
        .values_list("pk", flat=True)
    )


@dataclass
class RetentionSummary:
    """What a run did (or, with `dry_run`, would do). Ids only."""

    on: dt.date
    dry_run: bool
    due: int = 0
    shredded: list[uuid.UUID] = field(default_factory=list)
    persons_shredded: list[uuid.UUID] = field(default_factory=list)
    skipped: list[uuid.UUID] = field(default_factory=list)  # held by another run, re-opened, or already gone
    failed: dict[uuid.UUID, str] = field(default_factory=dict)  # case id -> why (class and model names only)


# (event, case id, position, total); event is "shredded", "skipped", "failed" or "due" (dry run)
Progress = Callable[[str, uuid.UUID, int, int], None]


def retention_run(
    *, on: dt.date | None = None, dry_run: bool = False, progress: Progress | None = None
) -> RetentionSummary:
    """Destroy every closed case whose `retention_until` is on or before `on` (default: today), in every
    organisation, one transaction per case (see the module docstring). With `dry_run`, only count and report
    them. Safe to run twice and concurrently. A case that cannot be destroyed (a key that cannot be unwrapped, a
    row another app still protects, a database error such as a deadlock) is rolled back, reported in `failed`,
    and tried again by the next run.

    `on` is the day the run acts for. Passing a later date than today destroys cases before their time: only
    tests do that (`mosty retention --date` refuses a future date)."""
    day = on or timezone.localdate()
    ids = _due_ids(day)
    summary = RetentionSummary(on=day, dry_run=dry_run, due=len(ids))
    organisations: dict[int, Organisation] = {}
    for position, case_id in enumerate(ids, start=1):
        if dry_run:
            _report(progress, "due", case_id, position, len(ids))
            continue
        try:
            outcome = _shred_case(case_id, day, organisations)
        except (CryptoError, ProtectedRowsError, DatabaseError) as exc:
            # The class name (and, for protected rows, the models' names): never an exception's free text.
            detail = f": {exc}" if isinstance(exc, ProtectedRowsError) else ""
            summary.failed[case_id] = exc.__class__.__name__ + detail
            _report(progress, "failed", case_id, position, len(ids))
            continue
        if outcome is None:
            summary.skipped.append(case_id)
            _report(progress, "skipped", case_id, position, len(ids))
            continue
        summary.shredded.append(case_id)
        if outcome.person_id is not None:
            summary.persons_shredded.append(outcome.person_id)
        _report(progress, "shredded", case_id, position, len(ids))
    return summary


def _report(progress: Progress | None, event: str, case_id: uuid.UUID, position: int, total: int) -> None:
    if progress is not None:
        progress(event, case_id, position, total)


class ProtectedRowsError(Exception):
    """Another table still refers to a row retention must delete (a model added later with PROTECT)."""


@dataclass(frozen=True)
class _Shredded:
    person_id: uuid.UUID | None  # set when the person was destroyed with their last case


def _lock_case(case_id: uuid.UUID, on: dt.date) -> Case | None:
    """The case, locked, if it is still closed and due; None if another run holds it or it is gone."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    return (
        Case.objects.select_for_update(skip_locked=skip_locked)
        .filter(pk=case_id, closed_at__isnull=False, retention_until__isnull=False, retention_until__lte=on)
        .only("id", "organisation_id", "person_id", "data_key_id", "notes_key_id")
        .first()
    )


def _shred_case(case_id: uuid.UUID, on: dt.date, organisations: dict[int, Organisation]) -> _Shredded | None:
    """Destroy one case in one transaction. None: not done (locked by another run, re-opened, already gone)."""
    with transaction.atomic():
        case = _lock_case(case_id, on)
        if case is None:
            return None
        organisation = organisations.get(case.organisation_id)
        if organisation is None:
            organisation = organisations[case.organisation_id] = Organisation.objects.get(pk=case.organisation_id)
        with keyring.acting_as(case.organisation_id, installation=False):
            try:
                keys = _destroy_case_rows(case)
                person_id = _destroy_person_if_unused(case.person_id, organisation, keys)
                _forget_keys(keys)
            except ProtectedError as exc:
                labels = sorted({obj._meta.label for obj in exc.protected_objects})
                raise ProtectedRowsError(", ".join(labels)) from None
            audit_record(action="cases.case.shredded", organisation=organisation, object_type="case", object_id=case_id)
    return _Shredded(person_id)


def _destroy_case_rows(case: Case) -> set[int]:
    """Shred every key of the case and delete its rows; return the shredded key ids (their records are gone)."""
    keys: set[int] = {k for k in (case.data_key_id, case.notes_key_id) if k is not None}
    for model in (CaseTask, CaseNote, CaseMessage):
        keys.update(k for k in model.objects.filter(case=case).values_list("data_key_id", flat=True) if k is not None)
    for link in CaseAttachment.objects.filter(case=case).select_related("file").order_by("pk"):
        file = link.file
        if file.data_key_id is not None:
            keys.add(int(file.data_key_id))
        # Shreds the file's key, deletes its row (and so this link) and removes the file after commit.
        with keyring.acting_as(file.organisation_id, installation=False):
            attachment_delete(file=file, actor=None)
    for key_id in sorted(keys):
        keyring.data_key_shred(data_key_id=key_id)
    # A referral protects its consent: referrals first, then consents, then the case with what cascades from it
    # (tasks, notes, messages, timeline, consent history).
    Referral.objects.filter(case=case).delete()
    Consent.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).delete()
    return keys


def _destroy_person_if_unused(person_id: Any, organisation: Organisation, keys: set[int]) -> uuid.UUID | None:
    """Destroy the person (key, row, vouches about them) unless another case still refers to them. The person
    row is locked first, so two runs destroying two cases of the same person cannot both keep it."""
    person = Person.objects.select_for_update().filter(pk=person_id).only("id", "data_key_id").first()
    if person is None or Case.objects.filter(person_id=person_id).exists():
        return None
    if person.data_key_id is not None:
        keyring.data_key_shred(data_key_id=int(person.data_key_id))
        keys.add(int(person.data_key_id))
    Person.objects.filter(pk=person_id).delete()
    audit_record(action="cases.person.shredded", organisation=organisation, object_type="person", object_id=person_id)
    return uuid.UUID(str(person_id))


def _forget_keys(keys: set[int]) -> None:
    """Delete the records of keys already shredded (no wrapping, nothing left to decrypt with them) now that
    no row refers to them: nothing of the case remains but its audit event. Only shredded keys are touched, and
    a key some row still refers to is protected (the whole case then rolls back and is reported)."""
    keyring.data_key_forget(data_key_ids=keys)
