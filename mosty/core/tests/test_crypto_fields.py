"""Encrypted fields on the real database: values round-trip only for their owner, a ciphertext moved to another
row, column or organisation does not decrypt there, and a corrupted one fails loudly without echoing itself."""

# ruff: noqa: RUF001  (the test data is deliberately Cyrillic and full-width)

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from mosty.core.crypto.errors import DecryptionFailed, KeyNotAvailable, NoActingOrganisation
from mosty.core.crypto.fields import PREFIX
from mosty.core.crypto.keyring import acting_as
from mosty.core.tests.cryptotest.factories import make_record, overwrite, reload, stored
from mosty.core.tests.cryptotest.models import SampleRecord

pytestmark = pytest.mark.django_db

NAME = "Ковальчук-Ярошенко"
NOTES = {"story": "Перешла границу у Верхнего Ларса", "children": 2, "tags": ["срочно"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("family_name", NAME),
        ("birth_date", dt.date(1987, 5, 14)),
        ("birth_date", "1987-05"),
        ("birth_date", "1987"),
        ("notes", NOTES),
        ("notes", []),
    ],
)
def test_round_trip_only_for_the_owner(organisation: Any, other_organisation: Any, field: str, value: Any) -> None:
    record = make_record(organisation, **{field: value})
    raw = stored(record, field)
    assert raw.startswith(PREFIX)
    assert str(value) not in raw

    with acting_as(organisation.pk):
        assert getattr(reload(record), field) == value

    with pytest.raises(NoActingOrganisation):
        getattr(reload(record), field)

    with acting_as(other_organisation.pk), pytest.raises(KeyNotAvailable):
        getattr(reload(record), field)

    with acting_as(None), pytest.raises(KeyNotAvailable):  # the installation scope is not an organisation
        getattr(reload(record), field)


def test_partial_and_full_dates_keep_their_type(organisation: Any) -> None:
    full = make_record(organisation, birth_date=dt.date(1961, 3, 17))
    partial = make_record(organisation, birth_date="1961-03")
    with acting_as(organisation.pk):
        assert isinstance(reload(full).birth_date, dt.date)
        assert reload(partial).birth_date == "1961-03"


def test_none_is_stored_as_null_and_reads_as_none(organisation: Any) -> None:
    record = make_record(organisation, family_name=None, birth_date=None, notes=None, label="empty")
    row = SampleRecord.objects.filter(pk=record.pk).values("family_name", "birth_date", "notes").get()
    assert row == {"family_name": None, "birth_date": None, "notes": None}
    with acting_as(organisation.pk):
        fresh = reload(record)
        assert (fresh.family_name, fresh.birth_date, fresh.notes) == (None, None, None)


def test_update_reseals_and_the_old_value_is_gone(organisation: Any) -> None:
    record = make_record(organisation, family_name="Первая")
    before = stored(record, "family_name")
    with acting_as(organisation.pk):
        fresh = reload(record)
        fresh.family_name = "Вторая"
        fresh.save()
        assert reload(record).family_name == "Вторая"
    assert stored(record, "family_name") != before


def test_encrypted_fields_refuse_plaintext_comparisons(organisation: Any) -> None:
    make_record(organisation, family_name=NAME)
    with pytest.raises(TypeError):
        SampleRecord.objects.filter(family_name=NAME).exists()


# --- a ciphertext moved elsewhere --------------------------------------------------------------------------------


def test_ciphertext_copied_to_another_row_does_not_decrypt(organisation: Any) -> None:
    source = make_record(organisation, family_name=NAME)
    target = make_record(organisation, family_name="Другая")
    overwrite(target, "family_name", stored(source, "family_name"))
    with acting_as(organisation.pk), pytest.raises(DecryptionFailed):
        reload(target).family_name  # noqa: B018


def test_ciphertext_copied_to_another_column_does_not_decrypt(organisation: Any) -> None:
    record = make_record(organisation, family_name='"Ковальчук"', notes={"a": 1})
    overwrite(record, "notes", stored(record, "family_name"))
    with acting_as(organisation.pk), pytest.raises(DecryptionFailed):
        reload(record).notes  # noqa: B018


