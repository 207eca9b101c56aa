# ruff: noqa: RUF001
# (Cyrillic header names are data here)
"""Reading a list (CSV or XLSX), mapping its columns to our fields, and checking every row.

The brief's convention is a header row with `source, record_id, family_name, given_name, patronymic,
birth_date, birth_place, citizenship, detention_date, detention_place, status, notes` (any may be empty but
`record_id`; `source` is ignored: the rows go into the source the user chose). A file with other headers is
read through a column mapping (our field -> the file's header), which the import remembers per source.

`parse_rows` promises all or nothing: either every non-empty row becomes a `RecordInput`, or a `ValidationFailed`
lists every problem keyed "line N" (the line in the file, counting the header as line 1). Messages name the
field and the kind of problem, never the value: a mis-mapped column must not echo names into a page, a log or
an API error.

Values are cleaned, not changed: whitespace collapsed, dates written in ISO form (12.05.1987 is 1987-05-12;
partial dates stay partial), statuses read into our codes (`statuses.py`).

Threat: a spreadsheet that runs a formula from a cell. A leading apostrophe that protected a cell starting
with = + - @ on export is removed on import; nothing is ever evaluated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.utils.translation import gettext as _

from mosty.core.exceptions import ValidationFailed
from mosty.detainees.errors import ColumnMappingNeeded, FileTooLarge
from mosty.detainees.statuses import recognise_status

FIELDS = (
    "record_id", "family_name", "given_name", "patronymic", "birth_date", "birth_place", "citizenship",
    "detention_date", "detention_place", "status", "notes",
)  # fmt: skip
CONVENTION_HEADER = ("source", *FIELDS)
DATE_FIELDS = ("birth_date", "detention_date")
MAX_LENGTHS = {
    "family_name": 200, "given_name": 200, "patronymic": 200, "birth_place": 300, "citizenship": 100,
    "detention_place": 300, "notes": 5000,
}  # fmt: skip
RECORD_ID_RE = re.compile(r"^[^\s]{1,64}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Headers other tools and other languages use for our fields (compared cleaned: case-folded, single spaces).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "record_id": ("record_id", "record id", "id", "no", "no.", "nr", "number", "ref", "reference", "№", "номер",
                  "ід", "ид", "код", "реєстраційний номер", "регистрационный номер"),
    "family_name": ("family_name", "family name", "surname", "last name", "lastname", "прізвище", "фамилия"),
    "given_name": ("given_name", "given name", "first name", "firstname", "forename", "ім'я", "імя", "имя"),
    "patronymic": ("patronymic", "middle name", "father's name", "по батькові", "по-батькові", "отчество"),
    "birth_date": ("birth_date", "birth date", "date of birth", "dob", "born", "дата народження", "дата рождения",
                   "д.н.", "д.р."),
    "birth_place": ("birth_place", "birth place", "place of birth", "місце народження", "место рождения"),
    "citizenship": ("citizenship", "nationality", "громадянство", "гражданство"),
    "detention_date": ("detention_date", "detention date", "date of detention", "date detained", "arrest date",
                       "дата затримання", "дата задержания", "дата арешту", "дата ареста"),
    "detention_place": ("detention_place", "detention place", "place of detention", "where held",
                        "місце утримання", "місце ув'язнення", "место содержания", "место заключения"),
    "status": ("status", "статус", "стан", "состояние"),
    "notes": ("notes", "note", "comment", "comments", "remarks", "примітки", "примітка", "коментар",
              "примечания", "примечание", "комментарий"),
}  # fmt: skip


@dataclass(frozen=True)
class Table:
    """A file's header row and its data rows with their line numbers (the header is line 1)."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass(frozen=True)
