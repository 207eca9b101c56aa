"""The key hierarchy: master key -> organisation keys -> one data key per record.

Threats:
- a stolen database: organisation keys are wrapped by the master key (outside the database), data keys by
  organisation keys, values by data keys;
- one organisation reading another's records: a data key is unwrapped only through a wrapping made for the
  *acting* organisation (`acting_as`), which exists for the owner and for organisations a record was
  explicitly shared with (a referral), and for nobody else;
- data kept too long: `data_key_shred` deletes every wrapping of a record's key, so its ciphertexts can never
  be read again, by anyone, from any backup made afterwards.

Unwrapped keys live only in the memory of one `acting_as` block (a web request, a command), never longer.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from mosty.core.crypto import aead
from mosty.core.crypto.errors import DecryptionFailed, KeyNotAvailable, NoActingOrganisation, RecordShredded
from mosty.core.crypto.keyprovider import KeyProvider, get_key_provider
from mosty.core.models import DataKey, KeyPurpose, OrganisationKey, WrappedDataKey

INSTALLATION = "installation"


@dataclass
class _Scope:
    organisation_id: int | None  # None: the installation's own scope
    installation: bool = True  # may read installation-scope records (staff data), e.g. any verified staff member
    keks: dict[int, bytes] = field(default_factory=dict)
    data_keys: dict[int, bytes] = field(default_factory=dict)
    active_keys: dict[tuple[int | None, str], OrganisationKey] = field(default_factory=dict)
    index_keys: dict[tuple[int | None, str], bytes] = field(default_factory=dict)
    ciphers: dict[int, AESGCM] = field(default_factory=dict)
    cohorts: dict[type, Any] = field(default_factory=dict)  # per model: the instances being loaded (`fields._Cohort`)


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar("mosty_acting_scope", default=None)


@contextmanager
def acting_as(organisation_id: int | None, *, installation: bool = True) -> Iterator[None]:
    """Read and write encrypted values on behalf of `organisation_id` (None: the installation scope only).
    `installation` also allows reading installation-scope records (staff display names)."""
    token = _scope.set(_Scope(organisation_id, installation=installation or organisation_id is None))
    try:
        yield
    finally:
        _scope.reset(token)


def enter_scope_for_request(organisation_id: int | None) -> None:
    """Set the acting scope until the end of the current request. Only safe under
    `mosty.core.middleware.IsolatedContextMiddleware`, which runs each request in its own context."""
    _scope.set(_Scope(organisation_id))


@contextmanager
def default_scope(organisation_id: int | None) -> Iterator[None]:
    """`acting_as(organisation_id)` unless a scope is already set (services called from commands and jobs)."""
    if _scope.get() is not None:
        yield
        return
    with acting_as(organisation_id):
        yield


def _readers(scope: _Scope) -> Q:
    """Wrappings the scope may use: its organisation's, and the installation scope's where allowed. Only
    installation-owned data keys ever have an installation wrapping (`data_key_share` never makes one)."""
    readers = Q(organisation_id=scope.organisation_id) if scope.organisation_id is not None else Q(pk__in=[])
    if scope.installation:
        readers |= Q(organisation__isnull=True)
    return readers


def _current() -> _Scope:
    scope = _scope.get()
    if scope is None:
        raise NoActingOrganisation("no acting organisation is set")
    return scope


def acting_organisation_id() -> int | None:
    return _current().organisation_id


def _org_q(organisation_id: int | None) -> Q:
    return Q(organisation__isnull=True) if organisation_id is None else Q(organisation_id=organisation_id)


def _label(organisation_id: int | None) -> str:
    return str(organisation_id) if organisation_id is not None else INSTALLATION


def _okey_context(okey: OrganisationKey) -> bytes:
    return _okey_context_of(okey.organisation_id, okey.purpose, okey.version)


def _okey_context_of(organisation_id: int | None, purpose: str, version: int) -> bytes:
    return f"mosty/okey/v1/{_label(organisation_id)}/{purpose}/{version}".encode()


def _dkey_context(data_key_id: int, organisation_id: int | None, okey_id: int) -> bytes:
    label = b"installation" if organisation_id is None else b"%d" % organisation_id
    return b"mosty/dkey/v1/%d/%b/%d" % (data_key_id, label, okey_id)


def active_organisation_key(organisation_id: int | None, purpose: str = KeyPurpose.DATA) -> OrganisationKey:
    """The organisation's active key for `purpose`, created (wrapped by the master key) on first use.
    Remembered for the current scope (rotation runs in a scope of its own)."""
    scope = _scope.get()
    if scope is not None and (organisation_id, purpose) in scope.active_keys:
        return scope.active_keys[(organisation_id, purpose)]
    okey = _active_organisation_key(organisation_id, purpose)
    if scope is not None:
        scope.active_keys[(organisation_id, purpose)] = okey
    return okey


def _active_organisation_key(organisation_id: int | None, purpose: str) -> OrganisationKey:
    existing = (
        OrganisationKey.objects.filter(_org_q(organisation_id), purpose=purpose, is_active=True)
        .order_by("-version")
        .first()
    )
    if existing is not None:
        return existing
    return organisation_key_create(organisation_id=organisation_id, purpose=purpose)


def organisation_key_create(*, organisation_id: int | None, purpose: str = KeyPurpose.DATA) -> OrganisationKey:
    """A new version of the organisation's key, wrapped under the current master key. Rotation uses it too;
    the caller retires the previous version once nothing refers to it."""
    with transaction.atomic():
        last = (
            OrganisationKey.objects.select_for_update()
            .filter(_org_q(organisation_id), purpose=purpose)
            .order_by("-version")
            .first()
        )
        okey = OrganisationKey(
            organisation_id=organisation_id, purpose=purpose, version=(last.version + 1) if last else 1
        )
        provider = get_key_provider()
        okey.master_key_id, okey.wrapped = provider.wrap(aead.new_key(), context=_okey_context(okey))
        okey.save()
    return okey


def organisation_key_bytes(okey: OrganisationKey) -> bytes:
    """Unwrap an organisation key (cached for the current scope when there is one)."""
    return _organisation_key_bytes(okey.pk, okey.master_key_id, okey.wrapped, _okey_context(okey))


def _organisation_key_bytes(okey_id: int, master_key_id: str, wrapped: bytes | memoryview, context: bytes) -> bytes:
    scope = _scope.get()
    if scope is not None and okey_id in scope.keks:
        return scope.keks[okey_id]
    raw = get_key_provider().unwrap(master_key_id, bytes(wrapped), context=context)
    if scope is not None:
        scope.keks[okey_id] = raw
    return raw


def organisation_key_rewrap(okey: OrganisationKey, *, provider: KeyProvider | None = None) -> bool:
    """Re-wrap an organisation key under the current master key of `provider` (default: the configured one;
    `mosty keys rotate-master` passes one that holds the new and the old master keys). False if it already was
    (resumable)."""
    provider = provider or get_key_provider()
    if okey.master_key_id == provider.current_key_id():
        return False
    raw = provider.unwrap(okey.master_key_id, bytes(okey.wrapped), context=_okey_context(okey))
    okey.master_key_id, okey.wrapped = provider.wrap(raw, context=_okey_context(okey))
    okey.save(update_fields=["master_key_id", "wrapped"])
    return True


def _wrap_for(data_key: DataKey, raw: bytes, organisation_id: int | None) -> WrappedDataKey:
    """Wrap under the organisation's active key. The key row is locked and re-checked in the caller's
    transaction, so a rotation cannot retire (or destroy) the version while this wrapping is being saved; a
    version that became inactive since the scope cached it is replaced by the current one."""
    okey = active_organisation_key(organisation_id)
    if not OrganisationKey.objects.select_for_update().filter(pk=okey.pk, is_active=True).exists():
        scope = _scope.get()
        if scope is not None:
            scope.active_keys.pop((organisation_id, KeyPurpose.DATA), None)
        okey = _active_organisation_key(organisation_id, KeyPurpose.DATA)
    sealed = aead.seal(organisation_key_bytes(okey), raw, _dkey_context(data_key.pk, organisation_id, okey.pk))
    return WrappedDataKey(data_key=data_key, organisation_id=organisation_id, organisation_key=okey, wrapped=sealed)


def data_key_create(*, owner_organisation_id: int | None) -> DataKey:
    """A fresh data key for one record, wrapped for its owner only."""
    raw = aead.new_key()
    with transaction.atomic():
        data_key = DataKey.objects.create(owner_id=owner_organisation_id)
        _wrap_for(data_key, raw, owner_organisation_id).save()
    scope = _scope.get()
    if scope is not None and scope.organisation_id == owner_organisation_id:
        scope.data_keys[data_key.pk] = raw
    return data_key


def data_key_bytes(data_key_id: int) -> bytes:
    """The record's data key, unwrapped for the acting organisation, or KeyNotAvailable / RecordShredded."""
    scope = _current()
    if data_key_id in scope.data_keys:
        return scope.data_keys[data_key_id]
    readers = _readers(scope)
    wrapping = (
        WrappedDataKey.objects.select_related("organisation_key")
        .filter(readers, data_key_id=data_key_id)
        .order_by("organisation_id")
        .first()
    )
    if wrapping is None:
        if DataKey.objects.filter(pk=data_key_id, shredded_at__isnull=False).exists():
            raise RecordShredded
        raise KeyNotAvailable
    okey = wrapping.organisation_key
    raw = aead.open_sealed(
        organisation_key_bytes(okey),
        bytes(wrapping.wrapped),
        _dkey_context(data_key_id, wrapping.organisation_id, okey.pk),
    )
    scope.data_keys[data_key_id] = raw
    return raw


