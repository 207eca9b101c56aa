"""Encrypted model fields and blind indexes.

Each value is sealed with AES-256-GCM under its record's data key. The stored text is
`m1:` + base64(version byte, data key id, nonce, ciphertext, tag), and the associated data binds it to the
owning organisation, the table, the column and the primary key: copied to another row, column or organisation
it fails to decrypt (`DecryptionFailed`), and a corrupted value fails loudly; neither ever returns the stored
bytes.

Models that carry encrypted fields inherit `EncryptedRecord`: it gives each record a data key, created on
first save for the organisation named by `encryption_owner_id()`. A loaded record holds its ciphertexts; a
column decrypts on its first read (never in the query), with the keys of the organisation set by
`keyring.acting_as` (the middleware sets it for every request), and the plaintext stays on the instance. Rows
loaded together (a list page) read ahead: the first read of a column decrypts it for the rows after it too
(`_Cohort`). A column never read is never decrypted, and is saved back as it was stored.

Encrypted values cannot be filtered by value; exact look-ups go through a `BlindIndexField`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import struct
import weakref
from collections.abc import Callable
from typing import Any, ClassVar, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import models
from django.db.models import DEFERRED

from mosty.core.crypto import aead
from mosty.core.crypto.errors import CryptoError, DecryptionFailed

PREFIX = "m1:"
FORMAT_VERSION = 1
_HEADER = struct.Struct(">BQ")  # format version, data key id
_SEALED_AT = _HEADER.size  # nonce || ciphertext || tag follow the header
_CIPHERTEXT_AT = _SEALED_AT + aead.NONCE_BYTES
_SHORTEST = _CIPHERTEXT_AT + aead.TAG_BYTES
_unpack_header = _HEADER.unpack_from
_a2b_base64 = binascii.a2b_base64


_KEYRING: Any = None
_SCOPE: Any = None  # keyring's ContextVar of the acting scope


def _keyring() -> Any:
    # Imported late: keyring needs mosty.core.models, which may itself declare encrypted models.
    global _KEYRING, _SCOPE
    if _KEYRING is None:
        from mosty.core.crypto import keyring

        _KEYRING, _SCOPE = keyring, keyring._scope
    return _KEYRING


class Ciphertext(str):
    """A stored ciphertext on its way to or from the database: only a `Ciphertext` is written to an encrypted
    column or taken as a stored value when assigned (a plain `str` assigned to the field is plaintext)."""


# What an instance keeps in its __dict__, besides Django's own `<attname>` (the stored ciphertext as a plain
# `str`, or None: never plaintext, so that Django's deferred-field logic, serialisers and raw saves see it).
# The keys are not identifiers, so they cannot clash with a model attribute.
_PLAIN = "_mosty:plain:"  # + attname: the plaintext, once decrypted or assigned
_DIRTY = "_mosty:dirty"  # plaintexts not yet sealed
_RAW = "_mosty:raw"  # set while Django saves the instance raw (fixtures, restore)
_CHANGED = "_mosty:changed"  # fields changed since the last save (blind indexes recompute from these)
_AAD_PK = "_mosty:aad-pk"  # what `_aad` remembers of the row: the primary key and owner it was made from,
_AAD_OWNER = "_mosty:aad-owner"
_AAD_HEAD = "_mosty:aad-head"  # and the associated data before and after the column
_AAD_TAIL = "_mosty:aad-tail"
_COHORT = "_mosty:cohort"  # the `_Cohort` the instance was loaded in, and its place in it
_COHORT_AT = "_mosty:cohort-at"
_MISSING: Any = object()

READ_AHEAD = 128  # at most this many instances loaded one after another are read ahead together


class _Layout:
    """Per model: where the encrypted columns sit in a loaded row, and how to find the owner and primary key
    without a method call per value."""

    __slots__ = ("encrypted", "heads", "owner_attname", "pk_attname", "table")

    def __init__(self, model: type[models.Model]) -> None:
        concrete = model._meta.concrete_fields
        self.encrypted = tuple((i, f.attname) for i, f in enumerate(concrete) if isinstance(f, EncryptedField))
        self.pk_attname = model._meta.pk.attname if model._meta.pk is not None else "pk"
        # The default `encryption_owner_id` reads `organisation_id`; read it from the instance state directly
        # when it is a loaded column. A model that overrides the method always goes through it.
        default_owner = getattr(model, "encryption_owner_id", None) is EncryptedRecord.encryption_owner_id
        has_column = any(f.attname == "organisation_id" for f in concrete)
        self.owner_attname = "organisation_id" if default_owner and has_column else None
        self.table = model._meta.db_table
        self.heads: dict[Any, bytes] = {}  # owner -> the associated data's start (`_aad`)


_LAYOUTS: dict[type[models.Model], _Layout] = {}


def _layout(model: type[models.Model]) -> _Layout:
    layout = _LAYOUTS.get(model)
    if layout is None:
        layout = _LAYOUTS[model] = _Layout(model)
    return layout


def _aad(instance: models.Model, field: EncryptedField) -> bytes:
    """mosty/field/v1/<owner organisation>/<table>/<column>/<primary key>: where this value belongs.

    The row's part is remembered on the instance with the primary key and owner it was made from, and checked
    against the current ones at every use (`EncryptedField.open_with` inlines the check): an instance whose key
    or owner changed never seals or opens with the old ones. Kept as plain entries of the instance's state, not
    an object of its own: a list page makes one per row, and every object counts for the garbage collector."""
    state = instance.__dict__
    layout = _layout(type(instance))
    pk = state.get(layout.pk_attname, _MISSING)
    if pk is _MISSING:
        pk = instance.pk
    owner_attname = layout.owner_attname
    owner = state[owner_attname] if owner_attname is not None and owner_attname in state else _MISSING
    if owner is _MISSING:
        owner = instance.encryption_owner_id()  # type: ignore[attr-defined]
    if state.get(_AAD_PK, _MISSING) is not pk or state.get(_AAD_OWNER, _MISSING) != owner or _AAD_TAIL not in state:
        head = layout.heads.get(owner)
        if head is None:
            label = "installation" if owner is None else owner
            head = layout.heads[owner] = f"mosty/field/v1/{label}/{layout.table}/".encode()
        state[_AAD_PK], state[_AAD_OWNER], state[_AAD_HEAD] = pk, owner, head
        state[_AAD_TAIL] = f"/{pk}".encode()
    return cast(bytes, state[_AAD_HEAD] + field.column_bytes + state[_AAD_TAIL])


class _Cohort:
    """Instances of one model loaded one after another in one acting scope: the rows of a list page.

    The first read of a column on one of them also decrypts that column for the instances loaded after it, in
    one tight loop, instead of one value at a time between the template's work on each row (measured: a value
    costs about a third as much that way, as the cipher code stays warm in the processor's caches). Columns
    never read are still never decrypted. Read-ahead uses only data keys the scope already holds (never a
    query), skips instances it cannot decrypt (they fail when, and if, they are read), and runs only in the
    scope that loaded the instances. It holds its instances and that scope weakly: it keeps nothing alive."""

    __slots__ = ("members", "model", "read", "scope")

    def __init__(self, model: type[models.Model], scope: Any) -> None:
        self.model = model
        self.scope = weakref.ref(scope)
        self.members: list[weakref.ref[models.Model]] = []
        self.read: set[str] = set()

    def read_ahead(self, field: EncryptedField, start: int) -> None:
        """Decrypt `field` for the members after `start` that have not read it (the first read of `field` in
        this cohort happened at `start`). Each column is read ahead once; later first reads go one by one."""
        self.read.add(field.attname)
        scope = _SCOPE.get()
        if scope is None or scope is not self.scope():
            return
        if scope.cohorts.get(self.model) is self:
            del scope.cohorts[self.model]  # being read: instances loaded from now on form a cohort of their own
        name, plain_key, ciphers, open_with = field.attname, field.plain_key, scope.ciphers, field.open_with
        for ref in self.members[start + 1 :]:
            sibling = ref()
            if sibling is None:
                continue
            state = sibling.__dict__
            if plain_key in state or _RAW in state:
                continue
            raw = state.get(name, _MISSING)
            if raw is _MISSING:  # deferred: loading it is the reader's business
                continue
            try:
                value = None if raw is None else open_with(sibling, raw, ciphers)
            except (CryptoError, ValueError, TypeError):
                continue  # never raised on another instance's behalf: it raises again if, and when, it is read
            if value is not _MISSING:
                state[plain_key] = value


class _EncryptedDescriptor:
    """Decrypts a value on its first read (so columns a page never shows are never decrypted) and remembers the
    plaintext on the instance; a stored value that fails to decrypt raises on that read, and on every later one.
    """

    __slots__ = ("attname", "field", "plain_key")

    def __init__(self, field: EncryptedField) -> None:
        self.field = field
        self.attname = field.attname
        self.plain_key = _PLAIN + field.attname

    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        state = instance.__dict__
        if _RAW in state:  # a raw save (loaddata, restore) writes the stored ciphertext as it is
            raw = state.get(self.attname)
            return None if raw is None else Ciphertext(raw)
        value = state.get(self.plain_key, _MISSING)
        if value is not _MISSING:
            return value
        raw = state.get(self.attname, _MISSING)
        if raw is _MISSING:  # a deferred field
            instance.refresh_from_db(fields=[self.attname])
            raw = state.get(self.attname)
        value = None if raw is None else self.field.decrypt(instance, raw)
        state[self.plain_key] = value
        cohort = state.get(_COHORT)
        if cohort is not None and self.attname not in cohort.read:
            cohort.read_ahead(self.field, state[_COHORT_AT])
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        name = self.attname
        state = instance.__dict__
        if isinstance(value, Ciphertext):  # a stored value (deserialisation, backups): kept as it is
            state[name] = str(value)
            state.pop(self.plain_key, None)
            dirty = state.get(_DIRTY)
            if dirty:
                dirty.discard(name)
            return
        state[name] = None
        state[self.plain_key] = value
        state.setdefault(_DIRTY, set()).add(name)
        state.setdefault(_CHANGED, set()).add(name)


class EncryptedField(models.TextField):  # type: ignore[type-arg]
    """Base of the encrypted fields: text as UTF-8; subclasses change how a value becomes bytes and back."""

    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return data.decode("utf-8")

    column_bytes: bytes = b""
    plain_key: str = ""
    utf8_codec: ClassVar[bool] = True  # `from_bytes` is plain UTF-8 decoding (the read path inlines it)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.utf8_codec = cls.from_bytes is EncryptedField.from_bytes

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        self.column_bytes = str(self.column).encode()
        self.plain_key = _PLAIN + self.attname
        setattr(cls, self.attname, _EncryptedDescriptor(self))

    def encrypt(self, instance: models.Model, value: Any) -> Ciphertext:
        if instance.pk is None:
            raise DecryptionFailed("an encrypted record needs its primary key before its values are sealed")
        data_key_id = instance.ensure_data_key()  # type: ignore[attr-defined]
        key = _keyring().data_key_bytes(data_key_id)
        sealed = aead.seal(key, self.to_bytes(value), _aad(instance, self))
        blob = _HEADER.pack(FORMAT_VERSION, data_key_id) + sealed
        return Ciphertext(PREFIX + base64.b64encode(blob).decode("ascii"))

    def decrypt(self, instance: models.Model, raw: str) -> Any:
        """The plaintext of a stored value, or DecryptionFailed (never the stored text) / the keyring's errors."""
        if _KEYRING is None:
            _keyring()
        scope = _SCOPE.get()
        value = self.open_with(instance, raw, scope.ciphers if scope is not None else {})
        if value is _MISSING:  # the record's key is not unwrapped yet (or the scope may not read it: that raises)
            _KEYRING.data_key_cipher(_HEADER.unpack_from(_a2b_base64(raw[3:], strict_mode=True))[1])
            value = self.open_with(instance, raw, _SCOPE.get().ciphers)
        return value

    def open_with(self, instance: models.Model, raw: str, ciphers: dict[int, AESGCM]) -> Any:
        """`decrypt` with the AES-GCM objects at hand (the acting scope's, by data key id): `_MISSING` if the
        record's is not among them. The hot path of every list page, hence written out in one function: one
        base64 decode, one dictionary look-up for the cipher, the row's associated data from the instance, one
        AES-GCM open."""
        if not raw.startswith(PREFIX):
            raise DecryptionFailed("not a Mosty ciphertext")
        try:
            blob = _a2b_base64(raw[3:], strict_mode=True)
            version, data_key_id = _unpack_header(blob)
        except (ValueError, struct.error):
            raise DecryptionFailed("malformed ciphertext") from None
        if version != FORMAT_VERSION or len(blob) < _SHORTEST:
            raise DecryptionFailed("unknown ciphertext format" if version != FORMAT_VERSION else "ciphertext too short")
        cipher = ciphers.get(data_key_id)
        if cipher is None:
            return _MISSING
        # `_aad`, inlined for a row already seen whose primary key and owner are unchanged.
        state = instance.__dict__
        layout = _LAYOUTS.get(type(instance))
        if (
            layout is not None
            and layout.owner_attname is not None
            and _AAD_TAIL in state
            and state[_AAD_PK] is state.get(layout.pk_attname)
            and state[_AAD_OWNER] == state.get(layout.owner_attname, _MISSING)
        ):
            aad = state[_AAD_HEAD] + self.column_bytes + state[_AAD_TAIL]
        else:
            aad = _aad(instance, self)
        try:
            plaintext = cipher.decrypt(blob[_SEALED_AT:_CIPHERTEXT_AT], blob[_CIPHERTEXT_AT:], aad)
        except InvalidTag:
            raise DecryptionFailed("authentication failed") from None
        return plaintext.decode("utf-8") if self.utf8_codec else self.from_bytes(plaintext)

    def to_python(self, value: Any) -> Any:
        # Deserialisation (backups) hands us stored text: keep it as ciphertext.
        if isinstance(value, str) and value.startswith(PREFIX):
            return Ciphertext(value)
        return value

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        # Validate the plaintext as it is; never turn it into anything else.
        self.validate(value, model_instance)
        self.run_validators(value)
        return value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        name = self.attname
        state = model_instance.__dict__
        dirty = state.get(_DIRTY)
        if dirty and name in dirty:
            value = state.get(self.plain_key)
            sealed = None if value is None else self.encrypt(model_instance, value)
            state[name] = None if sealed is None else str(sealed)
            dirty.discard(name)
            return sealed
        # Never read (or read and left unchanged): the stored text goes back as it is, not re-sealed.
        raw = state.get(name)
        return None if raw is None else Ciphertext(raw)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, Ciphertext):
            return None if value is None else str(value)
        raise TypeError("Encrypted fields cannot be compared by value; use their blind index.")

    def value_from_object(self, obj: models.Model) -> Any:
        # Serialisers (dumpdata, backups) see the ciphertext, never the plaintext.
        dirty = obj.__dict__.get(_DIRTY)
        if dirty and self.attname in dirty:
            raise DecryptionFailed("save the record before serialising it")
        return obj.__dict__.get(self.attname)


