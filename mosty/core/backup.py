"""Encrypted backups: one file with a portable dump of the database, the attachment files and a manifest.

Threats:
- a stolen backup: after a short clear header (format, backup id, master key id) everything is encrypted with
  `mosty.core.crypto.stream` (AES-256-GCM, chunked) under a key derived from the master key. The master key is
  not in the backup and never leaves the key provider: a backup without the key file is noise. Encrypted fields
  are dumped as their ciphertexts, and attachment files are already encrypted one by one, so even the inside of
  the archive holds no name in clear; usernames and other plain columns are protected by the archive's
  encryption only.
- a backup altered, truncated, extended, or its header edited: decryption fails (`DecryptionFailed`; the header
  is associated data) before anything is written to the database.
- a restore over live data: refused. A restore goes into a freshly migrated, empty database (the audit table
  cannot be emptied on PostgreSQL, on purpose), with the same migrations as the backup.
- plaintext left on disk: the dump and the decrypted archive live only in a private temporary directory (mode
  700, files 600) on the server and are deleted afterwards. They hold what the database on that server already
  holds. Sessions are not backed up: after a restore everyone logs in again.

File: `MOSTYBK1\\n` | header length (4 bytes, big-endian) | header (JSON) | encrypted stream of a tar archive with
`database.jsonl` (Django `dumpdata`, natural foreign keys), `attachments/...`, and `manifest.json` last (format,
migrations, created_at, rows per model, the signed audit head, SHA-256 of every other member).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import secrets
import shutil
import struct
import tarfile
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers import jsonl
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mosty.core.audit import VerifyResult, audit_head, audit_record, audit_verify
from mosty.core.crypto import files
from mosty.core.crypto.errors import DecryptionFailed
from mosty.core.crypto.fields import PREFIX, Ciphertext, EncryptedField
from mosty.core.exceptions import MostyError

FORMAT = "mosty-backup-v1"
MAGIC = b"MOSTYBK1\n"
SUFFIX = ".mostybackup"
DUMP_MEMBER = "database.jsonl"
MANIFEST_MEMBER = "manifest.json"
ATTACHMENTS_MEMBER = "attachments"
CHUNK = 1024 * 1024
_HEADER_LEN = struct.Struct(">I")
_MAX_HEADER = 4096
# Recreated by `migrate` (contenttypes, permissions; referenced by natural keys), or not worth keeping (sessions).
EXCLUDED = ("contenttypes", "auth.permission", "sessions")


# --- the dump's serialisation --------------------------------------------------------------------------------
# Django's JSON encoder cuts datetimes to milliseconds: a dump made with it loses the microseconds the audit chain
# hashed, and every restored link would break. This format is Django's JSON Lines with full datetimes; this
# module is its serializer module (`Serializer`, `Deserializer`), registered when a backup is made or restored.
SERIALIZATION_FORMAT = "mostyjsonl"


class _FullPrecisionEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


class Serializer(jsonl.Serializer):
    def _init_options(self) -> None:
        super()._init_options()  # type: ignore[misc]  # not in django-stubs
        self.json_kwargs["cls"] = _FullPrecisionEncoder


Deserializer = jsonl.Deserializer


def _register_format() -> None:
    if SERIALIZATION_FORMAT not in serializers.get_serializer_formats():
        serializers.register_serializer(SERIALIZATION_FORMAT, __name__)


class BackupError(MostyError):
    code = "backup_failed"
    status = 500
    message = _("The backup could not be made.")


class RestoreRefused(MostyError):
    """The target is not a freshly migrated, empty database, or its migrations differ from the backup's."""

    code = "restore_refused"
    status = 409
    message = _("The backup cannot be restored here.")


class BackupInvalid(DecryptionFailed):
    """The archive decrypted but is not a well-formed Mosty backup (a member missing, extra, or its hash wrong)."""

    code = "backup_invalid"
    message = _("The backup is damaged.")


@dataclass
class BackupResult:
    path: Path
    backup_id: str
    master_key_id: str
    counts: dict[str, int]
    attachments: int
    size: int


@dataclass
class RestoreResult:
    backup_id: str
    created_at: str
    counts: dict[str, int]
    attachments: int
    audit: VerifyResult
    audit_head_matches: bool
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.audit.ok and self.audit_head_matches and not self.problems


def attachments_dir() -> Path:
    return Path(getattr(settings, "MOSTY_ATTACHMENTS_DIR", settings.DATA_DIR / "attachments"))


def default_output() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.DATA_DIR / "backups" / f"mosty-{stamp}{SUFFIX}"


def _aad(header: bytes) -> bytes:
    return b"mosty/backup/v1/" + header


