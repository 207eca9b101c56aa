"""API tokens: a bearer secret that acts for one user, in one organisation, with one role.

Threat: a stolen database (or backup) used to call the API. Only a SHA-256 hash of the token is stored, with a
short clear prefix to find it and to show it; the token itself is shown once and never kept.
Threat: a token that outlives its purpose. Every token expires (at most a year), can be revoked, and stops
working as soon as its user, membership or organisation does.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Organisation, Role

DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 365


def default_expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=DEFAULT_LIFETIME_DAYS)


def token_roles_for(member_role: str) -> list[str]:
    """The roles a member with `member_role` may give a token: their own, or the read-only viewer."""
    return [member_role] if member_role == Role.VIEWER else [member_role, Role.VIEWER.value]


class TokenStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    # The member's own role or "viewer", never more (checked when created and again on every request).
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("What the token is for, e.g. 'monthly report script'. Do not put anyone's name here."),
    )
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), default=default_expiry)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # A day, not a moment, and no IP or user agent: enough to spot an unused token, too little to trace anyone.
    last_used_at = models.DateField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def clean(self) -> None:
        if (
            self.expires_at
            and self.created_at
            and self.expires_at - self.created_at > dt.timedelta(days=MAX_LIFETIME_DAYS)
        ):
            raise ValidationError({"expires_at": _("A token lives at most %(max)s days.") % {"max": MAX_LIFETIME_DAYS}})

    def status(self, *, now: dt.datetime | None = None) -> TokenStatus:
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return TokenStatus.EXPIRED
        return TokenStatus.ACTIVE

    def get_status_display(self) -> str:
        return str(self.status().label)
