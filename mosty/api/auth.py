"""Bearer-token authentication for the API: `Authorization: Bearer mosty_...`.

Threat: a token guessed, replayed after revocation, or used beyond its user's rights. Every failure answers the
same 401 `invalid_token` (see `selectors.api_token_identify`). Threat: a token leaking into logs. Unlike
ninja's `HttpBearer`, this never logs the header, whatever DEBUG says.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security.http import HttpBearer

from mosty.api import selectors, services
from mosty.api.selectors import TokenIdentity
from mosty.core.crypto.keyring import enter_scope_for_request
from mosty.core.exceptions import InvalidToken


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> TokenIdentity | None:
        value = request.headers.get(self.header, "")
        scheme, _space, secret = value.partition(" ")
        if not value:
            return None
        if scheme.lower() != "bearer" or not secret.strip():
            raise InvalidToken
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> TokenIdentity:
        identity = selectors.api_token_identify(token)
        services.api_token_mark_used(token=identity.token)
        # The API acts as the token's user in the token's organisation, whatever session cookie came along.
        request.user = identity.user
        request.organisation = identity.organisation  # type: ignore[attr-defined]
        # Encrypted values in this request decrypt with the token's organisation's keys only.
        enter_scope_for_request(identity.organisation.pk)
        request.membership = None  # type: ignore[attr-defined]
        return identity


def identity(request: HttpRequest) -> TokenIdentity:
    """The authenticated identity of an API request (set by TokenAuth before any handler runs)."""
    auth: Any = getattr(request, "auth", None)
    if not isinstance(auth, TokenIdentity):
        raise InvalidToken
    return auth


token_auth = TokenAuth()
