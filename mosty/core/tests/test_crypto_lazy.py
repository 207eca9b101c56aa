"""Lazy decryption and read-ahead: a loaded record holds its ciphertexts and decrypts a column only when it is
read; what is never read is saved back as it was stored; values()/values_list(), serialisers and pickles see
ciphertexts; read-ahead (the rows of a list page) decrypts only the column being read, only with keys the scope
already holds, never raises on another row's behalf and never outlives or crosses its scope."""

# ruff: noqa: RUF001  (the test data is deliberately Cyrillic)

from __future__ import annotations

import gc
import pickle
import weakref
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import serializers

from mosty.core.crypto import fields as crypto_fields
from mosty.core.crypto.errors import DecryptionFailed, KeyNotAvailable, NoActingOrganisation
from mosty.core.crypto.fields import PREFIX, Ciphertext, EncryptedField
from mosty.core.crypto.keyring import acting_as, prefetch_data_keys
from mosty.core.tests.cryptotest.factories import make_record, overwrite, reload, stored
from mosty.core.tests.cryptotest.models import SampleRecord

pytestmark = pytest.mark.django_db

NAME = "Ковальчук-Ярошенко"
NOTES = {"story": "Перешла границу у Верхнего Ларса", "children": 2}
COLUMNS = ("family_name", "birth_date", "notes")


def _corrupt(record: SampleRecord, column: str) -> None:
    raw = stored(record, column)
    body = raw[len(PREFIX) :]
    overwrite(record, column, PREFIX + body[:-8] + ("A" if body[-8] != "A" else "B") + body[-7:])


def _rows(organisation: Any, count: int) -> list[SampleRecord]:
    for i in range(count):
        make_record(organisation, label=f"row-{i:02d}", family_name=f"{NAME}-{i}", notes={**NOTES, "i": i})
    return list(SampleRecord.objects.filter(organisation=organisation).order_by("label"))


@pytest.fixture
def opened() -> Iterator[Counter[tuple[str, str]]]:
    """Counts the values actually decrypted, by (label, column)."""
    counts: Counter[tuple[str, str]] = Counter()
    real = EncryptedField.open_with

    def counting(self: EncryptedField, instance: Any, raw: str, ciphers: Any) -> Any:
        value = real(self, instance, raw, ciphers)
        if value is not crypto_fields._MISSING:
            counts[(instance.label, self.attname)] += 1
        return value

    EncryptedField.open_with = counting  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        EncryptedField.open_with = real  # type: ignore[method-assign]


# --- one record ----------------------------------------------------------------------------------------------


def test_attribute_access_returns_plaintext_never_ciphertext(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME, birth_date="1987-05", notes=NOTES)
    with acting_as(organisation.pk):
        fresh = reload(record)
        values = {column: getattr(fresh, column) for column in COLUMNS}
    assert values == {"family_name": NAME, "birth_date": "1987-05", "notes": NOTES}
    # The state keeps the ciphertexts Django reads (deferred fields, serialisers) as the stored text.
    assert {column: fresh.__dict__[column] for column in COLUMNS} == {
        column: stored(record, column) for column in COLUMNS
    }


def test_only_the_columns_read_are_decrypted(organisation: Any, opened: Counter[tuple[str, str]]) -> None:
    record = make_record(organisation, label="one", family_name=NAME, notes=NOTES)
    with acting_as(organisation.pk):
        fresh = reload(record)
        assert opened == Counter()
        assert fresh.family_name == NAME
        assert fresh.family_name == NAME
    assert opened == Counter({("one", "family_name"): 1})


def test_a_corrupted_column_fails_on_first_read_and_the_others_still_read(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME, notes=NOTES)
    _corrupt(record, "notes")
    with acting_as(organisation.pk):
        fresh = reload(record)  # loading does not decrypt, so it does not fail
        assert fresh.family_name == NAME
        for _ in range(2):  # a failure is not remembered as a value: it fails again
            with pytest.raises(DecryptionFailed):
                fresh.notes  # noqa: B018


def test_a_column_never_read_is_saved_back_unchanged_and_still_decrypts(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME, birth_date="1987-05", notes=NOTES)
    before = {column: stored(record, column) for column in COLUMNS}
    with acting_as(organisation.pk):
        fresh = reload(record)
        fresh.label = "renamed"
        fresh.save()
        assert {column: stored(record, column) for column in COLUMNS} == before

        fresh = reload(record)
        fresh.family_name = "Другая"
        fresh.save()
        after = {column: stored(record, column) for column in COLUMNS}
        assert after["family_name"] != before["family_name"]
        assert (after["birth_date"], after["notes"]) == (before["birth_date"], before["notes"])

        again = reload(record)
        assert (again.family_name, again.birth_date, again.notes) == ("Другая", "1987-05", NOTES)


