"""A record shaped like the real ones (an organisation, encrypted identifying fields, blind indexes), for the
crypto tests. Only the test settings install this app. It has a migration (not syncdb) because its table
references migrated tables (`core.DataKey`, `accounts.Organisation`): Django creates unmigrated apps' tables
before running migrations, which PostgreSQL refuses for foreign keys to tables that do not exist yet."""

from __future__ import annotations

import uuid

from django.db import models

from mosty.core.crypto.fields import (
    BlindIndexField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedRecord,
    EncryptedTextField,
)


class SampleRecord(EncryptedRecord):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=60, blank=True, default="", help_text="A pseudonymous label, never a name.")
    family_name = EncryptedTextField(null=True, blank=True)
    family_name_index = BlindIndexField(source="family_name", expected_rows=100_000)
    birth_date = EncryptedDateField(null=True, blank=True)
    birth_date_index = BlindIndexField(source="birth_date")
    notes = EncryptedJSONField(null=True, blank=True)

    class Meta:
        app_label = "cryptotest"

    def __str__(self) -> str:
        return f"sample {self.label or self.pk}"
