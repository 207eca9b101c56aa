"""Reads for the detainee registry. Each takes the acting `Viewer` and returns only what its organisation may see;
every object that carries people is loaded through an `access_<thing>_by_id` function, and "does not exist"
and "not yours" are the same `NotFound`.

Who sees what:
- roles: administrators, coordinators and documenters read and write; viewers read; caseworkers and programme
  officers have no business with these lists and see nothing (404 everywhere, as for an object that does not
  exist);
- a source and its records: the organisation that imported it, and the organisations it is shared with (while
  it is); the keys say the same thing underneath (a record's data key is wrapped for exactly these
  organisations);
- runs, persons, review pairs, decisions and counts: only the organisation that ran or decided them. A run may
  include sources shared with that organisation; if a source is unshared later, its records disappear from
  that organisation's persons and review queue (the run's counts, which name nobody, stay as computed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from mosty.accounts.models import Organisation, Role
from mosty.accounts.selectors import Viewer
from mosty.core.crypto.fields import blind_index_filter
from mosty.core.crypto.keyring import prefetch_data_keys
from mosty.core.exceptions import NotFound
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

READ_ROLES = frozenset({Role.ORG_ADMIN, Role.COORDINATOR, Role.DOCUMENTER, Role.VIEWER})
WRITE_ROLES = frozenset({Role.ORG_ADMIN, Role.COORDINATOR, Role.DOCUMENTER})

_BAD_ID = (ValueError, TypeError, DjangoValidationError)


def can_read(viewer: Viewer) -> bool:
    return viewer.has_role(READ_ROLES)


def can_write(viewer: Viewer) -> bool:
    return viewer.has_role(WRITE_ROLES)


# --- sources ---------------------------------------------------------------------------------------------------


def _shared_with(viewer: Viewer) -> Exists:
    return Exists(SourceShare.objects.filter(source=OuterRef("pk"), organisation_id=viewer.organisation_id))


def _readable_sources(viewer: Viewer) -> QuerySet[Source]:
    if not can_read(viewer):
        return Source.objects.none()
    return Source.objects.filter(Q(organisation_id=viewer.organisation_id) | Q(_shared_with(viewer)))


def sources_for(viewer: Viewer) -> QuerySet[Source]:
    """The sources the viewer's organisation imported or was given, with their organisation and record count."""
    return (
        _readable_sources(viewer)
        .select_related("organisation")
        .annotate(record_count=Count("records"))
        .order_by("organisation__name", "name")
    )


def decryptable_sources(sources: Iterable[Source]) -> list[Source]:
    """The sources as a list, their data keys (description, mapping) unwrapped in one query."""
    out = list(sources)
    prefetch_data_keys(s.data_key_id for s in out)
    return out


def visible_source_ids(viewer: Viewer) -> set[Any]:
    """Ids of `sources_for(viewer)`, for filtering records of runs and pairs."""
    return set(_readable_sources(viewer).values_list("pk", flat=True))


@dataclass(frozen=True)
class SourceAccess:
    """A source as the viewer may use it: `own` sources can be imported into, mapped and shared."""

    source: Source
    own: bool
    can_write: bool


def access_source_by_id(viewer: Viewer, source_id: Any) -> SourceAccess:
    """A source the viewer may read; NotFound otherwise."""
    try:
        source = sources_for(viewer).get(pk=source_id)
    except (Source.DoesNotExist, *_BAD_ID):
        raise NotFound from None
    own = source.organisation_id == viewer.organisation_id
    return SourceAccess(source=source, own=own, can_write=own and can_write(viewer))


def access_own_source_by_id(viewer: Viewer, source_id: Any) -> Source:
    """A source of the viewer's own organisation, for a writing role; NotFound otherwise (a shared source is
    read-only for the organisations it is shared with)."""
    access = access_source_by_id(viewer, source_id)
    if not access.can_write:
        raise NotFound
    return access.source


def source_shares(viewer: Viewer, source: Source) -> QuerySet[SourceShare]:
    """Who the viewer's own source is shared with (empty for a source the viewer was given)."""
    if source.organisation_id != viewer.organisation_id or not can_read(viewer):
        return SourceShare.objects.none()
    return SourceShare.objects.filter(source=source).select_related("organisation").order_by("organisation__name")


def share_candidates(viewer: Viewer, source: Source) -> QuerySet[Organisation]:
    """Active organisations the source could be shared with (not the owner, not already shared)."""
    already = SourceShare.objects.filter(source=source).values("organisation_id")
    return (
        Organisation.objects.filter(is_active=True)
        .exclude(pk=source.organisation_id)
        .exclude(pk__in=already)
        .order_by("name")
    )


# --- records ---------------------------------------------------------------------------------------------------


def records_of_source(viewer: Viewer, access: SourceAccess, *, status: str = "") -> QuerySet[DetaineeRecord]:
    """The records of a source the viewer may read (loaded with `access_source_by_id`)."""
    queryset = DetaineeRecord.objects.filter(source=access.source).select_related("source", "source__organisation")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("record_id")