def test_a_record_whose_owner_changed_in_memory_no_longer_decrypts(organisation: Any, other_organisation: Any) -> None:
    """The associated data remembered for the row is checked against the current owner at every read."""
    record = make_record(organisation, family_name=NAME, notes=NOTES)
    with acting_as(organisation.pk):
        fresh = reload(record)
        assert fresh.family_name == NAME
        fresh.organisation_id = other_organisation.pk
        with pytest.raises(DecryptionFailed):
            fresh.notes  # noqa: B018


def test_values_and_values_list_return_the_stored_text(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME, notes=NOTES)
    with acting_as(organisation.pk):
        row = SampleRecord.objects.filter(pk=record.pk).values("family_name", "notes").get()
        flat = list(SampleRecord.objects.filter(pk=record.pk).values_list("family_name", flat=True))
    assert row == {"family_name": stored(record, "family_name"), "notes": stored(record, "notes")}
    assert flat == [stored(record, "family_name")]
    assert all(str(value).startswith(PREFIX) and NAME not in str(value) for value in [*row.values(), *flat])


def test_refresh_from_db_forgets_the_plaintexts_read(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME, notes=NOTES)
    with acting_as(organisation.pk):
        first = reload(record)
        assert first.family_name == NAME
        second = reload(record)
        second.family_name = "Вторая"
        second.save()
        first.refresh_from_db(fields=["family_name"])
        assert first.family_name == "Вторая"
        second.family_name = "Третья"
        second.save()
        first.refresh_from_db()
        assert first.family_name == "Третья"
        assert first.notes == NOTES


def test_a_deferred_column_is_loaded_and_decrypted_on_read(organisation: Any, django_assert_num_queries: Any) -> None:
    record = make_record(organisation, family_name=NAME, notes=NOTES)
    with acting_as(organisation.pk):
        prefetch_data_keys([record.data_key_id])
        fresh = SampleRecord.objects.only("label", "organisation", "data_key").get(pk=record.pk)
        assert "family_name" in fresh.get_deferred_fields()
        with django_assert_num_queries(1):
            assert fresh.family_name == NAME
        fresh.label = "renamed"
        fresh.save()  # saves the loaded columns only
    assert reload(record).label == "renamed"
    with acting_as(organisation.pk):
        assert reload(record).notes == NOTES


def test_serialisers_see_ciphertexts_even_after_a_read(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME, notes=NOTES)
    with acting_as(organisation.pk):
        fresh = reload(record)
        assert fresh.family_name == NAME
        dumped = serializers.serialize("json", [fresh])
    assert NAME not in dumped
    assert stored(record, "family_name") in dumped


def test_a_raw_save_writes_the_stored_ciphertexts_back(organisation: Any) -> None:
    """A raw save (`save_base(raw=True)`) writes the stored ciphertexts as they are. (Django's deserialiser calls
    `Model.save_base` itself, past this hook: it fails closed, so the restore loads encrypted columns apart.)"""
    record = make_record(organisation, family_name=NAME, birth_date="1987", notes=NOTES)
    before = {column: stored(record, column) for column in COLUMNS}
    dumped = serializers.serialize("json", [reload(record)])
    SampleRecord.objects.filter(pk=record.pk).delete()
    for restored in serializers.deserialize("json", dumped):
        with acting_as(organisation.pk):
            assert getattr(restored.object, "family_name") == NAME  # noqa: B009  (a plaintext read first changes nothing)
        restored.object.save_base(raw=True)
    assert {column: stored(record, column) for column in COLUMNS} == before
    with acting_as(organisation.pk):
        assert reload(record).notes == NOTES


def test_a_ciphertext_assigned_as_such_is_kept_and_read_back(organisation: Any) -> None:
    source = make_record(organisation, family_name=NAME)
    with acting_as(organisation.pk):
        fresh = reload(source)
        assert fresh.family_name == NAME
        fresh.family_name = Ciphertext(stored(source, "family_name"))  # e.g. what a deserialiser assigns
        assert fresh.__dict__["family_name"] == stored(source, "family_name")
        assert fresh.family_name == NAME  # decrypted again from the stored text, not a stale plaintext
        fresh.family_name = "Новая"
        assert fresh.__dict__["family_name"] is None  # never plaintext where the ciphertext goes
        fresh.save()
    assert stored(source, "family_name").startswith(PREFIX)


def test_a_pickled_record_keeps_its_values(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME, notes=NOTES)
    with acting_as(organisation.pk):
        fresh = reload(record)
        copied = pickle.loads(pickle.dumps(fresh))  # noqa: S301  (our own bytes, just made)
        assert (copied.family_name, copied.notes) == (NAME, NOTES)


# --- the rows of a list page: read-ahead ----------------------------------------------------------------------


