"""The region names cover exactly pycountry's RU and UA subdivisions, in the right script for each language."""

# ruff: noqa: RUF001  # Cyrillic test data legitimately contains letters that look like Latin ones.

from __future__ import annotations

from typing import Any

import pycountry
import pytest

from mosty.registry.region_names import (
    LANGUAGES,
    NATIONAL_REPUBLICS,
    SUBDIVISION_NAMES,
    RegionName,
    subdivision_name,
)

RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")
UKRAINIAN_ONLY = set("іїєґІЇЄҐ")


def _subdivisions(country: str) -> list[Any]:
    return list(pycountry.subdivisions.get(country_code=country))


def test_keys_are_exactly_pycountrys_ru_and_ua_codes():
    expected = {s.code for country in ("RU", "UA") for s in _subdivisions(country)}
    assert set(SUBDIVISION_NAMES) == expected
    assert sum(code.startswith("RU-") for code in SUBDIVISION_NAMES) == 83
    assert sum(code.startswith("UA-") for code in SUBDIVISION_NAMES) == 27


def test_languages_follow_the_field_order():
    assert LANGUAGES == RegionName._fields == ("en", "uk", "ru")


@pytest.mark.parametrize("code", sorted(SUBDIVISION_NAMES))
def test_names_are_clean(code):
    names = SUBDIVISION_NAMES[code]
    assert isinstance(names, RegionName)
    for name in names:
        assert name
        assert name == name.strip()
        assert "  " not in name
    assert names.en.isascii(), names.en
    assert "'" not in names.en
    assert not RUSSIAN_ONLY & set(names.uk), names.uk
    assert not UKRAINIAN_ONLY & set(names.ru), names.ru
    # Both Cyrillic names carry no Latin letters (a classic copy-paste slip: Latin "o" or "a" inside a word).
    for name in (names.uk, names.ru):
        assert not any(c.isascii() and c.isalpha() for c in name), name


def test_names_are_unique_within_each_language():
    for language in LANGUAGES:
        names = [subdivision_name(code, language) for code in SUBDIVISION_NAMES]
        assert len(names) == len(set(names)), language


def _ru_type(code):
    return pycountry.subdivisions.get(code=code).type


def test_national_republics_are_pycountrys_ru_republics():
    expected = {s.code for s in _subdivisions("RU") if s.type == "Republic"}
    assert len(expected) == 21
    assert expected == NATIONAL_REPUBLICS
    for code in NATIONAL_REPUBLICS:
        names = SUBDIVISION_NAMES[code]
        assert "Republic" in names.en, names.en
        assert "Республіка" in names.uk, names.uk
        assert "Республика" in names.ru, names.ru


# Each name's kind agrees with pycountry's type, so a code is not paired with a neighbour's name (RU-KO Komi vs
# RU-KOS Kostroma, RU-AL Altai Republic vs RU-ALT Altai Krai).
KIND = {
    "Republic": ("Republic", "Республіка", "Республика"),
    "Administrative region": ("Oblast", "область", "область"),
    "Administrative territory": ("Krai", "край", "край"),
    "Autonomous district": ("Autonomous Okrug", "автономний округ", "автономный округ"),
    "Autonomous region": ("Autonomous Oblast", "автономна область", "автономная область"),
    "Region": ("Oblast", "область", "область"),
}


@pytest.mark.parametrize("code", sorted(SUBDIVISION_NAMES))
def test_kind_agrees_with_pycountry_type(code):
    subdivision = pycountry.subdivisions.get(code=code)
    names = SUBDIVISION_NAMES[code]
    if subdivision.type in KIND:
        for marker, name in zip(KIND[subdivision.type], names, strict=True):
            assert marker in name, (code, subdivision.type, name)
    else:
        # Cities: Moscow, Saint Petersburg, Kyiv, Sevastopol.
        assert subdivision.type in {"Autonomous city", "City"}
        for name in names:
            assert "Oblast" not in name
            assert "область" not in name


def test_oblasts_and_krais_share_their_stem_with_pycountrys_romanisation():
    """The first three letters of a region's English name match the romanised local name (Kostroma/Kostromskaya)."""
    exceptions = {"RU-ORL"}  # Oryol / Orlovskaya: the English exonym keeps the nominative "yo"
    for code, names in SUBDIVISION_NAMES.items():
        subdivision = pycountry.subdivisions.get(code=code)
        if subdivision.type not in {"Administrative region", "Administrative territory", "Region"}:
            continue
        if code in exceptions:
            continue
        local = subdivision.name.replace("'", "")  # pycountry marks the soft sign: Ul'yanovskaya
        assert names.en[:3].lower() == local[:3].lower(), (code, names.en, subdivision.name)


