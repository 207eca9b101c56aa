"""Attachments: services that store, open and delete files, encrypted and stripped of their metadata.

Threats and where each is met:
- a file that identifies someone through hidden metadata (GPS, author): `mosty.core.sanitise` strips it, from
  the type found in the bytes, before anything is stored;
- a stolen file store or backup: each file is stream-encrypted (`crypto.stream`) under its record's own data
  key; the name on disk is random, and the original name is an encrypted column;
- a file swapped for another record's, altered or truncated: the associated data names the organisation, the
  table and the record id, and every chunk is authenticated (`DecryptionFailed`);
- another organisation reading it: the data key unwraps only for the acting organisation (`KeyNotAvailable`);
- a half-finished upload left behind: the content is written to a temporary file in the same directory and
  renamed only when complete, in the same transaction as the row and its audit event; on any failure the row
  rolls back and the file is removed;
- plaintext on disk: content is handled in memory (uploads up to the limit stay in memory, see
  FILE_UPLOAD_MAX_MEMORY_SIZE), and nothing here logs a file name.
"""

from __future__ import annotations

import io
import os
import secrets
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mosty.core.attachment_models import EncryptedFile
from mosty.core.audit import audit_record
from mosty.core.crypto import files, keyring
from mosty.core.crypto.errors import CryptoError
from mosty.core.sanitise import FileTooLarge, sanitise

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from mosty.accounts.models import Organisation, User

OBJECT_TYPE = "core.encryptedfile"
_READ_CHUNK = 64 * 1024


class AttachmentMissing(CryptoError):
    """The record exists but its file is not on disk (lost, or removed by hand). Fails loudly, never empty."""

    code = "attachment_missing"
    status = 500
    message = _("The stored file is missing.")


class _Upload(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def attachments_dir() -> Path:
    """The directory of the encrypted files, created (owner-only) on first use."""
    path = Path(settings.MOSTY_ATTACHMENTS_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _aad(file: EncryptedFile) -> bytes:
    return f"mosty/file/v1/{file.organisation_id}/{OBJECT_TYPE.replace('.', '_')}/{file.pk}".encode()


def _path(file: EncryptedFile) -> Path:
    # storage_name is ours (hex), never user input; the check guards against a tampered row.
    if not file.storage_name.isalnum():
        raise AttachmentMissing
    return attachments_dir() / file.storage_name


def _read_limited(uploaded: object, limit: int) -> bytes:
    """The whole upload, in memory, refusing (FileTooLarge) as soon as it passes `limit` bytes."""
    declared = getattr(uploaded, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise FileTooLarge
    chunks_method = getattr(uploaded, "chunks", None)
    pieces: Iterable[bytes]
    if callable(chunks_method):
        pieces = chunks_method(_READ_CHUNK)
    else:
        reader: _Upload = uploaded  # type: ignore[assignment]
        pieces = iter(lambda: reader.read(_READ_CHUNK), b"")
    buffer = bytearray()
    for piece in pieces:
        buffer += piece
        if len(buffer) > limit:
            raise FileTooLarge
    return bytes(buffer)


def attachment_store(
    *,
    organisation: Organisation,
    uploaded: object,
    actor: User | AnonymousUser | None,
    name: str | None = None,
    declared_type: str | None = None,
) -> EncryptedFile:
    """Store an upload for `organisation`: read it (refused past MOSTY_MAX_ATTACHMENT_BYTES), detect its type from
    the bytes, strip its metadata, encrypt it under a new data key, and record it with an `attachment.stored`
    audit event (ids only). Either the row, the file and the event all exist afterwards, or none of them.

    `uploaded` is a Django UploadedFile (its `name` and `content_type` are used unless given) or any binary
    file-like object with `name` passed. Runs in its own transaction: call it outside any other one, so that a
    later rollback cannot leave a file without its row.
    """
    limit = int(settings.MOSTY_MAX_ATTACHMENT_BYTES)
    original_name = name if name is not None else str(getattr(uploaded, "name", "") or "")
    declared = declared_type if declared_type is not None else str(getattr(uploaded, "content_type", "") or "")
    clean = sanitise(_read_limited(uploaded, limit), declared_type=declared)
    if len(clean.content) > limit:  # re-encoding can grow a file
        raise FileTooLarge

    directory = attachments_dir()
    record = EncryptedFile(
        id=uuid.uuid4(),
        organisation=organisation,
        content_type=clean.content_type,
        size=len(clean.content),
        storage_name=secrets.token_hex(16),
        created_by_id=actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )
    record.original_name = os.path.basename(original_name.replace("\\", "/"))[:255]
    final_path = directory / record.storage_name
    temp_path: Path | None = None
    try:
        with transaction.atomic(durable=True), keyring.default_scope(organisation.pk):
            record.full_clean(exclude=["data_key"])
            record.save(force_insert=True)
            data_key_id = record.ensure_data_key()
            fd, temp_name = tempfile.mkstemp(dir=directory, prefix=".incoming-")
            temp_path = Path(temp_name)
            with os.fdopen(fd, "wb") as target:
                files.seal_record_file(
                    data_key_id, io.BytesIO(clean.content), target, aad=_aad(record), max_bytes=limit
                )
                target.flush()
                os.fsync(target.fileno())
            os.replace(temp_path, final_path)
            temp_path = None
            audit_record(
                action="attachment.stored",
                actor=actor,
                organisation=organisation,
                object_type=OBJECT_TYPE,
                object_id=record.pk,
            )
    except BaseException:
        for leftover in (temp_path, final_path):
            if leftover is not None:
                leftover.unlink(missing_ok=True)
        raise
    return record


def attachment_open(*, file: EncryptedFile) -> bytes:
    """The decrypted (sanitised) content, read with the keys of the current acting organisation.

    KeyNotAvailable for an organisation the file was not shared with, RecordShredded after deletion,
    DecryptionFailed if the file on disk was altered, truncated or swapped, AttachmentMissing if it is gone.
    The whole file is authenticated before any of it is returned."""
    if file.data_key_id is None:
        raise AttachmentMissing
    data_key_id = int(file.data_key_id)
    keyring.data_key_bytes(data_key_id)  # KeyNotAvailable before the file is even opened
    try:
        source: BinaryIO = _path(file).open("rb")
    except FileNotFoundError:
        raise AttachmentMissing from None
    target = io.BytesIO()
    with source:
        files.open_record_file(data_key_id, source, target, aad=_aad(file))
    return target.getvalue()


def attachment_delete(*, file: EncryptedFile, actor: User | AnonymousUser | None) -> None:
    """Destroy an attachment: its data key is shredded (the file can never be decrypted again, from any backup),
    the row is deleted with an `attachment.deleted` audit event, and the file is removed after commit.
    The acting organisation must be able to read the file (its owner)."""
    if file.data_key_id is None:
        raise AttachmentMissing
    data_key_id = int(file.data_key_id)
    path = _path(file)
    file_id = file.pk
    with transaction.atomic(), keyring.default_scope(file.organisation_id):
        keyring.data_key_bytes(data_key_id)  # only an organisation that can read it may destroy it
        keyring.data_key_shred(data_key_id=data_key_id)
        EncryptedFile.objects.filter(pk=file_id).delete()
        audit_record(
            action="attachment.deleted",
            actor=actor,
            organisation=file.organisation,
            object_type=OBJECT_TYPE,
            object_id=file_id,
        )
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
