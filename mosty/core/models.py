"""Core models: the append-only, hash-chained audit trail."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened. Never a name or any personal data: ids, codes and the time only.

    `seq` is assigned by `mosty.core.audit.audit_record` under a lock, so the chain has no gaps and cannot
    fork (`prev_hash` is unique as a second guard). On PostgreSQL a trigger refuses UPDATE, DELETE and
    TRUNCATE (migration 0002).
    """

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True, help_text=_("User id; empty for the system."))
    organisation_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["organisation_id", "seq"], name="audit_org_seq")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class KeyPurpose(models.TextChoices):
    DATA = "data", _("wraps data keys")
    INDEX = "index", _("derives blind-index keys")


class OrganisationKey(models.Model):
    """An organisation's key-encryption key (or blind-index root key), stored wrapped by the master key.

    `organisation` is empty for the installation's own scope (staff data that belongs to no organisation).
    Rotation adds a new version and moves the data keys to it; the old version is then retired.
    """

    organisation = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT)
    purpose = models.CharField(max_length=8, choices=KeyPurpose.choices, default=KeyPurpose.DATA)
    version = models.PositiveIntegerField()
    master_key_id = models.CharField(max_length=16)
    wrapped = models.BinaryField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "purpose", "version"], name="okey_unique_version"),
        ]

    def __str__(self) -> str:
        return f"okey {self.organisation_id or 'installation'}/{self.purpose}/v{self.version}"


class DataKey(models.Model):
    """One record's data key. The key itself exists only wrapped, once per organisation allowed to read the
    record (`WrappedDataKey`). Shredding deletes every wrapping: the record's ciphertexts are then noise."""

    owner = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    shredded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"data key {self.pk}"


class WrappedDataKey(models.Model):
    """A data key wrapped under one organisation's key-encryption key."""

    data_key = models.ForeignKey(DataKey, on_delete=models.CASCADE, related_name="wrappings")
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation_key = models.ForeignKey(OrganisationKey, on_delete=models.PROTECT, related_name="wrappings")
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["data_key", "organisation"], name="one_wrapping_per_org")]

    def __str__(self) -> str:
        return f"wrapping of {self.data_key_id} for {self.organisation_id or 'installation'}"


# Encrypted models of this app live in their own module (they build on the key models above).
from mosty.core.attachment_models import EncryptedFile  # noqa: E402

__all__ = ["AuditEvent", "DataKey", "EncryptedFile", "KeyPurpose", "OrganisationKey", "WrappedDataKey"]
