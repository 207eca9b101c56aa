"""Backups: nothing in clear in the file, an exact round trip, and every failure writes nothing.

Transactional tests (real commits), because a restore needs an empty database: the data is built through the
services, backed up, the database flushed (on PostgreSQL the test settings allow emptying the audit table for
exactly this), and the backup restored.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from mosty.accounts import services
from mosty.accounts.models import Organisation, User
from mosty.accounts.tests.factories import make_organisation
from mosty.api.services import api_token_create
from mosty.core import backup
from mosty.core.audit import audit_verify
from mosty.core.crypto import keyring
from mosty.core.crypto.errors import DecryptionFailed, MasterKeyUnavailable
from mosty.core.crypto.keyprovider import reset_key_provider
from mosty.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long enough passphrase for tests"
DISPLAY_NAMES = {"canary.olga": "Ольга Канарейкина", "canary.ivan": "Іван Канарейченко"}
ORGANISATION_NAME = "Фонд Канарейка"
ATTACHMENT = b"already-encrypted attachment bytes \x00\x01\x02" * 100


@pytest.fixture
def attachments_dir(settings: Any, tmp_path: Path) -> Path:
    settings.MOSTY_ATTACHMENTS_DIR = tmp_path / "attachments"
    return Path(settings.MOSTY_ATTACHMENTS_DIR)


@pytest.fixture(autouse=True)
def _fresh_key_provider() -> Iterator[None]:
    reset_key_provider()
    yield
    reset_key_provider()


def build_data(attachments_dir: Path) -> str:
    """Organisations, users with encrypted Cyrillic display names, memberships, TOTP, an API token, audit
    events, an attachment file. Returns the API token's plaintext (a canary too)."""
    organisation = make_organisation(ORGANISATION_NAME, slug="canary-fund", country="CZ")
    make_organisation("Second organisation", slug="second")
    users = []
    for username, display_name in DISPLAY_NAMES.items():
        user = services.user_create(
            username=username, password=PASSWORD, display_name=display_name, validate_password=False
        )
        services.membership_set(user=user, organisation=organisation, role="caseworker")
        services.totp_device_create_confirmed(user=user)
        users.append(user)
    services.recovery_codes_regenerate(user=users[0])
    issued = api_token_create(
        user=users[0], organisation=organisation, name="canary token", role="caseworker", expires_in_days=30
    )
    (attachments_dir / "ab").mkdir(parents=True)
    (attachments_dir / "ab" / "file-1.bin").write_bytes(ATTACHMENT)
    return issued.plaintext


def dump_all() -> str:
    """Every row as the backup serialises it (full-precision datetimes: Django's own JSON would hide a loss)."""
    backup._register_format()
    out = io.StringIO()
    call_command(
        "dumpdata",
        exclude=list(backup.EXCLUDED),
        natural_foreign=True,
        use_base_manager=True,
        format=backup.SERIALIZATION_FORMAT,
        stdout=out,
        verbosity=0,
    )
    return out.getvalue()


def display_names() -> dict[str, str]:
    with keyring.acting_as(None):
        return {u.username: u.display_name for u in User.objects.filter(username__in=DISPLAY_NAMES)}


def flush() -> None:
    call_command("flush", interactive=False, verbosity=0)


def assert_database_empty() -> None:
    assert not Organisation.objects.exists()
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_round_trip_restores_every_row_and_reveals_nothing(attachments_dir: Path, tmp_path: Path) -> None:
    token = build_data(attachments_dir)
    before = dump_all()
    names_before = display_names()
    assert names_before == DISPLAY_NAMES
    head_before = audit_verify()
    assert head_before.ok

    target = tmp_path / "out" / "test.mostybackup"
    out = io.StringIO()
    call_command("backup", output=str(target), stdout=out)
    assert "OK:" in out.getvalue()
    assert target.stat().st_mode & 0o777 == 0o600
    assert not [p for p in target.parent.iterdir() if p != target]  # no temporary file left behind

    data = target.read_bytes()
    canaries = [*DISPLAY_NAMES, *DISPLAY_NAMES.values(), ORGANISATION_NAME, "canary-fund", "canary token", token]
    for canary in canaries:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert canary.encode(encoding) not in data, canary
    for marker in (b"accounts.user", b"argon2", b"audit", b"m1:"):
        assert marker not in data, marker
    assert ATTACHMENT[:32] not in data
    # Encrypted fields went into the dump as their stored ciphertexts, not as plaintext.
    assert all(name not in before for name in DISPLAY_NAMES.values())
    assert "m1:" in before

    # The backup event is recorded after the dump: the backup's own chain ends just before it.
    assert AuditEvent.objects.order_by("-seq").first().action == "backup.created"  # type: ignore[union-attr]

    flush()
    for child in list(attachments_dir.rglob("*"))[::-1]:
        child.rmdir() if child.is_dir() else child.unlink()
    assert_database_empty()

    out = io.StringIO()
    call_command("restore", str(target), stdout=out)
    assert "Audit chain OK" in out.getvalue()

    assert dump_all() == before
    assert display_names() == DISPLAY_NAMES
    verified = audit_verify()
    assert verified.ok
    assert (verified.head_seq, verified.head_hash) == (head_before.head_seq, head_before.head_hash)
    assert (attachments_dir / "ab" / "file-1.bin").read_bytes() == ATTACHMENT

    # New rows get fresh primary keys after the restore (sequences moved past the loaded ones).
    new = make_organisation("After restore", slug="after-restore")
    assert new.pk > max(o.pk for o in Organisation.objects.exclude(pk=new.pk))
    new_user = services.user_create(username="after.restore", password=PASSWORD, validate_password=False)
    assert User.objects.filter(pk=new_user.pk).count() == 1


