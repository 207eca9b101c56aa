# ruff: noqa: RUF001
# (Cyrillic names are the data under test)
"""Imports: the convention, other headers through a remembered mapping, XLSX, the dry run, errors by line with
nothing half-imported, and idempotent re-imports."""

from __future__ import annotations

import io

import pytest

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import make_organisation
from mosty.core.crypto.keyring import acting_as
from mosty.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from mosty.core.models import AuditEvent
from mosty.detainees import importing, services
from mosty.detainees.errors import ColumnMappingNeeded, FileTooLarge
from mosty.detainees.models import DetaineeRecord, Source
from mosty.detainees.tests.factories import csv_bytes, import_rows, make_source, row, viewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer():
    return viewer_of(make_organisation())


@pytest.fixture
def source(viewer):
    return make_source(viewer)


def _stored(source: Source) -> dict[str, dict[str, object]]:
    with acting_as(source.organisation_id):
        return {
            r.record_id: {name: getattr(r, name) for name in (*DetaineeRecord.ENCRYPTED_FIELDS, "status")}
            for r in DetaineeRecord.objects.filter(source=source)
        }


def test_import_in_the_convention(viewer, source) -> None:
    outcome = import_rows(
        viewer,
        source,
        [
            row(
                "UA-1",
                "Шевченко",
                "Тарас",
                patronymic="Григорович",
                birth_date="12.05.1987",
                birth_place="м. Херсон",
                citizenship="Україна",
                detention_date="2022-03",
                detention_place="СІЗО-2 Сімферополь",
                status="засуджений",
                notes="Подробиці",
                source="whatever: ignored",
            ),
            row("UA-2", "Коваленко", "Олена", status=""),
        ],
    )
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.errors) == (2, 0, 0, {})
    stored = _stored(source)
    assert stored["UA-1"] == {
        "family_name": "Шевченко",
        "given_name": "Тарас",
        "patronymic": "Григорович",
        "birth_date": "1987-05-12",
        "birth_place": "м. Херсон",
        "citizenship": "Україна",
        "detention_date": "2022-03",
        "detention_place": "СІЗО-2 Сімферополь",
        "notes": "Подробиці",
        "status": "sentenced",
    }
    assert stored["UA-2"]["status"] == "unknown"
    assert stored["UA-2"]["birth_date"] is None
    source.refresh_from_db()
    assert source.last_import_stats["new"] == 2
    with acting_as(viewer.organisation_id):
        assert source.column_mapping is None  # the convention needs no mapping
    assert AuditEvent.objects.filter(action="detainees.source.imported", object_id=str(source.pk)).count() == 1


def test_headers_in_another_language_need_a_mapping_which_is_remembered(viewer, source) -> None:
    header = ["№", "Прізвище", "Ім'я", "Дата народження", "Статус", "Зайве"]
    content = csv_bytes([["7", "Бондаренко", "Іван", "1990", "звільнений", "x"]], header=header)
    with pytest.raises(ColumnMappingNeeded) as caught:
        services.source_import(viewer=viewer, source=source, name="list.csv", content=content, dry_run=True)
    # a first guess from the usual names in English, Ukrainian and Russian
    assert caught.value.guess == {
        "record_id": "№",
        "family_name": "Прізвище",
        "given_name": "Ім'я",
        "birth_date": "Дата народження",
        "status": "Статус",
    }
    assert DetaineeRecord.objects.count() == 0
    outcome = services.source_import(
        viewer=viewer, source=source, name="list.csv", content=content, mapping=caught.value.guess, dry_run=False
    )
    assert outcome.new == 1
    assert _stored(source)["7"]["status"] == "released"
    source.refresh_from_db()
    with acting_as(viewer.organisation_id):
        assert source.column_mapping == caught.value.guess
    # the next file with the same headers needs no mapping
    again = csv_bytes([["8", "Мельник", "Ольга", "1991-02", "зникла безвісти", ""]], header=header)
    outcome = services.source_import(viewer=viewer, source=source, name="list.csv", content=again, dry_run=False)
    assert outcome.new == 1
    assert _stored(source)["8"]["status"] == "missing"


