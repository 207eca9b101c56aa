"""The detainee registry's API (mounted at /api/v1/detainees/): lists (sources), imports, records, sharing, linkage
runs with their counts, persons and the review queue.

Every handler builds the `Viewer` from the token (its organisation and its role, which may be lower than the
member's own) and goes through the same selectors and services as the pages: a token sees and changes exactly
what its holder could on the web with that role, and everything else answers 404. Names never travel in a URL:
records are listed by list, and searched with a POST body.

Imports take the file as the request body (`Content-Type: text/csv`, UTF-8) or as a multipart upload in the
field `file` (CSV or XLSX); both are bounded by the server's request size limit and 5,000 rows. A run started
here is linked while the request waits, up to `MOSTY_DETAINEES_RUN_RECORDS` records.

(No `from __future__ import annotations` here: ninja reads the handlers' annotations at import time, and the
pagination wrapper cannot resolve them as strings.)
"""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from mosty.accounts.selectors import Viewer, active_organisation_by_id
from mosty.api.auth import identity
from mosty.core.exceptions import NotFound, ValidationFailed
from mosty.detainees import selectors, services
from mosty.detainees.errors import ColumnMappingNeeded
from mosty.detainees.models import (
    CandidatePair,
    DetaineeRecord,
    LinkRun,
    PersonCluster,
    RunStatus,
    Source,
    SourceShare,
    Verdict,
)
from mosty.detainees.models import Status as RecordStatus

router = Router(tags=["detainees"])


def _viewer(request: HttpRequest) -> Viewer:
    who = identity(request)
    return Viewer(user=who.user, organisation=who.organisation, role=who.role)


# --- schemas -----------------------------------------------------------------------------------------------------


class SourceOut(Schema):
    id: uuid.UUID
    name: str
    description: str
    organisation_id: int
    organisation: str
    own: bool
    records: int
    column_mapping: dict[str, str] = Field(description="Our field -> the header of the file's column.")
    last_import_at: dt.datetime | None
    last_import_stats: dict[str, int]


def _source_out(viewer: Viewer, source: Source) -> SourceOut:
    own = source.organisation_id == viewer.organisation_id
    return SourceOut(
        id=source.pk,
        name=source.name,
        description=source.description or "",
        organisation_id=source.organisation_id,
        organisation=source.organisation.name,
        own=own,
        records=int(getattr(source, "record_count", 0)),
        column_mapping=(source.column_mapping or {}) if own else {},
        last_import_at=source.last_import_at,
        last_import_stats=source.last_import_stats or {},
    )


class SourceIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=1000)


class MappingIn(Schema):
    mapping: dict[str, str] = Field(
        ..., description="Our field (record_id, family_name, ...) -> the header of the file's column."
    )


class ShareIn(Schema):
    organisation_id: int


class ShareOut(Schema):
    organisation_id: int
    organisation: str
    shared_at: dt.datetime


def _share_out(share: SourceShare) -> ShareOut:
    return ShareOut(
        organisation_id=share.organisation_id, organisation=share.organisation.name, shared_at=share.shared_at
    )


class PreviewRowOut(Schema):
    line: int
    action: str
    values: dict[str, str]
    changed: list[str]


class ImportOut(Schema):
    dry_run: bool
    rows: int
    new: int
    updated: int
    unchanged: int
    kept: int = Field(description="Records of the list that the file does not have; they are kept.")
    errors: dict[str, list[str]] = Field(description='Problems by line ("line 7"); a real import has none.')
    mapping: dict[str, str]
    preview: list[PreviewRowOut]


class RecordOut(Schema):
    id: uuid.UUID
    source_id: uuid.UUID
    record_id: str
    family_name: str | None
    given_name: str | None
    patronymic: str | None
    birth_date: str | None
    birth_place: str | None
    citizenship: str | None
    detention_date: str | None
    detention_place: str | None
    status: RecordStatus
    notes: str | None


