"""Random secrets shown once and stored only as hashes: API tokens and recovery codes.

Threat: a stolen database (or backup) used to log in or call the API. These secrets carry >= 128 bits
(tokens) or >= 60 bits (recovery codes, also throttled by account lockout) of entropy, so a single
SHA-256 is enough; a slow hash would add nothing but latency on every API call.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# A public prefix so secret scanners can spot leaked tokens; not itself secret.
TOKEN_PREFIX = "mosty_"  # noqa: S105  # nosec B105
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand


def new_api_token() -> str:
    """A new API token: a fixed prefix (so secret scanners can spot leaks) and 32 random bytes."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_lookup_prefix(token: str) -> str:
    """The part of a token kept in clear to show and to find it: the prefix and 6 characters."""
    return token[: len(TOKEN_PREFIX) + 6]


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def secret_matches(value: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(value), stored_hash)


def new_recovery_code() -> str:
    """A one-time recovery code like `k7m2-qz9x-pr4t` (12 characters from 31, about 59 bits)."""
    chars = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{chars[0:4]}-{chars[4:8]}-{chars[8:12]}"


def normalise_recovery_code(value: str) -> str:
    cleaned = "".join(ch for ch in value.lower() if ch.isalnum())
    if len(cleaned) != 12:
        return ""
    return f"{cleaned[0:4]}-{cleaned[4:8]}-{cleaned[8:12]}"
