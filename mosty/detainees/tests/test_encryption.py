# ruff: noqa: RUF001
# (Cyrillic names are the data under test)
"""Nothing identifying is stored in clear, and the blind indexes find a name in any spelling."""

from __future__ import annotations

import pytest
from django.db import connection

from mosty.accounts.tests.factories import make_organisation
from mosty.api.tests.factories import database_dump
from mosty.core.crypto.errors import KeyNotAvailable
from mosty.core.crypto.keyring import acting_as
from mosty.detainees import selectors, services
from mosty.detainees.models import DetaineeRecord, Source
from mosty.detainees.tests.factories import import_rows, make_source, row, viewer_of

pytestmark = pytest.mark.django_db

CANARIES = {
    "family": "Канарейченко",
    "given": "Щеглиця",
    "patronymic": "Жужелицівна",
    "birth_place": "Canaryville-9431",
    "citizenship": "Canarystan",
    "detention_place": "СІЗО-Канарка-77",
    "notes": "canary-notes-Ёжик-5521",
    "description": "canary-description-Щегол-9902",
    "header": "Канарейкин-столбец",
}


def test_canary_values_are_absent_from_a_dump_of_every_table() -> None:
    org = make_organisation()
    viewer = viewer_of(org)
    source = services.source_create(viewer=viewer, name="Canary list", description=CANARIES["description"])
    services.source_mapping_set(viewer=viewer, source=source, mapping={"record_id": CANARIES["header"]})
    import_rows(
        viewer,
        source,
        [
            row(
                "C-1",
                CANARIES["family"],
                CANARIES["given"],
                patronymic=CANARIES["patronymic"],
                birth_date="1911-11-11",
                birth_place=CANARIES["birth_place"],
                citizenship=CANARIES["citizenship"],
                detention_date="1912-12-12",
                detention_place=CANARIES["detention_place"],
                notes=CANARIES["notes"],
                status="засуджений",
            )
        ],
    )
    dump = database_dump()
    for value in [*CANARIES.values(), "1911-11-11", "1912-12-12", "11.11.1911"]:
        assert value not in dump, value
    assert "C-1" in dump  # the list's own reference is in clear, by design
    with acting_as(org.pk):
        assert DetaineeRecord.objects.get().family_name == CANARIES["family"]
        stored = Source.objects.get()
        assert stored.description == CANARIES["description"]
        assert stored.column_mapping == {"record_id": CANARIES["header"]}


def test_another_organisation_cannot_decrypt_even_with_the_row() -> None:
    owner, other = viewer_of(make_organisation()), viewer_of(make_organisation())
    source = make_source(owner)
    import_rows(owner, source, [row("A", "Шевченко", "Тарас")])
    with acting_as(other.organisation_id), pytest.raises(KeyNotAvailable):
        _ = DetaineeRecord.objects.get().family_name


def test_blind_indexes_use_the_canonical_keys() -> None:
    viewer = viewer_of(make_organisation())
    source = make_source(viewer)
    import_rows(
        viewer,
        source,
        [
            row("A", "Шевченко", "Тарас", birth_date="12.05.1987"),
            row("B", "Shevchenko", "Taras", birth_date="1987-05-12"),
            row("C", "Schewtschenko", "Taras"),
            row("D", "Szewczenko", "Taras"),
            row("E", "Бондаренко", "Іван", birth_date="1987-05-12"),
        ],
    )
    indexes = dict(DetaineeRecord.objects.values_list("record_id", "family_name_index"))
    assert indexes["A"] == indexes["B"] == indexes["C"] == indexes["D"]
    assert indexes["E"] != indexes["A"]
    # a keyed hash, not the name or its key
    assert "shevchenko" not in indexes["A"].lower()
    access = selectors.access_source_by_id(viewer, source.pk)
    with acting_as(viewer.organisation_id):
        found = selectors.record_search(viewer, access, family_name="Шевченко")
        assert sorted(r.record_id for r in found) == ["A", "B", "C", "D"]
        found = selectors.record_search(viewer, access, family_name="Chevtchenko", birth_date="12.05.1987")
        assert sorted(r.record_id for r in found) == ["A", "B"]
        found = selectors.record_search(viewer, access, birth_date="1987-05-12")
        assert sorted(r.record_id for r in found) == ["A", "B", "E"]


def test_index_keys_differ_between_organisations() -> None:
    a, b = viewer_of(make_organisation()), viewer_of(make_organisation())
    for viewer in (a, b):
        import_rows(viewer, make_source(viewer), [row("A", "Шевченко")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT family_name_index FROM detainees_detaineerecord")
        values = {r[0] for r in cursor.fetchall()}
    assert len(values) == 2