def _record_out(record: DetaineeRecord) -> RecordOut:
    return RecordOut(
        id=record.pk,
        source_id=record.source_id,
        record_id=record.record_id,
        family_name=record.family_name,
        given_name=record.given_name,
        patronymic=record.patronymic,
        birth_date=record.birth_date,
        birth_place=record.birth_place,
        citizenship=record.citizenship,
        detention_date=record.detention_date,
        detention_place=record.detention_place,
        status=RecordStatus(record.status),
        notes=record.notes,
    )


class SearchIn(Schema):
    family_name: str = Field("", max_length=200, description="In any script or transliteration.")
    birth_date: str = Field("", max_length=10, description="1987-05-12, 12.05.1987, 1987-05 or 1987")


class RunIn(Schema):
    source_ids: list[uuid.UUID] | None = Field(
        None, description="The lists to link (yours and those shared with you); all of them when left out."
    )
    review_low: float = Field(services.REVIEW_LOW, gt=0, lt=1)
    review_high: float = Field(services.REVIEW_HIGH, gt=0, le=1)


class EstimateOut(Schema):
    point: int
    expected: float
    low: float
    high: float


class SourceCountOut(Schema):
    source_id: str
    records: int
    persons: EstimateOut
    only_in: EstimateOut | None


class OverlapOut(Schema):
    a: str
    b: str
    persons: EstimateOut


class CountsOut(Schema):
    records: int
    persons: EstimateOut
    sources: list[SourceCountOut]
    overlaps: list[OverlapOut] = Field(description="How many of A's persons B also has (symmetric).")
    samples: int
    decisions: int
    conflicts: int
    unreadable: int


class RunOut(Schema):
    id: uuid.UUID
    status: RunStatus
    progress: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    source_ids: list[uuid.UUID]
    parameters: dict[str, Any]
    records: int
    persons: int
    pairs: int
    counts: CountsOut | None = None


def _estimate(e: selectors.Estimate) -> EstimateOut:
    return EstimateOut(point=e.point, expected=e.expected, low=e.low, high=e.high)


def _run_out(viewer: Viewer, run: LinkRun, *, with_counts: bool) -> RunOut:
    out = RunOut(
        id=run.pk,
        status=RunStatus(run.status),
        progress=run.progress,
        started_at=run.started_at,
        finished_at=run.finished_at,
        source_ids=[s.pk for s in run.sources.all()],
        parameters=run.parameters,
        records=run.records_count,
        persons=run.persons_count,
        pairs=run.pairs_count,
    )
    counts = selectors.run_counts(viewer, run) if with_counts else None
    if counts is not None:
        out.counts = CountsOut(
            records=counts.records,
            persons=_estimate(counts.persons),
            sources=[
                SourceCountOut(
                    source_id=s.key,
                    records=s.records,
                    persons=_estimate(s.persons),
                    only_in=_estimate(s.only_in) if s.only_in else None,
                )
                for s in counts.sources
            ],
            overlaps=[OverlapOut(a=a, b=b, persons=_estimate(e)) for (a, b), e in counts.shared.items()],
            samples=counts.samples,
            decisions=counts.decisions,
            conflicts=counts.conflicts,
            unreadable=counts.unreadable,
        )
    return out


class MemberOut(Schema):
    record: RecordOut
    match_probability: float | None


class PersonOut(Schema):
    id: uuid.UUID
    run_id: uuid.UUID
    label: str
    size: int
    min_probability: float | None
    max_probability: float | None
    records: list[MemberOut] = Field(description="The records you may read (lists shared with you included).")


def _person_out(person: PersonCluster) -> PersonOut:
    return PersonOut(
        id=person.pk,
        run_id=person.run_id,
        label=person.label,
        size=person.size,
        min_probability=person.min_probability,
        max_probability=person.max_probability,
        records=[
            MemberOut(record=_record_out(m.record), match_probability=m.match_probability) for m in person.members.all()
        ],
    )


class FieldOut(Schema):
    field: str
    left: str
    right: str
    verdict: str = Field(description="agrees, differs or missing")


class PairOut(Schema):
    id: uuid.UUID
    run_id: uuid.UUID
    match_probability: float
    left: RecordOut
    right: RecordOut
    fields: list[FieldOut]
    model: dict[str, str] = Field(description="The model's comparison level of each compared field.")
    decision: Verdict | None


