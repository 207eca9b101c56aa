"""Writes for the detainee registry: sources, imports, sharing, review decisions, linkage runs.

Each service checks the viewer's role, runs in one transaction, and writes its audit event there (ids only:
never a name, a date, a place or a record's own reference). Encrypted values are written and read acting as the
viewer's organisation (`keyring.acting_as`), whatever scope the caller had.

Who may write: administrators, coordinators and documenters of the organisation that owns a source import into
it, map its columns and share it; the same roles start runs and decide review pairs for their organisation.
Viewers only read (`selectors.py`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mosty.accounts.models import Organisation
from mosty.accounts.selectors import Viewer
from mosty.core.audit import audit_record
from mosty.core.crypto import keyring
from mosty.core.crypto.errors import KeyNotAvailable
from mosty.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from mosty.detainees import importing
from mosty.detainees.errors import LinkageFailed, RunTooLarge
from mosty.detainees.models import (
    CandidatePair,
    ClusterMember,
    DetaineeRecord,
    LinkRun,
    PersonCluster,
    ReviewDecision,
    RunStatus,
    Source,
    SourceShare,
    Verdict,
)
from mosty.detainees.selectors import WRITE_ROLES, sources_for, visible_source_ids

MAX_UPLOAD_ROWS = 5_000
"""Rows per file uploaded through the web or the API; `mosty detainees import` takes bigger files. Measured: an
import writes about 300 new records a second on SQLite (each record gets its own data key), so 5,000 rows stay
well inside a web worker's 30-second timeout; the default request body limit (1 MiB) allows about as many."""
PREVIEW_ROWS = 20
DEFAULT_RUN_RECORDS = 10_000
"""Records a run started from the web or the API may link (setting MOSTY_DETAINEES_RUN_RECORDS); the command
line `mosty detainees link` has no cap but the machine's. Measured: 4,641 records take 15 seconds on two cores
(11 of them the engine's fixed-size training sample), so 10,000 stay inside a web worker's timeout."""
REVIEW_LOW = 0.2
REVIEW_HIGH = 0.9
REVIEW_LIMIT = 2_000
MAX_SOURCES_PER_RUN = 62  # the count's bit sets (mosty.linkage.count)


def _require(viewer: Viewer) -> None:
    if not viewer.has_role(WRITE_ROLES):
        raise PermissionDenied


def _own(viewer: Viewer, source: Source) -> None:
    _require(viewer)
    if source.organisation_id != viewer.organisation_id:
        raise NotFound


def _clean(instance: Any, **kwargs: Any) -> None:
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def _audit(viewer: Viewer, action: str, object_type: str, object_id: object) -> None:
    audit_record(
        action=f"detainees.{action}",
        actor=viewer.user,
        organisation=viewer.organisation,
        object_type=object_type,
        object_id=object_id,
    )


# --- sources ---------------------------------------------------------------------------------------------------


def source_create(*, viewer: Viewer, name: str, description: str = "") -> Source:
    """A new, empty source of the viewer's organisation."""
    _require(viewer)
    source = Source(
        organisation=viewer.organisation,
        name=" ".join(name.split()),
        description=description.strip() or None,
        created_by=viewer.user,
    )
    if not source.name:
        raise ValidationFailed(errors={"name": [_("Give the list a name.")]})
    _clean(source, exclude=["organisation", "created_by", "data_key"], validate_unique=False)
    with keyring.acting_as(viewer.organisation_id), transaction.atomic():
        if Source.objects.filter(organisation=viewer.organisation, name=source.name).exists():
            raise ValidationFailed(errors={"name": [_("Your organisation already has a list with this name.")]})
        # The key exists from the start, so that sharing can wrap it (for the description and the mapping).
        source.ensure_data_key()
        source.save(force_insert=True)
        _audit(viewer, "source.created", "detainee_source", source.pk)
    return source


def source_mapping_set(*, viewer: Viewer, source: Source, mapping: Mapping[str, str]) -> Source:
    """Remember how the source's files name our fields (our field -> the file's header)."""
    _own(viewer, source)
    cleaned = {k: " ".join(v.split()) for k, v in mapping.items() if k in importing.FIELDS and v and v.strip()}
    if "record_id" not in cleaned:
        raise ValidationFailed(errors={"record_id": [_("Name the column that holds the list's own record id.")]})
    if any(len(v) > 120 for v in cleaned.values()):
        raise ValidationFailed(errors={"__all__": [_("A header name is longer than 120 characters.")]})
    with keyring.acting_as(viewer.organisation_id), transaction.atomic():
        source.column_mapping = cleaned
        source.save(update_fields=["column_mapping"])
        _audit(viewer, "source.mapping_set", "detainee_source", source.pk)
    return source


