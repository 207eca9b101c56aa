"""Key rotation's promises: after rotating an organisation key or the master key every record still decrypts,
nothing refers to the old key any more, an interrupted rotation resumes, blind indexes stay valid, and after a
master rotation the old master key alone opens nothing.

Records are real: organisation-scoped data keys sealing values, and staff display names (installation scope)
through the accounts service. Provider state is reset around every test (the master key settings change).
"""

from __future__ import annotations

import io
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.test import override_settings

from mosty.accounts import services
from mosty.accounts.models import Organisation, User
from mosty.accounts.tests.factories import make_organisation
from mosty.core.audit import audit_verify
from mosty.core.crypto import aead, keyring, rotation
from mosty.core.crypto.errors import DecryptionFailed, MasterKeyUnavailable
from mosty.core.crypto.fields import blind_index, default_normaliser
from mosty.core.crypto.keyprovider import master_key_id, reset_key_provider
from mosty.core.models import AuditEvent, KeyPurpose, OrganisationKey, WrappedDataKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_provider() -> Iterator[None]:
    reset_key_provider()
    try:
        yield
    finally:
        reset_key_provider()


@dataclass
class Sealed:
    organisation_id: int
    data_key_id: int
    plaintext: bytes
    ciphertext: bytes


def _aad(record: Sealed) -> bytes:
    return f"test/rotation/{record.organisation_id}/{record.data_key_id}".encode()


def seal_records(organisation: Organisation, n: int) -> list[Sealed]:
    records = []
    with keyring.acting_as(organisation.pk):
        for i in range(n):
            data_key = keyring.data_key_create(owner_organisation_id=organisation.pk)
            record = Sealed(organisation.pk, data_key.pk, f"Ольга {i} — address {i}".encode(), b"")
            record.ciphertext = aead.seal(keyring.data_key_bytes(data_key.pk), record.plaintext, _aad(record))
            records.append(record)
    return records


def assert_all_open(records: list[Sealed]) -> None:
    for record in records:
        with keyring.acting_as(record.organisation_id):  # a fresh scope: nothing cached
            key = keyring.data_key_bytes(record.data_key_id)
            assert aead.open_sealed(key, record.ciphertext, _aad(record)) == record.plaintext


def index_of(organisation_id: int | None, value: str) -> str:
    with keyring.acting_as(organisation_id):
        return blind_index(organisation_id, "test.name", value, bits=16, normaliser=default_normaliser)


def display_names(users: list[User]) -> list[str | None]:
    with keyring.acting_as(None):
        return [User.objects.get(pk=u.pk).display_name for u in users]


def _scope(organisation_id: int | None) -> Q:
    return Q(organisation__isnull=True) if organisation_id is None else Q(organisation_id=organisation_id)


def data_versions(organisation_id: int | None) -> dict[int, OrganisationKey]:
    return {k.version: k for k in OrganisationKey.objects.filter(_scope(organisation_id), purpose=KeyPurpose.DATA)}


def wrapping_versions(organisation_id: int | None) -> set[int]:
    wrappings = WrappedDataKey.objects.filter(_scope(organisation_id))
    return set(wrappings.values_list("organisation_key__version", flat=True))


def keys(*args: str) -> str:
    out = io.StringIO()
    call_command("keys", *args, stdout=out)
    return out.getvalue()


def audit_ok() -> None:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)  # exits non-zero (SystemExit) when the chain is broken
    assert audit_verify().ok


@pytest.fixture
def org(db: None) -> Organisation:
    return make_organisation("Rotation Test Centre", slug="rotation-centre")


@pytest.fixture
def bystander(db: None) -> Organisation:
    return make_organisation("Untouched Network", slug="untouched")


# organisation key rotation ----------------------------------------------------------------------------------


