"""Production settings refuse to start without their secrets; key files are created once, owner-only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from mosty.cli import main

ROOT = Path(__file__).resolve().parents[3]


def _import_production(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MOSTY_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    master = tmp_path / "master.key"
    master.write_bytes(os.urandom(32))
    return {
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "mosty.example.org",
        "MOSTY_MASTER_KEY_FILE": str(master),
        "MOSTY_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit.key"),
    }


def test_production_settings_start_with_everything(production_env: dict[str, str]) -> None:
    result = _import_production(production_env)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "MOSTY_MASTER_KEY_FILE", "MOSTY_AUDIT_SIGNING_KEY_FILE"],
)
def test_production_settings_refuse_to_start_without(production_env: dict[str, str], missing: str) -> None:
    del production_env[missing]
    result = _import_production(production_env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_settings_refuse_a_missing_master_key_file(production_env: dict[str, str], tmp_path: Path) -> None:
    production_env["MOSTY_MASTER_KEY_FILE"] = str(tmp_path / "nowhere.key")
    result = _import_production(production_env)
    assert result.returncode != 0
    assert "does not exist" in result.stderr


def test_keys_generate_creates_owner_only_files_and_never_overwrites(tmp_path: Path) -> None:
    master, audit = tmp_path / "k" / "master.key", tmp_path / "k" / "audit.key"
    with override_settings(MOSTY_MASTER_KEY_FILE=str(master), MOSTY_AUDIT_SIGNING_KEY_FILE=str(audit)):
        out = StringIO()
        call_command("keys", "generate", stdout=out)
        assert "created" in out.getvalue()
        first = master.read_bytes()
        assert len(first) == 32
        assert stat.S_IMODE(master.stat().st_mode) == 0o600
        assert stat.S_IMODE(audit.stat().st_mode) == 0o600
        assert audit.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        out = StringIO()
        call_command("keys", "generate", stdout=out)
        assert "nothing changed" in out.getvalue()
        assert master.read_bytes() == first


def test_cli_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for command in ("demo", "serve", "init", "adduser", "audit", "manage"):
        assert command in text