# --- import ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    line: int
    action: str  # new | updated | unchanged
    values: dict[str, str]
    changed: tuple[str, ...] = ()


@dataclass
class ImportOutcome:
    """What an import did, or (dry run) would do."""

    dry_run: bool
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0
    """Records of the source that the file does not have (they stay as they are)."""
    errors: dict[str, list[str]] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    preview: list[PreviewRow] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def stats(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "kept": self.kept,
        }


@dataclass
class _Plan:
    new: list[tuple[int, importing.RecordInput]] = field(default_factory=list)
    updated: list[tuple[int, DetaineeRecord, importing.RecordInput, tuple[str, ...]]] = field(default_factory=list)
    unchanged: int = 0
    kept: int = 0
    preview: list[PreviewRow] = field(default_factory=list)


def _stored(record: DetaineeRecord) -> dict[str, str]:
    values = {name: getattr(record, name) or "" for name in DetaineeRecord.ENCRYPTED_FIELDS}
    values["status"] = record.status
    return values


def _plan(source: Source, rows: list[tuple[int, importing.RecordInput]]) -> _Plan:
    """Which rows are new, which change a record (and which fields), which are unchanged: by record id, comparing
    the decrypted values. Reads only; the caller acts as the source's organisation."""
    existing = {r.record_id: r for r in DetaineeRecord.objects.filter(source=source)}
    keyring.prefetch_data_keys(r.data_key_id for r in existing.values())
    plan = _Plan()
    in_file: set[str] = set()
    for line, data in rows:
        in_file.add(data.record_id)
        values = data.values()
        record = existing.get(data.record_id)
        changed: tuple[str, ...] = ()
        if record is None:
            plan.new.append((line, data))
            action = "new"
        else:
            stored = _stored(record)
            changed = tuple(name for name, value in stored.items() if values[name] != value)
            if changed:
                plan.updated.append((line, record, data, changed))
                action = "updated"
            else:
                plan.unchanged += 1
                action = "unchanged"
        if len(plan.preview) < PREVIEW_ROWS:
            plan.preview.append(PreviewRow(line=line, action=action, values=values, changed=changed))
    plan.kept = len(set(existing) - in_file)
    return plan


def source_import(
    *,
    viewer: Viewer,
    source: Source,
    name: str,
    content: bytes,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = True,
    max_rows: int | None = MAX_UPLOAD_ROWS,
) -> ImportOutcome:
    """Import a list (CSV or XLSX) into the viewer's own source, all or nothing.

    The columns are read by `mapping` if given, else by the brief's convention, else by the source's remembered
    mapping (`ColumnMappingNeeded` if none fits). Rows are matched to records by `record_id`: new ones are
    added, changed ones updated (only the fields that changed are sealed again), identical ones counted
    unchanged, and records the file lacks are kept. A dry run only reads, and reports what would happen and
    every problem by line, with a preview of the first rows as they would be stored. A real import with any
    problem raises `ValidationFailed` (errors keyed "line N") and writes nothing. New records of a shared source
    are shared with the same organisations at once. The mapping used is remembered for the next file.
    """
    _own(viewer, source)
    table = importing.read_table(name, content, max_rows=max_rows)
    with keyring.acting_as(viewer.organisation_id):
        chosen = importing.choose_mapping(table.headers, given=mapping, saved=source.column_mapping or {})
        rows, errors = importing.parse_rows(table, chosen)
        outcome = ImportOutcome(dry_run=dry_run, rows=len(rows) + len(errors), errors=errors, mapping=chosen)
        if dry_run:
            _fill(outcome, _plan(source, rows))
            return outcome
        if errors:
            raise ValidationFailed(_("Nothing was imported: fix the lines below and try again."), errors=errors)
        with transaction.atomic():
            # One import of a source at a time: the plan below must see the records as they are when written.
            Source.objects.select_for_update().filter(pk=source.pk).first()
            plan = _plan(source, rows)
            _fill(outcome, plan)
            _write(viewer, source, plan)
            source.last_import_at = timezone.now()
            source.last_import_stats = outcome.stats()
            updated = ["last_import_at", "last_import_stats"]
            if chosen != importing.convention_mapping(table.headers) and chosen != source.column_mapping:
                source.column_mapping = chosen
                updated.append("column_mapping")
            source.save(update_fields=updated)
            _audit(viewer, "source.imported", "detainee_source", source.pk)
    return outcome


