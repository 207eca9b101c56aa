"""Key rotation: a new organisation key version (`organisation_key_rotate`) and a new master key
(`master_key_rotate`), both online, in small transactions, resumable after an interruption.

Threats:
- an organisation key (or a copy of it) that leaked, for example with a memory dump or an old server: rotation
  re-wraps every data key of the organisation under a fresh version, retires the old one and can overwrite its
  wrapped material (`destroy_retired`), so the leaked key opens no wrapping stored from then on;
- a master key that leaked or sat on a lost disk: `master_key_rotate` re-wraps every organisation key under a
  new master key, so the database alone plus the old file no longer opens anything stored from then on (old
  backups still do: that is why the old file is kept only until those backups expire).

What rotation does not do: the records' data keys and ciphertexts stay as they are (only their wrappings
change), and the blind-index root keys (purpose `index`) are re-wrapped by a master rotation but never replaced,
because every stored blind index was computed with them.

No function here logs, prints or audits key material: audit events carry key ids (database ids, and for the
master key its public id, a hash) only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from mosty.accounts.models import Organisation
from mosty.core.audit import audit_record
from mosty.core.crypto import keyring
from mosty.core.crypto.errors import MasterKeyUnavailable
from mosty.core.crypto.keyprovider import FileKeyProvider, KeyProvider, master_key_id
from mosty.core.models import KeyPurpose, OrganisationKey, WrappedDataKey

DEFAULT_BATCH_SIZE = 500
FILE_KEY_PROVIDER = "mosty.core.crypto.keyprovider.FileKeyProvider"

Progress = Callable[[int, int], None]  # (done, total)


def _scope_q(organisation_id: int | None, prefix: str = "") -> Q:
    if organisation_id is None:
        return Q(**{f"{prefix}organisation__isnull": True})
    return Q(**{f"{prefix}organisation_id": organisation_id})


def _organisation(organisation_id: int | None) -> Organisation | None:
    return None if organisation_id is None else Organisation.objects.get(pk=organisation_id)


def _older_data_keys(organisation_id: int | None, current: OrganisationKey) -> QuerySet[OrganisationKey]:
    return OrganisationKey.objects.filter(
        _scope_q(organisation_id), purpose=KeyPurpose.DATA, version__lt=current.version
    )


def pending_wrappings(organisation_id: int | None, current: OrganisationKey) -> QuerySet[WrappedDataKey]:
    """The scope's wrappings still under a data-key version older than `current`."""
    return WrappedDataKey.objects.filter(
        _scope_q(organisation_id, "organisation_key__"),
        organisation_key__purpose=KeyPurpose.DATA,
        organisation_key__version__lt=current.version,
    )


@dataclass
class RotationResult:
    organisation_key: OrganisationKey
    resumed: bool
    total: int
    rewrapped: int = 0
    finished: bool = False
    retired: list[OrganisationKey] = field(default_factory=list)


def organisation_key_rotation_begin(
    *, organisation_id: int | None, new_version: bool = False
) -> tuple[OrganisationKey, bool]:
    """Return (the version to rotate to, whether an unfinished rotation is resumed).

    An unfinished rotation (an older data-key version that still has wrappings or is not yet retired) continues
    with the newest existing version, unless `new_version` forces yet another one. Older versions are
    deactivated in the same transaction, so data keys created from then on are wrapped under the new version.
    Audits `keys.rotation_started`.
    """
    with transaction.atomic():
        versions = list(
            OrganisationKey.objects.select_for_update()
            .filter(_scope_q(organisation_id), purpose=KeyPurpose.DATA)
            .order_by("-version")
        )
        newest = versions[0] if versions else None
        unfinished = newest is not None and (
            any(v.retired_at is None for v in versions[1:]) or pending_wrappings(organisation_id, newest).exists()
        )
        if newest is not None and unfinished and not new_version:
            current, resumed = newest, True
        else:
            current, resumed = keyring.organisation_key_create(organisation_id=organisation_id), False
        _older_data_keys(organisation_id, current).filter(is_active=True).update(is_active=False)
        if not current.is_active:
            current.is_active = True
            current.save(update_fields=["is_active"])
        audit_record(
            action="keys.rotation_started",
            organisation=_organisation(organisation_id),
            object_type="organisation_key",
            object_id=current.pk,
        )
    return current, resumed


def organisation_key_rotation_batch(
    *, organisation_id: int | None, current: OrganisationKey, batch_size: int = DEFAULT_BATCH_SIZE
) -> int:
    """Re-wrap up to `batch_size` of the scope's wrappings still under an older version, in one transaction.
    Returns how many were re-wrapped (0: nothing left). Rows are locked, so a concurrent share, unshare or
    shred of the same record waits for this batch instead of racing it."""
    with transaction.atomic(), keyring.default_scope(organisation_id):
        batch = list(
            pending_wrappings(organisation_id, current)
            .select_related("organisation_key")
            .select_for_update(of=("self",))
            .order_by("pk")[:batch_size]
        )
        for wrapping in batch:
            keyring.data_key_rewrap(wrapping, current)
    return len(batch)