def test_rotate_org_moves_every_wrapping_to_a_new_version_and_retires_the_old(
    org: Organisation, bystander: Organisation
) -> None:
    records = seal_records(org, 5)
    others = seal_records(bystander, 2)
    index_before = index_of(org.pk, "Ольга Петрова")
    index_key_before = OrganisationKey.objects.get(organisation=org, purpose=KeyPurpose.INDEX)
    bystander_wrappings = {w.pk: bytes(w.wrapped) for w in WrappedDataKey.objects.filter(organisation=bystander)}

    output = keys("rotate", "--org", "rotation-centre", "--batch-size", "2")

    assert "re-wrapped data keys: 5/5" in output
    assert "rotation finished" in output
    versions = data_versions(org.pk)
    assert set(versions) == {1, 2}
    assert versions[1].retired_at is not None
    assert not versions[1].is_active
    assert bytes(versions[1].wrapped)  # retired, not destroyed without --destroy-retired
    assert versions[2].is_active
    assert versions[2].retired_at is None
    assert wrapping_versions(org.pk) == {2}
    assert_all_open(records)
    assert_all_open(others)
    # The index root key is untouched, so stored blind indexes still match.
    assert OrganisationKey.objects.get(organisation=org, purpose=KeyPurpose.INDEX).pk == index_key_before.pk
    assert index_of(org.pk, "ольга  петрова") == index_before
    # Another organisation's keys are not touched.
    assert {w.pk: bytes(w.wrapped) for w in WrappedDataKey.objects.filter(organisation=bystander)} == (
        bystander_wrappings
    )
    assert set(data_versions(bystander.pk)) == {1}
    # New data keys go under the new version.
    fresh = seal_records(org, 1)
    assert WrappedDataKey.objects.get(data_key_id=fresh[0].data_key_id).organisation_key == versions[2]


def test_rotation_is_audited_with_ids_only(org: Organisation) -> None:
    seal_records(org, 2)
    keys("rotate", "--org", "rotation-centre")
    new_key = data_versions(org.pk)[2]
    events = {e.action: e for e in AuditEvent.objects.filter(action__startswith="keys.")}
    assert set(events) == {"keys.rotation_started", "keys.rotation_finished"}
    for event in events.values():
        assert event.organisation_id == org.pk
        assert event.object_type == "organisation_key"
        assert event.object_id == str(new_key.pk)
    audit_ok()


def test_destroy_retired_overwrites_the_old_key_material(org: Organisation) -> None:
    records = seal_records(org, 3)
    output = keys("rotate", "--org", "rotation-centre", "--destroy-retired")
    old = data_versions(org.pk)[1]
    assert bytes(old.wrapped) == b""
    assert old.retired_at is not None
    assert "version 1 destroyed" in output
    assert_all_open(records)
    with pytest.raises(DecryptionFailed):
        keyring.organisation_key_bytes(old)


def test_an_interrupted_rotation_resumes_with_the_same_version(org: Organisation) -> None:
    records = seal_records(org, 5)
    partial = rotation.organisation_key_rotate(organisation_id=org.pk, batch_size=2, max_batches=1)
    assert not partial.finished
    assert partial.rewrapped == 2
    assert partial.total == 5
    assert wrapping_versions(org.pk) == {1, 2}
    assert data_versions(org.pk)[1].retired_at is None
    assert_all_open(records)  # half-way, both versions still open their wrappings
    # Records created during the rotation are wrapped under the new version already.
    during = seal_records(org, 1)
    assert WrappedDataKey.objects.get(data_key_id=during[0].data_key_id).organisation_key.version == 2

    output = keys("rotate", "--org", "rotation-centre")

    assert "rotation continued with organisation key version 2" in output
    assert "re-wrapped data keys: 3/3" in output
    assert set(data_versions(org.pk)) == {1, 2}  # no third version
    assert data_versions(org.pk)[1].retired_at is not None
    assert wrapping_versions(org.pk) == {2}
    assert_all_open(records + during)
    audit_ok()


