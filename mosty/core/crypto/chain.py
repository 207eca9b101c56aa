"""Hash chain for the audit trail.

Threat: someone with write access to the database rewrites, deletes or inserts audit events. Each event's
hash covers its canonical serialisation and the previous event's hash, so any edit changes every later hash;
a copy of the head held by a witness then disagrees with the recomputed chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

GENESIS_HASH = "0" * 64
CHAIN_VERSION = 1


def canonical_bytes(fields: Mapping[str, object]) -> bytes:
    """Serialise an event deterministically: sorted keys, no whitespace, UTF-8."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def link_hash(prev_hash: str, fields: Mapping[str, object]) -> str:
    """SHA-256 over the chain version, the previous hash and the event's canonical bytes."""
    digest = hashlib.sha256()
    digest.update(f"mosty-audit-v{CHAIN_VERSION}\n".encode())
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_bytes(fields))
    return digest.hexdigest()
