"""Encrypted model fields and blind indexes.

Each value is sealed with AES-256-GCM under its record's data key. The stored text is
`m1:` + base64(version byte, data key id, nonce, ciphertext, tag), and the associated data binds it to the
owning organisation, the table, the column and the primary key: copied to another row, column or organisation
it fails to decrypt (`DecryptionFailed`), and a corrupted value fails loudly; neither ever returns the stored
bytes.

Models that carry encrypted fields inherit `EncryptedRecord`: it gives each record a data key, created on
first save for the organisation named by `encryption_owner_id()`. Values decrypt lazily on attribute access,
with the keys of the organisation set by `keyring.acting_as` (the middleware sets it for every request).

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
from collections.abc import Callable
from typing import Any, ClassVar, cast

from django.db import models

from mosty.core.crypto import aead
from mosty.core.crypto.errors import DecryptionFailed

PREFIX = "m1:"
FORMAT_VERSION = 1
_HEADER = struct.Struct(">BQ")  # format version, data key id


_KEYRING: Any = None


def _keyring() -> Any:
    # Imported late: keyring needs mosty.core.models, which may itself declare encrypted models.
    global _KEYRING
    if _KEYRING is None:
        from mosty.core.crypto import keyring

        _KEYRING = keyring
    return _KEYRING


class Ciphertext(str):
    """A stored ciphertext, as read from the database (never plaintext)."""


_PLAIN = "_mosty_plain"
_DIRTY = "_mosty_dirty"  # plaintexts not yet sealed
_RAW = "_mosty_raw"  # set while Django saves the instance raw (fixtures, restore)
_CHANGED = "_mosty_changed"  # fields changed since the last save (blind indexes recompute from these)


_ROW_AAD = "_mosty_row_aad"


def _aad(instance: models.Model, field: EncryptedField) -> bytes:
    """mosty/field/v1/<owner organisation>/<table>/<column>/<primary key>: where this value belongs."""
    owner = instance.encryption_owner_id()  # type: ignore[attr-defined]
    pk = instance.pk
    row = instance.__dict__.get(_ROW_AAD)
    if row is None or row[0] != pk or row[1] != owner:
        label = "installation" if owner is None else owner
        row = instance.__dict__[_ROW_AAD] = (
            pk,
            owner,
            f"mosty/field/v1/{label}/{instance._meta.db_table}/".encode(),
            f"/{pk}".encode(),
        )
    return row[2] + field.column_bytes + row[3]


class _EncryptedDescriptor:
    def __init__(self, field: EncryptedField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        name = self.field.attname
        if _RAW in instance.__dict__:  # a raw save (loaddata, restore) writes the stored ciphertext as it is
            return instance.__dict__.get(name)
        plain = instance.__dict__.get(_PLAIN)
        if plain is None:
            plain = instance.__dict__[_PLAIN] = {}
        elif name in plain:
            return plain[name]
        if name not in instance.__dict__:  # a deferred field
            instance.refresh_from_db(fields=[name])
        raw = instance.__dict__.get(name)
        value = None if raw is None else self.field.decrypt(instance, raw)
        plain[name] = value
        return value

    def __set__(self, instance: models.Model, value: Any) -> None:
        name = self.field.attname
        state = instance.__dict__
        if type(value) is Ciphertext:  # loaded from the database: the common, fast path
            state[name] = value
            if _PLAIN in state:
                state[_PLAIN].pop(name, None)
            if _DIRTY in state:
                state[_DIRTY].discard(name)
            return
        plain = state.setdefault(_PLAIN, {})
        dirty = state.setdefault(_DIRTY, set())
        if isinstance(value, Ciphertext):
            instance.__dict__[name] = value
            plain.pop(name, None)
            dirty.discard(name)
        else:
            instance.__dict__[name] = None
            plain[name] = value
            dirty.add(name)
            instance.__dict__.setdefault(_CHANGED, set()).add(name)


class EncryptedField(models.TextField):  # type: ignore[type-arg]
    """Base of the encrypted fields: text as UTF-8; subclasses change how a value becomes bytes and back."""

    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode("utf-8")

    def from_bytes(self, data: bytes) -> Any:
        return data.decode("utf-8")

    column_bytes: bytes = b""

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only)
        self.column_bytes = str(self.column).encode()
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
        if not raw.startswith(PREFIX):
            raise DecryptionFailed("not a Mosty ciphertext")
        try:
            blob = binascii.a2b_base64(raw[len(PREFIX) :], strict_mode=True)
            version, data_key_id = _HEADER.unpack_from(blob)
        except (ValueError, struct.error):
            raise DecryptionFailed("malformed ciphertext") from None
        if version != FORMAT_VERSION:
            raise DecryptionFailed("unknown ciphertext format")
        keyring = _KEYRING or _keyring()
        scope = keyring._scope.get()
        cipher = scope.ciphers.get(data_key_id) if scope is not None else None
        if cipher is None:
            cipher = keyring.data_key_cipher(data_key_id)
        return self.from_bytes(aead.open_with(cipher, blob[_HEADER.size :], _aad(instance, self)))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Ciphertext | None:
        return None if value is None else Ciphertext(value)

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
        dirty = model_instance.__dict__.setdefault(_DIRTY, set())
        if name in dirty:
            value = model_instance.__dict__[_PLAIN].get(name)
            raw = None if value is None else self.encrypt(model_instance, value)
            model_instance.__dict__[name] = raw
            dirty.discard(name)
            return raw
        return model_instance.__dict__.get(name)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or isinstance(value, Ciphertext):
            return None if value is None else str(value)
        raise TypeError("Encrypted fields cannot be compared by value; use their blind index.")

    def value_from_object(self, obj: models.Model) -> Any:
        # Serialisers (dumpdata, backups) see the ciphertext, never the plaintext.
        if obj.__dict__.get(_DIRTY) and self.attname in obj.__dict__[_DIRTY]:
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        dirty: set[str] = self.__dict__.get(_DIRTY, set())
        if self.pk is None and dirty:
            # An automatic primary key is known only after the insert, and the associated data needs it: insert
            # the row with the encrypted columns empty (they must be nullable), then seal and update them.
            pending = set(dirty)
            dirty.clear()
            super().save(*args, **kwargs)
            dirty.update(pending)
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

    def refresh_from_db(self, using: str | None = None, fields: Any = None, from_queryset: Any = None) -> None:
        # Django copies refreshed values through getattr, which would decrypt; reload ciphertexts as they are.
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
            for f, value in zip(wanted, row.get(), strict=True):
                self.__dict__[f.attname] = None if value is None else Ciphertext(value)
                self.__dict__.setdefault(_PLAIN, {}).pop(f.attname, None)
                self.__dict__.get(_DIRTY, set()).discard(f.attname)
                self.__dict__.get(_CHANGED, set()).discard(f.attname)

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
            value = model_instance.__dict__[_PLAIN].get(source_field.attname)
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
