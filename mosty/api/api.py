"""The REST API at /api/v1/ (django-ninja): one error shape, token authentication on every route.

Every error, from any layer, answers `{"error": {"code": ..., "message": ..., "details": {...}}}`, with the codes
of `mosty.core.exceptions`. No anonymous route but the schema and its docs page. Unknown paths under /api/v1/
answer JSON too (401 without a valid token, 404 with one), never the HTML error page.

Threat: an error or a log line that carries personal data. Error bodies never echo the request or an
exception's text; the log of an unexpected failure names the exception type and the code path, not its message.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase

from mosty.api.auth import token_auth
from mosty.api.endpoints import router as endpoints_router
from mosty.cases.api import router as cases_router
from mosty.cases.referral_api import router as sharing_router
from mosty.core.exceptions import (
    InvalidRequest,
    InvalidToken,
    MethodNotAllowed,
    MostyError,
    NotFound,
    PermissionDenied,
    ServerError,
    ValidationFailed,
)
from mosty.detainees.api import router as detainees_router
from mosty.registry.api import router as registry_router

logger = logging.getLogger("mosty.api")

API_DESCRIPTION = """\
Mosty's REST API. Every call needs an API token, created on the web interface under "API tokens" and sent as
`Authorization: Bearer mosty_...`. A token acts for one user, in one organisation, with one role (the member's
own or "viewer"), and expires after at most a year.

Every error has the shape `{"error": {"code": "...", "message": "...", "details": {...}}}`.
"""

_STATUS_ERRORS: dict[int, type[MostyError]] = {
    401: InvalidToken,
    403: PermissionDenied,
    404: NotFound,
    405: MethodNotAllowed,
}


class LocalSwagger(DocsBase):
    """Swagger UI from the copy that ships with django-ninja, served by our own static files.

    Threat: a docs page that loads its script from a CDN tells a third party who reads Mosty's API docs and
    when, and runs code we do not control. Ninja falls back to a CDN when `ninja` is not in INSTALLED_APPS;
    this class never does (without it, the page's assets would simply 404 from our own server).
    """

    settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # Swagger UI otherwise sends the schema's address to validator.swagger.io.
        "validatorUrl": None,
        "persistAuthorization": False,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        docs_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, "api/docs.html", {"api": api, "swagger_settings": docs_settings})


class MostyAPI(NinjaAPI):
    def error_response(
        self,
        request: HttpRequest,
        error: MostyError,
        *,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> HttpResponse:
        body = {"error": {"code": error.code, "message": str(error.message), "details": details or {}}}
        response = self.create_response(request, body, status=status or error.status)
        if response.status_code == 401:
            response["WWW-Authenticate"] = 'Bearer realm="mosty"'
        return response

    def set_default_exception_handlers(self) -> None:
        """One handler for every exception, so that nothing reaches ninja's or Django's own error bodies."""
        self.add_exception_handler(Exception, self._on_exception)

    def _on_exception(self, request: HttpRequest, exc: Any) -> HttpResponse:
        if isinstance(exc, MostyError):
            details: dict[str, Any] = {}
            if isinstance(exc, ValidationFailed) and exc.errors:
                details["fields"] = exc.errors
            return self.error_response(request, exc, details=details)
        if isinstance(exc, NinjaValidationError):
            # Where and what kind only: pydantic's "input" would echo what was sent, which may be personal data.
            errors = [
                {
                    "loc": [str(part) for part in error.get("loc", ())],
                    "type": str(error.get("type", "")),
                    "message": str(error.get("msg", "")),
                }
                for error in exc.errors
            ]
            return self.error_response(request, InvalidRequest(), details={"errors": errors})
        if isinstance(exc, AuthenticationError):
            return self.error_response(request, InvalidToken())
        if isinstance(exc, HttpError):
            # Our own generic message, not the HttpError's: whoever raised it may have put data in it.
            error_class = _STATUS_ERRORS.get(exc.status_code, MostyError)
            return self.error_response(request, error_class(), status=exc.status_code)
        if isinstance(exc, Http404):
            return self.error_response(request, NotFound())
        if isinstance(exc, DjangoPermissionDenied):
            return self.error_response(request, PermissionDenied())
        # The traceback's frames (file, line, code) help whoever runs the server; the exception's text may hold
        # personal data and is left out, as are local variables.
        match = request.resolver_match
        logger.error(
            "Unexpected %s in API %s %s\n%s",
            type(exc).__name__,
            request.method,
            match.route if match else "?",
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return self.error_response(request, ServerError())

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        """Ninja's routes, each answering 405 as JSON, then a JSON fallback for the root and unknown paths."""
        urls: list[URLResolver | URLPattern] = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                continue  # ninja's root view raises Http404 into Django's HTML 404 page
            if isinstance(pattern, URLPattern):
                pattern = URLPattern(
                    pattern.pattern, self._json_not_allowed(pattern.callback), pattern.default_args, pattern.name
                )
            urls.append(pattern)
        fallback = csrf_exempt(self._fallback)
        # The root keeps ninja's name: the OpenAPI schema finds the API's prefix by reversing it.
        urls.append(path("", fallback, name="api-root"))
        urls.append(re_path(r"^.*$", fallback, name="unknown"))
        return urls

    def _json_not_allowed(self, view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseNotAllowed):
                # Deny by default: without a valid token the answer is 401, whatever the method.
                try:
                    if token_auth(request) is None:
                        raise InvalidToken
                except MostyError as error:
                    return self.error_response(request, error)
                allowed = response["Allow"]
                response = self.error_response(request, MethodNotAllowed())
                response["Allow"] = allowed
            return response

        wrapped.csrf_exempt = getattr(view, "csrf_exempt", False)  # type: ignore[attr-defined]
        return wrapped

    def _fallback(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """An unknown path: 401 without a valid token (deny by default), 404 with one."""
        try:
            if token_auth(request) is None:
                raise InvalidToken
        except MostyError as error:
            return self.error_response(request, error)
        return self.error_response(request, NotFound())


def create_api(*, urls_namespace: str = "api", routers: list[tuple[str, Router]] | None = None) -> MostyAPI:
    """Build the API. Tests build a second one with extra routers (e.g. a route that fails on purpose)."""
    new_api = MostyAPI(
        title="Mosty API",
        version="1",
        description=API_DESCRIPTION,
        urls_namespace=urls_namespace,
        auth=token_auth,
        docs=LocalSwagger(),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    new_api.add_router("", endpoints_router)
    new_api.add_router("/registry", registry_router)
    new_api.add_router("/cases", cases_router)
    new_api.add_router("", sharing_router)
    new_api.add_router("/detainees", detainees_router)
    for prefix, extra in routers or []:
        new_api.add_router(prefix, extra)
    return new_api


api = create_api()
