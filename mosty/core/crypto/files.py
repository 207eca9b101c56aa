"""Encrypting whole files: an attachment under its record's data key, a backup under a key derived from the
master key. Callers hand over streams and ids; key material never leaves this package (style rule 10).

Threats: a stolen file store or backup (confidentiality), and a file altered, truncated or swapped (the
stream's chunk tags and the caller's associated data), as described in `stream.py`.
"""

from __future__ import annotations

from typing import BinaryIO

from mosty.core.crypto import keyring, stream
from mosty.core.crypto.keyprovider import get_key_provider

BACKUP_KEY_PURPOSE = b"mosty backup v1"


def seal_record_file(
    data_key_id: int, source: BinaryIO, target: BinaryIO, *, aad: bytes, max_bytes: int | None = None
) -> int:
    """Encrypt `source` under the record's data key (acting organisation's scope); return the plaintext size."""
    key = keyring.data_key_bytes(data_key_id)
    return stream.encrypt_stream(key, source, target, aad=aad, max_bytes=max_bytes)


def open_record_file(data_key_id: int, source: BinaryIO, target: BinaryIO, *, aad: bytes) -> int:
    """Decrypt a record's file into `target`; KeyNotAvailable for organisations without the key."""
    key = keyring.data_key_bytes(data_key_id)
    return stream.decrypt_stream(key, source, target, aad=aad)


def backup_master_key_id() -> str:
    """The id of the master key new backups are encrypted under (written in clear in the backup header)."""
    return get_key_provider().current_key_id()


def check_backup_key(master_key_id: str) -> None:
    """Raise MasterKeyUnavailable unless the named master key is configured (current or previous)."""
    get_key_provider().derive_key_for(master_key_id, BACKUP_KEY_PURPOSE)


def seal_backup(master_key_id: str, source: BinaryIO, target: BinaryIO, *, aad: bytes, chunk_size: int) -> int:
    key = get_key_provider().derive_key_for(master_key_id, BACKUP_KEY_PURPOSE)
    return stream.encrypt_stream(key, source, target, aad=aad, chunk_size=chunk_size)


def open_backup(master_key_id: str, source: BinaryIO, target: BinaryIO, *, aad: bytes) -> int:
    """MasterKeyUnavailable if that master key is neither current nor listed as previous."""
    key = get_key_provider().derive_key_for(master_key_id, BACKUP_KEY_PURPOSE)
    return stream.decrypt_stream(key, source, target, aad=aad)
