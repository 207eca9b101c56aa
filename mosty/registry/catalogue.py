"""The shipped catalogues: sectors and support types from the brief, with their names in English, Ukrainian and
Russian, and the regions (ISO 3166-2 subdivisions of Russia and Ukraine, ISO 3166-1 countries).

`sync_catalogues` is idempotent: the migration runs it, `mosty demo` runs it, and running it again after a
pycountry upgrade adds what is new without touching what organisations added in the admin.
"""

from __future__ import annotations

import gettext
from typing import Any

import pycountry

from mosty.registry.region_names import NATIONAL_REPUBLICS, SUBDIVISION_NAMES

# ruff: noqa: RUF001  (Cyrillic names are data)

SECTORS: list[tuple[str, str, str, str]] = [
    ("human-rights", "Human rights", "Права людини", "Права человека"),
    ("independent-media", "Independent media", "Незалежні медіа", "Независимые СМИ"),
    ("lgbtq", "LGBTQ+", "ЛГБТК+", "ЛГБТК+"),
    ("womens-rights", "Women's rights", "Права жінок", "Права женщин"),
    ("environment", "Environment", "Довкілля", "Экология"),
    ("academia", "Academia", "Академічна спільнота", "Академическое сообщество"),
    ("culture", "Culture", "Культура", "Культура"),
    ("anti-war", "Anti-war", "Антивоєнний рух", "Антивоенное движение"),
    ("humanitarian-aid", "Humanitarian aid", "Гуманітарна допомога", "Гуманитарная помощь"),
    ("legal-aid", "Legal aid", "Правова допомога", "Юридическая помощь"),
    ("education", "Education", "Освіта", "Образование"),
    (
        "indigenous-regional",
        "Indigenous and regional movements",
        "Корінні та регіональні рухи",
        "Коренные и региональные движения",
    ),
]

SUPPORT_TYPES: list[tuple[str, str, str, str]] = [
    ("humanitarian-visa", "Humanitarian visa", "Гуманітарна віза", "Гуманитарная виза"),
    ("evacuation", "Evacuation or relocation", "Евакуація або релокація", "Эвакуация или релокация"),
    ("micro-grant", "Micro-grant", "Мікрогрант", "Микрогрант"),
    ("safe-housing", "Safe housing", "Безпечне житло", "Безопасное жильё"),
    ("legal-aid", "Legal aid", "Правова допомога", "Юридическая помощь"),
    ("psychological-support", "Psychological support", "Психологічна підтримка", "Психологическая поддержка"),
    ("medical-help", "Medical help", "Медична допомога", "Медицинская помощь"),
    ("scholarship", "Scholarship or fellowship", "Стипендія або фелоушип", "Стипендия или фелловшип"),
    ("security-training", "Security training", "Навчання з безпеки", "Обучение безопасности"),
    (
        "detainee-family",
        "Help for a detained person's family",
        "Допомога родині затриманої людини",
        "Помощь семье задержанного",
    ),
]

# Countries whose regions are listed one by one; every other country is one region of its own (exile).
SUBDIVIDED = ("RU", "UA")


def _country_names() -> dict[str, tuple[str, str, str]]:
    translations = {
        lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("uk", "ru")
    }
    names: dict[str, tuple[str, str, str]] = {}
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        names[country.alpha_2] = (
            english,
            translations["uk"].gettext(country.name),
            translations["ru"].gettext(country.name),
        )
    return names


def region_rows() -> list[dict[str, Any]]:
    """Every region and country as field values, from pycountry's codes and our checked names."""
    rows: list[dict[str, Any]] = []
    for code, name in SUBDIVISION_NAMES.items():
        rows.append(
            {
                "code": code,
                "kind": "subdivision",
                "country": code[:2],
                "name_en": name.en,
                "name_uk": name.uk,
                "name_ru": name.ru,
                "is_national_republic": code in NATIONAL_REPUBLICS,
            }
        )
    for alpha_2, (en, uk, ru) in _country_names().items():
        rows.append(
            {
                "code": alpha_2,
                "kind": "country",
                "country": alpha_2,
                "name_en": en,
                "name_uk": uk,
                "name_ru": ru,
                "is_national_republic": False,
            }
        )
    return rows


def sync_catalogues(*, sector_model: Any, support_type_model: Any, region_model: Any) -> None:
    """Create or update the shipped entries (models are passed in so that migrations can call this)."""
    for model, entries in ((sector_model, SECTORS), (support_type_model, SUPPORT_TYPES)):
        for position, (slug, en, uk, ru) in enumerate(entries, start=1):
            model.objects.update_or_create(
                slug=slug, defaults={"name_en": en, "name_uk": uk, "name_ru": ru, "position": position * 10}
            )
    existing = {r.code: r for r in region_model.objects.all()}
    new = []
    for row in region_rows():
        current = existing.get(row["code"])
        if current is None:
            new.append(region_model(**row))
            continue
        changed = [k for k, v in row.items() if getattr(current, k) != v]
        if changed:
            for k in changed:
                setattr(current, k, row[k])
            current.save(update_fields=changed)
    region_model.objects.bulk_create(new, batch_size=500)
