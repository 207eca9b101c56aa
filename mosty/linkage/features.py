# ruff: noqa: RUF001, RUF002
# (Cyrillic letters are data here, not look-alike typos)
"""A record turned into the normalised columns the linkage model compares.

`record_features(record)` promises a flat dict of strings (or None for unknown), plus one list (given-name
groups), computed from the record alone, so it can run per record in any order or process:

- names: `family_key`, `given_key`, `patronymic_key` (canonical keys, `names.name_key`); `family_skel`
  (blocking skeleton), `family_pref` and `family_tail` (its first three and last six letters, for
  blocking past a typo); `given_skel` (skeleton of the given name); `given_groups` (name groups, or the
  key itself for a name outside the table); `given_block` (one group, for blocking); `patronymic_group`
  (father's name group); `sex` (from the given name, else the patronymic, else the family name's ending);
- dates: `birth_full`, `birth_ym`, `birth_year`, `birth_swapped`, `birth_md`, `birth_year_prev` and
  `detention_full`, `detention_ym`, `detention_year` (see `dates.py`);
- places: `birth_place_key`, `detention_place_key` (the settlement's key, prefixes such as м., г., с., city of
  and anything after the first comma dropped); `citizenship` (ISO 3166-1 alpha-2 where recognised).

A whole name typed into the family-name column is split; family and given names typed in each other's columns
are exchanged back (`names.looks_swapped`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from mosty.linkage.dates import DateFeatures, date_features, parse_partial_date
from mosty.linkage.latin import skeleton
from mosty.linkage.names import (
    given_groups,
    looks_swapped,
    name_key,
    patronymic_of,
    sex_of_groups,
    split_full_name,
)
from mosty.linkage.records import Record
from mosty.linkage.text import Language, clean, language_of

FEATURE_COLUMNS = (
    "family_key", "family_skel", "family_pref", "family_tail", "given_key", "given_skel", "given_groups", "given_block",
    "patronymic_key", "patronymic_group", "sex", "birth_full", "birth_ym", "birth_year", "birth_swapped", "birth_md",
    "birth_year_prev", "birth_place_key", "citizenship", "detention_full", "detention_ym", "detention_year",
    "detention_place_key",
)  # fmt: skip

_PLACE_PREFIX = re.compile(
    r"^(г|м|с|смт|пгт|п|пос|село|селище|місто|город|город-герой|city of|town of|village of|village|town|city|"
    r"m|g|s|smt|pgt)\s+"
)
_COUNTRIES = {
    "ua": "UA", "ukr": "UA", "ukraine": "UA", "україна": "UA", "украина": "UA", "ukraina": "UA",
    "ukraine citizen": "UA", "громадянин україни": "UA", "гражданин украины": "UA", "ukrainian": "UA",
    "ru": "RU", "rus": "RU", "russia": "RU", "russian federation": "RU", "россия": "RU", "росія": "RU",
    "рф": "RU", "российская федерация": "RU", "russland": "RU", "rosja": "RU", "russie": "RU", "russian": "RU",
    "by": "BY", "blr": "BY", "belarus": "BY", "беларусь": "BY", "білорусь": "BY", "белоруссия": "BY",
    "ukraina citizen": "UA", "ucraina": "UA", "ukrajina": "UA", "ukraina (ua)": "UA",
}  # fmt: skip
_FEMALE_ENDINGS = ("ova", "eva", "ina", "ska", "cka", "aia", "iaia", "ixna")
_MALE_ENDINGS = ("ov", "ev", "in", "ski", "cki", "ii")


@lru_cache(maxsize=1 << 16)
def place_key(text: str | None, language: Language = "unknown") -> str:
    """The key of a settlement name, without its type prefix or the region after a comma."""
    if not text:
        return ""
    first = clean(text.split(",", 1)[0].split("(", 1)[0])
    for _ in range(2):
        first = _PLACE_PREFIX.sub("", first)
    # numbers name facilities (ИК-6 and ИК-10 are different colonies): keep them after the letters
    return name_key(first, language) + "".join(re.findall(r"\d+", first))


@lru_cache(maxsize=1 << 12)
def citizenship_code(text: str | None) -> str | None:
    """ISO 3166-1 alpha-2 for the countries these lists name most; else the cleaned text; None if empty."""
    cleaned = clean(text)
    if not cleaned:
        return None
    return _COUNTRIES.get(cleaned, cleaned.upper() if len(cleaned) == 2 else cleaned)


@lru_cache(maxsize=1 << 16)
def _sex_from_family(key: str) -> str | None:
    if key.endswith(_FEMALE_ENDINGS):
        return "f"
    if key.endswith(_MALE_ENDINGS):
        return "m"
    return None


@lru_cache(maxsize=1 << 16)
def _language(*texts: str) -> Language:
    return language_of(" ".join(texts))


@lru_cache(maxsize=1 << 16)
def _dates(text: str) -> DateFeatures:
    return date_features(parse_partial_date(text))


def record_features(record: Record) -> dict[str, Any]:
    """The normalised comparison columns of one record (see the module docstring)."""
    family_raw, given_raw, patronymic_raw = record.family_name, record.given_name, record.patronymic
    language = _language(family_raw, given_raw, patronymic_raw, record.birth_place)
    if family_raw and not given_raw and len(family_raw.split()) > 1:
        family_raw, given_raw, split_patronymic = split_full_name(family_raw, language)
        patronymic_raw = patronymic_raw or split_patronymic
    family_key = name_key(family_raw, language)
    given_key = name_key(given_raw.split()[0] if given_raw.split() else "", language)
    if not patronymic_raw and len(given_raw.split()) > 1:
        patronymic_raw = given_raw.split()[1]
    if looks_swapped(family_key, given_key):
        family_key, given_key = given_key, family_key
    patronymic_key = name_key(patronymic_raw, language)
    groups = given_groups(given_key)
    patronymic_group, patronymic_sex = patronymic_of(patronymic_key)
    sex = (sex_of_groups(groups) if groups else None) or patronymic_sex or _sex_from_family(family_key)
    birth = _dates(record.birth_date)
    detention = _dates(record.detention_date)
    return {
        "family_key": family_key or None,
        "family_skel": skeleton(family_key) or None,
        "family_pref": family_key[:3] or None,
        "family_tail": family_key[-6:] or None,
        "given_key": given_key or None,
        "given_skel": skeleton(given_key) or None,
        "given_groups": list(groups) if groups else ([given_key] if given_key else None),
        "given_block": (groups[0] if groups else skeleton(given_key)) or None,
        "patronymic_key": patronymic_key or None,
        "patronymic_group": patronymic_group or (patronymic_key or None),
        "sex": sex,
        "birth_full": birth.full,
        "birth_ym": birth.ym,
        "birth_year": birth.year,
        "birth_swapped": birth.swapped,
        "birth_md": birth.md,
        "birth_year_prev": birth.year_prev,
        "birth_place_key": place_key(record.birth_place, language) or None,
        "citizenship": citizenship_code(record.citizenship),
        "detention_full": detention.full,
        "detention_ym": detention.ym,
        "detention_year": detention.year,
        "detention_place_key": place_key(record.detention_place, language) or None,
    }
