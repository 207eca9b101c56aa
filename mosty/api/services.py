"""Writes for API tokens. Each runs in one transaction and writes its audit event there (never the token, its
name or anything about the person: only ids)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mosty.accounts.models import Membership, Organisation, User
from mosty.api.models import MAX_LIFETIME_DAYS, ApiToken, token_roles_for
from mosty.core.audit import audit_record
from mosty.core.crypto.secrets import hash_secret, new_api_token, token_lookup_prefix
from mosty.core.exceptions import NotFound, ValidationFailed


@dataclass(frozen=True)
class IssuedApiToken:
    """A freshly created token and its plaintext, which exists only here: show it once, keep it nowhere."""

    token: ApiToken
    plaintext: str


def api_token_create(
    *,
    user: User,
    organisation: Organisation,
    name: str,
    role: str,
    expires_in_days: int,
) -> IssuedApiToken:
    """Create a token for `user` acting in `organisation` with `role`.

    Promises: the user must be an active member of that (active) organisation, or NotFound (the same answer as
    for an organisation that does not exist); the role is the member's own or "viewer", and the lifetime is
    1..MAX_LIFETIME_DAYS days, or ValidationFailed. Only the hash and the lookup prefix are stored.
    """
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Give the token a name.")]
    if not 1 <= expires_in_days <= MAX_LIFETIME_DAYS:
        errors["expires_in_days"] = [_("A token lives between 1 and %(max)s days.") % {"max": MAX_LIFETIME_DAYS}]
    with transaction.atomic():
        # Locked so that a concurrent role change or removal cannot slip between the check and the insert.
        membership = (
            Membership.objects.select_for_update()
            .filter(user=user, organisation=organisation, organisation__is_active=True, user__is_active=True)
            .first()
        )
        if membership is None:
            raise NotFound
        if role not in token_roles_for(membership.role):
            errors["role"] = [_("A token can have your own role in this organisation or the viewer role.")]
        if errors:
            raise ValidationFailed(errors=errors)
        plaintext = new_api_token()
        now = timezone.now()
        token = ApiToken(
            user=user,
            organisation=organisation,
            role=role,
            name=name,
            prefix=token_lookup_prefix(plaintext),
            token_hash=hash_secret(plaintext),
            created_at=now,
            expires_at=now + dt.timedelta(days=expires_in_days),
        )
        try:
            token.full_clean()
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        token.save(force_insert=True)
        audit_record(
            action="api_token.created",
            actor=user,
            organisation=organisation,
            object_type="api_token",
            object_id=token.pk,
        )
    return IssuedApiToken(token=token, plaintext=plaintext)


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke `token` now. Safe to call twice: an already revoked token stays as it was, with one audit event.

    The caller obtains `token` through `access_api_token_by_id(actor, ...)`, so only its owner revokes it.
    """
    with transaction.atomic():
        now = timezone.now()
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        if changed:
            audit_record(
                action="api_token.revoked",
                actor=actor,
                organisation=token.organisation,
                object_type="api_token",
                object_id=token.pk,
            )
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_mark_used(*, token: ApiToken) -> None:
    """Record the day a token was last used, at most one write per token and day.

    Not audited on purpose: using a token changes nothing, and an event per call would turn the audit chain
    into an activity log of every API client.
    """
    today = timezone.localdate()
    if token.last_used_at == today:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at=today).update(last_used_at=today)
    token.last_used_at = today


def api_tokens_revoke_for_membership_change(
    *, user: User, organisation: Organisation, new_role: str | None, actor: User | None
) -> int:
    """Revoke the user's live tokens for `organisation` that `new_role` no longer allows (all of them when the
    membership is removed, `new_role=None`). Called by the accounts services in their transaction, so a role
    lowered and later raised again does not bring old tokens back. Returns how many were revoked."""
    allowed: list[str] = token_roles_for(new_role) if new_role else []
    with transaction.atomic():
        now = timezone.now()
        revoked = 0
        live = ApiToken.objects.select_for_update().filter(
            user=user, organisation=organisation, revoked_at__isnull=True
        )
        for token in live:
            if token.role in allowed:
                continue
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=now)
            audit_record(
                action="api_token.revoked_by_membership_change",
                actor=actor,
                organisation=organisation,
                object_type="api_token",
                object_id=token.pk,
            )
            revoked += 1
    return revoked
