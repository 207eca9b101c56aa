"""The detainee registry's pages: lists (sources) and their import wizard, sharing, records, linkage runs, persons,
counts with charts, and the review queue. Thin: selectors read, services write, forms parse.

Every view acts for the session's active organisation. Roles without business here (caseworkers, programme
officers) get 404 on every page, as for an object that does not exist. Names never travel in a URL: the only
search by name is a POST form; filters in query strings are status codes and list ids.

Linkage runs and imports run inside the request for now (the job interface is not built yet), with caps
(`services.MAX_UPLOAD_ROWS` rows per uploaded file, `MOSTY_DETAINEES_RUN_RECORDS` records per run); bigger ones go
through `mosty detainees import` and `mosty detainees link` on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mosty.accounts.decorators import member_view
from mosty.accounts.selectors import Viewer, active_organisation_by_id
from mosty.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from mosty.core.form_errors import apply_validation_errors
from mosty.detainees import charts, display, forms, importing, selectors, services
from mosty.detainees.errors import ColumnMappingNeeded, LinkageFailed
from mosty.detainees.models import ClusterMember, DetaineeRecord, LinkRun, PersonCluster, Verdict

PAGE_SIZE = 50
REVIEW_PAGE_SIZE = 25
ViewFunc = Callable[..., HttpResponse]


# Roles without access to the registry get 404 everywhere.
detainee_view = member_view(selectors.READ_ROLES)


def _page(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


def _require_write(viewer: Viewer) -> None:
    if not selectors.can_write(viewer):
        raise PermissionDenied


@dataclass(frozen=True)
class RecordRow:
    """A record as a list shows it: the record, its name in the reader's script, and (in a person) its match
    probability."""

    record: DetaineeRecord
    name: display.Shown
    probability: float | None = None


def _labelled(values: dict[str, display.Shown]) -> list[tuple[Any, display.Shown]]:
    return [(label, values[name]) for name, label in display.FIELD_LABELS.items()]


def _rows(records: list[DetaineeRecord], latin: bool) -> list[RecordRow]:
    return [RecordRow(record=r, name=display.display_name(r, latin=latin)) for r in records]


# --- overview and sources --------------------------------------------------------------------------------------


@require_GET
@detainee_view
def index(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    sources = list(selectors.sources_for(viewer))
    run = selectors.latest_run(viewer)
    return render(
        request,
        "detainees/index.html",
        {
            "own_sources": [s for s in sources if s.organisation_id == viewer.organisation_id],
            "shared_sources": [s for s in sources if s.organisation_id != viewer.organisation_id],
            "run": run,
            "counts": selectors.run_counts(viewer, run) if run else None,
            "can_write": selectors.can_write(viewer),
        },
    )


@require_http_methods(["GET", "POST"])
@detainee_view
def source_create(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    _require_write(viewer)
    form = forms.SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.source_create(
                viewer=viewer, name=form.cleaned_data["name"], description=form.cleaned_data["description"]
            )
        except ValidationFailed as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("The list was created. Import its records now."))
            return redirect("detainees:source_import", source_id=source.pk)
    return render(request, "detainees/source_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@detainee_view
def source_detail(request: HttpRequest, viewer: Viewer, source_id: str) -> HttpResponse:
    access = selectors.access_source_by_id(viewer, source_id)
    return _render_source(request, viewer, access)


def _render_source(
    request: HttpRequest,
    viewer: Viewer,
    access: selectors.SourceAccess,
    *,
    search_form: forms.RecordSearchForm | None = None,
    found: list[RecordRow] | None = None,
    share_form: forms.ShareForm | None = None,
    status: int = 200,
) -> HttpResponse:
    filter_form = forms.StatusFilterForm(request.GET or None)
    status_code = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    page = _page(request, selectors.records_of_source(viewer, access, status=status_code))
    latin = display.wants_latin()
    rows = _rows(selectors.decryptable(page.object_list), latin)
    own = access.own
    return render(
        request,
        "detainees/source_detail.html",
        {
            "access": access,
            "source": access.source,
            "filter_form": filter_form,
            "page": page,
            "rows": rows,
            "shares": list(selectors.source_shares(viewer, access.source)) if own else [],
            "share_form": share_form or _share_form(viewer, access),
            "search_form": search_form or (forms.RecordSearchForm() if own else None),
            "found": found,
        },
        status=status,
    )


def _share_form(viewer: Viewer, access: selectors.SourceAccess) -> forms.ShareForm | None:
    if not access.can_write:
        return None
    return forms.ShareForm(candidates=selectors.share_candidates(viewer, access.source))


@require_POST
@detainee_view
def source_search(request: HttpRequest, viewer: Viewer, source_id: str) -> HttpResponse:
    access = selectors.access_source_by_id(viewer, source_id)
    if not access.own:
        raise NotFound
    form = forms.RecordSearchForm(request.POST)
    found: list[RecordRow] | None = None
    if form.is_valid():
        records = selectors.record_search(
            viewer, access, family_name=form.cleaned_data["family_name"], birth_date=form.cleaned_data["birth_date"]
        )
        found = _rows(records, display.wants_latin())
    return _render_source(request, viewer, access, search_form=form, found=found, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@detainee_view
def source_import(request: HttpRequest, viewer: Viewer, source_id: str) -> HttpResponse:
    source = selectors.access_own_source_by_id(viewer, source_id)
    form = forms.ImportForm(request.POST or None, request.FILES or None, initial={"dry_run": True})
    mapping_form: forms.MappingForm | None = None
    outcome: services.ImportOutcome | None = None
    line_errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        given: dict[str, str] | None = None
        if "map-record_id" in request.POST:
            try:
                table = importing.read_table(upload.name or "", content, max_rows=services.MAX_UPLOAD_ROWS)
            except ValidationFailed as exc:
                apply_validation_errors(form, exc)
                table = None
            if table is not None:
                mapping_form = forms.MappingForm(request.POST, headers=table.headers, initial_mapping={})
                given = mapping_form.mapping() if mapping_form.is_valid() else None
        if form.is_valid() and (mapping_form is None or mapping_form.is_valid()):
            try:
                outcome = services.source_import(
                    viewer=viewer,
                    source=source,
                    name=upload.name or "",
                    content=content,
                    mapping=given,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ColumnMappingNeeded as exc:
                mapping_form = forms.MappingForm(
                    headers=exc.headers, initial_mapping=given or source.column_mapping or exc.guess
                )
                if exc.invalid:
                    mapping_form.add_error(None, str(exc.message))
                else:
                    form.add_error(None, str(exc.message))
            except ValidationFailed as exc:
                line_errors = exc.errors
                form.add_error(None, str(exc.message))
            else:
                if not outcome.dry_run:
                    messages.success(
                        request,
                        _(
                            "Imported: %(new)s new, %(updated)s updated and %(unchanged)s unchanged records; "
                            "%(kept)s records not in the file were kept."
                        )
                        % {
                            "new": outcome.new,
                            "updated": outcome.updated,
                            "unchanged": outcome.unchanged,
                            "kept": outcome.kept,
                        },
                    )
                    return redirect("detainees:source_detail", source_id=source.pk)
                line_errors = outcome.errors
    failed = bool(form.errors or line_errors or (mapping_form is not None and mapping_form.errors))
    return render(
        request,
        "detainees/source_import.html",
        {
            "source": source,
            "form": form,
            "mapping_form": mapping_form,
            "outcome": outcome,
            "line_errors": line_errors,
            "fields": importing.CONVENTION_HEADER,
            "field_names": forms.FIELD_NAMES,
            "preview_fields": importing.FIELDS,
            "max_rows": services.MAX_UPLOAD_ROWS,
        },
        status=400 if failed else 200,
    )


@require_http_methods(["GET", "POST"])
@detainee_view
def source_mapping(request: HttpRequest, viewer: Viewer, source_id: str) -> HttpResponse:
    source = selectors.access_own_source_by_id(viewer, source_id)
    form = forms.MappingEditForm(request.POST or None, initial=source.column_mapping or {})
    if request.method == "POST" and form.is_valid():
        try:
            services.source_mapping_set(viewer=viewer, source=source, mapping=form.mapping())
        except ValidationFailed as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("The column mapping was saved."))
            return redirect("detainees:source_detail", source_id=source.pk)
    return render(
        request, "detainees/source_mapping.html", {"source": source, "form": form}, status=400 if form.errors else 200
    )


@require_POST
@detainee_view
def source_share(request: HttpRequest, viewer: Viewer, source_id: str) -> HttpResponse:
    source = selectors.access_own_source_by_id(viewer, source_id)
    form = forms.ShareForm(request.POST, candidates=selectors.share_candidates(viewer, source))
    if form.is_valid():
        try:
            services.source_share(viewer=viewer, source=source, organisation=form.cleaned_data["organisation"])
        except ValidationFailed as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("The list is now shared: that organisation can read its records."))
            return redirect("detainees:source_detail", source_id=source.pk)
    return _render_source(
        request, viewer, selectors.access_source_by_id(viewer, source.pk), share_form=form, status=400
    )


@require_POST
@detainee_view
def source_unshare(request: HttpRequest, viewer: Viewer, source_id: str, organisation_id: int) -> HttpResponse:
    source = selectors.access_own_source_by_id(viewer, source_id)
    organisation = active_organisation_by_id(organisation_id)
    services.source_unshare(viewer=viewer, source=source, organisation=organisation)
    messages.success(request, _("The list is no longer shared with that organisation."))
    return redirect("detainees:source_detail", source_id=source.pk)


@require_GET
@detainee_view
def record_detail(request: HttpRequest, viewer: Viewer, record_id: str) -> HttpResponse:
    record = selectors.access_record_by_id(viewer, record_id)
    selectors.decryptable([record])
    latin = display.wants_latin()
    run = selectors.latest_run(viewer)
    return render(
        request,
        "detainees/record_detail.html",
        {
            "record": record,
            "name": display.display_name(record, latin=latin),
            "fields": _labelled(display.record_values(record, latin=latin)),
            "notes": record.notes or "",
            "person": selectors.person_of_record(viewer, record, run),
        },
    )


# --- runs and counts -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@detainee_view
def run_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if request.method == "POST":
        _require_write(viewer)
    sources = selectors.sources_for(viewer)
    form = forms.RunForm(request.POST or None, sources=sources) if selectors.can_write(viewer) else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            run = services.linkage_run(viewer=viewer, sources=list(form.cleaned_data["sources"]))
        except ValidationFailed as exc:
            apply_validation_errors(form, exc)
        except LinkageFailed as exc:
            messages.error(request, str(exc.message))
            return redirect("detainees:runs")
        else:
            messages.success(request, _("The lists were linked."))
            return redirect("detainees:run_detail", run_id=run.pk)
    return render(
        request,
        "detainees/run_list.html",
        {"form": form, "page": _page(request, selectors.runs_for(viewer)), "cap": services.run_record_cap()},
        status=400 if form is not None and form.errors else 200,
    )


def _render_counts(request: HttpRequest, viewer: Viewer, run: LinkRun | None) -> HttpResponse:
    counts = selectors.run_counts(viewer, run) if run else None
    context: dict[str, Any] = {"run": run, "counts": counts}
    if run is not None and counts is not None:
        names = {s.key: (s.source.name if s.source else s.key) for s in counts.sources}
        context["bars"] = charts.interval_bars(
            [(_("All lists"), "", counts.persons)]
            + [(names[s.key], s.source.organisation.name if s.source else "", s.persons) for s in counts.sources]
        )
        context["only_bars"] = charts.interval_bars(
            [(names[s.key], "", s.only_in) for s in counts.sources if s.only_in is not None]
        )
        context["matrix"] = charts.overlap_matrix(
            counts, names, _("%(b)s has %(n)s of the persons on %(a)s (%(share)s%%)")
        )
        context["legend"] = charts.legend()
        context["overlap_rows"] = [
            (s, [(other, counts.overlap(s.key, other.key)) for other in counts.sources]) for s in counts.sources
        ]
        context["open_pairs"] = selectors.review_pairs(viewer, run).count()
    return render(request, "detainees/run_detail.html", context)


@require_GET
@detainee_view
def run_detail(request: HttpRequest, viewer: Viewer, run_id: str) -> HttpResponse:
    return _render_counts(request, viewer, selectors.access_run_by_id(viewer, run_id))


@require_GET
@detainee_view
def counts(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    return _render_counts(request, viewer, selectors.latest_run(viewer))


# --- persons ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRow:
    person: PersonCluster
    records: list[RecordRow]


def _person_rows(people: list[PersonCluster], latin: bool) -> list[PersonRow]:
    out = []
    for person in people:
        members: list[ClusterMember] = list(person.members.all())
        out.append(
            PersonRow(
                person=person,
                records=[
                    RecordRow(
                        record=m.record,
                        name=display.display_name(m.record, latin=latin),
                        probability=m.match_probability,
                    )
                    for m in members
                ],
            )
        )
    return out


@require_GET
@detainee_view
def person_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    run = selectors.latest_run(viewer)
    run_sources = list(selectors.run_sources(viewer, run).values()) if run else []
    visible = selectors.visible_source_ids(viewer)
    form = forms.PersonFilterForm(request.GET or None, sources=[s for s in run_sources if s.pk in visible])
    filters = selectors.PersonFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.PersonFilters(
            status=data["status"], source_id=data["source"] or None, multi_only=data["multi"]
        )
    page = _page(request, selectors.persons(viewer, run, filters)) if run else None
    rows = _person_rows(selectors.decryptable_persons(page.object_list), display.wants_latin()) if page else []
    return render(
        request,
        "detainees/person_list.html",
        {"run": run, "form": form, "page": page, "rows": rows},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
@detainee_view
def person_detail(request: HttpRequest, viewer: Viewer, person_id: str) -> HttpResponse:
    person = selectors.access_person_by_id(viewer, person_id)
    latin = display.wants_latin()
    row = _person_rows(selectors.decryptable_persons([person]), latin)[0]
    values = [display.record_values(r.record, latin=latin) for r in row.records]
    # One row per field, one column per record: the records of a person read side by side.
    fields = [(label, [v[name] for v in values]) for name, label in display.FIELD_LABELS.items()]
    return render(
        request,
        "detainees/person_detail.html",
        {
            "person": person,
            "run": person.run,
            "records": row.records,
            "fields": fields,
            "notes": [r.record.notes or "" for r in row.records],
            "hidden": person.size - len(row.records),
        },
    )


# --- review ----------------------------------------------------------------------------------------------------


@require_GET
@detainee_view
def review_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    run = selectors.latest_run(viewer)
    form = forms.ReviewShowForm(request.GET or None)
    show = (form.cleaned_data["show"] if form.is_valid() else "") or "open"
    page = _page(request, selectors.review_pairs(viewer, run, show=show), REVIEW_PAGE_SIZE) if run else None
    latin = display.wants_latin()
    rows = []
    if page is not None:
        pairs = list(page.object_list)
        selectors.decryptable([r for p in pairs for r in (p.left, p.right)])
        rows = [
            (p, display.display_name(p.left, latin=latin), display.display_name(p.right, latin=latin)) for p in pairs
        ]
    return render(
        request,
        "detainees/review_list.html",
        {"run": run, "form": form, "page": page, "rows": rows, "show": show},
    )


@require_http_methods(["GET", "POST"])
@detainee_view
def review_pair(request: HttpRequest, viewer: Viewer, pair_id: str) -> HttpResponse:
    pair = selectors.access_review_pair_by_id(viewer, pair_id)
    can_decide = selectors.can_write(viewer)
    existing = selectors.decision_for(viewer, pair.left, pair.right)
    form = forms.DecisionForm(request.POST or None, initial={"decision": existing.decision if existing else None})
    if request.method == "POST":
        _require_write(viewer)
        if form.is_valid():
            services.review_decide(
                viewer=viewer, left=pair.left, right=pair.right, decision=form.cleaned_data["decision"], run=pair.run
            )
            messages.success(request, _("Your decision was recorded; the next run respects it."))
            following = selectors.review_pairs(viewer, pair.run).first()
            if following is not None:
                return redirect("detainees:review_pair", pair_id=following.pk)
            return redirect("detainees:review")
    selectors.decryptable([pair.left, pair.right])
    latin = display.wants_latin()
    return render(
        request,
        "detainees/review_pair.html",
        {
            "pair": pair,
            "left_name": display.display_name(pair.left, latin=latin),
            "right_name": display.display_name(pair.right, latin=latin),
            "rows": display.side_by_side(pair.left, pair.right, latin=latin),
            "reading": display.model_reading(pair.comparisons),
            "notes": (pair.left.notes or "", pair.right.notes or ""),
            "form": form if can_decide else None,
            "existing": existing,
            "verdicts": Verdict,
            "latin": latin,
        },
        status=400 if form.errors else 200,
    )
