"""Blind indexes: exact look-ups on encrypted fields, per organisation, normalised, and truncated so that a
match is only a candidate (the sizing rule)."""

# ruff: noqa: RUF001  (the test data is deliberately Cyrillic and full-width)

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pytest

from mosty.core.crypto import keyring
from mosty.core.crypto.fields import BlindIndexField, blind_index_bits, blind_index_filter, default_normaliser
from mosty.core.crypto.keyring import acting_as
from mosty.core.tests.cryptotest.factories import make_record
from mosty.core.tests.cryptotest.models import SampleRecord

NAMES = ["Петрова", "Ковальчук", "Smith", "Ярошенко-Бойко"]


def _index(record: SampleRecord, column: str = "family_name_index") -> str:
    value = SampleRecord.objects.filter(pk=record.pk).values_list(column, flat=True).get()
    assert isinstance(value, str)
    return value


@pytest.mark.django_db
def test_the_same_value_in_two_organisations_gives_unrelated_indexes(
    organisation: Any, other_organisation: Any
) -> None:
    field = SampleRecord._meta.get_field("family_name_index")
    assert isinstance(field, BlindIndexField)
    name = field.index_name(SampleRecord)
    with acting_as(organisation.pk):
        assert keyring.index_key(organisation.pk, name) != keyring.index_key(other_organisation.pk, name)
    ours = [_index(make_record(organisation, family_name=n)) for n in NAMES]
    theirs = [_index(make_record(other_organisation, family_name=n)) for n in NAMES]
    assert all(ours)
    assert all(theirs)
    # Each pair may collide by chance (2**-15); all four together would mean the indexes are not per organisation.
    assert ours != theirs


@pytest.mark.django_db
def test_index_keys_differ_per_field(organisation: Any) -> None:
    with acting_as(organisation.pk):
        assert keyring.index_key(organisation.pk, "a.family_name") != keyring.index_key(organisation.pk, "a.birth")


@pytest.mark.django_db
def test_normalisation_matches_case_and_spacing(organisation: Any) -> None:
    record = make_record(organisation, family_name="  ОЛЬГА  Петрова ")
    for query in ("ольга петрова", "Ольга Петрова", "ОЛЬГА\u00a0ПЕТРОВА", "\tольга\nпетрова"):
        found = SampleRecord.objects.filter(
            organisation=organisation,
            **blind_index_filter(SampleRecord, "family_name", query, organisation_id=organisation.pk),
        )
        assert record.pk in {r.pk for r in found}, query


def test_default_normaliser() -> None:
    assert default_normaliser("  ОЛЬГА  Петрова ") == default_normaliser("ольга петрова") == "ольга петрова"
    assert default_normaliser("ｏｌｇａ") == "olga"  # NFKC: full-width letters
    assert default_normaliser(dt.date(1987, 5, 14)) == "1987-05-14"


@pytest.mark.django_db
def test_filter_finds_candidates_and_decryption_confirms(organisation: Any, other_organisation: Any) -> None:
    target = make_record(organisation, family_name="Ольга Петрова", birth_date=dt.date(1987, 5, 14))
    for n in NAMES:
        make_record(organisation, family_name=n)
    elsewhere = make_record(other_organisation, family_name="Ольга Петрова")

    with acting_as(organisation.pk):
        candidates = list(
            SampleRecord.objects.filter(
                organisation=organisation,
                **blind_index_filter(SampleRecord, "family_name", "ольга петрова", organisation_id=organisation.pk),
            )
        )
        confirmed = [r for r in candidates if default_normaliser(r.family_name) == "ольга петрова"]
        assert [r.pk for r in confirmed] == [target.pk]
        assert elsewhere.pk not in {r.pk for r in candidates}

        by_date = SampleRecord.objects.filter(
            organisation=organisation,
            **blind_index_filter(SampleRecord, "birth_date", "1987-05-14", organisation_id=organisation.pk),
        )
        assert target.pk in {r.pk for r in by_date}


@pytest.mark.django_db
def test_the_index_follows_the_value(organisation: Any) -> None:
    record = make_record(organisation, family_name="Петрова")
    before = _index(record)
    with acting_as(organisation.pk):
        fresh = SampleRecord.objects.get(pk=record.pk)
        fresh.family_name = None
        fresh.save()
    assert _index(record) == ""
    assert before != ""


def test_no_blind_index_for_a_field_without_one() -> None:
    with pytest.raises(LookupError):
        blind_index_filter(SampleRecord, "notes", "x", organisation_id=1)


def _rule(expected_rows: int, min_candidates: int = 2, floor: int = 8, ceiling: int = 32) -> int:
    """The documented formula, in exact integer arithmetic: floor(log2(expected_rows / min_candidates))."""
    if expected_rows <= min_candidates:
        return floor
    return max(floor, min(ceiling, (expected_rows // min_candidates).bit_length() - 1))


@pytest.mark.parametrize(
    ("rows", "bits"),
    [(1, 8), (2, 8), (10, 8), (1_000, 8), (1_024, 9), (100_000, 15), (1_000_000, 18), (2**20, 19), (10**12, 32)],
)
def test_sizing_rule_for_known_sizes(rows: int, bits: int) -> None:
    assert blind_index_bits(rows) == bits == _rule(rows)


def test_sizing_rule_matches_its_formula_everywhere() -> None:
    sizes = {n for k in range(1, 40) for n in (2**k - 1, 2**k, 2**k + 1, 3 * 2**k)} | set(range(1, 3000, 7))
    for rows in sorted(sizes):
        bits = blind_index_bits(rows)
        assert bits == _rule(rows), rows
        if 8 < bits < 32:
            assert rows / 2**bits >= 2  # every index value is expected to be shared by two rows or more
            assert rows / 2 ** (bits + 1) < 2  # and no shorter than that needs
    assert blind_index_bits(400, min_candidates=4) == 8
    assert blind_index_bits(2**12, min_candidates=4) == 10
    assert blind_index_bits(10**12, ceiling=40) == math.floor(math.log2(10**12 / 2))


@pytest.mark.django_db
def test_stored_index_has_the_chosen_number_of_bits(organisation: Any) -> None:
    field = SampleRecord._meta.get_field("family_name_index")
    assert isinstance(field, BlindIndexField)
    assert field.expected_rows == 100_000
    assert field.bits == 15
    assert field.expected_rows / 2**field.bits >= 2
    hex_length = math.ceil(field.bits / 4)
    values = [_index(make_record(organisation, family_name=f"Фамилия-{i}")) for i in range(24)]
    for value in values:
        assert re.fullmatch(f"[0-9a-f]{{{hex_length}}}", value), value
        assert int(value, 16) < 2**field.bits
    assert len(set(values)) > 1
