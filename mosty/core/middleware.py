"""Request guards that apply to every URL.

- `DenyByDefaultMiddleware`: every URL needs a logged-in user with a verified second factor, except an
  explicit allow-list. Threat: a forgotten `@login_required`, or a phished password used alone.
- `SecurityHeadersMiddleware`: a strict Content-Security-Policy and friends. Threat: injected scripts, and
  third-party requests that would tell someone who reads Mosty.
- `BodySizeLimitMiddleware`: refuses oversized bodies before any view reads them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

# Reachable without logging in.
PUBLIC_URL_NAMES = frozenset(
    {
        "accounts:login",
        "core:quick_exit",
        "core:set_language",
        "core:healthz",
        # The public intake (mosty.cases.intake_urls): no account, by design.
        "intake:start",
        "intake:request",
        "intake:status",
        "intake:reply",
        "intake:leave",
    }
)
# Reachable after the password, before the second factor.
SECOND_FACTOR_URL_NAMES = frozenset(
    {
        "accounts:verify",
        "accounts:enrol",
        "accounts:logout",
    }
)
# Path prefixes with their own authentication (API tokens) or none needed (static files).
PUBLIC_PATH_PREFIXES: tuple[str, ...] = ("/api/",)
SECOND_FACTOR_PATH_PREFIXES: tuple[str, ...] = ("/webauthn/",)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def is_public_path(path: str) -> bool:
    if path.startswith(settings.STATIC_URL) or path.startswith(PUBLIC_PATH_PREFIXES):
        return True
    return url_name(path) in PUBLIC_URL_NAMES


def is_second_factor_path(path: str) -> bool:
    if path.startswith(SECOND_FACTOR_PATH_PREFIXES):
        return True
    return url_name(path) in SECOND_FACTOR_URL_NAMES


class IsolatedContextMiddleware:
    """Runs each request in a fresh copy of the context, so nothing set in context variables during one request
    (the acting organisation and its unwrapped keys) can outlive it in a reused worker thread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return contextvars.copy_context().run(self.get_response, request)


class DenyByDefaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if is_public_path(path):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return HttpResponseRedirect(reverse("accounts:login") + (f"?{query}" if query else ""))
        if not user.is_verified() and not is_second_factor_path(path):  # type: ignore[attr-defined]
            return HttpResponseRedirect(reverse("accounts:verify"))
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path_info.startswith(settings.STATIC_URL):
            # Pages may carry personal data: never keep them in a shared or browser cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class BodySizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MOSTY_MAX_BODY_BYTES:
            from mosty.core.exceptions import RequestTooLarge
            from mosty.core.views import render_error

            return render_error(request, RequestTooLarge())
        return self.get_response(request)
