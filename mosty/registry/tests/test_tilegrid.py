"""Tests for the Russia and Ukraine tile-grid layouts (no database needed)."""

import dataclasses
import re
from collections import Counter

import pycountry
import pytest

from mosty.registry.tilegrid import RUSSIA, UKRAINE, Tile, grid, grid_size

COUNTRIES = ["RU", "UA"]


def _iso_codes(country: str) -> set[str]:
    subdivisions = pycountry.subdivisions.get(country_code=country)
    return {s.code for s in subdivisions}


def _by_code(country: str) -> dict[str, Tile]:
    return {t.code: t for t in grid(country)}


def _adjacent(a: Tile, b: Tile) -> bool:
    """True when two tiles touch in the 8-neighbourhood."""
    return a != b and max(abs(a.col - b.col), abs(a.row - b.row)) == 1


def test_grid_returns_module_constants() -> None:
    assert grid("RU") is RUSSIA
    assert grid("UA") is UKRAINE
    assert grid("ru") is RUSSIA


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_iso_code_exactly_once(country) -> None:
    counts = Counter(t.code for t in grid(country))
    assert set(counts) == _iso_codes(country)
    assert all(n == 1 for n in counts.values())


def test_sizes_match_iso() -> None:
    assert len(RUSSIA) == 83
    assert len(UKRAINE) == 27


@pytest.mark.parametrize("country", COUNTRIES)
def test_no_two_tiles_share_a_cell(country) -> None:
    cells = [(t.col, t.row) for t in grid(country)]
    assert len(cells) == len(set(cells))


@pytest.mark.parametrize("country", COUNTRIES)
def test_coordinates_within_grid_size(country) -> None:
    cols, rows = grid_size(country)
    tiles = grid(country)
    assert all(0 <= t.col < cols and 0 <= t.row < rows for t in tiles)
    # The size is tight: some tile touches the last column and the last row.
    assert max(t.col for t in tiles) == cols - 1
    assert max(t.row for t in tiles) == rows - 1


@pytest.mark.parametrize("country", COUNTRIES)
def test_short_labels_unique(country) -> None:
    shorts = [t.short for t in grid(country)]
    assert len(shorts) == len(set(shorts))
    assert all(2 <= len(s) <= 4 for s in shorts)


def test_russian_short_is_iso_suffix() -> None:
    for t in RUSSIA:
        assert t.code == f"RU-{t.short}"


def test_ukrainian_short_is_latin_abbreviation() -> None:
    for t in UKRAINE:
        assert re.fullmatch(r"[A-Z]{2,3}", t.short), t
    assert _by_code("UA")["UA-30"].short == "KC"
    assert _by_code("UA")["UA-43"].short == "CR"


def test_crimea_and_sevastopol_are_ukrainian() -> None:
    ru = _by_code("RU")
    ua = _by_code("UA")
    for code in ("UA-43", "UA-40"):
        assert code in ua
        assert code not in ru
    assert all(t.code.startswith("RU-") for t in RUSSIA)
    assert all(t.code.startswith("UA-") for t in UKRAINE)
    # No Crimea or Sevastopol under a Russian-style code either.
    assert not {"RU-CR", "RU-SEV"} & set(ru)


def test_russia_geography() -> None:
    ru = _by_code("RU")
    kaliningrad, chukotka = ru["RU-KGD"], ru["RU-CHU"]
    moscow = ru["RU-MOW"]
    assert all(kaliningrad.col < t.col for t in RUSSIA if t is not kaliningrad)
    assert all(chukotka.col > t.col for t in RUSSIA if t is not chukotka)
    assert ru["RU-MUR"].row < moscow.row
    assert ru["RU-DA"].row > moscow.row
    # Kaliningrad is detached: no other tile touches it.
    assert not any(_adjacent(kaliningrad, t) for t in RUSSIA)
    assert _adjacent(ru["RU-SPE"], ru["RU-LEN"])
    assert _adjacent(ru["RU-MOW"], ru["RU-MOS"])


def test_ukraine_geography() -> None:
    ua = _by_code("UA")
    kyiv_city = ua["UA-30"]
    assert ua["UA-46"].col < kyiv_city.col  # Lviv west of Kyiv
    assert ua["UA-09"].col > kyiv_city.col  # Luhansk east of Kyiv
    assert ua["UA-09"].col == max(t.col for t in UKRAINE)
    assert ua["UA-43"].row == max(t.row for t in UKRAINE)  # Crimea at the bottom
    assert _adjacent(kyiv_city, ua["UA-32"])
    assert _adjacent(ua["UA-40"], ua["UA-43"])


@pytest.mark.parametrize("func", [grid, grid_size])
def test_unknown_country_raises_key_error(func) -> None:
    with pytest.raises(KeyError, match="no tile grid for country 'XX'"):
        func("XX")


def test_tiles_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RUSSIA[0].col = 5  # type: ignore[misc]
    assert isinstance(RUSSIA[0], Tile)