def _pair_out(viewer: Viewer, pair: CandidatePair, decision: str | None) -> PairOut:
    from mosty.detainees import display

    rows = display.side_by_side(pair.left, pair.right, latin=False)
    return PairOut(
        id=pair.pk,
        run_id=pair.run_id,
        match_probability=pair.match_probability,
        left=_record_out(pair.left),
        right=_record_out(pair.right),
        fields=[FieldOut(field=r.name, left=r.left.text, right=r.right.text, verdict=r.verdict) for r in rows],
        model=pair.comparisons,
        decision=Verdict(decision) if decision else None,
    )


class DecisionIn(Schema):
    decision: Verdict


class DecisionOut(Schema):
    id: uuid.UUID
    left_id: uuid.UUID
    right_id: uuid.UUID
    decision: Verdict
    decided_at: dt.datetime


# --- sources -----------------------------------------------------------------------------------------------------


@router.get("/sources", response=list[SourceOut], summary="Lists your organisation keeps or was given")
def source_list(request: HttpRequest) -> Any:
    viewer = _viewer(request)
    return [_source_out(viewer, s) for s in selectors.decryptable_sources(selectors.sources_for(viewer))]


@router.post("/sources", response={201: SourceOut}, summary="Create a list (administrators, coordinators, documenters)")
def source_create(request: HttpRequest, payload: SourceIn) -> Any:
    viewer = _viewer(request)
    source = services.source_create(viewer=viewer, name=payload.name, description=payload.description)
    return _source_out(viewer, selectors.access_source_by_id(viewer, source.pk).source)


@router.get("/sources/{source_id}", response=SourceOut, summary="One list")
def source_detail(request: HttpRequest, source_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    return _source_out(viewer, selectors.access_source_by_id(viewer, source_id).source)


@router.put("/sources/{source_id}/mapping", response=SourceOut, summary="Remember how your files name the fields")
def source_mapping(request: HttpRequest, source_id: uuid.UUID, payload: MappingIn) -> Any:
    viewer = _viewer(request)
    source = selectors.access_own_source_by_id(viewer, source_id)
    services.source_mapping_set(viewer=viewer, source=source, mapping=payload.mapping)
    return _source_out(viewer, selectors.access_source_by_id(viewer, source_id).source)


_IMPORT_BODY = {
    "requestBody": {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
            },
        },
        "required": True,
    }
}


@router.post(
    "/sources/{source_id}/import",
    response=ImportOut,
    summary="Import a CSV or XLSX file into your list (dry run by default)",
    description=(
        "The file as the body (text/csv) or as the multipart field `file`. With `dry_run=true` (the default) "
        "nothing is written: the answer counts new, updated and unchanged records, lists problems by line and "
        "previews the first rows. With `dry_run=false` any problem answers 400 with the problems by line, and "
        "nothing is written. Files whose headers are not the convention's need the list's column mapping "
        "(PUT .../mapping); without one the answer is 400 `column_mapping_needed`."
    ),
    openapi_extra=_IMPORT_BODY,
)
def source_import(request: HttpRequest, source_id: uuid.UUID, dry_run: bool = True) -> Any:
    viewer = _viewer(request)
    source = selectors.access_own_source_by_id(viewer, source_id)
    upload = request.FILES.get("file")
    if upload is not None:
        name, content = upload.name or "upload.csv", upload.read()
    else:
        name, content = "upload.csv", request.body
    if not content:
        raise ValidationFailed(errors={"file": ["send the file as the body or as the multipart field `file`"]})
    try:
        outcome = services.source_import(viewer=viewer, source=source, name=name, content=content, dry_run=dry_run)
    except ColumnMappingNeeded as exc:
        # The headers are not echoed: a file without a header row would have names there.
        raise ColumnMappingNeeded(headers=[], guess={}, invalid=exc.invalid) from None
    return ImportOut(
        dry_run=outcome.dry_run,
        rows=outcome.rows,
        new=outcome.new,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        kept=outcome.kept,
        errors=outcome.errors,
        mapping=outcome.mapping,
        preview=[
            PreviewRowOut(line=p.line, action=p.action, values=p.values, changed=list(p.changed))
            for p in outcome.preview
        ],
    )