def _fill(outcome: ImportOutcome, plan: _Plan) -> None:
    outcome.new = len(plan.new)
    outcome.updated = len(plan.updated)
    outcome.unchanged = plan.unchanged
    outcome.kept = plan.kept
    outcome.preview = plan.preview


def _write(viewer: Viewer, source: Source, plan: _Plan) -> None:
    now = timezone.now()
    recipients = list(SourceShare.objects.filter(source=source).values_list("organisation_id", flat=True))
    for _line, data in plan.new:
        values = data.values()
        record = DetaineeRecord(organisation_id=source.organisation_id, source=source, created_at=now, updated_at=now)
        for name in DetaineeRecord.ENCRYPTED_FIELDS:
            setattr(record, name, values[name] or None)
        record.record_id = data.record_id
        record.status = data.status
        record.full_clean(exclude=["data_key", "source", "organisation"], validate_unique=False)
        record.save(force_insert=True)
        for organisation_id in recipients:
            keyring.data_key_share(data_key_id=record.ensure_data_key(), with_organisation_id=organisation_id)
    for _line, record, data, changed in plan.updated:
        values = data.values()
        for name in changed:
            setattr(record, name, (values[name] or None) if name != "status" else values[name])
        record.updated_at = now
        record.save()


# --- sharing ---------------------------------------------------------------------------------------------------


def source_share(*, viewer: Viewer, source: Source, organisation: Organisation) -> SourceShare:
    """Let another organisation read the source: the source's and every record's data key are wrapped for it
    (acting as the owner, who alone can wrap), and records imported later are wrapped for it as they come."""
    _own(viewer, source)
    if organisation.pk == source.organisation_id:
        raise ValidationFailed(errors={"organisation": [_("Your organisation has this list already.")]})
    if not organisation.is_active:
        raise ValidationFailed(errors={"organisation": [_("This organisation is not active.")]})
    with keyring.acting_as(viewer.organisation_id), transaction.atomic():
        try:
            with transaction.atomic():
                share = SourceShare.objects.create(source=source, organisation=organisation, shared_by=viewer.user)
        except IntegrityError:
            raise ValidationFailed(
                errors={"organisation": [_("The list is shared with this organisation already.")]}
            ) from None
        key_ids = [source.ensure_data_key()]
        key_ids += DetaineeRecord.objects.filter(source=source, data_key__isnull=False).values_list(
            "data_key_id", flat=True
        )
        keyring.prefetch_data_keys(key_ids)
        for key_id in key_ids:
            keyring.data_key_share(data_key_id=key_id, with_organisation_id=organisation.pk)
        _audit(viewer, "source.shared", "detainee_source_share", share.pk)
    return share


def source_unshare(*, viewer: Viewer, source: Source, organisation: Organisation) -> None:
    """Stop sharing: the organisation's wrappings of the records' keys are deleted, so it can read none of them
    again (what it already linked stays as ids and counts in its runs, unreadable)."""
    _own(viewer, source)
    with transaction.atomic():
        share = SourceShare.objects.filter(source=source, organisation=organisation).first()
        if share is None:
            raise NotFound
        key_ids = [source.data_key_id] if source.data_key_id is not None else []
        key_ids += DetaineeRecord.objects.filter(source=source, data_key__isnull=False).values_list(
            "data_key_id", flat=True
        )
        for key_id in key_ids:
            keyring.data_key_unshare(data_key_id=key_id, organisation_id=organisation.pk)
        share_id = share.pk
        share.delete()
        _audit(viewer, "source.unshared", "detainee_source_share", share_id)


# --- review ----------------------------------------------------------------------------------------------------


def review_decide(
    *,
    viewer: Viewer,
    left: DetaineeRecord,
    right: DetaineeRecord,
    decision: str,
    run: LinkRun | None = None,
) -> ReviewDecision:
    """Record the organisation's verdict on two records it may read (loaded through the selectors): "same" and
    "different" bind every later run of the organisation; "unsure" only takes the pair out of the open queue.
    A second verdict on the same pair replaces the first."""
    _require(viewer)
    if decision not in Verdict.values:
        raise ValidationFailed(errors={"decision": [_("Choose same, different or unsure.")]})
    if left.pk == right.pk:
        raise ValidationFailed(errors={"decision": [_("A record is always the same person as itself.")]})
    visible = visible_source_ids(viewer)
    if left.source_id not in visible or right.source_id not in visible:
        raise NotFound
    if run is not None and run.organisation_id != viewer.organisation_id:
        raise NotFound
    first, second = sorted([left, right], key=lambda r: str(r.pk))
    with transaction.atomic():
        existing = (
            ReviewDecision.objects.select_for_update()
            .filter(organisation_id=viewer.organisation_id, left=first, right=second)
            .first()
        )
        if existing is None:
            existing = ReviewDecision(organisation=viewer.organisation, left=first, right=second)
        existing.decision = decision
        existing.run = run
        existing.decided_by = viewer.user
        existing.decided_at = timezone.now()
        existing.save()
        _audit(viewer, "review.decided", "detainee_review_decision", existing.pk)
    return existing


