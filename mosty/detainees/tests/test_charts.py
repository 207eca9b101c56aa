"""Chart geometry: a shared scale from zero, whiskers on the interval, matrix shades by share."""

from __future__ import annotations

from mosty.detainees import charts
from mosty.detainees.selectors import Estimate, RunCounts, SourceCount


def test_nice_steps() -> None:
    assert charts.nice_step(0) == 1
    assert charts.nice_step(7) == 2
    assert charts.nice_step(48) == 10
    assert charts.nice_step(1234) == 500


def test_interval_bars_share_one_scale() -> None:
    chart = charts.interval_bars([("all", "", Estimate(100, 101.5, 96, 108)), ("one", "", Estimate(50, 50.0, 50, 50))])
    first, second = chart.bars
    assert abs(first.width - 2 * second.width) <= 1
    assert first.low_x < first.expected_x < first.high_x
    assert second.low_x == second.high_x == charts.LABEL_WIDTH + second.width
    assert chart.ticks[0].text == "0"
    assert chart.ticks[-1].x == charts.LABEL_WIDTH + charts.PLOT_WIDTH
    assert chart.height == 2 * charts.BAR_ROW + charts.AXIS_HEIGHT


def test_overlap_matrix_shades_by_share_of_the_row() -> None:
    e = lambda n: Estimate(n, float(n), float(n), float(n))  # noqa: E731
    counts = RunCounts(
        records=30,
        persons=e(20),
        sources=[SourceCount(None, "a", 10, e(10), e(2)), SourceCount(None, "b", 20, e(16), e(8))],
        shared={("a", "b"): e(8)},
    )
    matrix = charts.overlap_matrix(counts, {"a": "A", "b": "B"}, "%(a)s %(b)s %(n)s %(share)s")
    cells = {(c.x, c.y): c for c in matrix.cells}
    assert [c.value for c in matrix.cells] == [10, 8, 8, 16]
    a_in_b = matrix.cells[1]
    b_in_a = matrix.cells[2]
    assert a_in_b.share == 0.8
    assert b_in_a.share == 0.5
    assert a_in_b.fill == charts.SHADES[4][1]
    assert b_in_a.fill == charts.SHADES[2][1]
    assert a_in_b.title == "A B 8 80"
    assert matrix.cells[0].diagonal
    assert len(cells) == 4
