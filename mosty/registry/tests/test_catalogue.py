"""The shipped catalogues: sectors, support types and regions, loaded by the migration."""

from __future__ import annotations

import pycountry
import pytest

from mosty.registry.catalogue import SECTORS, SUPPORT_TYPES, sync_catalogues
from mosty.registry.models import Region, RegionKind, Sector, SupportType

pytestmark = pytest.mark.django_db


def test_every_sector_and_support_type_of_the_brief_is_there_in_three_languages() -> None:
    assert Sector.objects.count() == len(SECTORS) == 12
    assert SupportType.objects.count() == len(SUPPORT_TYPES) == 10
    for entry in [*Sector.objects.all(), *SupportType.objects.all()]:
        assert entry.name_en
        assert entry.name_uk
        assert entry.name_ru
        assert entry.name("uk") == entry.name_uk
        assert entry.name("ru-ru") == entry.name_ru
        assert entry.name("de") == entry.name_en


def test_regions_are_the_iso_codes_with_crimea_and_sevastopol_in_ukraine() -> None:
    ru = set(Region.objects.filter(country="RU", kind=RegionKind.SUBDIVISION).values_list("code", flat=True))
    ua = set(Region.objects.filter(country="UA", kind=RegionKind.SUBDIVISION).values_list("code", flat=True))
    assert ru == {s.code for s in pycountry.subdivisions.get(country_code="RU")}
    assert ua == {s.code for s in pycountry.subdivisions.get(country_code="UA")}
    assert {"UA-43", "UA-40"} <= ua
    assert not any(code.startswith("RU-") for code in ua)
    assert Region.objects.filter(kind=RegionKind.COUNTRY).count() == len(pycountry.countries)
    crimea = Region.objects.get(code="UA-43")
    assert crimea.name_en == "Autonomous Republic of Crimea"
    assert crimea.name("uk") == "Автономна Республіка Крим"


def test_national_republics_are_flagged() -> None:
    republics = set(Region.objects.filter(is_national_republic=True).values_list("code", flat=True))
    assert len(republics) == 21
    assert {"RU-TA", "RU-BA", "RU-SA", "RU-CE", "RU-BU"} <= republics
    assert "RU-MOW" not in republics


def test_sync_is_idempotent_and_keeps_what_admins_added() -> None:
    Sector.objects.create(slug="disability", name_en="Disability rights", name_uk="x", name_ru="y")
    before = (Sector.objects.count(), SupportType.objects.count(), Region.objects.count())
    sync_catalogues(sector_model=Sector, support_type_model=SupportType, region_model=Region)
    after = (Sector.objects.count(), SupportType.objects.count(), Region.objects.count())
    assert before == after
    assert Sector.objects.filter(slug="disability").exists()
