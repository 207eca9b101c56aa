"""The one way a page gets its `Viewer`: the session's active membership, limited to some roles.

A user without a membership sees a notice; a role outside the page's roles gets 404 (as for a page that does
not exist); the access errors a view raises (not found, not allowed, a conflict with the current state)
become their error page. Everything else propagates.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from mosty.accounts.models import Role
from mosty.accounts.selectors import viewer_for_membership
from mosty.core.exceptions import Conflict, NotFound, PermissionDenied
from mosty.core.views import render_error

ViewFunc = Callable[..., HttpResponse]
ALL_ROLES = frozenset(Role.values)


def member_view(roles: frozenset[str] = ALL_ROLES) -> Callable[[ViewFunc], ViewFunc]:
    """Decorate a view `view(request, viewer, ...)` for members in `roles`."""

    def decorate(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None:
                return render_error(request, PermissionDenied(_("You are not a member of any organisation yet.")))
            viewer = viewer_for_membership(membership)
            if not viewer.has_role(roles):
                return render_error(request, NotFound())
            try:
                return view(request, viewer, *args, **kwargs)
            except (NotFound, PermissionDenied, Conflict) as exc:
                return render_error(request, exc)

        return wrapped

    return decorate
