"""Input records in the brief's CSV convention, and the reading and writing of such files.

`read_records(paths)` promises all-or-nothing: either every row of every file becomes a `Record`, or an
`InputFileError` lists every problem with its file and line number (missing header columns, a row with the
wrong number of cells, a duplicate (source, record_id), a file that cannot be read or is not UTF-8). A row
without a `source` takes the file's name (without extension) as its source, so a list exported without one is
still usable. Extra columns are ignored. Values are kept as they are: normalising is not this module's job.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from mosty.linkage.errors import DuplicateRecordError, InputFileError

RECORD_COLUMNS = (
    "source", "record_id", "family_name", "given_name", "patronymic", "birth_date", "birth_place",
    "citizenship", "detention_date", "detention_place", "status", "notes",
)  # fmt: skip
REQUIRED_COLUMNS = ("record_id", "family_name", "given_name")
OUTPUT_COLUMNS = ("source", "record_id", "person_id", "match_probability")


@dataclass(frozen=True, slots=True)
class Record:
    """One organisation's record of one person. Every field may be empty."""

    source: str
    record_id: str
    family_name: str = ""
    given_name: str = ""
    patronymic: str = ""
    birth_date: str = ""
    birth_place: str = ""
    citizenship: str = ""
    detention_date: str = ""
    detention_place: str = ""
    status: str = ""
    notes: str = ""

    @property
    def ref(self) -> RecordRef:
        return (self.source, self.record_id)


RecordRef = tuple[str, str]
"""(source, record_id): how a record is named across the package."""

_FIELD_NAMES = tuple(f.name for f in fields(Record))


def _read_one(path: Path, problems: list[str]) -> list[tuple[int, Record]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})")
        return []
    rows: list[tuple[int, Record]] = []
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                problems.append(f"{path}:1: the file is empty (a header row is needed)")
                return []
            header = [h.strip().lower() for h in header]
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                problems.append(f"{path}:1: missing header column(s): {', '.join(missing)}")
                return []
            positions = {name: header.index(name) for name in _FIELD_NAMES if name in header}
            default_source = path.stem
            for cells in reader:
                line = reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    problems.append(f"{path}:{line}: {len(cells)} cells, the header has {len(header)}")
                    continue
                values = {name: cells[i].strip() for name, i in positions.items()}
                if not values.get("source"):
                    values["source"] = default_source
                if not values.get("record_id"):
                    problems.append(f"{path}:{line}: empty record_id")
                    continue
                rows.append((line, Record(**values)))
        except UnicodeDecodeError:
            problems.append(f"{path}: not UTF-8 text")
        except csv.Error as exc:
            problems.append(f"{path}:{reader.line_num}: not valid CSV ({exc})")
    return rows


def read_records(paths: Iterable[str | Path]) -> list[Record]:
    """Every record of every file, in order; raises `InputFileError` listing every problem found."""
    problems: list[str] = []
    records: list[Record] = []
    seen: dict[RecordRef, str] = {}
    duplicates: list[str] = []
    for raw in paths:
        path = Path(raw)
        for line, record in _read_one(path, problems):
            where = f"{path}:{line}"
            if record.ref in seen:
                duplicates.append(
                    f"{where}: duplicate (source, record_id) ({record.source}, {record.record_id}), "
                    f"first at {seen[record.ref]}"
                )
                continue
            seen[record.ref] = where
            records.append(record)
    if duplicates and not problems:
        raise DuplicateRecordError(duplicates)
    if problems or duplicates:
        raise InputFileError(problems + duplicates)
    return records


def check_unique(records: Iterable[Record]) -> list[Record]:
    """The records as a list; raises `DuplicateRecordError` if two share a (source, record_id)."""
    out = list(records)
    seen: set[RecordRef] = set()
    duplicates = []
    for index, record in enumerate(out):
        if record.ref in seen:
            duplicates.append(
                f"record {index + 1}: duplicate (source, record_id) ({record.source}, {record.record_id})"
            )
        seen.add(record.ref)
    if duplicates:
        raise DuplicateRecordError(duplicates)
    return out


def write_csv(path: str | Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """A UTF-8 CSV file with a header row."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(header))
        writer.writerows(rows)


def iter_csv_dicts(path: str | Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row of a UTF-8 CSV file with a header row."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
