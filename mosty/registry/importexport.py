"""3W import and export: CSV and XLSX with a header row and an HXL hashtag row.

One row per activity and region (the sector's usual 3W shape); rows that share `#activity+id` are one
activity. Columns are found by their hashtags (libhxl reads the table), so a file from another tool imports as
long as it carries the tags; the human header row is free text. Import is all or nothing: every bad row is
reported with its line number and nothing is written.

Threat: a spreadsheet that runs a formula from a cell (CSV/formula injection). CSV cells that start with
= + - @ get a leading apostrophe (removed again on import); XLSX cells are written as typed strings.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import hxl
from django.utils.translation import gettext as _

from mosty.accounts.selectors import Viewer
from mosty.core.exceptions import ValidationFailed
from mosty.registry import selectors
from mosty.registry.models import Activity, FundingStatus, Initiative, Region, RegionKind, Sector, SupportType
from mosty.registry.services import ActivityInput, ImportOutcome, activities_upsert

MAX_ROWS = 20_000

# (key, header, hashtag). The hashtags follow the HXL core schema; `+monthly` says the count is per month.
COLUMNS: list[tuple[str, str, str]] = [
    ("reference", "Reference", "#activity+id"),
    ("organisation", "Organisation", "#org+code"),
    ("initiative", "Initiative (pseudonym)", "#org+impl+name"),
    ("title", "Activity", "#activity+name"),
    ("support_type", "Support type", "#activity+type+code"),
    ("sector", "Sector", "#sector+code"),
    ("country", "Country", "#country+code"),
    ("region", "Region", "#adm1+code"),
    ("start_date", "Start", "#date+start"),
    ("end_date", "End", "#date+end"),
    ("people_per_month", "People a month", "#reached+num+monthly"),
    ("funding_status", "Funding", "#status+funding"),
    ("shared", "Shared", "#meta+shared"),
]
REQUIRED = ("title", "support_type", "sector", "start_date")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- export ------------------------------------------------------------------------------------------------------


def export_table(activities: Iterable[Activity]) -> list[list[str]]:
    """Header row, hashtag row, then one row per activity and region."""
    table = [[header for _, header, _ in COLUMNS], [tag for _, _, tag in COLUMNS]]
    for activity in activities:
        base = {
            "reference": activity.reference,
            "organisation": activity.organisation.slug,
            "initiative": activity.initiative.codename if activity.initiative else "",
            "title": activity.title,
            "support_type": activity.support_type.slug,
            "sector": activity.sector.slug,
            "start_date": activity.start_date.isoformat(),
            "end_date": activity.end_date.isoformat() if activity.end_date else "",
            "people_per_month": "" if activity.people_per_month is None else str(activity.people_per_month),
            "funding_status": activity.funding_status,
            "shared": "yes" if activity.shared else "no",
        }
        for region in activity.regions.all():
            row = {
                **base,
                "country": region.country,
                "region": region.code if region.kind == RegionKind.SUBDIVISION else "",
            }
            table.append([row[key] for key, _, _ in COLUMNS])
    return table


def _csv_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(table: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i, row in enumerate(table):
        writer.writerow(row if i < 2 else [_csv_cell(v) for v in row])
    # A byte-order mark so that spreadsheet programs read the Cyrillic as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_xlsx(table: Sequence[Sequence[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("3W")
    from openpyxl.cell import WriteOnlyCell

    for row in table:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # never a formula
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- reading ------------------------------------------------------------------------------------------------------


def read_table(name: str, content: bytes) -> list[list[str]]:
    """The cells of an uploaded CSV (UTF-8, with or without BOM; comma or semicolon) or XLSX (first sheet)."""
    if name.lower().endswith(".xlsx"):
        return _read_xlsx(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(_("The file is not UTF-8 text. Save it as CSV UTF-8 and try again.")) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if len(rows) > MAX_ROWS + 2:
        raise ValidationFailed(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
    return rows


def _read_xlsx(content: bytes) -> list[list[str]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed(_("The file is not a readable XLSX workbook.")) from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True):
            if len(rows) > MAX_ROWS + 2:
                raise ValidationFailed(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})
            rows.append([_xlsx_text(v) for v in row])
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


# --- parsing ------------------------------------------------------------------------------------------------------


@dataclass
class _Pending:
    line: int
    values: dict[str, str]
    regions: list[Region]


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
        return value[1:]
    return value


def _columns(source: Any) -> dict[str, int]:
    """Our column keys -> their index in the file, found by hashtag and attributes (order-independent)."""
    found: dict[str, int] = {}
    for index, column in enumerate(source.columns):
        for key, _header, tag in COLUMNS:
            pattern = hxl.model.TagPattern.parse(tag)
            if key not in found and pattern.match(column):
                found[key] = index
    return found


def parse_activities(viewer: Viewer, table: list[list[str]]) -> list[tuple[int, ActivityInput]]:
    """The activities a table describes, for the viewer's organisation; ValidationFailed lists every bad line."""
    try:
        source = hxl.data(table)
        columns = _columns(source)
        data_rows = [(row.source_row_number + 1, list(row.values)) for row in source]
    except hxl.HXLException:
        raise ValidationFailed(_("The file has no HXL hashtag row (e.g. #activity+id, #sector+code).")) from None
    missing = [tag for key, _h, tag in COLUMNS if key in REQUIRED and key not in columns]
    if "region" not in columns and "country" not in columns:
        missing.append("#adm1+code / #country+code")
    if missing:
        raise ValidationFailed(_("Columns with these hashtags are missing: %(tags)s") % {"tags": ", ".join(missing)})
    if not data_rows:
        raise ValidationFailed(_("The file has no data rows."))

    sector_map = {s.slug: s for s in Sector.objects.all()}
    type_map = {t.slug: t for t in SupportType.objects.all()}
    region_map = {r.code: r for r in Region.objects.all()}
    initiative_map = {i.codename.casefold(): i for i in selectors.initiatives(viewer)}

    errors: dict[str, list[str]] = {}
    pending: dict[str, _Pending] = {}
    order: list[str] = []
    for line, cells in data_rows:
        values = {
            key: _unquote(cells[i]) if i < len(cells) and cells[i] is not None else "" for key, i in columns.items()
        }
        if not any(values.values()):
            continue
        problems: list[str] = []
        region = _row_region(values, region_map, problems)
        org = values.get("organisation", "")
        if org and org != viewer.organisation.slug:
            problems.append(_("this row belongs to another organisation (%(org)s)") % {"org": org})
        key = values.get("reference") or f"line-{line}"
        if key in pending:
            first = pending[key]
            differing = [k for k in values if k not in ("region", "country") and values[k] != first.values.get(k, "")]
            if differing:
                problems.append(
                    _("same reference as line %(line)s but different %(fields)s")
                    % {"line": first.line, "fields": ", ".join(differing)}
                )
            elif region is not None:
                first.regions.append(region)
        else:
            pending[key] = _Pending(line=line, values=values, regions=[region] if region else [])
            order.append(key)
        if problems:
            errors.setdefault(f"line {line}", []).extend(problems)

    result: list[tuple[int, ActivityInput]] = []
    for key in order:
        item = pending[key]
        try:
            result.append((item.line, _activity_input(item, sector_map, type_map, initiative_map)))
        except ValidationFailed as exc:
            errors.setdefault(f"line {item.line}", []).extend(
                f"{field}: {'; '.join(msgs)}" for field, msgs in exc.errors.items()
            )
    if errors:
        raise ValidationFailed(_("Nothing was imported: fix the lines below and try again."), errors=errors)
    return result


