"""API tokens on the web interface: list your own, create one (its secret shown once), revoke one. Thin: the
work is in services and selectors."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mosty.accounts import selectors as accounts_selectors
from mosty.accounts.models import User
from mosty.api import selectors, services
from mosty.api.forms import ApiTokenCreateForm
from mosty.core.exceptions import NotFound, ValidationFailed
from mosty.core.views import render_error


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


def _render_list(request: HttpRequest, *, fresh: dict[str, str] | None = None) -> HttpResponse:
    page = Paginator(selectors.tokens_for_user(_user(request)), 50).get_page(request.GET.get("page"))
    return render(request, "api/token_list.html", {"page": page, "fresh": fresh})


@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    memberships = list(accounts_selectors.memberships_for_user(user))
    form = ApiTokenCreateForm(request.POST or None, memberships=memberships, active=request.membership)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = accounts_selectors.access_organisation_by_id(user, data["organisation"])
            issued = services.api_token_create(
                user=user,
                organisation=organisation,
                name=data["name"],
                role=data["role"],
                expires_in_days=data["expires_in_days"],
            )
        except NotFound:
            form.add_error("organisation", _("You are not a member of this organisation."))
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            # The secret is shown in this response only: never stored (not even in the session), never in a URL.
            return _render_list(request, fresh={"name": issued.token.name, "secret": issued.plaintext})
    return render(
        request,
        "api/token_create.html",
        {"form": form, "has_memberships": bool(memberships)},
        status=400 if form.errors else 200,
    )


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    try:
        token = selectors.access_api_token_by_id(user, token_id)
    except NotFound as exc:
        return render_error(request, exc)
    services.api_token_revoke(token=token, actor=user)
    messages.success(request, _("The token was revoked. Programs using it can no longer call the API."))
    return redirect("api_tokens:list")
