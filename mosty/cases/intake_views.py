"""The public intake's pages (no login; allow-listed in `mosty.core.middleware`).

Thin: `mosty.cases.intake` reads and writes, `intake_forms` parses. Every page works without JavaScript.

What an inspected device may keep is kept small: no organisation, support type or codename ever appears in a
URL (the choice and the form travel by POST, so the history shows only /intake/ pages); forms ask the browser
not to remember what was typed; no cookie but the session and CSRF ones (no `messages`, which may use a
cookie); the codename is shown once, in the answer to the POST that created it, and is never stored, logged or
put in the session. A status check keeps only the case's id and the time in the session, for at most
`CHECK_IN_SECONDS`; "Leave" ends it at once.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mosty.accounts.models import Organisation
from mosty.cases import intake, intake_forms
from mosty.cases.models import Case
from mosty.core.exceptions import MostyError, NotFound, RateLimited, ValidationFailed
from mosty.core.views import render_error
from mosty.registry.models import SupportType, language_code

CHECK_IN_SECONDS = 15 * 60
SESSION_CASE = "mosty_intake_case"
SESSION_SINCE = "mosty_intake_since"
SESSION_NOTICE = "mosty_intake_notice"
SESSION_SENT = "mosty_intake_sent"  # nonces of forms already sent (the back button must not send twice)
SENT_KEPT = 5


def _error(request: HttpRequest, error: MostyError) -> HttpResponse:
    template = "cases/intake/busy.html" if isinstance(error, RateLimited) else "cases/intake/error.html"
    return render_error(request, error, template=template)


def _start_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cases/intake/start.html",
        {"options": intake.intake_options(), "language": language_code(get_language())},
    )


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Choose an organisation and a support type; what happens to the data; how to stay safe."""
    return _start_page(request)