def prefetch_data_keys(data_key_ids: Iterable[int | None]) -> None:
    """Unwrap many records' data keys with one query (list pages), for the acting organisation. Keys it may not
    unwrap are skipped: reading those records then fails as it would have.

    Plain SQL, 500 ids at a time: on list pages the ORM's query building cost more than the query itself."""
    scope = _current()
    data_keys, ciphers = scope.data_keys, scope.ciphers
    wanted = [i for i in {i for i in data_key_ids if i is not None} if i not in data_keys]
    readers, readers_params = _readers_sql(scope)
    if not wanted or not readers:
        return
    keks: dict[int, AESGCM] = {}
    labels: dict[int | None, bytes] = {}
    wrapping, okey_table = WrappedDataKey._meta.db_table, OrganisationKey._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            placeholders = ", ".join(["%s"] * len(chunk))
            # Only table names from the models and fixed fragments are formatted in; every value is a parameter.
            cursor.execute(
                "SELECT w.data_key_id, w.organisation_id, w.wrapped, w.organisation_key_id, "  # noqa: S608  # nosec B608
                "k.organisation_id, k.purpose, k.version, k.master_key_id, k.wrapped "
                f"FROM {wrapping} w JOIN {okey_table} k ON k.id = w.organisation_key_id "
                f"WHERE w.data_key_id IN ({placeholders}) AND ({readers})",
                [*chunk, *readers_params],
            )
            # The row-by-row work of a 10,000-row page, written out: `_dkey_context` and `aead.open_with`.
            for data_key_id, organisation_id, wrapped, okey_id, *okey in cursor.fetchall():
                if data_key_id in data_keys:
                    continue  # a second wrapping (the installation's and an organisation's): one is enough
                kek = keks.get(okey_id)
                if kek is None:
                    okey_organisation_id, purpose, version, master_key_id, okey_wrapped = okey
                    context = _okey_context_of(okey_organisation_id, purpose, version)
                    kek = keks[okey_id] = aead.cipher(
                        _organisation_key_bytes(okey_id, master_key_id, okey_wrapped, context)
                    )
                label = labels.get(organisation_id)
                if label is None:
                    label = labels[organisation_id] = _label(organisation_id).encode()
                sealed = wrapped if type(wrapped) is bytes else bytes(wrapped)
                if len(sealed) < aead.NONCE_BYTES + aead.TAG_BYTES:
                    raise DecryptionFailed("wrapped key too short")
                try:
                    raw = kek.decrypt(
                        sealed[: aead.NONCE_BYTES],
                        sealed[aead.NONCE_BYTES :],
                        b"mosty/dkey/v1/%d/%b/%d" % (data_key_id, label, okey_id),
                    )
                except InvalidTag:
                    raise DecryptionFailed("authentication failed") from None
                data_keys[data_key_id] = raw
                ciphers[data_key_id] = AESGCM(raw)