# --- backup ------------------------------------------------------------------------------------------------


def backup_create(*, output: Path | None = None) -> BackupResult:
    """Write one encrypted backup file (mode 600) and record `backup.created`.

    Promises: the file appears under its final name only when complete (never a half-written backup); an
    existing file is never overwritten (BackupError); nothing of the database is in clear in the file.
    """
    output = Path(output) if output is not None else default_output()
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if output.exists():
        raise BackupError(f"{output} already exists")
    master_key_id = files.backup_master_key_id()
    backup_id = secrets.token_hex(8)
    header = json.dumps({"backup_id": backup_id, "format": FORMAT, "master_key_id": master_key_id}, sort_keys=True)
    header_bytes = header.encode("ascii")
    partial = output.with_name(f".{output.name}.partial")
    with _private_workdir(output.parent, "backup") as workdir:
        dump_path = workdir / DUMP_MEMBER
        manifest = _dump_database(dump_path)
        manifest["backup_id"] = backup_id
        try:
            with _create_private(partial) as target:
                target.write(MAGIC + _HEADER_LEN.pack(len(header_bytes)) + header_bytes)
                attachments = _write_encrypted_tar(
                    master_key_id, target, aad=_aad(header_bytes), build=lambda tar: _fill_tar(tar, dump_path, manifest)
                )
                target.flush()
                os.fsync(target.fileno())
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    with transaction.atomic():
        audit_record(action="backup.created", object_type="backup", object_id=backup_id)
    return BackupResult(
        path=output,
        backup_id=backup_id,
        master_key_id=master_key_id,
        counts=dict(manifest["counts"]),
        attachments=attachments,
        size=output.stat().st_size,
    )


@contextmanager
def _private_workdir(parent: Path, purpose: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f".mosty-{purpose}-", dir=parent))  # mode 700
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _create_private(path: Path) -> Iterator[BinaryIO]:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        yield handle


def _dump_database(path: Path) -> dict[str, Any]:
    """Dump every table but the excluded ones, and describe the dump, from one consistent snapshot."""
    _register_format()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            call_command(
                "dumpdata",
                exclude=list(EXCLUDED),
                natural_foreign=True,
                use_base_manager=True,
                format=SERIALIZATION_FORMAT,
                stdout=out,
                verbosity=0,
            )
        head = audit_head()
        migrations = _applied_migrations()
    counts: Counter[str] = Counter()
    with path.open(encoding="utf-8") as dump:
        for line in dump:
            if line.strip():
                counts[str(json.loads(line)["model"])] += 1
    return {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "django_migrations": migrations,
        "counts": dict(sorted(counts.items())),
        "audit_head": head,
    }


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app_label, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


class _HashingReader:
    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.sha256.update(data)
        return data


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> str:
    with path.open("rb") as source:
        stat = os.fstat(source.fileno())
        reader = _HashingReader(source)
        tar.addfile(_tarinfo(name, stat.st_size, stat.st_mtime), reader)
    return reader.sha256.hexdigest()


def _fill_tar(tar: tarfile.TarFile, dump_path: Path, manifest: dict[str, Any]) -> int:
    """The dump, the attachment files (listed after the dump: every file a dumped row names is there), then the
    manifest with the hash of each. Returns the number of attachment files."""
    hashes = {DUMP_MEMBER: _add_file(tar, DUMP_MEMBER, dump_path)}
    root = attachments_dir()
    if root.is_dir():
        for directory, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for filename in sorted(filenames):
                path = Path(directory) / filename
                if path.is_symlink() or not path.is_file():
                    continue
                name = f"{ATTACHMENTS_MEMBER}/{path.relative_to(root).as_posix()}"
                hashes[name] = _add_file(tar, name, path)
    manifest["sha256"] = hashes
    data = json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8")
    tar.addfile(_tarinfo(MANIFEST_MEMBER, len(data), timezone.now().timestamp()), io.BytesIO(data))
    return len(hashes) - 1


def _write_encrypted_tar(
    master_key_id: str, target: BinaryIO, *, aad: bytes, build: Callable[[tarfile.TarFile], int]
) -> int:
    """Stream a tar archive through the encryption without holding it in memory or writing it to disk: a thread
    writes the archive into a pipe that `encrypt_stream` reads."""
    read_fd, write_fd = os.pipe()
    outcome: dict[str, Any] = {}

    def produce() -> None:
        try:
            with (
                os.fdopen(write_fd, "wb") as pipe_out,
                tarfile.open(fileobj=pipe_out, mode="w|", format=tarfile.PAX_FORMAT) as tar,
            ):
                outcome["result"] = build(tar)
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc

    producer = threading.Thread(target=produce, name="mosty-backup-tar", daemon=True)
    producer.start()
    try:
        with os.fdopen(read_fd, "rb") as pipe_in:
            files.seal_backup(master_key_id, pipe_in, target, aad=aad, chunk_size=CHUNK)
    finally:
        producer.join()
    if "error" in outcome:
        raise BackupError("the archive could not be written") from outcome["error"]
    return int(outcome["result"])


