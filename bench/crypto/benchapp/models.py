"""Two tables with the same shape, one in clear and one encrypted, for the list-page benchmark."""

import uuid

from django.db import models

from mosty.core.crypto.fields import (
    BlindIndexField,
    EncryptedDateField,
    EncryptedJSONField,
    EncryptedRecord,
    EncryptedTextField,
)


class PlainRecord(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=40)
    family_name = models.TextField(null=True)
    given_name = models.TextField(null=True)
    birth_date = models.DateField(null=True)
    notes = models.JSONField(null=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "label"], name="plain_org_label")]


class EncRecord(EncryptedRecord):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=40)
    family_name = EncryptedTextField(null=True)
    family_name_index = BlindIndexField(source="family_name", expected_rows=100_000)
    given_name = EncryptedTextField(null=True)
    birth_date = EncryptedDateField(null=True)
    notes = EncryptedJSONField(null=True)

    class Meta:
        indexes = [models.Index(fields=["organisation", "label"], name="enc_org_label")]