@pytest.mark.parametrize("read_ahead", [crypto_fields.READ_AHEAD, 2])
def test_read_ahead_decrypts_only_the_column_read_and_each_value_once(
    organisation: Any, opened: Counter[tuple[str, str]], monkeypatch: pytest.MonkeyPatch, read_ahead: int
) -> None:
    monkeypatch.setattr(crypto_fields, "READ_AHEAD", read_ahead)  # 2: the five rows make three cohorts
    _rows(organisation, 5)
    with acting_as(organisation.pk):
        rows = list(SampleRecord.objects.filter(organisation=organisation).order_by("label"))
        prefetch_data_keys(r.data_key_id for r in rows)
        assert rows[0].family_name == f"{NAME}-0"  # and the rest of its cohort
        assert opened == Counter({(f"row-{i:02d}", "family_name"): 1 for i in range(min(read_ahead, 5))})
        assert [r.family_name for r in rows] == [f"{NAME}-{i}" for i in range(5)]
        assert [r.notes["i"] for r in rows] == list(range(5))
    assert opened == Counter({(f"row-{i:02d}", column): 1 for i in range(5) for column in ("family_name", "notes")})


def test_read_ahead_never_raises_for_another_row(organisation: Any) -> None:
    _rows(organisation, 4)
    _corrupt(SampleRecord.objects.get(label="row-02"), "family_name")
    with acting_as(organisation.pk):
        rows = list(SampleRecord.objects.filter(organisation=organisation).order_by("label"))
        prefetch_data_keys(r.data_key_id for r in rows)
        assert rows[0].family_name == f"{NAME}-0"
        assert rows[1].family_name == f"{NAME}-1"
        with pytest.raises(DecryptionFailed):
            rows[2].family_name  # noqa: B018
        assert rows[3].family_name == f"{NAME}-3"


def test_read_ahead_refuses_what_a_single_read_refuses(organisation: Any) -> None:
    """Ciphertexts moved to another row or column (and a whole record swap) fail on read, read ahead or not."""
    rows = _rows(organisation, 4)
    overwrite(rows[1], "family_name", stored(rows[0], "family_name"))
    overwrite(rows[2], "notes", stored(rows[2], "family_name"))
    SampleRecord.objects.filter(pk=rows[3].pk).update(data_key_id=rows[0].data_key_id)
    overwrite(rows[3], "family_name", stored(rows[0], "family_name"))
    with acting_as(organisation.pk):
        fresh = list(SampleRecord.objects.filter(organisation=organisation).order_by("label"))
        prefetch_data_keys(r.data_key_id for r in fresh)
        assert (fresh[0].family_name, fresh[0].notes["i"]) == (f"{NAME}-0", 0)
        for row, column in ((fresh[1], "family_name"), (fresh[2], "notes"), (fresh[3], "family_name")):
            with pytest.raises(DecryptionFailed):
                getattr(row, column)
        assert (fresh[1].notes["i"], fresh[2].family_name) == (1, f"{NAME}-2")


def test_read_ahead_only_uses_keys_already_unwrapped(organisation: Any, django_assert_num_queries: Any) -> None:
    """Without a prefetch, each row's key is unwrapped (one query) when that row is read: never more at once."""
    _rows(organisation, 3)
    with acting_as(organisation.pk):
        rows = list(SampleRecord.objects.filter(organisation=organisation).order_by("label"))
        for i, row in enumerate(rows):
            with django_assert_num_queries(1):
                assert row.family_name == f"{NAME}-{i}"


def test_read_ahead_stays_in_the_scope_that_loaded_the_rows(organisation: Any, other_organisation: Any) -> None:
    _rows(organisation, 3)
    with acting_as(organisation.pk):
        rows = list(SampleRecord.objects.filter(organisation=organisation).order_by("label"))
        prefetch_data_keys(r.data_key_id for r in rows)
    with acting_as(other_organisation.pk):
        for row in rows:  # each read is the other organisation's own, and fails
            with pytest.raises(KeyNotAvailable):
                row.family_name  # noqa: B018
    with acting_as(organisation.pk):
        assert [row.family_name for row in rows] == [f"{NAME}-{i}" for i in range(3)]


def test_read_ahead_keeps_no_row_alive(organisation: Any) -> None:
    _rows(organisation, 3)
    with acting_as(organisation.pk):
        rows = list(SampleRecord.objects.filter(organisation=organisation).order_by("label"))
        prefetch_data_keys(r.data_key_id for r in rows)
        gone = weakref.ref(rows[1])
        first, last = rows[0], rows[2]
        del rows
        gc.collect()
        assert gone() is None
        assert first.family_name == f"{NAME}-0"  # reads ahead past the dead row
        assert last.__dict__.get(crypto_fields._PLAIN + "family_name") == f"{NAME}-2"


def test_djangos_own_raw_save_of_a_deserialised_record_fails_closed(organisation: Any) -> None:
    """`DeserializedObject.save` reads each column through the attribute: never plaintext into the column."""
    record = make_record(organisation, family_name=NAME)
    dumped = serializers.serialize("json", [reload(record)])
    (in_scope,) = serializers.deserialize("json", dumped)
    with acting_as(organisation.pk), pytest.raises(TypeError):
        in_scope.save()
    (outside,) = serializers.deserialize("json", dumped)
    with pytest.raises(NoActingOrganisation):
        outside.save()