# --- restore -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupHeader:
    backup_id: str
    master_key_id: str
    raw: bytes
    length: int  # bytes before the encrypted stream


def read_header(source: BinaryIO) -> BackupHeader:
    start = source.read(len(MAGIC) + _HEADER_LEN.size)
    if len(start) != len(MAGIC) + _HEADER_LEN.size or not start.startswith(MAGIC):
        raise DecryptionFailed("not a Mosty backup")
    (length,) = _HEADER_LEN.unpack_from(start, len(MAGIC))
    if length > _MAX_HEADER:
        raise DecryptionFailed("not a Mosty backup")
    raw = source.read(length)
    try:
        header = json.loads(raw.decode("ascii"))
        if header["format"] != FORMAT:
            raise DecryptionFailed("unknown backup format")
        return BackupHeader(str(header["backup_id"]), str(header["master_key_id"]), raw, len(start) + length)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise DecryptionFailed("not a Mosty backup") from None


def _restorable_models() -> list[type[models.Model]]:
    excluded = {m for m in EXCLUDED if "." in m}
    return [
        model
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.app_label not in EXCLUDED and model._meta.label_lower not in excluded
    ]


def _check_target_empty() -> None:
    filled = [m._meta.label for m in _restorable_models() if m._base_manager.exists()]
    if filled:
        raise RestoreRefused(
            "the database is not empty (" + ", ".join(filled[:5]) + "): restore into a new, freshly migrated database"
        )
    root = attachments_dir()
    if root.is_dir() and any(root.iterdir()):
        raise RestoreRefused(f"the attachments directory {root} is not empty")


def _check_migrations(manifest: dict[str, Any]) -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RestoreRefused("the database is not fully migrated: run `mosty manage migrate` first")
    if _applied_migrations() != manifest.get("django_migrations"):
        raise RestoreRefused(
            "the backup was made with other migrations than this version of Mosty has: "
            "install the version that made the backup, restore, then upgrade"
        )


def _safe_member_name(name: str) -> bool:
    parts = name.split("/")
    if name in {DUMP_MEMBER, MANIFEST_MEMBER}:
        return True
    return len(parts) > 1 and parts[0] == ATTACHMENTS_MEMBER and all(p not in {"", ".", ".."} for p in parts[1:])