class RecordInput:
    """One row as it would be stored: cleaned text ("" for empty), ISO dates, a status code."""

    record_id: str
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    birth_date: str = ""
    birth_place: str = ""
    citizenship: str = ""
    detention_date: str = ""
    detention_place: str = ""
    status: str = "unknown"
    notes: str = ""

    def values(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# --- reading -------------------------------------------------------------------------------------------------


def read_table(name: str, content: bytes, *, max_rows: int | None) -> Table:
    """The header and rows of a CSV (UTF-8 with or without BOM, comma, semicolon or tab) or XLSX (first sheet)
    file. `max_rows` (None: no limit) bounds the data rows; a bigger file raises `FileTooLarge`."""
    cells = _read_xlsx(content, max_rows) if name.lower().endswith(".xlsx") else _read_csv(content, max_rows)
    while cells and not any(c.strip() for c in cells[0]):
        cells.pop(0)
    if not cells:
        raise ValidationFailed(_("The file is empty: a header row is needed."))
    headers = [h.strip() for h in cells[0]]
    rows = [(index + 2, row) for index, row in enumerate(cells[1:])]
    return Table(headers=headers, rows=rows)


def _check_size(count: int, max_rows: int | None) -> None:
    if max_rows is not None and count > max_rows + 1:
        raise FileTooLarge(
            _(
                "The file has more than %(max)s rows. Split it, or import it on the server with "
                "`mosty detainees import`."
            )
            % {"max": max_rows}
        )


def _read_csv(content: bytes, max_rows: int | None) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            _check_size(len(rows), max_rows)
    except csv.Error:
        raise ValidationFailed(_("The file is not valid CSV near line %(line)s.") % {"line": len(rows) + 1}) from None
    return rows


def _read_xlsx(content: bytes, max_rows: int | None) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed(_("The file is not a readable XLSX workbook.")) from None
    try:
        rows: list[list[str]] = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append([_xlsx_text(v) for v in row])
            _check_size(len(rows), max_rows)
        return rows
    finally:
        workbook.close()


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- mapping -------------------------------------------------------------------------------------------------


def clean_header(header: str) -> str:
    return " ".join(header.replace("’", "'").replace("ʼ", "'").casefold().split())


def convention_mapping(headers: list[str]) -> dict[str, str] | None:
    """Our field -> header for a file in the brief's convention (it has a `record_id` column); else None."""
    cleaned = {clean_header(h): h for h in headers if h}
    if "record_id" not in cleaned:
        return None
    return {name: cleaned[name] for name in FIELDS if name in cleaned}


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """A first guess at our field -> header from the usual names in English, Ukrainian and Russian."""
    cleaned = {clean_header(h): h for h in headers if h}
    guess: dict[str, str] = {}
    for name, synonyms in SYNONYMS.items():
        for synonym in synonyms:
            if synonym in cleaned and cleaned[synonym] not in guess.values():
                guess[name] = cleaned[synonym]
                break
    return guess


def usable_mapping(mapping: Mapping[str, str], headers: list[str]) -> bool:
    """Whether `mapping` names a record_id column and only headers the file has."""
    present = {clean_header(h) for h in headers}
    return bool(mapping.get("record_id")) and all(clean_header(h) in present for h in mapping.values() if h)


def choose_mapping(headers: list[str], *, given: Mapping[str, str] | None, saved: Mapping[str, str]) -> dict[str, str]:
    """The mapping to read a file with: the one given, else the convention, else the source's saved one;
    `ColumnMappingNeeded` (with a guess) when none fits."""
    if given:
        mapping = {k: v for k, v in given.items() if k in FIELDS and v}
        if not usable_mapping(mapping, headers):
            raise ColumnMappingNeeded(headers=headers, guess=guess_mapping(headers), invalid=True)
        return mapping
    convention = convention_mapping(headers)
    if convention is not None:
        return convention
    if saved and usable_mapping(saved, headers):
        return {k: v for k, v in saved.items() if k in FIELDS and v}
    raise ColumnMappingNeeded(headers=headers, guess=guess_mapping(headers))


# --- rows ----------------------------------------------------------------------------------------------------


def _cell(value: str) -> str:
    value = " ".join(value.split())
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
        return value[1:]
    return value


def _date(value: str) -> str | None:
    from mosty.linkage.dates import parse_partial_date

    if not value:
        return ""
    parsed = parse_partial_date(value)
    return parsed.iso() if parsed is not None else None


def parse_rows(table: Table, mapping: Mapping[str, str]) -> tuple[list[tuple[int, RecordInput]], dict[str, list[str]]]:
    """Every non-empty row as a `RecordInput`, and every problem keyed "line N" (see the module docstring)."""
    positions: dict[str, int] = {}
    cleaned_headers = [clean_header(h) for h in table.headers]
    for name, header in mapping.items():
        if header and clean_header(header) in cleaned_headers:
            positions[name] = cleaned_headers.index(clean_header(header))
    width = len(table.headers)
    errors: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    out: list[tuple[int, RecordInput]] = []
    for line, cells in table.rows:
        if not any(c.strip() for c in cells):
            continue
        problems: list[str] = []
        if any(c.strip() for c in cells[width:]):
            problems.append(_("more cells than the header has"))
        values = {name: _cell(cells[i]) if i < len(cells) else "" for name, i in positions.items()}
        record_id = values.get("record_id", "")
        if not record_id:
            problems.append(_("record_id: empty"))
        elif not RECORD_ID_RE.match(record_id):
            problems.append(_("record_id: use the list's own reference, at most 64 characters and no spaces"))
        elif record_id in seen:
            problems.append(_("record_id: the same as on line %(line)s") % {"line": seen[record_id]})
        else:
            seen[record_id] = line
        for name, limit in MAX_LENGTHS.items():
            if len(values.get(name, "")) > limit:
                problems.append(_("%(field)s: longer than %(max)s characters") % {"field": name, "max": limit})
        for name in DATE_FIELDS:
            iso = _date(values.get(name, ""))
            if iso is None:
                problems.append(_("%(field)s: not a date like 1987-05-12, 1987-05 or 1987") % {"field": name})
            else:
                values[name] = iso
        status = recognise_status(values.get("status", ""))
        if status is None:
            problems.append(_("status: not a status we can read (detained, sentenced, released, ...)"))
        else:
            values["status"] = status
        if problems:
            errors[f"line {line}"] = problems
            continue
        out.append((line, RecordInput(**{k: v for k, v in values.items() if k in FIELDS})))
    return out, errors
