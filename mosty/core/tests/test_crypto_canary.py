"""The stolen-database promise: canary values written through the normal paths appear nowhere in the database
(SQLite: its raw bytes; PostgreSQL: a full `pg_dump`), in sessions, or in the logs (SQL parameters included)."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import shutil
import subprocess  # nosec B404
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from mosty.accounts import services
from mosty.accounts.tests.factories import login_verified
from mosty.core.crypto.keyring import acting_as
from mosty.core.tests.cryptotest.factories import make_record, reload
from mosty.core.tests.cryptotest.models import SampleRecord

FAMILY_NAME = "Канарейка-Оксана-7731"
RENAMED = "Канарейка-Переименована-4410"
BIRTH_DATE = dt.date(1961, 3, 17)
PARTIAL_DATE = "1958-11"
NOTE_STORY = "Бежала через Верхний Ларс, канарейка 5512"
NOTE_CONTACT = "+7 913 555 0142"
STAFF_NAME = "Канарейка-Сотрудница-Зоя-9902"

CANARIES = [FAMILY_NAME, RENAMED, BIRTH_DATE.isoformat(), PARTIAL_DATE, NOTE_STORY, NOTE_CONTACT, STAFF_NAME]


def _encodings(canary: str) -> dict[str, bytes]:
    utf8 = canary.encode("utf-8")
    return {
        "utf-8": utf8,
        "utf-16-le": canary.encode("utf-16-le"),
        "utf-16-be": canary.encode("utf-16-be"),
        "hex": utf8.hex().encode("ascii"),
        "base64": base64.b64encode(utf8).decode("ascii").rstrip("=").encode("ascii"),
    }


def _hits(haystack: bytes) -> list[str]:
    return [
        f"{canary!r} as {name}"
        for canary in CANARIES
        for name, needle in _encodings(canary).items()
        if needle in haystack
    ]


def _write_canaries(organisation: Any) -> None:
    """Everything through the normal paths: the model for records, the accounts services for staff, a logged-in
    session that renders a page."""
    record = make_record(
        organisation,
        label="canary-1",
        family_name=FAMILY_NAME,
        birth_date=BIRTH_DATE,
        notes={"story": NOTE_STORY, "contact": NOTE_CONTACT},
    )
    make_record(organisation, label="canary-2", family_name=FAMILY_NAME, birth_date=PARTIAL_DATE)
    with acting_as(organisation.pk):
        fresh = reload(record)
        assert fresh.family_name == FAMILY_NAME
        fresh.family_name = RENAMED
        fresh.save()
        assert reload(record).notes["contact"] == NOTE_CONTACT

    staff = services.user_create(
        username="canary-staff", password="correct horse battery staple 42", display_name=STAFF_NAME
    )
    services.membership_set(user=staff, organisation=organisation, role="caseworker")
    services.totp_device_create_confirmed(user=staff)
    with acting_as(None):
        assert type(staff).objects.get(pk=staff.pk).display_name == STAFF_NAME
    client = Client()
    login_verified(client, staff)
    assert client.get("/").status_code in {200, 302}
    assert SampleRecord.objects.count() == 2


def _sqlite_bytes() -> bytes:
    """What a thief who copied the database would hold: the file and its write-ahead log (after a checkpoint),
    or, for the in-memory test database, the serialised image of every page (free pages included)."""
    connection.ensure_connection()
    raw = connection.connection
    parts = [raw.serialize()]
    name = str(connection.settings_dict["NAME"])
    if name and ":memory:" not in name and "mode=memory" not in name:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        for path in (Path(name), Path(name + "-wal")):
            if path.exists():
                parts.append(path.read_bytes())
    return b"".join(parts)


def _pg_dump_bytes() -> bytes:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed: the PostgreSQL dump check needs it on PATH")
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": str(settings.get("PASSWORD") or "")}
    command = [
        pg_dump,
        "--host=127.0.0.1",
        f"--port={settings.get('PORT') or 5432}",
        f"--username={settings.get('USER') or 'postgres'}",
        "--no-password",
        "--encoding=UTF8",
        str(settings["NAME"]),
    ]
    result = subprocess.run(command, capture_output=True, env=env, check=False, timeout=120)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        pytest.fail(f"pg_dump failed: {result.stderr.decode(errors='replace')}")
    assert b"COPY public.cryptotest_samplerecord" in result.stdout
    assert b"COPY public.django_session" in result.stdout
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_canaries_are_nowhere_in_the_database_or_the_logs(organisation: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    # Log every SQL statement with its parameters, as DEBUG=True would.
    connection.force_debug_cursor = True
    try:
        _write_canaries(organisation)
    finally:
        connection.force_debug_cursor = False

    logged = "\n".join([caplog.text, *(repr(vars(r)) for r in caplog.records)])
    assert "cryptotest_samplerecord" in logged  # the SQL log was on, so this check is not vacuous
    assert _hits(logged.encode("utf-8")) == []

    vendor = connection.vendor
    if vendor == "sqlite":
        dump = _sqlite_bytes()
    elif vendor == "postgresql":
        dump = _pg_dump_bytes()
    else:  # pragma: no cover
        pytest.skip(f"no dump method for {vendor}")
    assert b"m1:" in dump  # the ciphertexts are there
    assert _hits(dump) == []


def test_the_search_would_find_a_plaintext() -> None:
    """The searcher itself: a plaintext in any of the encodings is found."""
    for canary in CANARIES:
        for needle in _encodings(canary).values():
            assert _hits(b"xx" + needle + b"yy")
