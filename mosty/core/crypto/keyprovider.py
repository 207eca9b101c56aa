"""Where the master key lives, behind a small interface so a KMS, an HSM or Vault can replace the file.

Threat: a stolen database or backup. The master key never enters the database; it only wraps (encrypts) the
organisation keys stored there. `FileKeyProvider` reads 32 bytes from `MOSTY_MASTER_KEY_FILE`; older master
keys listed in `MOSTY_PREVIOUS_MASTER_KEY_FILES` can still unwrap while `mosty keys rotate-master` moves
everything to the current one.
"""

from __future__ import annotations

import contextlib
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from mosty.core.crypto import aead
from mosty.core.crypto.errors import MasterKeyUnavailable

_DERIVE_PREFIX = b"mosty derived key for: "


class KeyProvider(Protocol):
    """Wraps and unwraps key material under a master key identified by a short id."""

    def current_key_id(self) -> str: ...

    def wrap(self, key: bytes, *, context: bytes) -> tuple[str, bytes]:
        """Return (master key id, wrapped key)."""
        ...

    def unwrap(self, master_key_id: str, wrapped: bytes, *, context: bytes) -> bytes: ...

    def derive_key(self, purpose: bytes) -> tuple[str, bytes]:
        """Return (current master key id, a 32-byte key for `purpose` derived from that master key).

        For data kept outside the database (backups): the master key itself never leaves the provider."""
        ...

    def derive_key_for(self, master_key_id: str, purpose: bytes) -> bytes:
        """The key `derive_key` gave for `purpose` under `master_key_id` (a current or previous master key)."""
        ...


def master_key_id(master: bytes) -> str:
    """A public identifier of a master key (a hash of a derived value, never the key)."""
    return hashlib.sha256(aead.derive(master, b"mosty master key id")).hexdigest()[:16]


class FileKeyProvider:
    def __init__(self, path: str | Path, previous: list[str | Path] | None = None) -> None:
        self._keys: dict[str, bytes] = {}
        self._wrapping_keys: dict[str, bytes] = {}
        self._current = self._load(Path(path), generate=settings.MOSTY_GENERATE_MISSING_KEYS)
        for old in previous or []:
            self._load(Path(old), generate=False)

    def _load(self, path: Path, *, generate: bool) -> str:
        if not path.exists():
            if not generate:
                raise MasterKeyUnavailable(f"master key file {path} does not exist")
            from mosty.core.crypto.keys import generate_master_key_file

            with contextlib.suppress(FileExistsError):
                generate_master_key_file(path)
        raw = path.read_bytes()
        if len(raw) != aead.KEY_BYTES:
            raise MasterKeyUnavailable(f"master key file {path} must hold exactly 32 bytes")
        key_id = master_key_id(raw)
        self._keys[key_id] = raw
        return key_id

    def current_key_id(self) -> str:
        return self._current

    def wrap(self, key: bytes, *, context: bytes) -> tuple[str, bytes]:
        return self._current, aead.seal(self._wrapping_key(self._current), key, context)

    def unwrap(self, master_key_id: str, wrapped: bytes, *, context: bytes) -> bytes:
        return aead.open_sealed(self._wrapping_key(master_key_id), wrapped, context)

    def derive_key(self, purpose: bytes) -> tuple[str, bytes]:
        return self._current, self.derive_key_for(self._current, purpose)

    def derive_key_for(self, master_key_id: str, purpose: bytes) -> bytes:
        try:
            master = self._keys[master_key_id]
        except KeyError:
            raise MasterKeyUnavailable(f"master key {master_key_id} is not loaded") from None
        # The prefix keeps derived keys apart from the provider's own (wrapping key, key id) whatever `purpose` is.
        return aead.derive(master, _DERIVE_PREFIX + purpose)

    def _wrapping_key(self, key_id: str) -> bytes:
        cached = self._wrapping_keys.get(key_id)
        if cached is not None:
            return cached
        try:
            derived = self._wrapping_keys[key_id] = aead.derive(self._keys[key_id], b"mosty master wrapping key")
            return derived
        except KeyError:
            raise MasterKeyUnavailable(f"master key {key_id} is not loaded") from None


@lru_cache(maxsize=1)
def get_key_provider() -> KeyProvider:
    provider_class = import_string(settings.MOSTY_KEY_PROVIDER)
    provider: KeyProvider = provider_class(settings.MOSTY_MASTER_KEY_FILE, settings.MOSTY_PREVIOUS_MASTER_KEY_FILES)
    return provider


def reset_key_provider() -> None:
    """Forget the loaded master keys (after rotation, and between tests that change key settings)."""
    get_key_provider.cache_clear()