def _status(value: str) -> str:
    if value and value not in RecordStatus.values:
        raise ValidationFailed(errors={"status": [f"use one of {', '.join(RecordStatus.values)}"]})
    return value


class RecordPages(PageNumberPagination):
    """Page numbers from 1; 50 records a page unless `page_size` asks for fewer (at most 200). The page's keys
    are unwrapped in one query."""

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = [_record_out(r) for r in selectors.decryptable(page[self.items_attribute])]
        return page


@router.get("/sources/{source_id}/records", response=list[RecordOut], summary="The records of a list")
@paginate(RecordPages, page_size=50, max_page_size=200)
def record_list(request: HttpRequest, source_id: uuid.UUID, status: str = "") -> Any:
    viewer = _viewer(request)
    access = selectors.access_source_by_id(viewer, source_id)
    return selectors.records_of_source(viewer, access, status=_status(status))


@router.post(
    "/sources/{source_id}/records/search",
    response=list[RecordOut],
    summary="Find records of your own list by family name (any spelling) and birth date",
)
def record_search(request: HttpRequest, source_id: uuid.UUID, payload: SearchIn) -> Any:
    viewer = _viewer(request)
    access = selectors.access_source_by_id(viewer, source_id)
    if not access.own:
        raise NotFound
    if not (payload.family_name.strip() or payload.birth_date.strip()):
        raise ValidationFailed(errors={"family_name": ["give a family name, a birth date or both"]})
    found = selectors.record_search(viewer, access, family_name=payload.family_name, birth_date=payload.birth_date)
    return [_record_out(r) for r in found]


