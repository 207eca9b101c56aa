"""Sets `request.membership` and `request.organisation`: the organisation the user acts for now.

The choice is kept in the session; a stale or foreign id falls back to the user's first membership.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mosty.accounts.selectors import memberships_for_user
from mosty.core.crypto.keyring import acting_as

SESSION_KEY = "mosty_active_organisation"


class ActiveOrganisationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.organisation = None  # type: ignore[attr-defined]
        user = request.user
        if user.is_authenticated and user.is_verified():  # type: ignore[attr-defined]
            memberships = list(memberships_for_user(user))
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in memberships if m.organisation_id == wanted), None)
            if chosen is None and memberships:
                chosen = memberships[0]
            request.memberships = memberships  # type: ignore[attr-defined]
            if chosen is not None:
                request.membership = chosen  # type: ignore[attr-defined]
                request.organisation = chosen.organisation  # type: ignore[attr-defined]
            # Encrypted values in this request decrypt with the active organisation's keys, and nobody else's.
            with acting_as(chosen.organisation_id if chosen is not None else None):
                return self.get_response(request)
        return self.get_response(request)