def decryptable(records: Iterable[DetaineeRecord]) -> list[DetaineeRecord]:
    """The records as a list, their data keys unwrapped for the acting organisation in one query."""
    out = list(records)
    prefetch_data_keys(r.data_key_id for r in out)
    return out


def access_record_by_id(viewer: Viewer, record_id: Any) -> DetaineeRecord:
    """A record of a source the viewer may read; NotFound otherwise."""
    try:
        return (
            DetaineeRecord.objects.select_related("source", "source__organisation")
            .filter(source__in=_readable_sources(viewer).values("pk"))
            .get(pk=record_id)
        )
    except (DetaineeRecord.DoesNotExist, *_BAD_ID):
        raise NotFound from None


def record_search(
    viewer: Viewer, access: SourceAccess, *, family_name: str = "", birth_date: str = ""
) -> list[DetaineeRecord]:
    """Records of the viewer's own source whose family name (in any script or transliteration) and birth date
    (in any written form) match, through the blind indexes, confirmed by decrypting. Only own sources: blind
    index keys are never shared between organisations."""
    from mosty.detainees.models import family_name_key, partial_date_key

    if not access.own or not (family_name.strip() or birth_date.strip()):
        return []
    org = viewer.organisation_id
    lookups: dict[str, Any] = {}
    if family_name.strip():
        lookups.update(blind_index_filter(DetaineeRecord, "family_name", family_name, organisation_id=org))
    if birth_date.strip():
        lookups.update(blind_index_filter(DetaineeRecord, "birth_date", birth_date, organisation_id=org))
    candidates = decryptable(records_of_source(viewer, access).filter(**lookups)[:500])
    out = []
    for record in candidates:
        if family_name.strip() and family_name_key(record.family_name or "") != family_name_key(family_name):
            continue
        if birth_date.strip() and partial_date_key(record.birth_date or "") != partial_date_key(birth_date):
            continue
        out.append(record)
    return out


# --- runs ------------------------------------------------------------------------------------------------------


def runs_for(viewer: Viewer) -> QuerySet[LinkRun]:
    """The viewer's organisation's runs, newest first."""
    if not can_read(viewer):
        return LinkRun.objects.none()
    return LinkRun.objects.filter(organisation_id=viewer.organisation_id).select_related("started_by")


def access_run_by_id(viewer: Viewer, run_id: Any) -> LinkRun:
    try:
        return runs_for(viewer).get(pk=run_id)
    except (LinkRun.DoesNotExist, *_BAD_ID):
        raise NotFound from None


def latest_run(viewer: Viewer) -> LinkRun | None:
    """The organisation's latest finished run: the one persons, counts and the review queue show."""
    return runs_for(viewer).filter(status=RunStatus.FINISHED).order_by("-started_at").first()


def run_sources(viewer: Viewer, run: LinkRun) -> dict[str, Source]:
    """The run's sources by the key its counts use (the source id as text), with their organisations."""
    return {str(s.pk): s for s in run.sources.select_related("organisation").order_by("organisation__name", "name")}


# --- persons ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFilters:
    status: str = ""
    source_id: Any = None
    multi_only: bool = False


def _visible_members(visible: set[Any]) -> QuerySet[ClusterMember]:
    return (
        ClusterMember.objects.filter(record__source_id__in=visible)
        .select_related("record", "record__source", "record__source__organisation")
        .order_by("record__source__name", "record__record_id")
    )


def persons(viewer: Viewer, run: LinkRun, filters: PersonFilters | None = None) -> QuerySet[PersonCluster]:
    """The persons of a run (loaded with `access_run_by_id`) that have a record the viewer may read, with those
    records prefetched; filtered by a record's status or source, or to persons with several records."""
    filters = filters or PersonFilters()
    visible = visible_source_ids(viewer)
    condition = Q(cluster=OuterRef("pk"), record__source_id__in=visible)
    if filters.status:
        condition &= Q(record__status=filters.status)
    if filters.source_id:
        condition &= Q(record__source_id=filters.source_id)
    queryset = PersonCluster.objects.filter(Exists(ClusterMember.objects.filter(condition)), run=run)
    if filters.multi_only:
        queryset = queryset.filter(size__gte=2)
    return queryset.prefetch_related(Prefetch("members", queryset=_visible_members(visible))).order_by("number")


def decryptable_persons(people: Iterable[PersonCluster]) -> list[PersonCluster]:
    """The persons as a list, with every prefetched record's data key unwrapped in one query."""
    out = list(people)
    prefetch_data_keys(m.record.data_key_id for p in out for m in p.members.all())
    return out


def access_person_by_id(viewer: Viewer, person_id: Any) -> PersonCluster:
    """A person of one of the viewer's organisation's runs, with a record the viewer may read; NotFound
    otherwise."""
    try:
        person = PersonCluster.objects.select_related("run").get(
            pk=person_id, run__organisation_id=viewer.organisation_id
        )
    except (PersonCluster.DoesNotExist, *_BAD_ID):
        raise NotFound from None
    if not can_read(viewer):
        raise NotFound
    found = persons(viewer, person.run).filter(pk=person.pk).first()
    if found is None:
        raise NotFound
    return found