def make_backup(attachments_dir: Path, tmp_path: Path) -> Path:
    build_data(attachments_dir)
    result = backup.backup_create(output=tmp_path / "b.mostybackup")
    flush()
    for child in list(attachments_dir.rglob("*"))[::-1]:
        child.rmdir() if child.is_dir() else child.unlink()
    return result.path


def test_tampered_backup_fails_and_writes_nothing(attachments_dir: Path, tmp_path: Path) -> None:
    path = make_backup(attachments_dir, tmp_path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.mostybackup"
    tampered.write_bytes(bytes(data))

    with pytest.raises(DecryptionFailed):
        backup.backup_restore(path=tampered, work_dir=tmp_path)
    assert_database_empty()
    assert not any(attachments_dir.iterdir())
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("restore", str(tampered), stdout=io.StringIO())
    assert_database_empty()


@pytest.mark.parametrize("cut", ["truncated", "extended", "header"])
def test_truncated_extended_or_relabelled_backup_fails(attachments_dir: Path, tmp_path: Path, cut: str) -> None:
    path = make_backup(attachments_dir, tmp_path)
    data = path.read_bytes()
    if cut == "truncated":
        changed = data[: len(data) - 100]
    elif cut == "extended":
        changed = data + b"\x00" * 32
    else:  # the clear header is associated data: editing the backup id breaks authentication
        header = backup.read_header(io.BytesIO(data))
        changed = data.replace(header.backup_id.encode(), b"0" * len(header.backup_id), 1)
    bad = tmp_path / "bad.mostybackup"
    bad.write_bytes(changed)
    with pytest.raises(DecryptionFailed):
        backup.backup_restore(path=bad, work_dir=tmp_path)
    assert_database_empty()


def test_wrong_master_key_fails(attachments_dir: Path, tmp_path: Path, settings: Any) -> None:
    path = make_backup(attachments_dir, tmp_path)
    settings.MOSTY_MASTER_KEY_FILE = str(tmp_path / "another-master.key")
    reset_key_provider()
    with pytest.raises(MasterKeyUnavailable):
        backup.backup_restore(path=path, work_dir=tmp_path)
    assert_database_empty()


def test_previous_master_key_still_restores(attachments_dir: Path, tmp_path: Path, settings: Any) -> None:
    path = make_backup(attachments_dir, tmp_path)
    settings.MOSTY_PREVIOUS_MASTER_KEY_FILES = [settings.MOSTY_MASTER_KEY_FILE]
    settings.MOSTY_MASTER_KEY_FILE = str(tmp_path / "new-master.key")
    reset_key_provider()
    result = backup.backup_restore(path=path, work_dir=tmp_path)
    assert result.ok
    assert Organisation.objects.filter(slug="canary-fund").exists()


def test_restore_refuses_a_database_with_data(attachments_dir: Path, tmp_path: Path) -> None:
    build_data(attachments_dir)
    path = backup.backup_create(output=tmp_path / "b.mostybackup").path
    before = dump_all()
    with pytest.raises(backup.RestoreRefused, match="not empty"):
        backup.backup_restore(path=path, work_dir=tmp_path)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(path), stdout=io.StringIO())
    assert dump_all() == before


def test_restore_refuses_other_migrations(attachments_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(backup.RestoreRefused, match="other migrations"):
        backup._check_migrations({"django_migrations": {"core": ["0001_initial"]}})


def test_backup_never_overwrites(attachments_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "exists.mostybackup"
    target.write_bytes(b"keep me")
    with pytest.raises(backup.BackupError):
        backup.backup_create(output=target)
    assert target.read_bytes() == b"keep me"


def test_connection_is_usable_after_restore(attachments_dir: Path, tmp_path: Path) -> None:
    path = make_backup(attachments_dir, tmp_path)
    backup.backup_restore(path=path, work_dir=tmp_path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
