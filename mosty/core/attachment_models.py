"""The attachment model, kept in a module of its own and re-exported by `mosty.core.models`."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from mosty.core.crypto.fields import EncryptedRecord, EncryptedTextField


class EncryptedFile(EncryptedRecord):
    """An attachment: metadata-stripped content, stream-encrypted under this record's data key, on disk under
    MOSTY_ATTACHMENTS_DIR as `storage_name` (random, never derived from the name or the content). The original
    name is encrypted too (names identify people). Written only by `mosty.core.attachments`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    original_name = EncryptedTextField(null=True, blank=True)
    content_type = models.CharField(max_length=64, help_text=_("The type found in the bytes, after sanitising."))
    size = models.PositiveBigIntegerField(help_text=_("Size of the sanitised plaintext, in bytes."))
    storage_name = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, help_text=_("User id; empty for the system."))

    class Meta:
        app_label = "core"
        verbose_name = _("encrypted file")
        verbose_name_plural = _("encrypted files")

    def __str__(self) -> str:
        return f"file {self.pk}"