@router.get("/records/{record_id}", response=RecordOut, summary="One record")
def record_detail(request: HttpRequest, record_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    record = selectors.access_record_by_id(viewer, record_id)
    return _record_out(selectors.decryptable([record])[0])


@router.get("/sources/{source_id}/shares", response=list[ShareOut], summary="Who your list is shared with")
def share_list(request: HttpRequest, source_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    source = selectors.access_own_source_by_id(viewer, source_id)
    return [_share_out(s) for s in selectors.source_shares(viewer, source)]


@router.post("/sources/{source_id}/shares", response={201: ShareOut}, summary="Share your list with an organisation")
def share_add(request: HttpRequest, source_id: uuid.UUID, payload: ShareIn) -> Any:
    viewer = _viewer(request)
    source = selectors.access_own_source_by_id(viewer, source_id)
    organisation = active_organisation_by_id(payload.organisation_id)
    share = services.source_share(viewer=viewer, source=source, organisation=organisation)
    return _share_out(share)


@router.delete("/sources/{source_id}/shares/{organisation_id}", response={204: None}, summary="Stop sharing")
def share_remove(request: HttpRequest, source_id: uuid.UUID, organisation_id: int) -> Any:
    viewer = _viewer(request)
    source = selectors.access_own_source_by_id(viewer, source_id)
    organisation = active_organisation_by_id(organisation_id)
    services.source_unshare(viewer=viewer, source=source, organisation=organisation)
    return None


# --- runs --------------------------------------------------------------------------------------------------------


class RunPages(PageNumberPagination):
    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        viewer = _viewer(request)
        page[self.items_attribute] = [_run_out(viewer, r, with_counts=False) for r in page[self.items_attribute]]
        return page


@router.get("/runs", response=list[RunOut], summary="Your organisation's linkage runs, newest first")
@paginate(RunPages, page_size=50, max_page_size=200)
def run_list(request: HttpRequest) -> Any:
    return selectors.runs_for(_viewer(request)).prefetch_related("sources")


@router.post(
    "/runs",
    response={201: RunOut},
    summary="Link lists into persons (while the request waits)",
    description="Every 'same' and 'different' decision of your organisation binds the result.",
)
def run_start(request: HttpRequest, payload: RunIn) -> Any:
    viewer = _viewer(request)
    if payload.source_ids is None:
        sources = list(selectors.sources_for(viewer))
    else:
        sources = [selectors.access_source_by_id(viewer, pk).source for pk in payload.source_ids]
    options = services.RunOptions(review_low=payload.review_low, review_high=payload.review_high)
    run = services.linkage_run(viewer=viewer, sources=sources, options=options)
    return _run_out(viewer, run, with_counts=True)


@router.get("/runs/{run_id}", response=RunOut, summary="One run, with its counts and their intervals")
def run_detail(request: HttpRequest, run_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    return _run_out(viewer, selectors.access_run_by_id(viewer, run_id), with_counts=True)


def _run_or_latest(viewer: Viewer, run_id: uuid.UUID | None) -> LinkRun:
    run = selectors.access_run_by_id(viewer, run_id) if run_id else selectors.latest_run(viewer)
    if run is None:
        raise NotFound
    return run


# --- persons -----------------------------------------------------------------------------------------------------


class PersonPages(PageNumberPagination):
    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = [_person_out(p) for p in selectors.decryptable_persons(page[self.items_attribute])]
        return page


@router.get("/persons", response=list[PersonOut], summary="Persons of a run (default: the latest)")
@paginate(PersonPages, page_size=50, max_page_size=200)
def person_list(
    request: HttpRequest,
    run_id: uuid.UUID | None = None,
    status: str = "",
    source_id: uuid.UUID | None = None,
    several_records: bool = False,
) -> Any:
    viewer = _viewer(request)
    run = _run_or_latest(viewer, run_id)
    filters = selectors.PersonFilters(status=_status(status), source_id=source_id, multi_only=several_records)
    return selectors.persons(viewer, run, filters)


@router.get("/persons/{person_id}", response=PersonOut, summary="One person, with the records you may read")
def person_detail(request: HttpRequest, person_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    person = selectors.access_person_by_id(viewer, person_id)
    return _person_out(selectors.decryptable_persons([person])[0])


# --- review ------------------------------------------------------------------------------------------------------


class PairPages(PageNumberPagination):
    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        pairs = list(page[self.items_attribute])
        selectors.decryptable([r for p in pairs for r in (p.left, p.right)])
        viewer = _viewer(request)
        page[self.items_attribute] = [_pair_out(viewer, p, None) for p in pairs]
        return page


@router.get("/review-pairs", response=list[PairOut], summary="Uncertain pairs of a run (default: the latest)")
@paginate(PairPages, page_size=25, max_page_size=100)
def pair_list(request: HttpRequest, run_id: uuid.UUID | None = None, show: str = "open") -> Any:
    viewer = _viewer(request)
    if show not in {"open", "unsure", "decided"}:
        raise ValidationFailed(errors={"show": ["use open, unsure or decided"]})
    return selectors.review_pairs(viewer, _run_or_latest(viewer, run_id), show=show)


@router.get("/review-pairs/{pair_id}", response=PairOut, summary="One pair, field by field")
def pair_detail(request: HttpRequest, pair_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    pair = selectors.access_review_pair_by_id(viewer, pair_id)
    selectors.decryptable([pair.left, pair.right])
    decision = selectors.decision_for(viewer, pair.left, pair.right)
    return _pair_out(viewer, pair, decision.decision if decision else None)


@router.post(
    "/review-pairs/{pair_id}/decision",
    response={201: DecisionOut},
    summary="Decide whether a pair is one person: same, different or unsure",
)
def pair_decide(request: HttpRequest, pair_id: uuid.UUID, payload: DecisionIn) -> Any:
    viewer = _viewer(request)
    pair = selectors.access_review_pair_by_id(viewer, pair_id)
    decision = services.review_decide(
        viewer=viewer, left=pair.left, right=pair.right, decision=payload.decision.value, run=pair.run
    )
    return DecisionOut(
        id=decision.pk,
        left_id=decision.left_id,
        right_id=decision.right_id,
        decision=Verdict(decision.decision),
        decided_at=decision.decided_at,
    )