def _readers_sql(scope: _Scope) -> tuple[str, list[Any]]:
    """`_readers` as an SQL condition on the wrapping `w` ("" if none), and its parameters."""
    conditions = ["w.organisation_id IS NULL"] if scope.installation else []
    params: list[Any] = []
    if scope.organisation_id is not None:
        conditions.append("w.organisation_id = %s")
        params.append(scope.organisation_id)
    return " OR ".join(conditions), params


def data_key_cipher(data_key_id: int) -> AESGCM:
    """An AES-GCM object for the record's data key (cached for the scope), for the acting organisation."""
    scope = _current()
    cipher = scope.ciphers.get(data_key_id)
    if cipher is None:
        cipher = scope.ciphers[data_key_id] = aead.cipher(data_key_bytes(data_key_id))
    return cipher


def data_key_share(*, data_key_id: int, with_organisation_id: int) -> WrappedDataKey:
    """Wrap the record's data key for a second organisation (a referral shares exactly one record). Only the
    owner, acting for itself, can share: an organisation a record was shared with cannot pass it on."""
    if with_organisation_id is None:
        raise KeyNotAvailable("records are shared with organisations only")
    raw = data_key_bytes(data_key_id)
    data_key = DataKey.objects.get(pk=data_key_id)
    if data_key.owner_id is None or data_key.owner_id != _current().organisation_id:
        raise KeyNotAvailable("only the owning organisation can share a record")
    with transaction.atomic():
        existing = WrappedDataKey.objects.filter(data_key=data_key, organisation_id=with_organisation_id).first()
        if existing is not None:
            return existing
        wrapping = _wrap_for(data_key, raw, with_organisation_id)
        wrapping.save()
    return wrapping


