"""Partial dates as they appear in the lists: `1987`, `1987-05`, `1987-05-12`, `12.05.1987`, `05.1987`.

`parse_partial_date` promises a `PartialDate` with a year and, where known, a month and a day, or None for an
empty or unreadable value (never an exception). Day-first formats (`12.05.1987`, `12/05/1987`) are read as
day-month-year, the habit of every country these lists come from; a month above 12 with a day at most 12 is
read as swapped (`1987-13-05` is 13 May 1987).

`date_features` turns one into the strings the model compares by equality, so that the same comparisons work on
plaintext and on keyed hashes of these strings (encoded mode):

- `full` (`1987-05-12`), `ym` (`1987-05`), `year` (`1987`): each present only if known;
- `swapped` (`1987-12-05`): the full date with day and month exchanged, where that is a valid different date;
- `md` (`05-12`): month and day, for a mistyped year;
- `year_prev` (`1986`): the year before, for "within one year".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ISO_RE = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?$")
_DAY_FIRST_RE = re.compile(r"^(?:(\d{1,2})[./-])?(\d{1,2})[./-](\d{4})$")
_MIN_YEAR = 1880
_MAX_YEAR = 2100


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to the year, the month or the day."""

    year: int
    month: int | None = None
    day: int | None = None

    def iso(self) -> str:
        """`1987`, `1987-05` or `1987-05-12`."""
        out = f"{self.year:04d}"
        if self.month is not None:
            out += f"-{self.month:02d}"
            if self.day is not None:
                out += f"-{self.day:02d}"
        return out


def _valid(year: int, month: int | None, day: int | None) -> bool:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return False
    if month is not None and not 1 <= month <= 12:
        return False
    return day is None or 1 <= day <= 31


def _build(year: int, month: int | None, day: int | None) -> PartialDate | None:
    if month == 0:
        month, day = None, None
    if day == 0:
        day = None
    if month is not None and month > 12 and day is not None and day <= 12:
        month, day = day, month
    if not _valid(year, month, day):
        return None
    return PartialDate(year, month, day if month is not None else None)


def parse_partial_date(value: str | None) -> PartialDate | None:
    """The partial date in `value`, or None if it is empty or not a date."""
    if not value:
        return None
    value = value.strip()
    if "T" in value:
        value = value.split("T", 1)[0]
    if " " in value:
        value = value.split(" ", 1)[0]
    match = _ISO_RE.match(value)
    if match:
        year, month, day = match.groups()
        return _build(int(year), int(month) if month else None, int(day) if day else None)
    match = _DAY_FIRST_RE.match(value)
    if match:
        day, month, year = match.groups()
        return _build(int(year), int(month), int(day) if day else None)
    return None


@dataclass(frozen=True, slots=True)
class DateFeatures:
    """The strings the model compares for one date; None where a part is unknown."""

    full: str | None = None
    ym: str | None = None
    year: str | None = None
    swapped: str | None = None
    md: str | None = None
    year_prev: str | None = None


def date_features(date: PartialDate | None) -> DateFeatures:
    """The comparison strings of `date` (all None for an unknown date)."""
    if date is None:
        return DateFeatures()
    year = f"{date.year:04d}"
    ym = full = swapped = md = None
    if date.month is not None:
        ym = f"{year}-{date.month:02d}"
        if date.day is not None:
            full = f"{ym}-{date.day:02d}"
            md = f"{date.month:02d}-{date.day:02d}"
            if date.day <= 12 and date.day != date.month:
                swapped = f"{year}-{date.day:02d}-{date.month:02d}"
    return DateFeatures(full=full, ym=ym, year=year, swapped=swapped, md=md, year_prev=f"{date.year - 1:04d}")