def test_ctrl_c_keeps_finished_batches_and_a_second_run_finishes(
    org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = seal_records(org, 4)
    real_batch = rotation.organisation_key_rotation_batch
    calls = 0

    def interrupted(**kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise KeyboardInterrupt
        return real_batch(**kwargs)

    monkeypatch.setattr(rotation, "organisation_key_rotation_batch", interrupted)
    with pytest.raises(CommandError, match="run the same command again"):
        keys("rotate", "--org", "rotation-centre", "--batch-size", "3")
    assert wrapping_versions(org.pk) == {1, 2}
    monkeypatch.setattr(rotation, "organisation_key_rotation_batch", real_batch)

    keys("rotate", "--org", "rotation-centre", "--batch-size", "3")

    assert set(data_versions(org.pk)) == {1, 2}
    assert wrapping_versions(org.pk) == {2}
    assert_all_open(records)


def test_a_finished_rotation_run_again_creates_the_next_version(org: Organisation) -> None:
    records = seal_records(org, 2)
    keys("rotate", "--org", "rotation-centre")
    keys("rotate", "--org", "rotation-centre")
    versions = data_versions(org.pk)
    assert set(versions) == {1, 2, 3}
    assert versions[2].retired_at is not None
    assert wrapping_versions(org.pk) == {3}
    assert_all_open(records)


def test_new_version_forces_another_version_during_an_unfinished_rotation(org: Organisation) -> None:
    records = seal_records(org, 4)
    rotation.organisation_key_rotate(organisation_id=org.pk, batch_size=1, max_batches=1)
    keys("rotate", "--org", "rotation-centre", "--new-version")
    versions = data_versions(org.pk)
    assert set(versions) == {1, 2, 3}
    assert versions[1].retired_at is not None
    assert versions[2].retired_at is not None
    assert wrapping_versions(org.pk) == {3}
    assert_all_open(records)


def test_rotate_installation_scope_keeps_staff_names_readable(db: None) -> None:
    users = [
        services.user_create(username=f"staff{i}", password="x", display_name=f"Анна {i}", validate_password=False)
        for i in range(3)
    ]
    output = keys("rotate", "--installation")
    assert "installation: rotation finished" in output
    assert wrapping_versions(None) == {2}
    assert data_versions(None)[1].retired_at is not None
    assert display_names(users) == ["Анна 0", "Анна 1", "Анна 2"]
    started = AuditEvent.objects.get(action="keys.rotation_started")
    assert started.organisation_id is None
    audit_ok()


def test_rotate_needs_a_known_organisation(db: None) -> None:
    with pytest.raises(CommandError, match="no organisation"):
        keys("rotate", "--org", "nope")


# master key rotation ---------------------------------------------------------------------------------------


def test_rotate_master_moves_every_organisation_key_to_the_new_master(
    org: Organisation, bystander: Organisation, tmp_path: Path
) -> None:
    records = seal_records(org, 3) + seal_records(bystander, 2)
    users = [services.user_create(username="staff", password="x", display_name="Марія", validate_password=False)]
    index_before = index_of(org.pk, "Ольга Петрова")
    old_file = Path(settings.MOSTY_MASTER_KEY_FILE)
    new_file = tmp_path / "master-2.key"

    output = keys("rotate-master", "--new-key-file", str(new_file), "--generate")

    assert stat.S_IMODE(new_file.stat().st_mode) == 0o600
    new_id = master_key_id(new_file.read_bytes())
    total = OrganisationKey.objects.count()
    # Both purposes, two organisations and the installation scope.
    assert total == 4
    assert set(OrganisationKey.objects.values_list("purpose", flat=True)) == {KeyPurpose.DATA, KeyPurpose.INDEX}
    assert OrganisationKey.objects.filter(organisation__isnull=True).exists()
    assert f"re-wrapped organisation keys: {total}/{total}" in output
    assert f"MOSTY_MASTER_KEY_FILE={new_file}" in output
    assert set(OrganisationKey.objects.values_list("master_key_id", flat=True)) == {new_id}

    with override_settings(MOSTY_MASTER_KEY_FILE=str(new_file), MOSTY_PREVIOUS_MASTER_KEY_FILES=[]):
        reset_key_provider()
        assert_all_open(records)
        assert display_names(users) == ["Марія"]
        assert index_of(org.pk, "Ольга Петрова") == index_before

    with override_settings(MOSTY_MASTER_KEY_FILE=str(old_file), MOSTY_PREVIOUS_MASTER_KEY_FILES=[]):
        reset_key_provider()
        with pytest.raises((MasterKeyUnavailable, DecryptionFailed)):
            assert_all_open(records[:1])
        with pytest.raises((MasterKeyUnavailable, DecryptionFailed)):
            display_names(users)

    events = list(AuditEvent.objects.filter(action__startswith="keys.master_rotation").order_by("seq"))
    assert [e.action for e in events] == ["keys.master_rotation_started", "keys.master_rotation_finished"]
    assert all(e.object_type == "master_key" and e.object_id == new_id for e in events)
    audit_ok()


def test_rotate_master_resumes_and_skips_keys_already_moved(org: Organisation, tmp_path: Path) -> None:
    records = seal_records(org, 2)
    new_file = tmp_path / "master-2.key"
    keys("rotate-master", "--new-key-file", str(new_file), "--generate")
    # Simulate an interruption: one key back under the old master, as if the run had stopped before it.
    okey = OrganisationKey.objects.order_by("pk").first()
    assert okey is not None
    reset_key_provider()
    with override_settings(MOSTY_PREVIOUS_MASTER_KEY_FILES=[str(new_file)]):
        reset_key_provider()
        assert keyring.organisation_key_rewrap(okey) is True
    total = OrganisationKey.objects.count()

    output = keys("rotate-master", "--new-key-file", str(new_file))

    assert f"1 re-wrapped, {total - 1} already done" in output
    with override_settings(MOSTY_MASTER_KEY_FILE=str(new_file), MOSTY_PREVIOUS_MASTER_KEY_FILES=[]):
        reset_key_provider()
        assert_all_open(records)


def test_rotate_master_after_switching_the_settings_first(org: Organisation, tmp_path: Path) -> None:
    """The order without downtime: point the settings at the new file (old one as previous), restart, rotate."""
    records = seal_records(org, 2)
    old_file = settings.MOSTY_MASTER_KEY_FILE
    new_file = tmp_path / "master-2.key"
    keys("rotate-master", "--new-key-file", str(new_file), "--generate")  # creates the file; re-wraps too
    with override_settings(MOSTY_MASTER_KEY_FILE=str(new_file), MOSTY_PREVIOUS_MASTER_KEY_FILES=[old_file]):
        reset_key_provider()
        output = keys("rotate-master", "--new-key-file", str(new_file))
        assert "0 re-wrapped" in output
        assert "processes still configured" not in output
        assert_all_open(records)


def test_rotate_master_skips_destroyed_versions(org: Organisation, tmp_path: Path) -> None:
    records = seal_records(org, 2)
    keys("rotate", "--org", "rotation-centre", "--destroy-retired")
    new_file = tmp_path / "master-2.key"
    output = keys("rotate-master", "--new-key-file", str(new_file), "--generate")
    assert "1 destroyed versions skipped" in output
    with override_settings(MOSTY_MASTER_KEY_FILE=str(new_file), MOSTY_PREVIOUS_MASTER_KEY_FILES=[]):
        reset_key_provider()
        assert_all_open(records)


def test_rotate_master_refuses_a_missing_file_without_generate(db: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--generate"):
        keys("rotate-master", "--new-key-file", str(tmp_path / "missing.key"))
    assert not (tmp_path / "missing.key").exists()


def test_rotate_master_refuses_when_the_current_master_key_is_missing(db: None, tmp_path: Path) -> None:
    new_file = tmp_path / "master-2.key"
    with (
        override_settings(MOSTY_MASTER_KEY_FILE=str(tmp_path / "gone.key"), MOSTY_PREVIOUS_MASTER_KEY_FILES=[]),
        pytest.raises(CommandError, match="does not exist"),
    ):
        keys("rotate-master", "--new-key-file", str(new_file), "--generate")
