"""Organisations (the tenants), users, memberships with roles, and recovery codes."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from mosty.core.crypto.fields import EncryptedRecord, EncryptedTextField
from mosty.core.crypto.secrets import normalise_recovery_code, secret_matches


class OrganisationKind(models.TextChoices):
    INTERMEDIARY = "intermediary", _("Intermediary NGO")
    NETWORK = "network", _("Network or platform of initiatives")
    HUMAN_RIGHTS = "human_rights", _("Human-rights organisation")
    DONOR = "donor", _("Donor or foreign ministry")
    RELATIVES = "relatives", _("Relatives' association")
    MEDIA = "media", _("Independent media")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """A tenant. Everything that carries people belongs to exactly one organisation."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices, default="other")
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        default="",
        validators=[RegexValidator(r"^[A-Z]{2}$", _("Use an ISO 3166-1 alpha-2 code, e.g. CZ."))],
        help_text=_("Where the organisation is based (ISO 3166-1 alpha-2)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    CASEWORKER = "caseworker", _("Caseworker")
    PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
    DOCUMENTER = "documenter", _("Documenter")
    COORDINATOR = "coordinator", _("Coordinator")
    VIEWER = "viewer", _("Viewer")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(username, password, **extra)


def _new_session_salt() -> str:
    return secrets.token_hex(16)


class User(EncryptedRecord, AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """A person who logs in. Platform admins have `is_staff` and `is_superuser`.

    No e-mail, no phone, no IP address, no user agent: staff of these organisations are targets too.
    """

    username = models.CharField(
        _("username"),
        max_length=64,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9._-]{1,63}$", _("Lower-case letters, digits, . _ - only."))],
    )
    # Staff are targets too: the name is encrypted (installation scope: readable by verified staff only).
    display_name = EncryptedTextField(_("display name"), null=True, blank=True, validators=[MaxLengthValidator(120)])
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform administrator"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Part of the session auth hash: changing it ends every session of this user at once.
    session_salt = models.CharField(max_length=32, default=_new_session_salt)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        # The username, not the (encrypted) display name: __str__ ends up in logs, admin messages and errors.
        return self.username

    def get_session_auth_hash(self) -> str:
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "mosty.accounts.User.get_session_auth_hash",
            f"{self.password}|{self.session_salt}",
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_platform_admin(self) -> bool:
        return self.is_staff and self.is_superuser

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class Membership(models.Model):
    """A user's role in one organisation. A user may belong to several organisations."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")]
        ordering = ["organisation__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user_id}@{self.organisation_id}:{self.role}"


class RecoveryCodeDevice(Device):
    """One-time recovery codes as a django-otp device. Codes are stored only as SHA-256 hashes."""

    class Meta:
        verbose_name = _("recovery codes")

    def verify_token(self, token: Any) -> bool:
        code = normalise_recovery_code(str(token))
        if not code:
            return False
        for stored in self.codes.filter(used_at__isnull=True):
            if secret_matches(code, stored.code_hash):
                updated = RecoveryCode.objects.filter(pk=stored.pk, used_at__isnull=True).update(used_at=timezone.now())
                return updated == 1
        return False

    def remaining(self) -> int:
        return int(self.codes.filter(used_at__isnull=True).count())


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code {self.pk} ({'used' if self.used_at else 'unused'})"
