"""Views every page relies on: home, quick exit, language switch, health, and error pages.

Error pages never echo the request (no path, no parameters, no exception text): those may carry personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mosty.core.exceptions import MostyError, UnknownLanguage


def render_error(request: HttpRequest, error: MostyError, *, template: str = "core/error.html") -> HttpResponse:
    """Render a MostyError as a page with its status; HTMX requests get the same page fragment."""
    return render(
        request,
        template,
        {"error_code": error.code, "error_message": error.message, "status": error.status},
        status=error.status,
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def quick_exit(request: HttpRequest) -> HttpResponse:
    """Leave at once: end the session, tell the browser to erase this site's data, land somewhere neutral.

    Threat: someone inspecting the applicant's or caseworker's device. `Clear-Site-Data` removes cookies,
    storage and cache for this origin; the page script (if JS is on) also replaces the history entry.
    """
    request.session.flush()
    response = HttpResponseRedirect(settings.MOSTY_QUICK_EXIT_URL)
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    response.headers["Cache-Control"] = "no-store"
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME):
        response.delete_cookie(name, samesite="Strict")
    return response


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language. An unknown language is refused with a clear error and changes nothing."""
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        return render_error(request, UnknownLanguage())
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = "/"
    translation.activate(code)
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Strict",
        httponly=True,
        secure=settings.LANGUAGE_COOKIE_SECURE,
    )
    return response


def _page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    return render(
        request, "core/error.html", {"error_code": code, "error_message": message, "status": status}, status=status
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400, "bad_request", _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, "forbidden", _("You are not allowed to do this."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, "not_found", _("Not found."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500, "server_error", _("Something went wrong on our side. Nothing was changed."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        "csrf_failed",
        _("The form had expired or did not come from this site. Reload the page and try again; nothing was changed."),
    )
