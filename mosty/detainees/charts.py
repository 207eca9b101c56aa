"""Server-rendered charts of a run's counts: bars with interval whiskers, and the overlap heat-matrix.

Each function turns numbers into coordinates; templates draw the SVG from them (`detainees/_bars.svg.html`,
`detainees/_matrix.svg.html`). No script, no external asset, no inline style (the CSP forbids them): colours
and sizes are SVG presentation attributes. Every chart has a table with the same numbers beside it.

Bars: the bar is the threshold clustering's count (the point); the whisker spans the 95% interval of the draws
and the tick on it marks the expected count (`mosty.linkage.count`).
Matrix: row A, column B holds how many of A's persons B also has; the shade is that number as a share of A's
persons, so a row reads "how much of A's list the others confirm". The diagonal is A's own persons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mosty.detainees.selectors import Estimate, RunCounts

BAR_ROW = 30
BAR_HEIGHT = 16
LABEL_WIDTH = 230
PLOT_WIDTH = 400
RIGHT_MARGIN = 70
AXIS_HEIGHT = 24

# Sequential blues for shares 0-20-40-60-80-100%, with the text colour that reads on each.
SHADES: list[tuple[float, str, str]] = [
    (0.0, "#f7fbff", "#08306b"),
    (0.2, "#c6dbef", "#08306b"),
    (0.4, "#6baed6", "#08306b"),
    (0.6, "#2171b5", "#ffffff"),
    (0.8, "#08306b", "#ffffff"),
]
DIAGONAL_FILL = "#e0e0e0"
DIAGONAL_TEXT = "#222222"
BAR_FILL = "#2171b5"
WHISKER = "#222222"


def nice_step(maximum: float, ticks: int = 5) -> int:
    """A round step (1, 2 or 5 times a power of ten) that splits 0..maximum into about `ticks` parts."""
    if maximum <= 0:
        return 1
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return max(1, int(factor * power))
    return max(1, int(10 * power))


@dataclass(frozen=True)
class Bar:
    label: str
    note: str
    point: int
    expected: float
    low: float
    high: float
    y: int
    width: int
    low_x: int
    high_x: int
    expected_x: int

    @property
    def middle_y(self) -> int:
        return self.y + BAR_HEIGHT // 2

    @property
    def whisker_top(self) -> int:
        return self.y + 2

    @property
    def whisker_bottom(self) -> int:
        return self.y + BAR_HEIGHT - 2

    @property
    def text_x(self) -> int:
        return LABEL_WIDTH + max(self.width, self.high_x - LABEL_WIDTH) + 6


@dataclass(frozen=True)
class Tick:
    x: int
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    axis_y: int
    label_x: int = LABEL_WIDTH - 8
    bar_fill: str = BAR_FILL
    whisker: str = WHISKER
    plot_x: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def interval_bars(items: Sequence[tuple[str, str, Estimate]]) -> BarChart:
    """One horizontal bar per (label, note, estimate), on a shared scale from 0."""
    maximum = max([max(e.point, e.high) for _label, _note, e in items] or [1])
    step = nice_step(maximum)
    top = step * math.ceil(maximum / step) if maximum > 0 else step

    def x(value: float) -> int:
        return LABEL_WIDTH + round(PLOT_WIDTH * max(0.0, value) / top)

    bars = []
    for index, (label, note, estimate) in enumerate(items):
        y = index * BAR_ROW + (BAR_ROW - BAR_HEIGHT) // 2
        bars.append(
            Bar(
                label=label,
                note=note,
                point=estimate.point,
                expected=estimate.expected,
                low=estimate.low,
                high=estimate.high,
                y=y,
                width=x(estimate.point) - LABEL_WIDTH,
                low_x=x(estimate.low),
                high_x=x(estimate.high),
                expected_x=x(estimate.expected),
            )
        )
    axis_y = len(items) * BAR_ROW
    ticks = [Tick(x=x(value), text=f"{value:,}") for value in range(0, top + 1, step)]
    return BarChart(
        width=LABEL_WIDTH + PLOT_WIDTH + RIGHT_MARGIN,
        height=axis_y + AXIS_HEIGHT,
        bars=bars,
        ticks=ticks,
        axis_y=axis_y,
    )


# --- overlap matrix ------------------------------------------------------------------------------------------

CELL = 56
MATRIX_LABEL_WIDTH = 40
HEADER_HEIGHT = 28


def shade(share: float) -> tuple[str, str]:
    fill, text = SHADES[0][1], SHADES[0][2]
    for lowest, f, t in SHADES:
        if share >= lowest:
            fill, text = f, t
    return fill, text


@dataclass(frozen=True)
class MatrixCell:
    x: int
    y: int
    value: int
    share: float
    fill: str
    text: str
    diagonal: bool
    title: str

    @property
    def label_x(self) -> int:
        return self.x + (CELL - 2) // 2

    @property
    def label_y(self) -> int:
        return self.y + (CELL - 2) // 2

    @property
    def label_y_percent(self) -> int:
        return self.label_y + 14

    @property
    def percent(self) -> int:
        return round(self.share * 100)


@dataclass(frozen=True)
class Axis:
    index: int
    name: str
    position: int


@dataclass(frozen=True)
class MatrixChart:
    width: int
    height: int
    rows: list[Axis]
    columns: list[Axis]
    cells: list[MatrixCell]
    cell: int = CELL - 2
    label_x: int = MATRIX_LABEL_WIDTH - 8
    header_y: int = HEADER_HEIGHT - 8


def overlap_matrix(counts: RunCounts, names: dict[str, str], title_template: str) -> MatrixChart:
    """The overlap of every pair of the run's sources (`names`: source key -> display name). `title_template`
    (translated by the caller) takes %(a)s, %(b)s, %(n)s and %(share)s for each cell's tooltip."""
    keys = [s.key for s in counts.sources]
    persons = {s.key: s.persons.point for s in counts.sources}
    rows = [Axis(i + 1, names.get(k, k), HEADER_HEIGHT + i * CELL) for i, k in enumerate(keys)]
    columns = [Axis(i + 1, names.get(k, k), MATRIX_LABEL_WIDTH + i * CELL) for i, k in enumerate(keys)]
    cells = []
    for r, a in enumerate(keys):
        for c, b in enumerate(keys):
            estimate = counts.overlap(a, b)
            value = estimate.point if estimate else 0
            diagonal = a == b
            share = 1.0 if diagonal else (value / persons[a] if persons[a] else 0.0)
            fill, text = (DIAGONAL_FILL, DIAGONAL_TEXT) if diagonal else shade(share)
            title = title_template % {
                "a": names.get(a, a),
                "b": names.get(b, b),
                "n": value,
                "share": round(share * 100),
            }
            cells.append(
                MatrixCell(
                    x=MATRIX_LABEL_WIDTH + c * CELL,
                    y=HEADER_HEIGHT + r * CELL,
                    value=value,
                    share=share,
                    fill=fill,
                    text=text,
                    diagonal=diagonal,
                    title=title,
                )
            )
    size = len(keys)
    return MatrixChart(
        width=MATRIX_LABEL_WIDTH + size * CELL,
        height=HEADER_HEIGHT + size * CELL,
        rows=rows,
        columns=columns,
        cells=cells,
    )


def legend() -> list[tuple[str, str]]:
    """(fill, label) for the matrix's key."""
    labels = ["0-19%", "20-39%", "40-59%", "60-79%", "80-100%"]
    return [(fill, label) for (_lowest, fill, _text), label in zip(SHADES, labels, strict=True)]
