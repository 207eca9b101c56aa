"""AES-256-GCM sealing with associated data: the one primitive every encrypted value goes through.

Threats: a ciphertext read from a stolen database (confidentiality), a ciphertext altered in place (the tag
fails: `DecryptionFailed`, never the stored bytes), and a ciphertext moved to another row, column or
organisation (the associated data names where it belongs, so it fails there too).
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mosty.core.crypto.errors import DecryptionFailed

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """nonce || ciphertext || tag. Nonces are random (96 bits): safe for far more than 2^32 messages per key
    only because each record has its own data key and each key seals a handful of values."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed("ciphertext too short")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptionFailed("authentication failed") from None


def cipher(key: bytes) -> AESGCM:
    """A reusable AES-GCM object for one key (list pages open many values under the same data key). The two
    hottest loops, opening a page's data keys (`keyring.prefetch_data_keys`) and its values
    (`fields.EncryptedField.open_with`), call its `decrypt` directly, with `open_with`'s checks written out."""
    return AESGCM(key)


def open_with(aes: AESGCM, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionFailed("ciphertext too short")
    try:
        return aes.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptionFailed("authentication failed") from None


def derive(key: bytes, info: bytes, length: int = KEY_BYTES) -> bytes:
    """HKDF-SHA256 of `key` for one named purpose: keys for different purposes never coincide."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(key)
