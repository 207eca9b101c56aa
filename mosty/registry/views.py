"""Registry pages: the map, the coverage matrix, unmet needs, activities (with 3W import and export),
organisation profiles and initiatives. Thin: selectors read, services write, forms parse.

Every view acts for the session's active organisation (`request.membership`); a user with no membership sees
a notice. Filters travel in the query string (codes and slugs only, never a name of a person).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mosty.accounts.decorators import member_view
from mosty.accounts.selectors import Viewer
from mosty.core.exceptions import PermissionDenied, ValidationFailed
from mosty.core.form_errors import apply_validation_errors
from mosty.core.views import render_error
from mosty.registry import charts, forms, importexport, selectors, services
from mosty.registry.models import RegionKind

PAGE_SIZE = 50

ViewFunc = Callable[..., HttpResponse]


# Every member sees the registry; the views check the roles that may write.
with_viewer = member_view()


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _can_edit(viewer: Viewer) -> bool:
    return viewer.has_role(services.EDITOR_ROLES)


# --- map, coverage, needs ----------------------------------------------------------------------------------------


@require_GET
@with_viewer
def coverage_map(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = forms.MapFilterForm(request.GET or None)
    filters = form.coverage_filters()
    sector = form.value("sector")
    totals = selectors.region_totals(filters, sector=sector)
    all_regions = list(selectors.regions())
    by_id = {r.pk: r for r in all_regions}
    by_code = {r.code: r for r in all_regions}
    counts_by_code = {by_id[pk].code: n for pk, n in totals.items() if pk in by_id}
    maps = [charts.tile_map(c, counts_by_code=counts_by_code, regions_by_code=by_code) for c in ("RU", "UA")]
    exile = sorted(
        ((r, counts_by_code.get(r.code, 0)) for r in all_regions if r.kind == RegionKind.COUNTRY),
        key=lambda pair: (-pair[1], pair[0].name()),
    )
    exile = [pair for pair in exile if pair[1] > 0]
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "registry/map.html",
        {
            "form": form,
            "maps": maps,
            "legend": charts.legend(),
            "exile": exile,
            "exile_max": max((n for _, n in exile), default=0),
            "filter_query": _filter_query(request, ("sector", "support_type", "funding_status")),
        },
        status=status,
    )


def _filter_query(request: HttpRequest, keys: tuple[str, ...]) -> str:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key in keys:
        value = request.GET.get(key)
        if value:
            query[key] = value
    return query.urlencode()


@require_GET
@with_viewer
def coverage(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = forms.CoverageFilterForm(request.GET or None)
    scope = form.value("scope", "RU")
    if scope == "exile":
        region_queryset = selectors.exile_countries()
    else:
        region_queryset = selectors.regions(country=scope, kind=RegionKind.SUBDIVISION)
    if form.value("national_republics"):
        region_queryset = region_queryset.filter(is_national_republic=True)
    sector_list, rows = selectors.coverage_matrix(form.coverage_filters(), region_queryset=region_queryset)
    if scope == "exile":
        rows = [row for row in rows if row.total > 0]
    rows.sort(key=lambda row: row.region.name())
    column_totals = [sum(row.cells[i][1] for row in rows) for i in range(len(sector_list))]
    return render(
        request,
        "registry/coverage.html",
        {
            "form": form,
            "sectors": sector_list,
            "rows": rows,
            "column_totals": column_totals,
            "scope": scope,
            "gaps": sum(row.gaps for row in rows),
            "filter_query": _filter_query(request, ("support_type", "funding_status")),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_http_methods(["GET", "POST"])
@with_viewer
def needs(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    can_record = viewer.has_role(services.NEED_ROLES)
    form = forms.NeedForm(request.POST or None)
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.need_create(
                    viewer=viewer,
                    region=data["region"],
                    sector=data["sector"],
                    support_type=data["support_type"],
                    requests=data["requests"],
                    month=data["month"],
                )
            except ValidationFailed as exc:
                apply_validation_errors(form, exc)
            else:
                messages.success(request, _("The need was recorded."))
                return redirect("registry:needs")
    return render(
        request,
        "registry/needs.html",
        {
            "form": form,
            "can_record": can_record,
            "unmet": selectors.unmet_needs(),
            "own_page": _page(request, selectors.needs(viewer)),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@with_viewer
def need_delete(request: HttpRequest, viewer: Viewer, need_id: str) -> HttpResponse:
    need = selectors.access_own_need_by_id(viewer, need_id)
    services.need_delete(viewer=viewer, need=need)
    messages.success(request, _("The need was deleted."))
    return redirect("registry:needs")


# --- activities --------------------------------------------------------------------------------------------------


@require_GET
@with_viewer
def activity_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = forms.ActivityFilterForm(request.GET or None)
    filters = form.filters()
    page = _page(request, selectors.activities(viewer, filters))
    return render(
        request,
        "registry/activity_list.html",
        {"form": form, "page": page, "can_edit": _can_edit(viewer), "viewer": viewer},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
@with_viewer
def activity_detail(request: HttpRequest, viewer: Viewer, activity_id: str) -> HttpResponse:
    activity = selectors.access_activity_by_id(viewer, activity_id)
    return render(
        request,
        "registry/activity_detail.html",
        {"activity": activity, "can_edit": _can_edit(viewer) and activity.organisation_id == viewer.organisation_id},
    )


def _activity_initial(activity: Any) -> dict[str, Any]:
    return {
        "title": activity.title,
        "initiative": str(activity.initiative_id) if activity.initiative_id else "",
        "support_type": activity.support_type.slug,
        "sector": activity.sector.slug,
        "regions": [r.code for r in activity.regions.all()],
        "start_date": activity.start_date,
        "end_date": activity.end_date,
        "people_per_month": activity.people_per_month,
        "funding_status": activity.funding_status,
        "shared": activity.shared,
        "reference": activity.reference,
    }


@require_http_methods(["GET", "POST"])
@with_viewer
def activity_edit(request: HttpRequest, viewer: Viewer, activity_id: str | None = None) -> HttpResponse:
    if not _can_edit(viewer):
        raise PermissionDenied
    activity = selectors.access_own_activity_by_id(viewer, activity_id) if activity_id else None
    initiatives = list(selectors.initiatives(viewer))
    initial = _activity_initial(activity) if activity else {"start_date": timezone.localdate(), "shared": True}
    form = forms.ActivityForm(request.POST or None, initial=initial, initiatives=initiatives)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        payload = services.ActivityInput(
            title=data["title"],
            support_type=data["support_type"],
            sector=data["sector"],
            regions=list(data["regions"]),
            start_date=data["start_date"],
            end_date=data["end_date"],
            people_per_month=data["people_per_month"],
            funding_status=data["funding_status"],
            shared=data["shared"],
            initiative=data["initiative"],
            reference=data["reference"],
        )
        try:
            if activity is None:
                activity = services.activity_create(viewer=viewer, data=payload)
                messages.success(request, _("The activity was recorded."))
            else:
                services.activity_update(viewer=viewer, activity=activity, data=payload)
                messages.success(request, _("The activity was saved."))
        except ValidationFailed as exc:
            apply_validation_errors(form, exc)
        else:
            return redirect("registry:activity_detail", activity_id=activity.pk)
    return render(
        request,
        "registry/activity_form.html",
        {"form": form, "activity": activity},
        status=400 if form.errors else 200,
    )


@require_POST
@with_viewer
def activity_delete(request: HttpRequest, viewer: Viewer, activity_id: str) -> HttpResponse:
    activity = selectors.access_own_activity_by_id(viewer, activity_id)
    services.activity_delete(viewer=viewer, activity=activity)
    messages.success(request, _("The activity was deleted."))
    return redirect("registry:activities")


@require_GET
@with_viewer
def activity_export(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = forms.ActivityFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render_error(request, ValidationFailed(_("The filters are not valid.")))
    table = importexport.export_table(selectors.activities(viewer, form.filters()))
    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            importexport.write_xlsx(table),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="mosty-3w-{stamp}.xlsx"'
    else:
        response = HttpResponse(importexport.write_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="mosty-3w-{stamp}.csv"'
    return response


@require_http_methods(["GET", "POST"])
@with_viewer
def activity_import(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if not _can_edit(viewer):
        raise PermissionDenied
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    outcome = None
    line_errors: dict[str, list[str]] = {}
    dry_run = True
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        try:
            outcome = importexport.import_activities(
                viewer, name=upload.name or "", content=upload.read(), dry_run=dry_run
            )
        except ValidationFailed as exc:
            line_errors = exc.errors
            form.add_error(None, str(exc.message))
        else:
            if not dry_run:
                messages.success(
                    request,
                    _("Imported: %(created)s new and %(updated)s updated activities.")
                    % {"created": outcome.created, "updated": outcome.updated},
                )
                return redirect("registry:activities")
    return render(
        request,
        "registry/activity_import.html",
        {
            "form": form,
            "outcome": outcome,
            "line_errors": line_errors,
            "dry_run": dry_run,
            "columns": importexport.COLUMNS,
        },
        status=400 if form.errors else 200,
    )


# --- organisations -----------------------------------------------------------------------------------------------


@require_GET
@with_viewer
def organisation_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = forms.OrganisationFilterForm(request.GET or None)
    page = _page(request, selectors.organisations(viewer, form.filters()))
    return render(
        request,
        "registry/organisation_list.html",
        {"form": form, "page": page},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
@with_viewer
def organisation_detail(request: HttpRequest, viewer: Viewer, organisation_id: int) -> HttpResponse:
    view = selectors.access_profile_by_organisation_id(viewer, organisation_id)
    activity_page = _page(
        request, selectors.activities(viewer, selectors.ActivityFilters(organisation=view.organisation))
    )
    return render(
        request,
        "registry/organisation_detail.html",
        {
            "view": view,
            "activity_page": activity_page,
            "can_edit": view.members_only and viewer.has_role(services.PROFILE_ROLES),
        },
    )


@require_http_methods(["GET", "POST"])
@with_viewer
def profile_edit(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if not viewer.has_role(services.PROFILE_ROLES):
        raise PermissionDenied
    view = selectors.access_profile_by_organisation_id(viewer, viewer.organisation_id)
    profile = view.profile
    initial: dict[str, Any] = {}
    if profile is not None:
        initial = {
            "summary": profile.summary,
            "website": profile.website,
            "founded_year": profile.founded_year,
            "sectors": [s.slug for s in profile.sectors.all()],
            "regions": [r.code for r in profile.regions.all()],
            "contact": profile.contact or "",
            "internal_notes": profile.internal_notes or "",
        }
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                viewer=viewer,
                data=services.ProfileInput(
                    summary=data["summary"],
                    website=data["website"],
                    founded_year=data["founded_year"],
                    sectors=list(data["sectors"]),
                    regions=list(data["regions"]),
                    contact=data["contact"],
                    internal_notes=data["internal_notes"],
                ),
            )
        except ValidationFailed as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("The profile was saved."))
            return redirect("registry:organisation_detail", organisation_id=viewer.organisation_id)
    return render(request, "registry/profile_form.html", {"form": form}, status=400 if form.errors else 200)


# --- initiatives -------------------------------------------------------------------------------------------------


@require_GET
@with_viewer
def initiative_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    page = _page(request, selectors.initiatives(viewer, q=q))
    return render(
        request,
        "registry/initiative_list.html",
        {"page": page, "q": q, "can_edit": _can_edit(viewer), "viewer": viewer},
    )


@require_GET
@with_viewer
def initiative_detail(request: HttpRequest, viewer: Viewer, initiative_id: str) -> HttpResponse:
    initiative = selectors.access_initiative_by_id(viewer, initiative_id)
    is_owner = initiative.organisation_id == viewer.organisation_id
    return render(
        request,
        "registry/initiative_detail.html",
        {
            "initiative": initiative,
            "links": selectors.initiative_links(viewer, initiative),
            "activities": selectors.activities(viewer, selectors.ActivityFilters()).filter(initiative=initiative),
            "is_owner": is_owner,
            "can_edit": is_owner and _can_edit(viewer),
            "link_form": forms.InitiativeLinkForm(own_organisation_id=viewer.organisation_id),
        },
    )


@require_http_methods(["GET", "POST"])
@with_viewer
def initiative_edit(request: HttpRequest, viewer: Viewer, initiative_id: str | None = None) -> HttpResponse:
    if not _can_edit(viewer):
        raise PermissionDenied
    initiative = selectors.access_own_initiative_by_id(viewer, initiative_id) if initiative_id else None
    initial: dict[str, Any] = {"is_active": True}
    if initiative is not None:
        initial = {
            "codename": initiative.codename,
            "description": initiative.description or "",
            "sectors": [s.slug for s in initiative.sectors.all()],
            "regions": [r.code for r in initiative.regions.all()],
            "is_active": initiative.is_active,
        }
    form = forms.InitiativeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        payload = services.InitiativeInput(
            codename=data["codename"],
            description=data["description"],
            sectors=list(data["sectors"]),
            regions=list(data["regions"]),
            is_active=data["is_active"],
        )
        try:
            if initiative is None:
                initiative = services.initiative_create(viewer=viewer, data=payload)
            else:
                services.initiative_update(viewer=viewer, initiative=initiative, data=payload)
        except ValidationFailed as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("The initiative was saved."))
            return redirect("registry:initiative_detail", initiative_id=initiative.pk)
    return render(
        request,
        "registry/initiative_form.html",
        {"form": form, "initiative": initiative},
        status=400 if form.errors else 200,
    )


@require_POST
@with_viewer
def initiative_link_add(request: HttpRequest, viewer: Viewer, initiative_id: str) -> HttpResponse:
    initiative = selectors.access_own_initiative_by_id(viewer, initiative_id)
    form = forms.InitiativeLinkForm(request.POST, own_organisation_id=viewer.organisation_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.initiative_link_add(
                viewer=viewer,
                initiative=initiative,
                organisation=data["organisation"],
                kind=data["kind"],
                since=data["since"],
            )
        except ValidationFailed as exc:
            apply_validation_errors(form, exc)
    if form.errors:
        return render(
            request,
            "registry/initiative_detail.html",
            {
                "initiative": initiative,
                "links": selectors.initiative_links(viewer, initiative),
                "activities": [],
                "is_owner": True,
                "can_edit": _can_edit(viewer),
                "link_form": form,
            },
            status=400,
        )
    messages.success(request, _("The organisation can now see this initiative."))
    return redirect("registry:initiative_detail", initiative_id=initiative.pk)


@require_POST
@with_viewer
def initiative_link_remove(request: HttpRequest, viewer: Viewer, initiative_id: str, link_id: int) -> HttpResponse:
    initiative = selectors.access_own_initiative_by_id(viewer, initiative_id)
    link = selectors.access_initiative_link(viewer, initiative, link_id)
    services.initiative_link_remove(viewer=viewer, link=link)
    messages.success(request, _("The organisation no longer sees this initiative."))
    return redirect("registry:initiative_detail", initiative_id=initiative.pk)
