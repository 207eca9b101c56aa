"""Attachments: stored sanitised and encrypted, readable only by their organisation, gone for good when deleted."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader

from mosty.core import attachments
from mosty.core.attachment_models import EncryptedFile
from mosty.core.attachments import attachment_delete, attachment_open, attachment_store
from mosty.core.crypto.errors import DecryptionFailed, KeyNotAvailable, RecordShredded
from mosty.core.crypto.keyring import acting_as
from mosty.core.models import AuditEvent, DataKey, WrappedDataKey
from mosty.core.sanitise import FileTooLarge, UnsupportedFileType
from mosty.core.tests.test_sanitise import GPS_IFD, NAME, jpeg_with_gps, pdf_with_author

PHOTO_NAME = "Оксана-Коваль-паспорт.jpg"


@pytest.fixture
def store_dir(settings, tmp_path):
    settings.MOSTY_ATTACHMENTS_DIR = tmp_path / "attachments"
    return settings.MOSTY_ATTACHMENTS_DIR


def _files(store_dir: Any) -> list[Any]:
    return sorted(store_dir.iterdir()) if store_dir.exists() else []


def _store(organisation: Any, actor: Any, name: str, data: bytes, content_type: str) -> EncryptedFile:
    with acting_as(organisation.pk):
        return attachment_store(
            organisation=organisation, uploaded=SimpleUploadedFile(name, data, content_type), actor=actor
        )


def test_photo_is_stored_without_gps_and_encrypted(organisation, caseworker, store_dir) -> None:
    original = jpeg_with_gps()
    record = _store(organisation, caseworker, PHOTO_NAME, original, "image/jpeg")

    on_disk = (store_dir / record.storage_name).read_bytes()
    exif_block = Image.open(io.BytesIO(original)).info["exif"]
    assert exif_block[6:40] not in on_disk
    assert b"ExampleCam" not in on_disk
    for form in (PHOTO_NAME, NAME, "Оксана"):
        assert form.encode() not in on_disk
        assert form not in record.storage_name
    raw_name = EncryptedFile.objects.filter(pk=record.pk).values_list("original_name", flat=True).get()
    assert raw_name is not None
    assert NAME.split()[0] not in raw_name

    with acting_as(organisation.pk):
        fresh = EncryptedFile.objects.get(pk=record.pk)
        content = attachment_open(file=fresh)
        assert fresh.original_name == PHOTO_NAME
    assert fresh.content_type == "image/jpeg"
    assert fresh.size == len(content)
    with Image.open(io.BytesIO(content)) as image:
        assert GPS_IFD not in image.getexif()
        assert len(image.getexif()) == 0
        assert image.size == (20, 40)
    event = AuditEvent.objects.get(action="attachment.stored")
    assert (event.object_id, event.organisation_id, event.actor_id) == (str(record.pk), organisation.pk, caseworker.pk)
    assert [p.name for p in _files(store_dir)] == [record.storage_name]


def test_pdf_author_is_gone_and_not_on_disk(organisation, caseworker, store_dir) -> None:
    record = _store(organisation, caseworker, f"{NAME}.pdf", pdf_with_author(), "application/pdf")
    on_disk = (store_dir / record.storage_name).read_bytes()
    for encoding in ("utf-8", "utf-16-be", "utf-16-le"):
        assert NAME.encode(encoding) not in on_disk
    with acting_as(organisation.pk):
        content = attachment_open(file=EncryptedFile.objects.get(pk=record.pk))
    reader = PdfReader(io.BytesIO(content))
    assert not reader.metadata
    assert reader.xmp_metadata is None
    assert NAME.encode("utf-16-be") not in content


def test_plain_file_like_upload_with_a_name(organisation, caseworker, store_dir) -> None:
    text = "Нотатка\n".encode()
    with acting_as(organisation.pk):
        record = attachment_store(
            organisation=organisation, uploaded=io.BytesIO(text), name="note.txt", actor=caseworker
        )
        assert attachment_open(file=record) == text
    assert record.content_type == "text/plain"


def _nothing_left(store_dir) -> None:
    assert not EncryptedFile.objects.exists()
    assert not AuditEvent.objects.filter(action="attachment.stored").exists()
    assert _files(store_dir) == []


def test_oversized_upload_is_refused_and_leaves_nothing(organisation, caseworker, store_dir, settings) -> None:
    settings.MOSTY_MAX_ATTACHMENT_BYTES = 1000
    with pytest.raises(FileTooLarge):
        _store(organisation, caseworker, "big.txt", b"a" * 1001, "text/plain")
    with acting_as(organisation.pk), pytest.raises(FileTooLarge):
        attachment_store(organisation=organisation, uploaded=io.BytesIO(b"b" * 5000), name="x.txt", actor=caseworker)
    _nothing_left(store_dir)


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "image/jpeg"),
        ("photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        ("notes.txt", b"<!DOCTYPE html><html></html>", "text/plain"),
        ("scan.pdf", b"just text", "application/pdf"),
    ],
)
def test_disguised_types_are_refused(organisation, caseworker, store_dir, name, data, content_type) -> None:
    with pytest.raises(UnsupportedFileType):
        _store(organisation, caseworker, name, data, content_type)
    _nothing_left(store_dir)


def test_failure_after_writing_leaves_no_row_and_no_file(organisation, caseworker, store_dir, monkeypatch) -> None:
    def broken(**kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(attachments, "audit_record", broken)
    with pytest.raises(RuntimeError):
        _store(organisation, caseworker, "a.jpg", jpeg_with_gps(), "image/jpeg")
    _nothing_left(store_dir)
    assert not DataKey.objects.filter(owner=organisation).exists()


def test_another_organisation_cannot_open(organisation, other_organisation, caseworker, store_dir) -> None:
    record = _store(organisation, caseworker, "a.txt", b"secret\n", "text/plain")
    with acting_as(other_organisation.pk), pytest.raises(KeyNotAvailable):
        attachment_open(file=EncryptedFile.objects.get(pk=record.pk))


def test_corrupted_file_fails_loudly(organisation, caseworker, store_dir) -> None:
    record = _store(organisation, caseworker, "a.txt", b"secret\n" * 100, "text/plain")
    path = store_dir / record.storage_name
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))
    with acting_as(organisation.pk), pytest.raises(DecryptionFailed):
        attachment_open(file=EncryptedFile.objects.get(pk=record.pk))


def test_swapped_or_truncated_file_fails(organisation, caseworker, store_dir) -> None:
    first = _store(organisation, caseworker, "a.txt", b"first\n", "text/plain")
    second = _store(organisation, caseworker, "b.txt", b"second\n", "text/plain")
    path = store_dir / first.storage_name
    path.write_bytes((store_dir / second.storage_name).read_bytes())
    with acting_as(organisation.pk), pytest.raises(DecryptionFailed):
        attachment_open(file=EncryptedFile.objects.get(pk=first.pk))
    second_path = store_dir / second.storage_name
    second_path.write_bytes(second_path.read_bytes()[:-3])
    with acting_as(organisation.pk), pytest.raises(DecryptionFailed):
        attachment_open(file=EncryptedFile.objects.get(pk=second.pk))


def test_missing_file_fails_loudly(organisation, caseworker, store_dir) -> None:
    record = _store(organisation, caseworker, "a.txt", b"x\n", "text/plain")
    (store_dir / record.storage_name).unlink()
    with acting_as(organisation.pk), pytest.raises(attachments.AttachmentMissing):
        attachment_open(file=EncryptedFile.objects.get(pk=record.pk))


def test_delete_shreds_the_key_and_removes_the_file(
    organisation, caseworker, store_dir, django_capture_on_commit_callbacks
) -> None:
    record = _store(organisation, caseworker, "a.jpg", jpeg_with_gps(), "image/jpeg")
    data_key_id = record.data_key_id
    with acting_as(organisation.pk), django_capture_on_commit_callbacks(execute=True):
        attachment_delete(file=EncryptedFile.objects.get(pk=record.pk), actor=caseworker)
    assert data_key_id is not None
    assert DataKey.objects.get(pk=data_key_id).shredded_at is not None
    assert not WrappedDataKey.objects.filter(data_key_id=data_key_id).exists()
    assert not EncryptedFile.objects.filter(pk=record.pk).exists()
    assert _files(store_dir) == []
    assert AuditEvent.objects.filter(action="attachment.deleted", object_id=str(record.pk)).exists()
    with acting_as(organisation.pk), pytest.raises(RecordShredded):
        attachment_open(file=record)


def test_another_organisation_cannot_delete(organisation, other_organisation, caseworker, store_dir) -> None:
    record = _store(organisation, caseworker, "a.txt", b"x\n", "text/plain")
    with acting_as(other_organisation.pk), pytest.raises(KeyNotAvailable):
        attachment_delete(file=EncryptedFile.objects.get(pk=record.pk), actor=None)
    assert WrappedDataKey.objects.filter(data_key_id=record.data_key_id).exists()
    assert (store_dir / record.storage_name).exists()