@pytest.mark.parametrize(
    ("code", "en", "uk", "ru"),
    [
        ("RU-SA", "Sakha (Yakutia) Republic", "Республіка Саха (Якутія)", "Республика Саха (Якутия)"),
        ("RU-AL", "Altai Republic", "Республіка Алтай", "Республика Алтай"),
        ("RU-ALT", "Altai Krai", "Алтайський край", "Алтайский край"),
        ("RU-KO", "Komi Republic", "Республіка Комі", "Республика Коми"),
        ("RU-KOS", "Kostroma Oblast", "Костромська область", "Костромская область"),
        ("RU-KR", "Republic of Karelia", "Республіка Карелія", "Республика Карелия"),
        ("RU-KRS", "Kursk Oblast", "Курська область", "Курская область"),
        (
            "RU-SE",
            "Republic of North Ossetia-Alania",
            "Республіка Північна Осетія — Аланія",
            "Республика Северная Осетия — Алания",
        ),
        ("RU-KB", "Kabardino-Balkar Republic", "Кабардино-Балкарська Республіка", "Кабардино-Балкарская Республика"),
        ("RU-KC", "Karachay-Cherkess Republic", "Карачаєво-Черкеська Республіка", "Карачаево-Черкесская Республика"),
        ("RU-MOW", "Moscow", "Москва", "Москва"),
        ("RU-MOS", "Moscow Oblast", "Московська область", "Московская область"),
        ("RU-SPE", "Saint Petersburg", "Санкт-Петербург", "Санкт-Петербург"),
        ("RU-TA", "Republic of Tatarstan", "Республіка Татарстан", "Республика Татарстан"),
        ("RU-CE", "Chechen Republic", "Чеченська Республіка", "Чеченская Республика"),
        ("RU-NIZ", "Nizhny Novgorod Oblast", "Нижньогородська область", "Нижегородская область"),
        ("RU-NGR", "Novgorod Oblast", "Новгородська область", "Новгородская область"),
        ("RU-KGD", "Kaliningrad Oblast", "Калінінградська область", "Калининградская область"),
        ("RU-KDA", "Krasnodar Krai", "Краснодарський край", "Краснодарский край"),
        (
            "RU-KHM",
            "Khanty-Mansi Autonomous Okrug",
            "Ханти-Мансійський автономний округ — Югра",
            "Ханты-Мансийский автономный округ — Югра",
        ),
        ("RU-YEV", "Jewish Autonomous Oblast", "Єврейська автономна область", "Еврейская автономная область"),
        ("UA-43", "Autonomous Republic of Crimea", "Автономна Республіка Крим", "Автономная Республика Крым"),
        ("UA-40", "Sevastopol", "Севастополь", "Севастополь"),
        ("UA-30", "Kyiv", "Київ", "Киев"),
        ("UA-32", "Kyiv Oblast", "Київська область", "Киевская область"),
        ("UA-12", "Dnipropetrovsk Oblast", "Дніпропетровська область", "Днепропетровская область"),
        ("UA-35", "Kirovohrad Oblast", "Кіровоградська область", "Кировоградская область"),
        ("UA-48", "Mykolaiv Oblast", "Миколаївська область", "Николаевская область"),
        ("UA-51", "Odesa Oblast", "Одеська область", "Одесская область"),
        ("UA-68", "Khmelnytskyi Oblast", "Хмельницька область", "Хмельницкая область"),
        ("UA-21", "Zakarpattia Oblast", "Закарпатська область", "Закарпатская область"),
        ("UA-23", "Zaporizhzhia Oblast", "Запорізька область", "Запорожская область"),
    ],
)
def test_spot_checks(code, en, uk, ru):
    assert SUBDIVISION_NAMES[code] == RegionName(en, uk, ru)


def test_crimea_and_sevastopol_are_only_ukrainian_codes():
    assert not any(
        "Crimea" in names.en or "Sevastopol" in names.en
        for code, names in SUBDIVISION_NAMES.items()
        if code.startswith("RU-")
    )
    assert "UA-43" not in NATIONAL_REPUBLICS


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Kyiv Oblast"),
        ("uk", "Київська область"),
        ("ru", "Киевская область"),
        ("uk-ua", "Київська область"),
        ("uk-UA", "Київська область"),
        ("uk_UA", "Київська область"),
        ("ru-RU", "Киевская область"),
        ("RU", "Киевская область"),
        ("en-GB", "Kyiv Oblast"),
        ("de", "Kyiv Oblast"),
        ("", "Kyiv Oblast"),
        ("ukr", "Kyiv Oblast"),
    ],
)
def test_subdivision_name_languages(language, expected):
    assert subdivision_name("UA-32", language) == expected


@pytest.mark.parametrize("code", ["RU-XX", "UA-99", "RU-UA-43", "BY-MI", "", "ua-32"])
def test_subdivision_name_unknown_code(code):
    with pytest.raises(KeyError):
        subdivision_name(code, "en")
