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
