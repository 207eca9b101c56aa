"""Streamed, chunked authenticated encryption for files (attachments, backups).

Threats: a stolen file store or backup (confidentiality), a file altered, reordered, truncated or extended
(every chunk is sealed with AES-256-GCM, its position and whether it is the last one go into the nonce and
the associated data, so any of these fails with `DecryptionFailed`), and a file swapped for another record's
(the caller's associated data names the record).

Format: `MOSTYS1\\n` | chunk size (4 bytes, big-endian) | nonce prefix (7 random bytes), then per chunk:
ciphertext length (4 bytes) | nonce-less ciphertext with tag. Nonce = prefix | counter (4 bytes) | final flag.
This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015). Memory use is one chunk.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mosty.core.crypto.errors import DecryptionFailed

MAGIC = b"MOSTYS1\n"
DEFAULT_CHUNK = 64 * 1024
_PREFIX_BYTES = 7
_LEN = struct.Struct(">I")
MAX_CHUNK = 16 * 1024 * 1024


class SizeLimitExceeded(DecryptionFailed):
    code = "size_limit_exceeded"
    status = 413


def _nonce(prefix: bytes, counter: int, final: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if final else b"\x00")


def encrypt_stream(
    key: bytes,
    source: BinaryIO,
    target: BinaryIO,
    *,
    aad: bytes,
    chunk_size: int = DEFAULT_CHUNK,
    max_bytes: int | None = None,
) -> int:
    """Encrypt `source` into `target`; return the plaintext size. Refuses (SizeLimitExceeded) past `max_bytes`,
    having written only part of the target, which the caller discards."""
    if not 0 < chunk_size <= MAX_CHUNK:
        raise ValueError("chunk size out of range")
    aes = AESGCM(key)
    prefix = os.urandom(_PREFIX_BYTES)
    target.write(MAGIC + _LEN.pack(chunk_size) + prefix)
    total = 0
    counter = 0
    current = source.read(chunk_size)
    while True:
        following = source.read(chunk_size) if len(current) == chunk_size else b""
        final = not following
        total += len(current)
        if max_bytes is not None and total > max_bytes:
            raise SizeLimitExceeded("file is larger than the limit")
        sealed = aes.encrypt(_nonce(prefix, counter, final), current, aad + _LEN.pack(counter))
        target.write(_LEN.pack(len(sealed)) + sealed)
        if final:
            return total
        counter += 1
        if counter >= 2**32:
            raise ValueError("stream too long")
        current = following


def decrypt_stream(key: bytes, source: BinaryIO, target: BinaryIO, *, aad: bytes) -> int:
    """Decrypt into `target`; return the plaintext size. Fails loudly on any change, truncation or extension.
    Plaintext already written before a failure must be discarded by the caller."""
    header = source.read(len(MAGIC) + _LEN.size + _PREFIX_BYTES)
    if len(header) != len(MAGIC) + _LEN.size + _PREFIX_BYTES or not header.startswith(MAGIC):
        raise DecryptionFailed("not a Mosty encrypted stream")
    (chunk_size,) = _LEN.unpack_from(header, len(MAGIC))
    if not 0 < chunk_size <= MAX_CHUNK:
        raise DecryptionFailed("bad chunk size")
    prefix = header[-_PREFIX_BYTES:]
    aes = AESGCM(key)
    total = 0
    counter = 0
    while True:
        length_bytes = source.read(_LEN.size)
        if len(length_bytes) != _LEN.size:
            raise DecryptionFailed("stream truncated")
        (length,) = _LEN.unpack(length_bytes)
        if length > chunk_size + 16:
            raise DecryptionFailed("bad chunk length")
        sealed = source.read(length)
        if len(sealed) != length:
            raise DecryptionFailed("stream truncated")
        try:
            plain = aes.decrypt(_nonce(prefix, counter, False), sealed, aad + _LEN.pack(counter))
            final = False
        except InvalidTag:
            try:
                plain = aes.decrypt(_nonce(prefix, counter, True), sealed, aad + _LEN.pack(counter))
                final = True
            except InvalidTag:
                raise DecryptionFailed("stream chunk failed authentication") from None
        target.write(plain)
        total += len(plain)
        if final:
            if source.read(1):
                raise DecryptionFailed("data after the final chunk")
            return total
        counter += 1