def test_a_mapping_must_name_the_record_id_and_columns_the_file_has(viewer, source) -> None:
    content = csv_bytes([["7", "Бондаренко"]], header=["Nr", "Surname"])
    with pytest.raises(ColumnMappingNeeded) as caught:
        services.source_import(
            viewer=viewer, source=source, name="l.csv", content=content, mapping={"family_name": "Surname"}
        )
    assert caught.value.invalid
    with pytest.raises(ColumnMappingNeeded):
        services.source_import(
            viewer=viewer, source=source, name="l.csv", content=content, mapping={"record_id": "Missing column"}
        )
    with pytest.raises(ValidationFailed):
        services.source_mapping_set(viewer=viewer, source=source, mapping={"family_name": "Surname"})
    services.source_mapping_set(viewer=viewer, source=source, mapping={"record_id": "nr", "family_name": "SURNAME"})
    outcome = services.source_import(viewer=viewer, source=source, name="l.csv", content=content, dry_run=False)
    assert outcome.new == 1  # headers compare case-insensitively


def test_xlsx_and_semicolons(viewer, source) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(importing.CONVENTION_HEADER))
    sheet.append(["", "X-1", "Петренко", "Марія", "", "1985-07-01", "", "", "", "", "detained", ""])
    out = io.BytesIO()
    workbook.save(out)
    outcome = services.source_import(
        viewer=viewer, source=source, name="list.xlsx", content=out.getvalue(), dry_run=False
    )
    assert outcome.new == 1
    semicolons = "record_id;family_name;given_name;status\nX-2;Петренко;Петро;затриманий\n".encode()
    outcome = services.source_import(viewer=viewer, source=source, name="list.csv", content=semicolons, dry_run=False)
    assert outcome.new == 1
    assert _stored(source)["X-2"]["status"] == "detained"


def test_a_dry_run_writes_nothing_and_previews(viewer, source) -> None:
    import_rows(viewer, source, [row("A", "Шевченко", "Тарас"), row("B", "Бойко", "Ніна")])
    events = AuditEvent.objects.count()
    before = _stored(source)
    content = csv_bytes(
        [
            row("A", "Шевченко", "Тарас"),  # unchanged
            row("B", "Бойко", "Ніна", status="звільнена"),  # updated
            row("C", "Ткаченко", "Оксана", birth_date="1999"),  # new
            row("D", "Ткаченко", "Ігор", birth_date="not a date"),  # error
        ]
    )
    outcome = services.source_import(viewer=viewer, source=source, name="l.csv", content=content, dry_run=True)
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.error_count) == (1, 1, 1, 1)
    assert list(outcome.errors) == ["line 5"]
    assert [(p.line, p.action) for p in outcome.preview] == [(2, "unchanged"), (3, "updated"), (4, "new")]
    assert outcome.preview[1].changed == ("status",)
    assert outcome.preview[2].values["birth_date"] == "1999"
    assert _stored(source) == before
    assert AuditEvent.objects.count() == events
    source.refresh_from_db()
    assert source.last_import_stats == {"rows": 2, "new": 2, "updated": 0, "unchanged": 0, "kept": 0}