# --- linkage runs ----------------------------------------------------------------------------------------------

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunOptions:
    threshold: float = 0.5
    review_low: float = REVIEW_LOW
    review_high: float = REVIEW_HIGH
    samples: int = 200
    seed: int = 42

    def as_dict(self) -> dict[str, float | int]:
        return {
            "threshold": self.threshold,
            "review_low": self.review_low,
            "review_high": self.review_high,
            "samples": self.samples,
            "seed": self.seed,
        }


def run_record_cap() -> int:
    return int(getattr(settings, "MOSTY_DETAINEES_RUN_RECORDS", DEFAULT_RUN_RECORDS))


def linkage_run(
    *,
    viewer: Viewer,
    sources: Sequence[Source],
    options: RunOptions | None = None,
    max_records: int | None = None,
    progress: Progress | None = None,
) -> LinkRun:
    """Link the records of `sources` (the viewer's organisation's own, and those shared with it) into persons.

    Runs synchronously: the run row is committed first with status "running", its `progress` updated as the
    engine reports, then the persons, their records, the uncertain pairs (for review) and the counts with their
    interval are stored in one transaction and the run marked "finished". Every "same" and "different" decision
    of the organisation binds the result. A failure marks the run "failed" (with the exception's class name only)
    and raises `LinkageFailed`. More records than `max_records` (None: the web and API cap, `run_record_cap()`;
    0: no cap, for the command line) raise `RunTooLarge` before anything starts.
    """
    _require(viewer)
    options = options or RunOptions()
    wanted = {s.pk for s in sources}
    chosen = list(sources_for(viewer).filter(pk__in=wanted))
    if not chosen or len(chosen) != len(wanted):
        raise ValidationFailed(errors={"sources": [_("Choose lists your organisation can read.")]})
    if len(chosen) > MAX_SOURCES_PER_RUN:
        raise ValidationFailed(
            errors={"sources": [_("At most %(max)s lists can be linked together.") % {"max": MAX_SOURCES_PER_RUN}]}
        )
    if not 0 < options.review_low < options.review_high <= 1 or not 0 < options.threshold < 1:
        raise ValidationFailed(errors={"parameters": [_("The thresholds must be between 0 and 1, low below high.")]})
    total = DetaineeRecord.objects.filter(source__in=chosen).count()
    cap = run_record_cap() if max_records is None else max_records
    if cap and total > cap:
        raise RunTooLarge()
    with transaction.atomic():
        run = LinkRun.objects.create(
            organisation=viewer.organisation,
            started_by=viewer.user,
            parameters=options.as_dict(),
            records_count=total,
            progress=_("starting"),
        )
        run.sources.set(chosen)
        _audit(viewer, "run.started", "detainee_run", run.pk)

    def say(message: str) -> None:
        LinkRun.objects.filter(pk=run.pk).update(progress=message[:200])
        if progress is not None:
            progress(message)

    try:
        with keyring.acting_as(viewer.organisation_id):
            records, unreadable = _load_records(chosen)
            result = _link(viewer, records, options, say)
            _store(viewer, run, records, result, options, unreadable)
    except Exception as exc:
        LinkRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=type(exc).__name__[:100]
        )
        with transaction.atomic():
            _audit(viewer, "run.failed", "detainee_run", run.pk)
        raise LinkageFailed from exc
    run.refresh_from_db()
    return run


def _load_records(sources: list[Source]) -> tuple[list[DetaineeRecord], int]:
    """Every record of the sources, decrypted; records whose key the organisation lacks are left out and
    counted (a share that raced with an import). A corrupt value fails the run (`DecryptionFailed`)."""
    records = list(DetaineeRecord.objects.filter(source__in=sources).order_by("source_id", "record_id"))
    keyring.prefetch_data_keys(r.data_key_id for r in records)
    readable: list[DetaineeRecord] = []
    unreadable = 0
    for record in records:
        try:
            for name in DetaineeRecord.ENCRYPTED_FIELDS:
                getattr(record, name)
        except KeyNotAvailable:
            unreadable += 1
            continue
        readable.append(record)
    return readable, unreadable


