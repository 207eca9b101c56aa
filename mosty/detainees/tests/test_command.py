# (Cyrillic names are the data under test)
"""`mosty detainees import` and `mosty detainees link`: the same services without the web's caps."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import make_member, make_organisation
from mosty.detainees.models import DetaineeRecord, LinkRun
from mosty.detainees.tests.factories import csv_bytes, generated_rows, make_source, row, viewer_of

pytestmark = pytest.mark.django_db


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("detainees", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_then_link_on_the_command_line(tmp_path) -> None:
    org = make_organisation(slug="cli-org")
    user = make_member(org, role=Role.DOCUMENTER, totp=False)
    source = make_source(viewer_of(org, user=user, role=Role.DOCUMENTER))
    rows, _truth = generated_rows(10, seed=4)
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(rows["uacenter"] + rows["memo"]))
    out, _err = _run("import", "--source", str(source.pk), "--user", user.username, "--dry-run", str(path))
    assert "would be imported" in out
    assert DetaineeRecord.objects.count() == 0
    out, _err = _run("import", "--source", str(source.pk), "--user", user.username, str(path))
    assert DetaineeRecord.objects.count() == len(rows["uacenter"]) + len(rows["memo"])
    out, _err = _run("link", "--org", "cli-org", "--user", user.username)
    run = LinkRun.objects.get()
    assert f"Run {run.pk}" in out
    assert "Unique persons:" in out
    for name in ("Шевченко", "Бондаренко"):
        assert name not in out


def test_the_command_names_problems_by_line_and_checks_the_user(tmp_path) -> None:
    org = make_organisation(slug="cli-org-2")
    user = make_member(org, role=Role.DOCUMENTER, totp=False)
    reader = make_member(org, role=Role.VIEWER, totp=False)
    source = make_source(viewer_of(org, user=user, role=Role.DOCUMENTER))
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([row("A", "Шевченко"), row("", "Бойко")]))
    with pytest.raises(SystemExit):
        _run("import", "--source", str(source.pk), "--user", user.username, str(path))
    assert DetaineeRecord.objects.count() == 0
    with pytest.raises(CommandError, match="cannot import"):
        _run("import", "--source", str(source.pk), "--user", reader.username, str(path))
    with pytest.raises(CommandError, match="no list"):
        _run("import", "--source", "not-an-id", "--user", user.username, str(path))
    with pytest.raises(CommandError, match="not an active member"):
        _run("link", "--org", "cli-org-2", "--user", "nobody")