def test_errors_by_line_and_nothing_half_imported(viewer, source) -> None:
    content = csv_bytes(
        [
            row("OK-1", "Шевченко", "Тарас"),
            row("", "Без", "Номера"),
            row("OK-1", "Двічі", "Той самий"),
            row("has space", "Ім'я", "Як номер"),
            row("OK-2", "Дата", "Погана", detention_date="32.13.2020"),
            row("OK-3", "Статус", "Незрозумілий", status="Kherson"),
            row("OK-4", "x" * 201),
            [*row("OK-5", "Зайва", "Клітинка"), "extra"],
            row("OK-6", "Добре", "Все"),
        ]
    )
    with pytest.raises(ValidationFailed) as caught:
        services.source_import(viewer=viewer, source=source, name="l.csv", content=content, dry_run=False)
    errors = caught.value.errors
    assert sorted(errors, key=lambda k: int(k.split()[1])) == [f"line {n}" for n in range(3, 10)]
    assert "record_id: empty" in errors["line 3"]
    assert "line 2" in errors["line 4"][0]
    assert "detention_date" in errors["line 6"][0]
    assert "status" in errors["line 7"][0]
    assert "family_name" in errors["line 8"][0]
    # no value is echoed into the messages
    text = repr(errors)
    for value in ("Двічі", "Погана", "Kherson", "Клітинка", "has space", "32.13.2020"):
        assert value not in text
    assert DetaineeRecord.objects.count() == 0
    source.refresh_from_db()
    assert source.last_import_at is None


def test_a_failure_while_writing_rolls_everything_back(viewer, source, monkeypatch) -> None:
    import_rows(viewer, source, [row("A", "Шевченко", "Тарас")])
    calls = {"n": 0}
    real_save = DetaineeRecord.save

    def failing_save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(DetaineeRecord, "save", failing_save)
    content = csv_bytes([row("A", "Шевченко", "Тарас", status="помер"), *[row(f"N{i}", "Бойко") for i in range(5)]])
    with pytest.raises(RuntimeError):
        services.source_import(viewer=viewer, source=source, name="l.csv", content=content, dry_run=False)
    assert set(_stored(source)) == {"A"}
    assert _stored(source)["A"]["status"] == "unknown"


def test_re_import_is_idempotent_and_updates_only_what_changed(viewer, source) -> None:
    rows = [row("A", "Шевченко", "Тарас", birth_date="1987"), row("B", "Бойко", "Ніна")]
    import_rows(viewer, source, rows)
    with acting_as(viewer.organisation_id):
        sealed_before = dict(DetaineeRecord.objects.filter(source=source).values_list("record_id", "given_name"))
    again = import_rows(viewer, source, rows)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    changed = import_rows(viewer, source, [row("A", "Шевченко", "Тарас", birth_date="1987-05-12")])
    assert (changed.new, changed.updated, changed.unchanged, changed.kept) == (0, 1, 0, 1)
    assert _stored(source)["A"]["birth_date"] == "1987-05-12"
    assert DetaineeRecord.objects.filter(source=source).count() == 2
    with acting_as(viewer.organisation_id):
        sealed_after = dict(DetaineeRecord.objects.filter(source=source).values_list("record_id", "given_name"))
    # an unchanged field is not sealed again (same ciphertext), and B was not touched at all
    assert sealed_after == sealed_before


def test_the_web_row_cap(viewer, source) -> None:
    content = csv_bytes([row(f"R{i}", "Бойко") for i in range(6)])
    with pytest.raises(FileTooLarge):
        services.source_import(viewer=viewer, source=source, name="l.csv", content=content, max_rows=5)
    outcome = services.source_import(viewer=viewer, source=source, name="l.csv", content=content, max_rows=None)
    assert outcome.new == 6


def test_unreadable_files(viewer, source) -> None:
    with pytest.raises(ValidationFailed):
        services.source_import(viewer=viewer, source=source, name="l.csv", content="a,b\n".encode("utf-16"))
    with pytest.raises(ValidationFailed):
        services.source_import(viewer=viewer, source=source, name="l.xlsx", content=b"not a zip")
    with pytest.raises(ValidationFailed):
        services.source_import(viewer=viewer, source=source, name="l.csv", content=b"")


def test_only_writing_roles_of_the_owner_import(viewer, source) -> None:
    reader = viewer_of(viewer.organisation, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        import_rows(reader, source, [row("A", "Шевченко")])
    stranger = viewer_of(make_organisation())
    with pytest.raises(NotFound):
        import_rows(stranger, source, [row("A", "Шевченко")])
    assert DetaineeRecord.objects.count() == 0
