"""Server-rendered charts for the registry: the tile-grid map of coverage.

Each region is one square cell, laid out like the map (`mosty.registry.tilegrid`), coloured by the number of
current activities there, with gaps (no activity) marked. The SVG is drawn by a template from these numbers:
no script, no external tiles, no inline style (the CSP forbids it); colours are presentation attributes.
"""

from __future__ import annotations

from dataclasses import dataclass

from mosty.registry import tilegrid
from mosty.registry.models import Region

CELL = 44  # px, including the gap between cells
GAP = 3

# (lowest count, fill, text colour, legend label). Sequential blues; the gap colour is set apart.
SCALE: list[tuple[int, str, str, str]] = [
    (1, "#c6dbef", "#08306b", "1"),
    (2, "#6baed6", "#08306b", "2-3"),
    (4, "#2171b5", "#ffffff", "4-6"),
    (7, "#08306b", "#ffffff", "7+"),
]
GAP_FILL = "#fde0dd"
GAP_TEXT = "#67000d"


@dataclass(frozen=True)
class MapCell:
    code: str
    short: str
    name: str
    count: int
    x: int
    y: int
    fill: str
    text: str
    is_gap: bool
    is_national_republic: bool

    @property
    def label_x(self) -> int:
        return self.x + (CELL - GAP) // 2

    @property
    def label_y(self) -> int:
        return self.y + (CELL - GAP) // 2


@dataclass(frozen=True)
class TileMap:
    country: str
    width: int
    height: int
    cells: list[MapCell]
    cell_size: int = CELL - GAP

    @property
    def gaps(self) -> int:
        return sum(1 for c in self.cells if c.is_gap)

    @property
    def covered(self) -> int:
        return len(self.cells) - self.gaps


def colour_for(count: int) -> tuple[str, str]:
    if count <= 0:
        return GAP_FILL, GAP_TEXT
    fill, text = SCALE[0][1], SCALE[0][2]
    for lowest, f, t, _label in SCALE:
        if count >= lowest:
            fill, text = f, t
    return fill, text


def tile_map(country: str, *, counts_by_code: dict[str, int], regions_by_code: dict[str, Region]) -> TileMap:
    """The tile-grid map of one country (RU or UA): one cell for every region code in the grid."""
    cols, rows = tilegrid.grid_size(country)
    cells = []
    for tile in tilegrid.grid(country):
        count = counts_by_code.get(tile.code, 0)
        fill, text = colour_for(count)
        region = regions_by_code.get(tile.code)
        cells.append(
            MapCell(
                code=tile.code,
                short=tile.short,
                name=region.name() if region else tile.code,
                count=count,
                x=tile.col * CELL,
                y=tile.row * CELL,
                fill=fill,
                text=text,
                is_gap=count == 0,
                is_national_republic=bool(region and region.is_national_republic),
            )
        )
    return TileMap(country=country, width=cols * CELL, height=rows * CELL, cells=cells)


def legend() -> list[tuple[str, str]]:
    """(fill, label) pairs for the map's key; the first is the gap colour."""
    return [(GAP_FILL, "0"), *[(fill, label) for _lowest, fill, _text, label in SCALE]]