def test_ciphertext_copied_to_another_organisations_record_never_decrypts(
    organisation: Any, other_organisation: Any
) -> None:
    source = make_record(organisation, family_name=NAME)
    target = make_record(other_organisation, family_name="Другая")
    overwrite(target, "family_name", stored(source, "family_name"))
    # The target's owner holds no key for the source's data key.
    with acting_as(other_organisation.pk), pytest.raises((DecryptionFailed, KeyNotAvailable)):
        reload(target).family_name  # noqa: B018
    # The source's owner holds the key, but the associated data names the other organisation and row.
    with acting_as(organisation.pk), pytest.raises((DecryptionFailed, KeyNotAvailable)):
        reload(target).family_name  # noqa: B018


def test_whole_record_swap_between_rows_does_not_decrypt(organisation: Any) -> None:
    """Copy the data key reference too: the associated data still names the original row."""
    source = make_record(organisation, family_name=NAME)
    target = make_record(organisation, family_name="Другая")
    SampleRecord.objects.filter(pk=target.pk).update(data_key_id=source.data_key_id)
    overwrite(target, "family_name", stored(source, "family_name"))
    with acting_as(organisation.pk), pytest.raises(DecryptionFailed):
        reload(target).family_name  # noqa: B018


# --- a corrupted ciphertext --------------------------------------------------------------------------------------


def _flip(raw: str, position: int) -> str:
    body = raw[len(PREFIX) :]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    replacement = alphabet[(alphabet.index(body[position]) + 32) % 64]  # changes the top bit of the 6
    flipped = body[:position] + replacement + body[position + 1 :]
    assert base64.b64decode(flipped) != base64.b64decode(body)
    return PREFIX + flipped


def _assert_fails_without_echo(record: SampleRecord, organisation: Any, raw: str) -> None:
    overwrite(record, "family_name", raw)
    with acting_as(organisation.pk), pytest.raises(DecryptionFailed) as failure:
        reload(record).family_name  # noqa: B018
    body = raw[len(PREFIX) :]
    for text in (str(failure.value), repr(failure.value), str(failure.value.args)):
        assert body[12:40] not in text
        assert NAME not in text
    assert failure.value.__cause__ is None


@pytest.mark.parametrize("where", ["nonce", "middle", "tag"])
def test_one_flipped_character_fails_loudly(organisation: Any, where: str) -> None:
    record = make_record(organisation, family_name=NAME)
    raw = stored(record, "family_name")
    body_length = len(raw) - len(PREFIX)
    position = {"nonce": 14, "middle": body_length // 2, "tag": body_length - 6}[where]
    _assert_fails_without_echo(record, organisation, _flip(raw, position))


@pytest.mark.parametrize("cut", [4, 8, 1, 3])
def test_truncated_ciphertext_fails_loudly(organisation: Any, cut: int) -> None:
    record = make_record(organisation, family_name=NAME)
    raw = stored(record, "family_name")
    _assert_fails_without_echo(record, organisation, raw[:-cut])


@pytest.mark.parametrize("raw", [PREFIX, PREFIX + "AAAA", "Ковальчук", "m2:" + "A" * 40, PREFIX + "@@@@"])
def test_garbage_fails_loudly(organisation: Any, raw: str) -> None:
    record = make_record(organisation, family_name=NAME)
    overwrite(record, "family_name", raw)
    with acting_as(organisation.pk), pytest.raises(DecryptionFailed) as failure:
        reload(record).family_name  # noqa: B018
    assert raw not in str(failure.value) or raw == PREFIX


def test_unknown_format_version_fails(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME)
    blob = bytearray(base64.b64decode(stored(record, "family_name")[len(PREFIX) :]))
    blob[0] = 2
    overwrite(record, "family_name", PREFIX + base64.b64encode(bytes(blob)).decode())
    with acting_as(organisation.pk), pytest.raises(DecryptionFailed):
        reload(record).family_name  # noqa: B018