def _link(viewer: Viewer, records: list[DetaineeRecord], options: RunOptions, say: Progress) -> Any:
    from mosty.linkage.engine import Decision, LinkOptions, link_records
    from mosty.linkage.records import Record

    def ref(record_pk: Any, source_pk: Any) -> tuple[str, str]:
        return (str(source_pk), str(record_pk))

    linkage_records = [
        Record(
            source=str(r.source_id),
            record_id=str(r.pk),
            family_name=r.family_name or "",
            given_name=r.given_name or "",
            patronymic=r.patronymic or "",
            birth_date=r.birth_date or "",
            birth_place=r.birth_place or "",
            citizenship=r.citizenship or "",
            detention_date=r.detention_date or "",
            detention_place=r.detention_place or "",
            status=r.status,
        )
        for r in records
    ]
    in_run = {r.pk: r.source_id for r in records}
    decisions = [
        Decision(ref(d.left_id, in_run[d.left_id]), ref(d.right_id, in_run[d.right_id]), d.decision == Verdict.SAME)
        for d in ReviewDecision.objects.filter(
            organisation_id=viewer.organisation_id, decision__in=[Verdict.SAME, Verdict.DIFFERENT]
        ).only("left_id", "right_id", "decision")
        if d.left_id in in_run and d.right_id in in_run
    ]
    link_options = LinkOptions(
        threshold=options.threshold,
        seed=options.seed,
        samples=options.samples,
        threads=max(1, min(2, int(getattr(settings, "MOSTY_DETAINEES_DUCKDB_THREADS", 2)))),
        memory_limit=str(getattr(settings, "MOSTY_DETAINEES_DUCKDB_MEMORY", "2GB")),
    )
    return link_records(linkage_records, decisions=decisions, options=link_options, progress=say)


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _store(
    viewer: Viewer, run: LinkRun, records: list[DetaineeRecord], result: Any, options: RunOptions, unreadable: int
) -> None:
    by_pk = {str(r.pk): r for r in records}
    assignments = list(result.assignments())
    clusters: dict[str, PersonCluster] = {}
    members: list[ClusterMember] = []
    for assignment in assignments:
        cluster = clusters.get(assignment.person_id)
        if cluster is None:
            number = int(assignment.person_id.lstrip("P"))
            cluster = clusters[assignment.person_id] = PersonCluster(
                run=run, number=number, label=assignment.person_id, size=0
            )
        probability = _finite(assignment.match_probability)
        cluster.size += 1
        if probability is not None:
            cluster.min_probability = min(cluster.min_probability or 1.0, probability)
            cluster.max_probability = max(cluster.max_probability or 0.0, probability)
        members.append(
            ClusterMember(run=run, cluster=cluster, record=by_pk[assignment.record_id], match_probability=probability)
        )
    pairs = []
    uncertain = result.uncertain_pairs(options.review_low, options.review_high, limit=REVIEW_LIMIT)
    for position, pair in enumerate(uncertain):
        left, right = sorted([by_pk[pair.left[1]], by_pk[pair.right[1]]], key=lambda r: str(r.pk))
        pairs.append(
            CandidatePair(
                run=run,
                left=left,
                right=right,
                match_probability=float(pair.match_probability),
                match_weight=float(pair.match_weight) if math.isfinite(pair.match_weight) else 0.0,
                comparisons=dict(pair.fields),
                position=position,
            )
        )
    counts = result.count.as_dict()
    counts.update(unreadable=unreadable, decisions=len(result.decisions), conflicts=len(result.conflicts))
    with transaction.atomic():
        PersonCluster.objects.bulk_create(clusters.values(), batch_size=1000)
        ClusterMember.objects.bulk_create(members, batch_size=1000)
        CandidatePair.objects.bulk_create(pairs, batch_size=1000)
        LinkRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FINISHED,
            finished_at=timezone.now(),
            progress="",
            counts=counts,
            persons_count=len(clusters),
            pairs_count=len(pairs),
            records_count=len(records) + unreadable,
        )
        _audit(viewer, "run.finished", "detainee_run", run.pk)


def run_duration(run: LinkRun) -> dt.timedelta | None:
    return (run.finished_at - run.started_at) if run.finished_at else None