def _read_and_check_archive(tar: tarfile.TarFile) -> dict[str, Any]:
    members = tar.getmembers()
    names = [m.name for m in members]
    if len(set(names)) != len(names) or MANIFEST_MEMBER not in names or DUMP_MEMBER not in names:
        raise BackupInvalid("the archive's members are not those of a backup")
    for member in members:
        if not member.isfile() or not _safe_member_name(member.name):
            raise BackupInvalid("the archive holds an unexpected member")
    manifest_file = tar.extractfile(MANIFEST_MEMBER)
    assert manifest_file is not None  # noqa: S101  (a regular file, checked above)
    manifest: dict[str, Any] = json.loads(manifest_file.read().decode("utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupInvalid("unknown manifest format")
    expected: dict[str, str] = manifest.get("sha256", {})
    if set(expected) != set(names) - {MANIFEST_MEMBER}:
        raise BackupInvalid("the archive's members differ from its manifest")
    for member in members:
        if member.name == MANIFEST_MEMBER:
            continue
        handle = tar.extractfile(member)
        assert handle is not None  # noqa: S101
        digest = hashlib.sha256()
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
        if digest.hexdigest() != expected[member.name]:
            raise BackupInvalid("a member of the archive does not match its hash")
    return manifest


def _reset_sequences() -> None:
    """loaddata inserts explicit primary keys; PostgreSQL's sequences must then move past them (as
    `sqlsequencereset` does, for every model)."""
    models_all = list(apps.get_models(include_auto_created=True))
    statements = connection.ops.sequence_reset_sql(no_style(), models_all)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def backup_restore(*, path: Path, work_dir: Path | None = None) -> RestoreResult:
    """Restore a backup into this freshly migrated, empty database and the (empty) attachments directory.

    Promises: nothing is written unless the whole file decrypts and authenticates, every member matches the
    manifest, and the migrations match (DecryptionFailed, BackupInvalid, RestoreRefused, MasterKeyUnavailable);
    the rows load in one transaction; the result reports the audit chain check and whether its head is the one
    the backup recorded. The master key the backup names must be configured (current or previous).
    """
    path = Path(path)
    with path.open("rb") as source:
        header = read_header(source)
    # Fails early (MasterKeyUnavailable) when the master key this backup names is not configured.
    files.check_backup_key(header.master_key_id)
    _check_target_empty()
    work_parent = Path(work_dir) if work_dir is not None else settings.DATA_DIR
    work_parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    root = attachments_dir()
    with _private_workdir(work_parent, "restore") as workdir:
        tar_path = workdir / "backup.tar"
        with path.open("rb") as source, _create_private(tar_path) as plain:
            source.seek(header.length)
            files.open_backup(header.master_key_id, source, plain, aad=_aad(header.raw))
        dump_path = workdir / DUMP_MEMBER
        with tarfile.open(tar_path, mode="r:") as tar:
            manifest = _read_and_check_archive(tar)
            _check_migrations(manifest)
            tar.extract(DUMP_MEMBER, workdir, filter="data")
            attachment_members = [m for m in tar.getmembers() if m.name.startswith(f"{ATTACHMENTS_MEMBER}/")]
            staging: Path | None = None
            if attachment_members:
                root.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(prefix=".mosty-restore-attachments-", dir=root.parent))
        try:
            if staging is not None:
                with tarfile.open(tar_path, mode="r:") as tar:
                    for member in attachment_members:
                        tar.extract(member.name, staging, filter="data")
            with transaction.atomic():
                _check_target_empty()
                _load(dump_path, workdir)
                _reset_sequences()
                counts = _row_counts()
                if counts != manifest["counts"]:
                    raise BackupInvalid("the restored row counts differ from the manifest")
            if staging is not None:
                if root.is_dir():
                    root.rmdir()  # empty: checked above
                (staging / ATTACHMENTS_MEMBER).rename(root)
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    audit = audit_verify()
    head = manifest.get("audit_head", {})
    head_matches = audit.head_seq == head.get("seq") and audit.head_hash == head.get("hash")
    return RestoreResult(
        backup_id=str(manifest.get("backup_id", header.backup_id)),
        created_at=str(manifest.get("created_at", "")),
        counts=counts,
        attachments=len(attachment_members),
        audit=audit,
        audit_head_matches=head_matches,
    )


def _load(dump_path: Path, workdir: Path) -> None:
    """loaddata, with the encrypted columns set afterwards.

    Django's raw save (what loaddata does) reads every field through its attribute, and an encrypted field's
    attribute decrypts: that needs keys a restore does not use, and would hand the plaintext to the database
    layer, which refuses it. So the rows load with their encrypted columns empty (they are nullable), and an
    UPDATE then writes the stored ciphertexts back exactly as they were. All of it in the caller's transaction.
    """
    encrypted = {
        model._meta.label_lower: [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        for model in _restorable_models()
    }
    encrypted = {label: names for label, names in encrypted.items() if names}
    load_path = workdir / f"load.{SERIALIZATION_FORMAT}"
    pending_path = workdir / "encrypted.jsonl"
    with (
        dump_path.open(encoding="utf-8") as source,
        _create_private(load_path) as load,
        _create_private(pending_path) as pending,
    ):
        for line in source:
            if not line.strip():
                continue
            names = encrypted.get(json.loads(line)["model"]) if f'"{PREFIX}' in line else None
            if names:
                obj = json.loads(line)
                values = {name: obj["fields"][name] for name in names if obj["fields"].get(name) is not None}
                for name in values:
                    obj["fields"][name] = None
                pending.write(json.dumps({"model": obj["model"], "pk": obj["pk"], "fields": values}).encode() + b"\n")
                line = json.dumps(obj, ensure_ascii=False) + "\n"
            load.write(line.encode("utf-8"))
    _register_format()
    call_command("loaddata", str(load_path), verbosity=0)
    with pending_path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            model = apps.get_model(row["model"])
            values = {name: Ciphertext(value) for name, value in row["fields"].items()}
            if model._base_manager.filter(pk=row["pk"]).update(**values) != 1:
                raise BackupInvalid("an encrypted row of the backup could not be restored")


def _row_counts() -> dict[str, int]:
    counts = {m._meta.label_lower: m._base_manager.count() for m in _restorable_models()}
    # dumpdata also writes auto-created many-to-many rows inside their owners, so only models count here.
    return {label: n for label, n in sorted(counts.items()) if n}
