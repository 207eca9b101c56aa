"""The caseworker's pages: the queue and lists with search, a new case, the case page (triage, workflow,
assignee, tasks, notes, messages to the applicant, attachments, timeline) and the support type settings.

Thin: selectors read (every case through `access_case_by_id`), services write, forms parse. Names are searched
through blind indexes and travel in POST-free GET forms only as typed input: they are never put into links
the page generates (pagination keeps the query string as the user typed it, on the same page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mosty.accounts.decorators import member_view
from mosty.accounts.models import Role
from mosty.accounts.selectors import Viewer
from mosty.cases import forms, selectors, services
from mosty.cases.selectors import CASE_READ_ROLES
from mosty.cases.workflows import workflow_for
from mosty.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from mosty.core.form_errors import apply_validation_errors
from mosty.registry.models import SupportType, language_code

PAGE_SIZE = 50
ViewFunc = Callable[..., HttpResponse]


# Roles that do not work with cases get 404, as for a case that does not exist.
case_view = member_view(CASE_READ_ROLES)


@require_GET
@case_view
def case_list(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    form = forms.CaseFilterForm(request.GET or None)
    filters = selectors.CaseFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.CaseFilters(
            scope=data["scope"] or "queue",
            support_type=data["support_type"],
            state=data["state"].strip(),
            risk=data["risk"],
            deadline_within_days=data["deadline"],
            family_name=data["family_name"],
            given_name=data["given_name"],
            birth_date=data["birth_date"],
        )
    page, cases = selectors.case_page(selectors.case_list(viewer, filters), request.GET.get("page"), per_page=PAGE_SIZE)
    items = selectors.decryptable_page(viewer, cases)
    searched = bool(filters.family_name or filters.given_name or filters.birth_date)
    return render(
        request,
        "cases/case_list.html",
        {
            "form": form,
            "page": page,
            "items": items,
            "viewer": viewer,
            "scope": filters.scope,
            "searched": searched,
            "can_write": viewer.has_role(selectors.CASE_WRITE_ROLES),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_http_methods(["GET", "POST"])
@case_view
def case_create(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    if not viewer.has_role(selectors.CASE_WRITE_ROLES):
        raise PermissionDenied
    assignees = list(selectors.assignable_members(viewer))
    support_type = SupportType.objects.filter(slug=request.POST.get("support_type") or request.GET.get("type")).first()
    workflow = workflow_for(support_type.slug if support_type else "")
    person_form = forms.PersonForm(request.POST or None, prefix="person")
    case_form = forms.CaseForm(
        request.POST or None,
        assignees=assignees,
        initial={"support_type": support_type.slug if support_type else None, "assignee": str(viewer.user.pk)},
    )
    for name, field in forms.details_fields(workflow, language_code(get_language())).items():
        case_form.fields[name] = field
    if request.method == "POST" and person_form.is_valid() and case_form.is_valid():
        data = case_form.cleaned_data
        person_data = services.PersonInput(**person_form.cleaned_data)
        try:
            from django.db import transaction

            with transaction.atomic():
                person = services.person_create(viewer=viewer, organisation=viewer.organisation, data=person_data)
                case = services.case_create(
                    viewer=viewer,
                    organisation=viewer.organisation,
                    person=person,
                    data=services.CaseInput(
                        support_type=data["support_type"],
                        risk=data["risk"],
                        urgency=data["urgency"],
                        summary=data["summary"],
                        details=forms.details_from(case_form, workflow_for(data["support_type"].slug)),
                        region=data["region"],
                        assignee=data["assignee"],
                    ),
                )
        except ValidationFailed as exc:
            target = person_form if set(exc.errors) & set(person_form.fields) else case_form
            apply_validation_errors(target, exc)
            for key, errors in exc.errors.items():
                if f"d_{key}" in case_form.fields:
                    for error in errors:
                        case_form.add_error(f"d_{key}", error)
        else:
            messages.success(request, _("Case %(ref)s was opened.") % {"ref": case.reference})
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/case_form.html",
        {"person_form": person_form, "case_form": case_form, "support_type": support_type},
        status=400 if (person_form.errors or case_form.errors) else 200,
    )


def _detail_context(request: HttpRequest, viewer: Viewer, access: selectors.CaseAccess) -> dict[str, Any]:
    case = access.case
    language = language_code(get_language())
    settings = services.type_settings(case.organisation_id, case.support_type)
    allowed = settings.workflow.allowed(case.state, disabled=settings.disabled_states)
    state = settings.workflow.state(case.state)
    details = []
    if access.can("case") and case.details:
        for f in settings.workflow.fields:
            if f.key in case.details:
                details.append((f.label(language), case.details[f.key]))
    return {
        "access": access,
        "case": case,
        "state_label": state.label(language) if state else case.state,
        "transitions": [(code, settings.workflow.state(code)) for code in allowed],
        "language": language,
        "details": details,
        "tasks": case.tasks.all() if access.can("case") else [],
        "notes": case.notes.select_related("author") if access.can("notes") else [],
        "case_messages": case.messages.all() if access.can("case") else [],
        "attachments": case.attachments.all() if access.can("attachments") else [],
        "timeline": selectors.case_timeline(access)[:50],
        "triage_form": forms.TriageForm(initial={"risk": case.risk, "urgency": case.urgency}),
        "task_form": forms.TaskForm(),
        "note_form": forms.NoteForm(),
        "message_form": forms.MessageForm(),
        "attachment_form": forms.AttachmentForm(),
        "assignees": list(selectors.assignable_members(viewer)) if access.own else [],
    }


@require_GET
@case_view
def case_detail(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    access = selectors.access_case_by_id(viewer, case_id)
    return render(request, "cases/case_detail.html", _detail_context(request, viewer, access))


def _post_action(
    request: HttpRequest,
    viewer: Viewer,
    case_id: str,
    form_class: type[django_forms.Form] | None,
    action: Callable[..., Any],
    done: str,
) -> HttpResponse:
    access = selectors.access_case_by_id(viewer, case_id)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is not None and not form.is_valid():
        context = _detail_context(request, viewer, access)
        context[f"{form_class.__name__[:-4].lower()}_form"] = form  # type: ignore[union-attr]
        return render(request, "cases/case_detail.html", context, status=400)
    try:
        action(access, form.cleaned_data if form else {})
    except ValidationFailed as exc:
        messages.error(request, "; ".join([str(exc.message), *[m for ms in exc.errors.values() for m in ms]]))
        return redirect("cases:detail", case_id=access.case.pk)
    messages.success(request, done)
    return redirect("cases:detail", case_id=access.case.pk)


@require_POST
@case_view
def case_triage(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    return _post_action(
        request,
        viewer,
        case_id,
        forms.TriageForm,
        lambda access, d: services.case_triage(viewer=viewer, access=access, risk=d["risk"], urgency=d["urgency"]),
        _("Triage saved."),
    )


@require_POST
@case_view
def case_transition(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    to_state = request.POST.get("to_state", "")[:40]
    return _post_action(
        request,
        viewer,
        case_id,
        None,
        lambda access, d: services.case_transition(viewer=viewer, access=access, to_state=to_state),
        _("The case moved on."),
    )


@require_POST
@case_view
def case_assign(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    wanted = request.POST.get("assignee", "")
    assignee = next((u for u in selectors.assignable_members(viewer) if str(u.pk) == wanted), None)
    if wanted and assignee is None:
        raise NotFound
    return _post_action(
        request,
        viewer,
        case_id,
        None,
        lambda access, d: services.case_assign(viewer=viewer, access=access, assignee=assignee),
        _("Assignment saved."),
    )


@require_POST
@case_view
def task_add(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    return _post_action(
        request,
        viewer,
        case_id,
        forms.TaskForm,
        lambda access, d: services.task_add(viewer=viewer, access=access, title=d["title"], due_date=d["due_date"]),
        _("Task added."),
    )


@require_POST
@case_view
def task_done(request: HttpRequest, viewer: Viewer, case_id: str, task_id: str) -> HttpResponse:
    return _post_action(
        request,
        viewer,
        case_id,
        None,
        lambda access, d: services.task_done(viewer=viewer, access=access, task_id=task_id),
        _("Task done."),
    )


@require_POST
@case_view
def note_add(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    return _post_action(
        request,
        viewer,
        case_id,
        forms.NoteForm,
        lambda access, d: services.note_add(viewer=viewer, access=access, body=d["body"]),
        _("Note added."),
    )


@require_POST
@case_view
def message_send(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    return _post_action(
        request,
        viewer,
        case_id,
        forms.MessageForm,
        lambda access, d: services.message_to_applicant(viewer=viewer, access=access, body=d["body"]),
        _("Message sent. The applicant sees it at the next status check."),
    )


@require_POST
@case_view
def attachment_add(request: HttpRequest, viewer: Viewer, case_id: str) -> HttpResponse:
    from mosty.core.sanitise import SanitiseError

    try:
        return _post_action(
            request,
            viewer,
            case_id,
            forms.AttachmentForm,
            lambda access, d: services.attachment_add(viewer=viewer, access=access, uploaded=d["file"]),
            _("The file was attached (metadata removed, encrypted)."),
        )
    except SanitiseError as exc:  # refused uploads: too large, unsupported type, damaged
        messages.error(request, str(exc.message))
        return redirect("cases:detail", case_id=case_id)


@require_GET
@case_view
def attachment_download(request: HttpRequest, viewer: Viewer, case_id: str, attachment_id: int) -> HttpResponse:
    from mosty.core.attachments import attachment_open

    access = selectors.access_case_by_id(viewer, case_id)
    if not access.can("attachments"):
        raise NotFound
    link = access.case.attachments.select_related("file").filter(pk=attachment_id).first()
    if link is None:
        raise NotFound
    content = attachment_open(file=link.file)
    response = HttpResponse(content, content_type=link.file.content_type)
    # A neutral file name: the original (encrypted) one may name a person and would land in download histories.
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(link.file.content_type, "bin")
    response["Content-Disposition"] = f'attachment; filename="attachment-{link.pk}.{extension}"'
    return response


@require_http_methods(["GET", "POST"])
@case_view
def type_settings(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """Administrators adjust retention, optional states and intake per support type."""
    if not viewer.has_role(frozenset({Role.ORG_ADMIN})):
        raise PermissionDenied
    language = language_code(get_language())
    rows = []
    for support_type in SupportType.objects.all():
        settings = services.type_settings(viewer.organisation_id, support_type)
        optional = [s for s in settings.workflow.states if s.optional]
        rows.append((support_type, settings, optional))
    if request.method == "POST":
        slug = request.POST.get("support_type", "")
        chosen = SupportType.objects.filter(slug=slug).first()
        if chosen is None:
            raise NotFound
        try:
            days = int(request.POST.get("retention_days", ""))
        except ValueError:
            days = -1
        try:
            services.case_type_settings_set(
                viewer=viewer,
                support_type=chosen,
                retention_days=days,
                disabled_states=request.POST.getlist("disabled_states"),
                intake_enabled=request.POST.get("intake_enabled") == "on",
            )
        except ValidationFailed as exc:
            messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms) or str(exc.message))
        else:
            messages.success(request, _("Settings saved."))
        return redirect("cases:settings")
    return render(request, "cases/type_settings.html", {"rows": rows, "language": language})