def person_of_record(viewer: Viewer, record: DetaineeRecord, run: LinkRun | None) -> PersonCluster | None:
    """The person a record belongs to in a run of the viewer's organisation, if any."""
    if run is None or run.organisation_id != viewer.organisation_id:
        return None
    member = ClusterMember.objects.filter(run=run, record=record).select_related("cluster").first()
    return member.cluster if member else None


# --- review ----------------------------------------------------------------------------------------------------


def _decided(viewer: Viewer) -> Exists:
    return Exists(
        ReviewDecision.objects.filter(
            organisation_id=viewer.organisation_id, left_id=OuterRef("left_id"), right_id=OuterRef("right_id")
        )
    )


def review_pairs(viewer: Viewer, run: LinkRun, *, show: str = "open") -> QuerySet[CandidatePair]:
    """The run's uncertain pairs whose two records the viewer may read, most uncertain first: `open` (no decision
    yet), `unsure` (decided unsure), `decided` (same or different, since the run) or `all`."""
    visible = visible_source_ids(viewer)
    queryset = CandidatePair.objects.filter(
        run=run, left__source_id__in=visible, right__source_id__in=visible
    ).select_related("left", "right", "left__source", "right__source")
    if show == "open":
        queryset = queryset.exclude(_decided(viewer))
    elif show != "all":
        verdicts = [Verdict.UNSURE] if show == "unsure" else [Verdict.SAME, Verdict.DIFFERENT]
        decided = ReviewDecision.objects.filter(
            organisation_id=viewer.organisation_id,
            left_id=OuterRef("left_id"),
            right_id=OuterRef("right_id"),
            decision__in=verdicts,
        )
        queryset = queryset.filter(Exists(decided))
    return queryset.order_by("position")


def access_review_pair_by_id(viewer: Viewer, pair_id: Any) -> CandidatePair:
    """A pair of one of the viewer's organisation's runs whose two records it may read; NotFound otherwise."""
    try:
        pair = CandidatePair.objects.select_related("run").get(pk=pair_id, run__organisation_id=viewer.organisation_id)
    except (CandidatePair.DoesNotExist, *_BAD_ID):
        raise NotFound from None
    if not can_read(viewer):
        raise NotFound
    found = review_pairs(viewer, pair.run, show="all").filter(pk=pair.pk).first()
    if found is None:
        raise NotFound
    return found


def decision_for(viewer: Viewer, left: DetaineeRecord, right: DetaineeRecord) -> ReviewDecision | None:
    """The viewer's organisation's decision on two records, either way round."""
    a, b = sorted([left.pk, right.pk], key=str)
    return ReviewDecision.objects.filter(organisation_id=viewer.organisation_id, left_id=a, right_id=b).first()


# --- counts ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    point: int
    expected: float
    low: float
    high: float


@dataclass
class SourceCount:
    source: Source | None
    key: str
    records: int
    persons: Estimate
    only_in: Estimate | None


@dataclass
class RunCounts:
    """A run's counts with the sources named: overall, per source, pairwise overlaps and only-in."""

    records: int
    persons: Estimate
    sources: list[SourceCount]
    shared: dict[tuple[str, str], Estimate] = field(default_factory=dict)
    samples: int = 0
    unreadable: int = 0
    decisions: int = 0
    conflicts: int = 0

    def overlap(self, a: str, b: str) -> Estimate | None:
        if a == b:
            return next((s.persons for s in self.sources if s.key == a), None)
        return self.shared.get((a, b)) or self.shared.get((b, a))


def _estimate(data: dict[str, Any] | None) -> Estimate:
    data = data or {}
    return Estimate(
        point=int(data.get("point", 0)),
        expected=float(data.get("expected", 0.0)),
        low=float(data.get("low", 0.0)),
        high=float(data.get("high", 0.0)),
    )


def run_counts(viewer: Viewer, run: LinkRun) -> RunCounts | None:
    """The counts of a finished run of the viewer's organisation (loaded with `access_run_by_id`)."""
    counts = run.counts or {}
    if run.status != RunStatus.FINISHED or "persons" not in counts:
        return None
    by_key = run_sources(viewer, run)
    per_source = counts.get("persons_per_source", {})
    only = counts.get("only_in", {})
    records = counts.get("records_per_source", {})
    sources = [
        SourceCount(
            source=by_key.get(key),
            key=key,
            records=int(records.get(key, 0)),
            persons=_estimate(per_source.get(key)),
            only_in=_estimate(only[key]) if key in only else None,
        )
        for key in per_source
    ]
    sources.sort(key=lambda s: (s.source.organisation.name, s.source.name) if s.source else ("", s.key))
    shared = {(str(item["a"]), str(item["b"])): _estimate(item) for item in counts.get("shared", [])}
    return RunCounts(
        records=int(counts.get("records", 0)),
        persons=_estimate(counts.get("persons")),
        sources=sources,
        shared=shared,
        samples=int(counts.get("samples", 0)),
        unreadable=int(counts.get("unreadable", 0)),
        decisions=int(counts.get("decisions", 0)),
        conflicts=int(counts.get("conflicts", 0)),
    )