def organisation_key_rotation_finish(
    *, organisation_id: int | None, current: OrganisationKey, destroy_retired: bool = False
) -> list[OrganisationKey]:
    """Retire each older version no wrapping refers to any more (and, with `destroy_retired`, overwrite its
    wrapped material with empty bytes: nothing can unwrap it again, from this database or any later backup).
    Returns the versions retired or destroyed now. Audits `keys.rotation_finished` when no older version is
    left in use."""
    changed: list[OrganisationKey] = []
    for okey_id in _older_data_keys(organisation_id, current).order_by("version").values_list("pk", flat=True):
        with transaction.atomic():
            # The row lock waits for any transaction that is inserting a wrapping under this version (its
            # foreign key holds a share lock on the row), so the check below sees that wrapping.
            okey = OrganisationKey.objects.select_for_update().get(pk=okey_id)
            if WrappedDataKey.objects.filter(organisation_key=okey).exists():
                continue
            fields: list[str] = []
            if okey.is_active:
                okey.is_active = False
                fields.append("is_active")
            if okey.retired_at is None:
                okey.retired_at = timezone.now()
                fields.append("retired_at")
            if destroy_retired and bytes(okey.wrapped):
                okey.wrapped = b""
                fields.append("wrapped")
            if fields:
                okey.save(update_fields=fields)
                changed.append(okey)
    with transaction.atomic():
        if pending_wrappings(organisation_id, current).exists():
            return changed
        audit_record(
            action="keys.rotation_finished",
            organisation=_organisation(organisation_id),
            object_type="organisation_key",
            object_id=current.pk,
        )
    return changed


def organisation_key_rotate(
    *,
    organisation_id: int | None,
    new_version: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    destroy_retired: bool = False,
    max_batches: int | None = None,
    progress: Progress | None = None,
) -> RotationResult:
    """Rotate the scope's data-purpose organisation key (`organisation_id` None: the installation scope).

    Safe while the site runs and safe to interrupt: each batch commits on its own, and running it again resumes
    (see `organisation_key_rotation_begin`). `max_batches` stops early (the rest is left for the next run).
    The index-purpose key is never rotated: blind indexes must stay valid.
    """
    current, resumed = organisation_key_rotation_begin(organisation_id=organisation_id, new_version=new_version)
    result = RotationResult(
        organisation_key=current, resumed=resumed, total=pending_wrappings(organisation_id, current).count()
    )
    if progress is not None:
        progress(0, result.total)
    batches = 0
    while max_batches is None or batches < max_batches:
        done = organisation_key_rotation_batch(organisation_id=organisation_id, current=current, batch_size=batch_size)
        if done == 0:
            break
        batches += 1
        result.rewrapped += done
        # Wrappings created meanwhile under an old version (a request that began before the switch) add to it.
        result.total = max(result.total, result.rewrapped)
        if progress is not None:
            progress(result.rewrapped, result.total)
    if pending_wrappings(organisation_id, current).exists():
        return result
    result.retired = organisation_key_rotation_finish(
        organisation_id=organisation_id, current=current, destroy_retired=destroy_retired
    )
    result.finished = not pending_wrappings(organisation_id, current).exists()
    return result


# --- the master key ---------------------------------------------------------------------------------------


def master_rotation_provider(new_key_file: Path) -> FileKeyProvider:
    """A provider whose current key is `new_key_file` and which still holds the configured master key and the
    previous ones (to unwrap what is not yet moved). Refuses a missing file: it never generates one itself."""
    if settings.MOSTY_KEY_PROVIDER != FILE_KEY_PROVIDER:
        raise MasterKeyUnavailable("rotate-master with a key file needs the file key provider")
    if not new_key_file.exists():
        raise MasterKeyUnavailable(f"new master key file {new_key_file} does not exist")
    # The operator may already have pointed MOSTY_MASTER_KEY_FILE at the new file (the order without downtime).
    old = [Path(p) for p in [settings.MOSTY_MASTER_KEY_FILE, *settings.MOSTY_PREVIOUS_MASTER_KEY_FILES]]
    previous: list[str | Path] = [p for p in old if p.resolve() != new_key_file.resolve()]
    return FileKeyProvider(new_key_file, previous=previous)


def master_key_file_id(path: Path) -> str:
    """The public id of the master key in `path` (what `OrganisationKey.master_key_id` stores)."""
    return master_key_id(path.read_bytes())


@dataclass
class MasterRotationResult:
    master_key_id: str
    total: int
    rewrapped: int = 0
    skipped: int = 0
    destroyed: int = 0


def master_key_rotate(*, provider: KeyProvider, progress: Progress | None = None) -> MasterRotationResult:
    """Re-wrap every organisation key (both purposes, every organisation and the installation scope) under
    `provider`'s current master key, one row per transaction. Rows already under it are skipped, so an
    interrupted run resumes. Destroyed (retired, emptied) versions have nothing to re-wrap. Audits
    `keys.master_rotation_started` / `keys.master_rotation_finished` with the new master key's public id."""
    new_id = provider.current_key_id()
    ids = list(OrganisationKey.objects.order_by("pk").values_list("pk", flat=True))
    result = MasterRotationResult(master_key_id=new_id, total=len(ids))
    with transaction.atomic():
        audit_record(action="keys.master_rotation_started", object_type="master_key", object_id=new_id)
    if progress is not None:
        progress(0, result.total)
    for n, okey_id in enumerate(ids, start=1):
        with transaction.atomic():
            okey = OrganisationKey.objects.select_for_update().get(pk=okey_id)
            if not bytes(okey.wrapped):
                result.destroyed += 1
            elif keyring.organisation_key_rewrap(okey, provider=provider):
                result.rewrapped += 1
            else:
                result.skipped += 1
        if progress is not None:
            progress(n, result.total)
    with transaction.atomic():
        audit_record(action="keys.master_rotation_finished", object_type="master_key", object_id=new_id)
    return result