def data_key_unshare(*, data_key_id: int, organisation_id: int) -> bool:
    """Remove an organisation's wrapping (consent revoked). The owner's wrapping cannot be removed this way."""
    data_key = DataKey.objects.get(pk=data_key_id)
    if data_key.owner_id == organisation_id:
        raise KeyNotAvailable("the owner's wrapping is removed only by shredding")
    deleted, _ = WrappedDataKey.objects.filter(data_key_id=data_key_id, organisation_id=organisation_id).delete()
    return deleted > 0


def data_key_shred(*, data_key_id: int) -> None:
    """Destroy the record's data key for good: every wrapping is deleted and the key is marked shredded."""
    with transaction.atomic():
        WrappedDataKey.objects.filter(data_key_id=data_key_id).delete()
        DataKey.objects.filter(pk=data_key_id).update(shredded_at=timezone.now())
    scope = _scope.get()
    if scope is not None:
        scope.data_keys.pop(data_key_id, None)
        scope.ciphers.pop(data_key_id, None)


def data_key_forget(*, data_key_ids: Iterable[int]) -> int:
    """Delete the records of keys that were shredded and that no row refers to any more (retention: nothing of the
    record remains). Keys not yet shredded are never touched. Returns how many were deleted."""
    ids = list(data_key_ids)
    if not ids:
        return 0
    deleted, _ = DataKey.objects.filter(pk__in=ids, shredded_at__isnull=False).delete()
    return int(deleted)


def data_key_rewrap(wrapping: WrappedDataKey, new_okey: OrganisationKey) -> None:
    """Move one wrapping to a new organisation key (rotation). The data key and its ciphertexts do not change."""
    old = wrapping.organisation_key
    raw = aead.open_sealed(
        organisation_key_bytes(old),
        bytes(wrapping.wrapped),
        _dkey_context(wrapping.data_key_id, wrapping.organisation_id, old.pk),
    )
    wrapping.wrapped = aead.seal(
        organisation_key_bytes(new_okey),
        raw,
        _dkey_context(wrapping.data_key_id, wrapping.organisation_id, new_okey.pk),
    )
    wrapping.organisation_key = new_okey
    wrapping.save(update_fields=["wrapped", "organisation_key"])


def index_key(organisation_id: int | None, name: str) -> bytes:
    """The blind-index key of one field in one organisation: derived from the organisation's index root key,
    which never rotates with the data keys (so indexes stay valid) and is never shared (so two organisations'
    indexes cannot be joined)."""
    scope = _scope.get()
    if scope is not None and (organisation_id, name) in scope.index_keys:
        return scope.index_keys[(organisation_id, name)]
    root = organisation_key_bytes(active_organisation_key(organisation_id, KeyPurpose.INDEX))
    derived = aead.derive(root, f"mosty/blind-index/v1/{name}".encode())
    if scope is not None:
        scope.index_keys[(organisation_id, name)] = derived
    return derived
