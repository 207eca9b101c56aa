"""The key hierarchy on the real database: sharing a record with a second organisation and taking it back,
crypto-shredding, and the master key that stays outside the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from mosty.accounts.tests.factories import make_organisation
from mosty.core.crypto import keyprovider
from mosty.core.crypto.errors import KeyNotAvailable, MasterKeyUnavailable, RecordShredded
from mosty.core.crypto.keyprovider import FileKeyProvider, get_key_provider, reset_key_provider
from mosty.core.crypto.keyring import acting_as, data_key_share, data_key_shred, data_key_unshare
from mosty.core.models import DataKey, WrappedDataKey
from mosty.core.tests.cryptotest.factories import make_record, reload

pytestmark = pytest.mark.django_db

NAME = "Ковальчук-Ярошенко"


@pytest.fixture
def third_organisation(db: None) -> Any:
    return make_organisation("Vilnius Relatives' Association", slug="vilnius-relatives", kind="relatives")


def _dk(record: Any) -> int:
    assert record.data_key_id is not None
    return int(record.data_key_id)


def _read_as(organisation_id: int | None, record: Any) -> Any:
    with acting_as(organisation_id):
        return reload(record).family_name


def test_share_then_unshare(organisation: Any, other_organisation: Any, third_organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME)
    data_key_id = _dk(record)
    with pytest.raises(KeyNotAvailable):
        _read_as(other_organisation.pk, record)

    with acting_as(organisation.pk):
        data_key_share(data_key_id=data_key_id, with_organisation_id=other_organisation.pk)
    assert _read_as(other_organisation.pk, record) == NAME
    assert _read_as(organisation.pk, record) == NAME
    with pytest.raises(KeyNotAvailable) as never:
        _read_as(third_organisation.pk, record)
    assert not isinstance(never.value, RecordShredded)

    assert data_key_unshare(data_key_id=data_key_id, organisation_id=other_organisation.pk) is True
    with pytest.raises(KeyNotAvailable):
        _read_as(other_organisation.pk, record)
    assert _read_as(organisation.pk, record) == NAME
    with pytest.raises(KeyNotAvailable):
        _read_as(third_organisation.pk, record)


def test_sharing_twice_keeps_one_wrapping(organisation: Any, other_organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME)
    with acting_as(organisation.pk):
        first = data_key_share(data_key_id=_dk(record), with_organisation_id=other_organisation.pk)
        second = data_key_share(data_key_id=_dk(record), with_organisation_id=other_organisation.pk)
    assert first.pk == second.pk
    assert WrappedDataKey.objects.filter(data_key_id=_dk(record)).count() == 2


def test_only_an_organisation_that_can_read_a_record_can_share_it(organisation: Any, other_organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME)
    with acting_as(other_organisation.pk), pytest.raises(KeyNotAvailable):
        data_key_share(data_key_id=_dk(record), with_organisation_id=other_organisation.pk)
    assert not WrappedDataKey.objects.filter(data_key_id=_dk(record), organisation=other_organisation).exists()


def test_a_recipient_cannot_pass_a_shared_record_on(
    organisation: Any, other_organisation: Any, third_organisation: Any
) -> None:
    record = make_record(organisation, family_name=NAME)
    with acting_as(organisation.pk):
        data_key_share(data_key_id=_dk(record), with_organisation_id=other_organisation.pk)
    assert _read_as(other_organisation.pk, record) == NAME
    with acting_as(other_organisation.pk), pytest.raises(KeyNotAvailable):
        data_key_share(data_key_id=_dk(record), with_organisation_id=third_organisation.pk)
    assert not WrappedDataKey.objects.filter(data_key_id=_dk(record), organisation=third_organisation).exists()


def test_the_owners_wrapping_cannot_be_unshared(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME)
    with pytest.raises(KeyNotAvailable):
        data_key_unshare(data_key_id=_dk(record), organisation_id=organisation.pk)
    assert _read_as(organisation.pk, record) == NAME


def test_shredding_destroys_the_key_for_everyone(organisation: Any, other_organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME, notes={"story": "x"})
    data_key_id = _dk(record)
    with acting_as(organisation.pk):
        data_key_share(data_key_id=data_key_id, with_organisation_id=other_organisation.pk)
    assert WrappedDataKey.objects.filter(data_key_id=data_key_id).count() == 2

    data_key_shred(data_key_id=data_key_id)

    assert not WrappedDataKey.objects.filter(data_key_id=data_key_id).exists()
    assert DataKey.objects.get(pk=data_key_id).shredded_at is not None
    for reader in (organisation.pk, other_organisation.pk):
        with acting_as(reader), pytest.raises(RecordShredded):
            reload(record).family_name  # noqa: B018
        with acting_as(reader), pytest.raises(RecordShredded):
            reload(record).notes  # noqa: B018


def test_shredding_inside_a_scope_forgets_the_cached_key(organisation: Any) -> None:
    record = make_record(organisation, family_name=NAME)
    with acting_as(organisation.pk):
        assert reload(record).family_name == NAME  # the unwrapped key is now cached in this scope
        data_key_shred(data_key_id=_dk(record))
        with pytest.raises(RecordShredded):
            reload(record).family_name  # noqa: B018


def test_shredding_one_record_leaves_the_others(organisation: Any) -> None:
    doomed = make_record(organisation, family_name=NAME)
    kept = make_record(organisation, family_name="Оставленная")
    data_key_shred(data_key_id=_dk(doomed))
    assert _read_as(organisation.pk, kept) == "Оставленная"


# --- the master key ----------------------------------------------------------------------------------------------


@pytest.fixture
def fresh_provider() -> Iterator[None]:
    """Tests that change the key settings start and end with no master key loaded."""
    reset_key_provider()
    yield
    reset_key_provider()


@pytest.mark.parametrize("content", [b"", b"\x01" * 31, b"\x01" * 33, b"ab" * 32])
def test_a_master_key_file_of_the_wrong_length_is_refused(tmp_path: Path, content: bytes, fresh_provider: None) -> None:
    path = tmp_path / "master.key"
    path.write_bytes(content)
    with override_settings(MOSTY_MASTER_KEY_FILE=str(path)), pytest.raises(MasterKeyUnavailable) as failure:
        get_key_provider()
    assert content.hex() not in str(failure.value) or not content


def test_a_missing_master_key_is_not_generated_unless_allowed(tmp_path: Path, fresh_provider: None) -> None:
    path = tmp_path / "missing.key"
    with override_settings(MOSTY_MASTER_KEY_FILE=str(path), MOSTY_GENERATE_MISSING_KEYS=False):
        with pytest.raises(MasterKeyUnavailable):
            get_key_provider()
        assert not path.exists()
    reset_key_provider()
    with override_settings(MOSTY_MASTER_KEY_FILE=str(path), MOSTY_GENERATE_MISSING_KEYS=True):
        get_key_provider()
    assert len(path.read_bytes()) == 32
    assert path.stat().st_mode & 0o077 == 0


def test_a_missing_previous_master_key_is_refused(tmp_path: Path, fresh_provider: None) -> None:
    current = tmp_path / "current.key"
    current.write_bytes(b"\x02" * 32)
    with override_settings(MOSTY_GENERATE_MISSING_KEYS=True), pytest.raises(MasterKeyUnavailable):
        FileKeyProvider(current, previous=[tmp_path / "gone.key"])


def test_the_database_alone_decrypts_nothing(tmp_path: Path, organisation: Any, fresh_provider: None) -> None:
    """With another master key (a thief with the database but not the key file), nothing unwraps."""
    record = make_record(organisation, family_name=NAME)
    other = tmp_path / "other.key"
    other.write_bytes(b"\x03" * 32)
    with override_settings(MOSTY_MASTER_KEY_FILE=str(other)):
        reset_key_provider()
        with pytest.raises(MasterKeyUnavailable):
            _read_as(organisation.pk, record)
    reset_key_provider()
    assert _read_as(organisation.pk, record) == NAME


def test_master_key_id_reveals_nothing_of_the_key() -> None:
    key = b"\x04" * 32
    key_id = keyprovider.master_key_id(key)
    assert len(key_id) == 16
    assert key.hex()[:16] != key_id