class EncryptedTextField(EncryptedField):
    """Text, stored as UTF-8 (the base codec)."""


class EncryptedDateField(EncryptedField):
    """A date, or a partial date as the data conventions allow ("1987", "1987-05"), kept as ISO text."""

    def to_bytes(self, value: Any) -> bytes:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        return text.encode("ascii")

    def from_bytes(self, data: bytes) -> dt.date | str:
        text = data.decode("ascii")
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return text


class EncryptedJSONField(EncryptedField):
    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data.decode("utf-8"))


class EncryptedRecord(models.Model):
    """Abstract base for models with encrypted fields: one data key per record."""

    data_key = models.ForeignKey(
        "core.DataKey", null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def __getstate__(self) -> dict[str, Any]:
        # Pickled (cached) instances leave their cohort: it holds weak references, which do not pickle.
        state: dict[str, Any] = super().__getstate__()
        state.pop(_COHORT, None)
        state.pop(_COHORT_AT, None)
        return state

    def save(self, *args: Any, **kwargs: Any) -> None:
        dirty: set[str] = self.__dict__.get(_DIRTY) or set()
        if self.pk is None and dirty:
            # An automatic primary key is known only after the insert, and the associated data needs it: insert
            # the row with the encrypted columns empty (they must be nullable), then seal and update them.
            pending = set(dirty)
            dirty.clear()
            super().save(*args, **kwargs)
            self.__dict__.setdefault(_DIRTY, set()).update(pending)
            kwargs = {k: v for k, v in kwargs.items() if k in {"using"}}
            fields = [f.name for f in self._meta.concrete_fields if f.attname in pending or f.attname == "data_key_id"]
            fields += [f.name for f in self._meta.concrete_fields if isinstance(f, BlindIndexField)]
            self.ensure_data_key()
            super().save(update_fields=fields, **kwargs)
        else:
            # The data key column must hold its value before the row's columns are gathered for the insert.
            if self.data_key_id is None and dirty:
                self.ensure_data_key()
            super().save(*args, **kwargs)
        self.__dict__.pop(_CHANGED, None)

    def save_base(self, *args: Any, **kwargs: Any) -> None:
        # Raw saves (loaddata, restore) read every column through getattr: let them see ciphertexts.
        if not kwargs.get("raw"):
            super().save_base(*args, **kwargs)
            return
        self.__dict__[_RAW] = True
        try:
            super().save_base(*args, **kwargs)
        finally:
            self.__dict__.pop(_RAW, None)

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        """As Django's, but the stored ciphertexts go straight into the instance state instead of through
        `__init__` and the field descriptors (which would treat a plain string as plaintext): a loaded record
        holds its ciphertexts, nothing is decrypted until read. (`post_init` receivers run before they are in
        place: they must not read encrypted fields.)"""
        layout = _layout(cls)
        concrete = cls._meta.concrete_fields
        if len(values) != len(concrete):
            values_iter = iter(values)
            values = [next(values_iter) if f.attname in field_names else DEFERRED for f in concrete]
        row = list(values)
        for i, _name in layout.encrypted:
            row[i] = DEFERRED
        new = cast(Any, cls)(*row)  # positional, as Django's: the fastest way in
        state = new.__dict__
        for i, name in layout.encrypted:
            raw = values[i]
            if raw is not DEFERRED:
                state[name] = raw
        new._state.adding = False
        new._state.db = db
        if _KEYRING is None:
            _keyring()
        scope = _SCOPE.get()
        if scope is not None:
            cohort = scope.cohorts.get(cls)
            if cohort is None or len(cohort.members) >= READ_AHEAD:
                cohort = scope.cohorts[cls] = _Cohort(cls, scope)
            members = cohort.members  # the instance joins it
            state[_COHORT] = cohort
            state[_COHORT_AT] = len(members)
            members.append(weakref.ref(new))
        return new

    def refresh_from_db(self, using: str | None = None, fields: Any = None, from_queryset: Any = None) -> None:
        # Django copies refreshed values through getattr, which would decrypt; reload ciphertexts as they are, and
        # forget the plaintexts read from the old ones.
        encrypted = [f for f in self._meta.concrete_fields if isinstance(f, EncryptedField)]
        names = {f.name for f in encrypted} | {f.attname for f in encrypted}
        if fields is None:
            wanted = encrypted
            others = [f.attname for f in self._meta.concrete_fields if f.attname not in names]
        else:
            requested = set(fields)
            wanted = [f for f in encrypted if f.name in requested or f.attname in requested]
            others = [name for name in fields if name not in names]
        if others:
            super().refresh_from_db(using=using, fields=others, from_queryset=from_queryset)
        if wanted:
            queryset = from_queryset if from_queryset is not None else type(self)._base_manager.all()
            row = queryset.using(using or self._state.db).filter(pk=self.pk).values_list(*[f.attname for f in wanted])
            state = self.__dict__
            for f, value in zip(wanted, row.get(), strict=True):
                state[f.attname] = None if value is None else str(value)
                state.pop(f.plain_key, None)
                for marks in (state.get(_DIRTY), state.get(_CHANGED)):
                    if marks:
                        marks.discard(f.attname)

    def encryption_owner_id(self) -> int | None:
        """The organisation that owns this record's data key (None: the installation scope)."""
        return getattr(self, "organisation_id", None)

    def ensure_data_key(self) -> int:
        if self.data_key_id is None:
            self.data_key = _keyring().data_key_create(owner_organisation_id=self.encryption_owner_id())
        return int(self.data_key_id)  # type: ignore[arg-type]


# --- blind indexes -----------------------------------------------------------------------------------------

Normaliser = Callable[[Any], str]


def default_normaliser(value: Any) -> str:
    """NFKC, case-folded, inner whitespace collapsed: "  Ольга  Петрова " and "ольга петрова" match."""
    import unicodedata

    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def blind_index_bits(expected_rows: int, *, min_candidates: int = 2, floor: int = 8, ceiling: int = 32) -> int:
    """The sizing rule: truncate so that, in a table of `expected_rows` values per organisation, each index value
    is expected to be shared by at least `min_candidates` rows (a match is only a candidate, and the index alone
    cannot confirm a value), within [floor, ceiling] bits. bits = floor(log2(expected_rows / min_candidates))."""
    import math

    if expected_rows <= min_candidates:
        return floor
    return max(floor, min(ceiling, math.floor(math.log2(expected_rows / min_candidates))))


def blind_index(organisation_id: int | None, name: str, value: Any, *, bits: int, normaliser: Normaliser) -> str:
    """HMAC-SHA256 of the normalised value under the organisation's key for this index, truncated to `bits`
    (as hex). Two organisations never share index keys, so equal values give unrelated indexes."""
    key = _keyring().index_key(organisation_id, name)
    digest = hmac.new(key, normaliser(value).encode("utf-8"), hashlib.sha256).digest()
    as_int = int.from_bytes(digest[:8], "big") >> (64 - bits)
    return f"{as_int:0{(bits + 3) // 4}x}"


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """The truncated keyed hash of another (encrypted) field, recomputed when that field changes.

    `expected_rows` sizes the truncation by `blind_index_bits`; look-ups use `blind_index_filter`.
    """

    registry: ClassVar[dict[tuple[str, str], BlindIndexField]] = {}

    def __init__(
        self,
        *args: Any,
        source: str = "",
        expected_rows: int = 100_000,
        normaliser: Normaliser = default_normaliser,
        **kwargs: Any,
    ) -> None:
        self.source = source
        self.expected_rows = expected_rows
        self.bits = blind_index_bits(expected_rows)
        self.normaliser = normaliser
        kwargs.setdefault("max_length", 8)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["expected_rows"] = self.expected_rows
        return name, path, args, kwargs

    def index_name(self, model: type[models.Model]) -> str:
        return f"{model._meta.db_table}.{self.source}"

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        changed = model_instance.__dict__.get(_CHANGED, set())
        source_field = cast("models.Field[Any, Any]", model_instance._meta.get_field(self.source))
        if source_field.attname in changed:
            value = model_instance.__dict__.get(_PLAIN + source_field.attname)
            computed = (
                ""
                if value in (None, "")
                else blind_index(
                    model_instance.encryption_owner_id(),  # type: ignore[attr-defined]
                    self.index_name(type(model_instance)),
                    value,
                    bits=self.bits,
                    normaliser=self.normaliser,
                )
            )
            setattr(model_instance, self.attname, computed)
        return super().pre_save(model_instance, add)


def blind_index_filter(
    model: type[models.Model], source: str, value: Any, *, organisation_id: int | None
) -> dict[str, str]:
    """Filter kwargs that find candidate rows whose `source` field equals `value` in `organisation_id`'s records.
    Candidates only: compare the decrypted values to confirm."""
    for f in model._meta.get_fields():
        if isinstance(f, BlindIndexField) and f.source == source:
            digest = blind_index(organisation_id, f.index_name(model), value, bits=f.bits, normaliser=f.normaliser)
            return {f.attname: digest}
    raise LookupError(f"{model.__name__}.{source} has no blind index")
