"""Helpers for the crypto tests: write records the normal way, read and tamper with what is stored."""

from __future__ import annotations

from typing import Any

from mosty.accounts.models import Organisation
from mosty.core.crypto.fields import Ciphertext
from mosty.core.crypto.keyring import acting_as
from mosty.core.tests.cryptotest.models import SampleRecord


def make_record(organisation: Organisation, **values: Any) -> SampleRecord:
    """Save a record as its owner would (inside the owner's acting scope)."""
    with acting_as(organisation.pk):
        record = SampleRecord(organisation=organisation, **values)
        record.save()
    return record


def reload(record: SampleRecord) -> SampleRecord:
    """A fresh instance: nothing decrypted or cached on it."""
    return SampleRecord.objects.get(pk=record.pk)


def stored(record: SampleRecord, column: str) -> str:
    """The text the database holds for one encrypted column (what a thief would read)."""
    value = SampleRecord.objects.filter(pk=record.pk).values_list(column, flat=True).get()
    assert isinstance(value, str)
    return value


def overwrite(record: SampleRecord, column: str, raw: str) -> None:
    """Put arbitrary stored text into a column, bypassing encryption (an attacker with database access)."""
    SampleRecord.objects.filter(pk=record.pk).update(**{column: Ciphertext(raw)})