def _form_page(
    request: HttpRequest,
    form: intake_forms.IntakeForm,
    organisation: Organisation,
    support_type: SupportType,
    *,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "cases/intake/form.html",
        {
            "form": form,
            "organisation": organisation,
            "support_type_name": support_type.name(language_code(get_language())),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    """POST from the start page: the form for the chosen organisation and type. POST with a ticket: send it.
    GET (after a language switch, say) shows the start page again: the choice is never in the URL."""
    if request.method == "GET":
        return _start_page(request)
    if "token" in request.POST:
        return _submit(request)
    choice = intake_forms.IntakeChoiceForm(request.POST)
    if not choice.is_valid():
        return _error(request, NotFound())
    try:
        organisation, support_type = intake.access_intake_target(
            organisation_slug=choice.cleaned_data["organisation"],
            support_type_slug=choice.cleaned_data["support_type"],
        )
    except NotFound as exc:
        return _error(request, exc)
    language = language_code(get_language())
    ticket = intake_forms.issue_ticket(organisation.pk, support_type.slug)
    form = intake_forms.IntakeForm(support_type=support_type, language=language, ticket=ticket)
    return _form_page(request, form, organisation, support_type)


def _submit(request: HttpRequest) -> HttpResponse:
    try:
        ticket = intake_forms.read_ticket(request.POST.get("token", ""))
    except intake_forms.BadTicket:
        return _error(request, ValidationFailed(_("The form could not be read. Please start again.")))
    try:
        organisation, support_type = intake.access_intake_target_by_id(
            organisation_id=ticket.organisation_id, support_type_slug=ticket.support_type
        )
    except NotFound as exc:
        return _error(request, exc)
    if ticket.nonce in request.session.get(SESSION_SENT, []):
        return render(request, "cases/intake/already_sent.html", {"organisation": organisation})
    language = language_code(get_language())
    form = intake_forms.IntakeForm(request.POST, support_type=support_type, language=language, ticket=ticket)
    if not form.is_valid():
        if form.expired:
            form.renew(intake_forms.issue_ticket(organisation.pk, support_type.slug))
        return _form_page(request, form, organisation, support_type, status=400)
    try:
        codename = intake.intake_submit(organisation=organisation, data=form.to_request())
    except RateLimited as exc:
        return _error(request, exc)
    except NotFound as exc:  # switched off between the two checks
        return _error(request, exc)
    except ValidationFailed as exc:
        form.apply(exc)
        return _form_page(request, form, organisation, support_type, status=400)
    request.session[SESSION_SENT] = [*request.session.get(SESSION_SENT, [])[-(SENT_KEPT - 1) :], ticket.nonce]
    # The only place the codename ever appears: this one answer.
    return render(request, "cases/intake/sent.html", {"codename": codename, "organisation": organisation})


# --- status -------------------------------------------------------------------------------------------------


def _check_out(request: HttpRequest) -> None:
    for key in (SESSION_CASE, SESSION_SINCE, SESSION_NOTICE):
        request.session.pop(key, None)


def _checked_in_case(request: HttpRequest) -> Case | None:
    """The case this session checked in to, if it did so less than `CHECK_IN_SECONDS` ago. A check-in that ran
    out is ended, and the next codename form says why."""
    case_id = request.session.get(SESSION_CASE)
    if case_id is None:
        return None
    since = request.session.get(SESSION_SINCE)
    if not isinstance(since, int | float) or not 0 <= time.time() - since <= CHECK_IN_SECONDS:
        _check_out(request)
        request.session[SESSION_NOTICE] = "expired"
        return None
    try:
        return intake.access_checked_in_case(case_id)
    except NotFound:
        _check_out(request)
        return None


def _status_form_page(
    request: HttpRequest, form: intake_forms.CodenameForm, *, status: int = 200, **context: Any
) -> HttpResponse:
    return render(request, "cases/intake/status_form.html", {"form": form, **context}, status=status)


def _status_page(
    request: HttpRequest, case: Case, reply_form: intake_forms.ReplyForm, *, status: int = 200
) -> HttpResponse:
    language = language_code(get_language())
    applicant_status = intake.applicant_status(case, language)
    intake.applicant_messages_read(case)
    since = float(request.session.get(SESSION_SINCE, time.time()))
    minutes_left = max(1, int((CHECK_IN_SECONDS - (time.time() - since)) // 60))
    return render(
        request,
        "cases/intake/status.html",
        {
            "status": applicant_status,
            "reply_form": reply_form,
            "notice": request.session.pop(SESSION_NOTICE, None),
            "minutes_left": minutes_left,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """GET: the codename form, or the status of the request this session checked in to. POST: check in."""
    if request.method == "GET":
        case = _checked_in_case(request)
        if case is None:
            expired = request.session.pop(SESSION_NOTICE, None) == "expired"
            return _status_form_page(request, intake_forms.CodenameForm(), expired=expired)
        return _status_page(request, case, intake_forms.ReplyForm())
    form = intake_forms.CodenameForm(request.POST)
    if not form.is_valid():
        return _status_form_page(request, form, status=400)
    try:
        intake.status_check_admit()
    except RateLimited as exc:
        return _error(request, exc)
    try:
        case = intake.access_case_by_codename(form.cleaned_data["codename"])
    except NotFound:
        form.add_error(None, _("No request matches this codename. Check the words and try again."))
        return _status_form_page(request, form, status=400)
    request.session.cycle_key()  # a session that was handed to the applicant cannot follow them in
    request.session[SESSION_CASE] = str(case.pk)
    request.session[SESSION_SINCE] = time.time()
    return redirect("intake:status")


@require_POST
def reply(request: HttpRequest) -> HttpResponse:
    """The checked-in applicant answers the caseworker."""
    case = _checked_in_case(request)
    if case is None:
        return redirect("intake:status")
    form = intake_forms.ReplyForm(request.POST)
    if not form.is_valid():
        return _status_page(request, case, form, status=400)
    try:
        intake.applicant_reply(case=case, body=form.cleaned_data["body"])
    except RateLimited as exc:
        return _error(request, exc)
    except ValidationFailed as exc:
        for key, messages in exc.errors.items():
            for message in messages:
                form.add_error("body" if key == "body" else None, message)
        if not exc.errors:
            form.add_error(None, str(exc.message))
        return _status_page(request, case, form, status=400)
    request.session[SESSION_NOTICE] = "reply_sent"
    return redirect("intake:status")


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """End the check-in now. An applicant's session holds nothing else: it is deleted entirely."""
    if request.user.is_authenticated:
        _check_out(request)
    else:
        request.session.flush()
    return _status_form_page(request, intake_forms.CodenameForm(), left=True)
