"""Tile-grid map layouts for Russia and Ukraine.

A tile-grid map draws every region as one equal square cell, placed roughly
where the region lies, in the manner of the familiar US and EU state tile maps.
Shapes and areas are given up so that small regions (Moscow, Sevastopol, the
North Caucasus republics) are as visible as huge ones (Yakutia, Krasnoyarsk).

Coordinates: ``col`` grows west to east and ``row`` north to south, both from 0.
No two tiles share a cell; the grid is the smallest rectangle holding them all.

Russia (``RU``) has the 83 federal subjects as ISO 3166-2:RU lists them. Crimea
and Sevastopol are Ukrainian regions and appear only in the Ukraine grid, as do
all other occupied Ukrainian regions. A Russian tile's ``short`` label is the
ISO code after the dash (``RU-MOW`` -> ``MOW``).

Ukraine (``UA``) has the 27 ISO 3166-2:UA codes: 24 oblasts, Kyiv city, the
city of Sevastopol and the Autonomous Republic of Crimea. A Ukrainian tile's
``short`` label is a two-letter Latin abbreviation of the region's name; see
``_UA_SHORT`` for the full list (e.g. ``KC`` Kyiv city, ``KV`` Kyiv oblast,
``CR`` Crimea, ``SV`` Sevastopol).

Both layouts are written below as pictures: one line per row, one
whitespace-separated token per column, ``.`` for an empty cell.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RUSSIA", "UKRAINE", "Tile", "grid", "grid_size"]


@dataclass(frozen=True)
class Tile:
    """One region's cell on a tile-grid map.

    Attributes:
        code: ISO 3166-2 code of the region, e.g. ``"RU-MOW"`` or ``"UA-30"``.
        col: Column, counted from 0 at the west edge.
        row: Row, counted from 0 at the north edge.
        short: A 2-4 letter label to print in the cell.
    """

    code: str
    col: int
    row: int
    short: str


# Russia: tokens are the ISO 3166-2:RU codes without the "RU-" prefix.
# Kaliningrad stands alone in the far west; the empty cell between Karelia and
# Nenets is the White Sea.
_RUSSIA_PICTURE = """
.   .   .   .   .   .   MUR .   .   .   .   .   .   .   .   .   .   .   CHU
.   .   .   .   .   .   KR  .   NEN YAN .   .   .   .   .   SA  MAG KAM
.   .   .   .   SPE LEN VLG ARK KO  KHM TYU TOM KYA IRK ZAB AMU KHA SAK
.   .   .   PSK NGR YAR KOS KIR PER SVE KGN OMS NVS KEM BU  YEV PRI
KGD .   SMO TVE MOW IVA NIZ ME  UD  BA  CHE .   ALT KK  TY
.   .   BRY KLU MOS VLA MO  CU  TA  ORE .   .   AL
.   .   KRS ORL TUL RYA PNZ ULY SAM
.   .   BEL VOR LIP TAM SAR
.   .   .   .   ROS VGG
.   .   .   KDA STA KL  AST
.   .   .   AD  KC  KB  CE  DA
.   .   .   .   .   SE  IN
"""

# Ukraine: tokens are the short labels below.
_UKRAINE_PICTURE = """
.   VO  RV  ZT  KV  CN  SM  .
LV  TE  KM  VI  KC  CK  PL  KH
ZK  IF  CV  OD  KR  DP  DN  LH
.   .   .   .   MY  KS  ZP  .
.   .   .   .   SV  CR  .   .
"""

# Ukrainian short labels and the ISO 3166-2:UA code each stands for.
_UA_SHORT: dict[str, str] = {
    "VI": "UA-05",  # Vinnytsia oblast
    "VO": "UA-07",  # Volyn oblast
    "LH": "UA-09",  # Luhansk oblast
    "DP": "UA-12",  # Dnipropetrovsk oblast
    "DN": "UA-14",  # Donetsk oblast
    "ZT": "UA-18",  # Zhytomyr oblast
    "ZK": "UA-21",  # Zakarpattia oblast
    "ZP": "UA-23",  # Zaporizhzhia oblast
    "IF": "UA-26",  # Ivano-Frankivsk oblast
    "KC": "UA-30",  # Kyiv (city)
    "KV": "UA-32",  # Kyiv oblast
    "KR": "UA-35",  # Kirovohrad oblast
    "SV": "UA-40",  # Sevastopol (city)
    "CR": "UA-43",  # Autonomous Republic of Crimea
    "LV": "UA-46",  # Lviv oblast
    "MY": "UA-48",  # Mykolaiv oblast
    "OD": "UA-51",  # Odesa oblast
    "PL": "UA-53",  # Poltava oblast
    "RV": "UA-56",  # Rivne oblast
    "SM": "UA-59",  # Sumy oblast
    "TE": "UA-61",  # Ternopil oblast
    "KH": "UA-63",  # Kharkiv oblast
    "KS": "UA-65",  # Kherson oblast
    "KM": "UA-68",  # Khmelnytskyi oblast
    "CK": "UA-71",  # Cherkasy oblast
    "CN": "UA-74",  # Chernihiv oblast
    "CV": "UA-77",  # Chernivtsi oblast
}


def _parse(picture: str, code_for: dict[str, str] | None, prefix: str) -> tuple[Tile, ...]:
    """Turn a layout picture into tiles, ordered by row and then column.

    Args:
        picture: One line per row, whitespace-separated tokens, ``.`` for empty.
        code_for: Maps a token to its ISO code; ``None`` means the code is
            ``prefix`` followed by the token.
        prefix: ISO country prefix such as ``"RU-"``.

    Raises:
        ValueError: If a token appears twice or is not a known short label.
    """
    tiles: list[Tile] = []
    seen: set[str] = set()
    for row, line in enumerate(picture.strip("\n").splitlines()):
        for col, label in enumerate(line.split()):
            if label == ".":
                continue
            if label in seen:
                raise ValueError(f"{prefix}{label}: placed twice in the tile grid")
            seen.add(label)
            if code_for is None:
                code = prefix + label
            elif label in code_for:
                code = code_for[label]
            else:
                raise ValueError(f"{label!r}: unknown short label in the {prefix[:-1]} tile grid")
            tiles.append(Tile(code=code, col=col, row=row, short=label))
    return tuple(tiles)


RUSSIA: tuple[Tile, ...] = _parse(_RUSSIA_PICTURE, None, "RU-")
"""The 83 federal subjects of Russia (without Crimea or Sevastopol)."""

UKRAINE: tuple[Tile, ...] = _parse(_UKRAINE_PICTURE, _UA_SHORT, "UA-")
"""The 27 regions of Ukraine, Crimea and Sevastopol included."""

_GRIDS: dict[str, tuple[Tile, ...]] = {"RU": RUSSIA, "UA": UKRAINE}


def grid(country: str) -> tuple[Tile, ...]:
    """Return the tiles of a country's grid.

    Args:
        country: ISO 3166-1 alpha-2 code, ``"RU"`` or ``"UA"`` (case-insensitive).

    Raises:
        KeyError: If there is no tile grid for ``country``.
    """
    try:
        return _GRIDS[country.upper()]
    except KeyError:
        known = ", ".join(sorted(_GRIDS))
        raise KeyError(f"no tile grid for country {country!r}; known: {known}") from None


def grid_size(country: str) -> tuple[int, int]:
    """Return ``(cols, rows)``, the smallest rectangle holding a country's grid.

    Args:
        country: ISO 3166-1 alpha-2 code, ``"RU"`` or ``"UA"`` (case-insensitive).

    Raises:
        KeyError: If there is no tile grid for ``country``.
    """
    tiles = grid(country)
    return max(t.col for t in tiles) + 1, max(t.row for t in tiles) + 1