def _row_region(values: dict[str, str], region_map: dict[str, Region], problems: list[str]) -> Region | None:
    code = (values.get("region") or values.get("country") or "").strip().upper()
    if not code:
        problems.append(_("no region or country code"))
        return None
    region = region_map.get(code)
    if region is None:
        problems.append(_("unknown region or country code %(code)s") % {"code": code})
    return region


def _activity_input(
    item: _Pending,
    sector_map: dict[str, Sector],
    type_map: dict[str, SupportType],
    initiative_map: dict[str, Initiative],
) -> ActivityInput:
    values = item.values
    errors: dict[str, list[str]] = {}

    def need(key: str, mapping: dict[str, Any], label: str) -> Any:
        raw = values.get(key, "").strip()
        found = mapping.get(raw)
        if found is None:
            errors[key] = [_("unknown %(what)s %(value)s") % {"what": label, "value": raw or "(empty)"}]
        return found

    sector = need("sector", sector_map, _("sector"))
    support_type = need("support_type", type_map, _("support type"))
    initiative = None
    if values.get("initiative"):
        initiative = initiative_map.get(values["initiative"].casefold())
        if initiative is None:
            errors["initiative"] = [_("no initiative your organisation knows has this pseudonym")]
    start = _date(values.get("start_date", ""), "start_date", errors, required=True)
    end = _date(values.get("end_date", ""), "end_date", errors, required=False)
    people: int | None = None
    if values.get("people_per_month"):
        try:
            people = int(values["people_per_month"].replace(" ", ""))
            if people < 0:
                raise ValueError
        except ValueError:
            errors["people_per_month"] = [_("not a whole number")]
    funding = (values.get("funding_status") or FundingStatus.UNFUNDED).strip().lower()
    if funding not in FundingStatus.values:
        errors["funding_status"] = [_("use funded, partly or unfunded")]
    shared_text = (values.get("shared") or "yes").strip().lower()
    if shared_text not in {"yes", "no", "true", "false", "1", "0"}:
        errors["shared"] = [_("use yes or no")]
    if not values.get("title", "").strip():
        errors["title"] = [_("empty")]
    if errors:
        raise ValidationFailed(errors=errors)
    if start is None or sector is None or support_type is None:  # reported above; narrows the types
        raise ValidationFailed(errors={"__all__": [_("incomplete row")]})
    return ActivityInput(
        title=values["title"],
        support_type=support_type,
        sector=sector,
        regions=item.regions,
        start_date=start,
        end_date=end,
        people_per_month=people,
        funding_status=funding,
        shared=shared_text in {"yes", "true", "1"},
        initiative=initiative,
        reference=values.get("reference", ""),
    )


def _date(raw: str, key: str, errors: dict[str, list[str]], *, required: bool) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        if required:
            errors[key] = [_("empty")]
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors[key] = [_("not a date like 2026-05-31")]
        return None


def import_activities(viewer: Viewer, *, name: str, content: bytes, dry_run: bool) -> ImportOutcome:
    """Read, check and (unless `dry_run`) write a 3W file, all or nothing."""
    table = read_table(name, content)
    rows = parse_activities(viewer, table)
    return activities_upsert(viewer=viewer, rows=rows, dry_run=dry_run)
