"""Ed25519 signatures over the audit chain head.

Threat: an operator with database access rewrites the whole chain consistently (recomputing every hash).
Partner organisations keep signed copies of the head; a rewritten chain no longer contains a head they hold,
and a forged head does not carry a valid signature from this installation's key.
"""

from __future__ import annotations

import base64
import contextlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from mosty.core.bootstrap import write_private_file
from mosty.core.exceptions import KeyFileMissing


def _key_path() -> Path:
    return Path(settings.MOSTY_AUDIT_SIGNING_KEY_FILE)


def load_signing_key() -> Ed25519PrivateKey:
    """Load the installation's audit signing key; generate it first where settings allow (dev, demo)."""
    path = _key_path()
    if not path.exists():
        if not settings.MOSTY_GENERATE_MISSING_KEYS:
            raise KeyFileMissing(f"Audit signing key {path} does not exist.")
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with contextlib.suppress(FileExistsError):
            write_private_file(path, pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileMissing(f"{path} is not an Ed25519 private key.")
    return key


def generate_signing_key_file(path: Path) -> None:
    """Write a new Ed25519 key to `path` (used by `mosty init --generate-keys` in production set-up)."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_private_file(path, pem)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def sign(message: bytes) -> tuple[str, str]:
    """Sign `message`; return (signature, public key), both base64."""
    key = load_signing_key()
    return base64.b64encode(key.sign(message)).decode("ascii"), public_key_b64(key)


def verify(message: bytes, signature_b64: str, public_key_b64_value: str) -> bool:
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64_value))
        public.verify(base64.b64decode(signature_b64), message)
    except (InvalidSignature, ValueError):
        return False
    return True
