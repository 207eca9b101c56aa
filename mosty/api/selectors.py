"""Reads for API tokens. A user sees only their own tokens; a presented secret resolves only to a token that may
act right now."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from mosty.accounts.models import Membership, Organisation, User
from mosty.api.models import ApiToken, token_roles_for
from mosty.core.crypto.secrets import TOKEN_PREFIX, secret_matches, token_lookup_prefix
from mosty.core.exceptions import InvalidToken, NotFound

# Longer than any token we issue (6 + 43 characters); anything longer is refused before touching the database.
MAX_TOKEN_LENGTH = 100


def tokens_for_user(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens (active, expired and revoked), newest first, with their organisation loaded."""
    return ApiToken.objects.filter(user=user).select_related("organisation").order_by("-created_at", "-pk")


def access_api_token_by_id(user: User, token_id: int | str) -> ApiToken:
    """One of the user's own tokens; NotFound if it does not exist or belongs to someone else."""
    try:
        return tokens_for_user(user).get(pk=token_id)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


@dataclass(frozen=True)
class TokenIdentity:
    """Who an authenticated API request acts as. Handlers read only this, never the session."""

    token: ApiToken
    user: User
    organisation: Organisation
    role: str


def api_token_identify(secret: str) -> TokenIdentity:
    """The identity behind a presented token, or InvalidToken.

    Unknown, malformed, expired and revoked tokens, tokens of an inactive or locked user, of a user who is no
    longer a member (or was removed and added again since), of an inactive organisation, and tokens whose role
    now exceeds the member's role, all raise
    the same InvalidToken: a caller cannot learn which. The token is found by its clear prefix, then compared
    with the stored hash in constant time.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH or not secret.isascii():
        raise InvalidToken
    now = timezone.now()
    candidates = ApiToken.objects.filter(
        prefix=token_lookup_prefix(secret),
        revoked_at__isnull=True,
        expires_at__gt=now,
        user__is_active=True,
        organisation__is_active=True,
    ).select_related("user", "organisation")
    token = next((c for c in candidates if secret_matches(secret, c.token_hash)), None)
    if token is None or token.user.is_locked():
        raise InvalidToken
    membership = (
        Membership.objects.filter(user_id=token.user_id, organisation_id=token.organisation_id)
        .values_list("role", "created_at")
        .first()
    )
    if membership is None:
        raise InvalidToken
    member_role, member_since = membership
    # A token from before the current membership (the user was removed, then added again) stays dead.
    if token.created_at < member_since or token.role not in token_roles_for(member_role):
        raise InvalidToken
    return TokenIdentity(token=token, user=token.user, organisation=token.organisation, role=token.role)
