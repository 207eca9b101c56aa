"""3W import and export: HXL round trip in CSV and XLSX, errors by line, all-or-nothing, formula injection."""

from __future__ import annotations

import datetime as dt

import pytest

from mosty.accounts.tests.factories import make_organisation
from mosty.core.exceptions import ValidationFailed
from mosty.registry import importexport, selectors
from mosty.registry.models import Activity, FundingStatus
from mosty.registry.tests.factories import make_activity, make_initiative, region, sector, support_type, viewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer():
    return viewer_of(make_organisation(slug="vltava"))


def _seed(viewer) -> None:
    initiative = make_initiative(viewer, codename="Kurai")
    make_activity(
        viewer,
        title="Flat residence Letná",
        reference="flat-1",
        support_type=support_type("safe-housing"),
        regions=[region("CZ")],
        people_per_month=4,
        funding_status=FundingStatus.FUNDED,
    )
    make_activity(
        viewer,
        title='=HYPERLINK("http://evil")',
        reference="grant-2",
        sector=sector("environment"),
        regions=[region("RU-BA"), region("RU-TA"), region("UA-43")],
        start_date=dt.date(2025, 3, 1),
        end_date=dt.date(2026, 2, 28),
        initiative=initiative,
    )


def _export(viewer) -> list[list[str]]:
    return importexport.export_table(selectors.activities(viewer).order_by("reference"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_restores_every_activity_exactly(viewer, fmt: str) -> None:
    _seed(viewer)
    before = _export(viewer)
    assert before[1][0] == "#activity+id"
    assert len(before) == 2 + 1 + 3  # header, hashtags, one row per activity and region
    content = importexport.write_csv(before) if fmt == "csv" else importexport.write_xlsx(before)
    Activity.objects.all().delete()

    outcome = importexport.import_activities(viewer, name=f"3w.{fmt}", content=content, dry_run=False)
    assert (outcome.created, outcome.updated) == (2, 0)
    assert _export(viewer) == before
    evil = Activity.objects.get(reference="grant-2")
    assert evil.title == '=HYPERLINK("http://evil")'
    assert [r.code for r in evil.regions.order_by("code")] == ["RU-BA", "RU-TA", "UA-43"]

    again = importexport.import_activities(viewer, name=f"3w.{fmt}", content=content, dry_run=False)
    assert (again.created, again.updated) == (0, 2)
    assert Activity.objects.count() == 2


def test_csv_cells_that_start_a_formula_are_defused(viewer) -> None:
    _seed(viewer)
    text = importexport.write_csv(_export(viewer)).decode("utf-8")
    assert "'=HYPERLINK" in text
    assert ",=HYPERLINK" not in text


def test_xlsx_cells_are_strings_not_formulas(viewer) -> None:
    import io

    from openpyxl import load_workbook

    _seed(viewer)
    workbook = load_workbook(io.BytesIO(importexport.write_xlsx(_export(viewer))))
    cells = [c for row in workbook.active.iter_rows() for c in row if str(c.value).startswith("=")]
    assert cells
    assert all(c.data_type == "s" for c in cells)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(viewer) -> None:
    table = [
        ["Ref", "Title", "Type", "Sector", "Region", "Start", "People"],
        [
            "#activity+id",
            "#activity+name",
            "#activity+type+code",
            "#sector+code",
            "#adm1+code",
            "#date+start",
            "#reached+num+monthly",
        ],
        ["ok-1", "Good row", "legal-aid", "human-rights", "RU-TA", "2026-01-01", "5"],
        ["bad-2", "Bad region", "legal-aid", "human-rights", "RU-XX", "2026-01-01", ""],
        ["bad-3", "Bad date", "legal-aid", "no-such-sector", "RU-TA", "01.02.2026", "many"],
    ]
    with pytest.raises(ValidationFailed) as exc:
        importexport.import_activities(viewer, name="x.csv", content=importexport.write_csv(table), dry_run=False)
    errors = exc.value.errors
    assert set(errors) == {"line 4", "line 5"}
    assert "RU-XX" in " ".join(errors["line 4"])
    joined = " ".join(errors["line 5"])
    assert "sector" in joined
    assert "start_date" in joined
    assert "people_per_month" in joined
    assert not Activity.objects.exists()


def test_dry_run_checks_and_writes_nothing(viewer) -> None:
    _seed(viewer)
    content = importexport.write_csv(_export(viewer))
    Activity.objects.all().delete()
    outcome = importexport.import_activities(viewer, name="x.csv", content=content, dry_run=True)
    assert outcome.created == 2
    assert not Activity.objects.exists()


def test_rows_of_another_organisation_are_refused(viewer) -> None:
    other = viewer_of(make_organisation(slug="other-org"))
    _seed(other)
    content = importexport.write_csv(_export(other))
    with pytest.raises(ValidationFailed) as exc:
        importexport.import_activities(viewer, name="x.csv", content=content, dry_run=False)
    assert "other-org" in " ".join(m for msgs in exc.value.errors.values() for m in msgs)
    assert not Activity.objects.filter(organisation=viewer.organisation).exists()


def test_a_file_without_hashtags_or_not_utf8_gets_a_clear_error(viewer) -> None:
    with pytest.raises(ValidationFailed, match="hashtag"):
        importexport.import_activities(viewer, name="x.csv", content=b"a,b\n1,2\n", dry_run=True)
    with pytest.raises(ValidationFailed, match="UTF-8"):
        importexport.import_activities(viewer, name="x.csv", content="é".encode("latin-1"), dry_run=True)
    with pytest.raises(ValidationFailed, match="XLSX"):
        importexport.import_activities(viewer, name="x.xlsx", content=b"not a zip", dry_run=True)


def test_columns_are_found_by_hashtag_whatever_their_order_and_headers(viewer) -> None:
    table = [
        ["Region", "Whatever", "Sector", "Start", "Kind", "Name"],
        ["#adm1+code", "#x_note", "#sector+code", "#date+start", "#activity+type+code", "#activity+name"],
        ["UA-14", "ignored", "humanitarian-aid", "2026-02-01", "medical-help", "Medicine"],
    ]
    outcome = importexport.import_activities(viewer, name="x.csv", content=importexport.write_csv(table), dry_run=False)
    assert outcome.created == 1
    activity = Activity.objects.get()
    assert activity.title == "Medicine"
    assert [r.code for r in activity.regions.all()] == ["UA-14"]
