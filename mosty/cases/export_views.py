"""Pages for bulk exports (request, approve or reject, download once) and for retention (what will be destroyed
next, and when). Thin: `mosty.cases.exports` and `mosty.cases.retention` decide; no name is ever shown here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mosty.accounts.selectors import Viewer
from mosty.cases import exports, retention
from mosty.cases.export_forms import EXPORT_SCOPE_CHOICES, ExportDecisionForm, ExportRequestForm
from mosty.cases.models import ExportRequest
from mosty.cases.views import case_view
from mosty.cases.workflows import WORKFLOWS
from mosty.core.exceptions import MostyError, NotFound, PermissionDenied, ValidationFailed
from mosty.registry.models import SupportType, language_code

PAGE_SIZE = 50
MAX_PENDING_SHOWN = 20  # each pending request shows how many cases it would hold: one count query each
MAX_MINE_SHOWN = 50


def describe_filters(codes: dict[str, Any], language: str, support_types: dict[str, str]) -> list[str]:
    """The stored filter codes in words, for the approver and the requester."""
    scopes = dict(EXPORT_SCOPE_CHOICES)
    parts = [str(scopes.get(str(codes.get("scope") or "all"), codes.get("scope")))]
    slug = codes.get("support_type")
    if slug:
        parts.append(support_types.get(str(slug), str(slug)))
    state = codes.get("state")
    if state:
        label = next((s.label(language) for w in WORKFLOWS.values() for s in w.states if s.code == state), str(state))
        parts.append(_("state: %(state)s") % {"state": label})
    if codes.get("risk"):
        parts.append(_("risk at least %(risk)s") % {"risk": codes["risk"]})
    if codes.get("deadline_within_days") is not None:
        parts.append(_("deadline within %(days)s days") % {"days": codes["deadline_within_days"]})
    return parts


def _support_type_names(language: str) -> dict[str, str]:
    return {t.slug: t.name(language) for t in SupportType.objects.all()}


@require_http_methods(["GET", "POST"])
@case_view
def export_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """Ask for an export; decide on other members' requests; download your approved ones (once)."""
    language = language_code(get_language())
    can_request = viewer.has_role(exports.EXPORT_REQUEST_ROLES)
    form = ExportRequestForm(request.POST or None, language=language) if can_request else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                exports.export_request_create(viewer=viewer, reason=form.cleaned_data["reason"], filters=form.filters())
            except ValidationFailed as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Export requested. Another member must approve it before you download it."))
                return redirect("case_exports:list")
    now = timezone.now()
    names = _support_type_names(language)
    pending = [
        (export, describe_filters(export.filters, language, names), exports.export_preview_count(export))
        for export in exports.export_requests_to_decide(viewer)[:MAX_PENDING_SHOWN]
    ]
    mine = [
        (
            export,
            describe_filters(export.filters, language, names),
            exports.shown_status(export, now=now),
            exports.is_downloadable(export, now=now),
            exports.expires_at(export),
        )
        for export in exports.export_requests_mine(viewer)[:MAX_MINE_SHOWN]
    ]
    return render(
        request,
        "cases/exports/export_list.html",
        {
            "form": form,
            "pending": pending,
            "mine": mine,
            "can_decide": viewer.has_role(exports.EXPORT_APPROVER_ROLES),
            "max_rows": exports.MAX_EXPORT_ROWS,
        },
        status=400 if form is not None and form.is_bound and form.errors else 200,
    )


@require_POST
@case_view
def export_decide(request: HttpRequest, viewer: Viewer, export_id: str) -> HttpResponse:
    export = exports.access_export_by_id(viewer, export_id)
    form = ExportDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("case_exports:list")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        exports.export_decide(viewer=viewer, export=export, approve=approve)
    except NotFound:
        raise
    except MostyError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Export approved.") if approve else _("Export rejected."))
    return redirect("case_exports:list")


@require_POST
@case_view
def export_download(request: HttpRequest, viewer: Viewer, export_id: str) -> HttpResponse:
    """The CSV, once. A POST: a link could be fetched by a browser's prefetcher and use up the only download."""
    export: ExportRequest = exports.access_export_by_id(viewer, export_id)
    try:
        file = exports.export_download(viewer=viewer, export=export)
    except NotFound:
        raise
    except MostyError as exc:
        messages.error(request, str(exc.message))
        return redirect("case_exports:list")
    response = HttpResponse(file.content, content_type="text/csv; charset=utf-8")
    # A neutral name (no reason, no filter, no person) and never cached anywhere.
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@case_view
def retention_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """What the daily retention job will destroy next, and when (reference, support type, dates; no names)."""
    today = timezone.localdate()
    due = retention.retention_due(viewer, on=today)
    page = Paginator(due, PAGE_SIZE).get_page(request.GET.get("page"))
    overdue = due.filter(retention_until__lt=today).count() if page.number == 1 else 0
    return render(
        request,
        "cases/exports/retention.html",
        {"page": page, "today": today, "horizon_days": retention.DUE_HORIZON_DAYS, "overdue": overdue},
    )
