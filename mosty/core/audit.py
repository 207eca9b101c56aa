"""The audit trail: record events in the caller's transaction, verify the chain, sign its head.

Every service calls `audit_record` inside its own `transaction.atomic()` block, so the event and the change
it describes commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from mosty.core.crypto import signing
from mosty.core.crypto.chain import GENESIS_HASH, link_hash
from mosty.core.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from mosty.accounts.models import Organisation, User

_PG_AUDIT_LOCK = 7_254_611_001  # arbitrary constant naming the audit chain's advisory lock
HEAD_FORMAT = "mosty-audit-head-v1"


def _timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_fields(event: AuditEvent) -> dict[str, object]:
    """The fields a link hash covers, in the shape they were hashed."""
    return {
        "seq": event.seq,
        "at": _timestamp(event.at),
        "actor": event.actor_id,
        "organisation": event.organisation_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
    }


def audit_record(
    *,
    action: str,
    actor: User | AnonymousUser | None = None,
    organisation: Organisation | None = None,
    object_type: str = "",
    object_id: object = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    Takes the chain lock (an advisory lock on PostgreSQL; SQLite's IMMEDIATE transactions already
    serialise writers), reads the head, and links the new event to it.
    """
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_AUDIT_LOCK])
        head = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        event = AuditEvent(
            seq=(head.seq + 1) if head else 1,
            at=timezone.now(),
            actor_id=actor_id,
            organisation_id=organisation.pk if organisation is not None else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id) if object_id not in (None, "") else "",
            prev_hash=head.hash if head else GENESIS_HASH,
        )
        # SQLite and PostgreSQL both keep microseconds, so the hashed timestamp is the stored one.
        event.hash = link_hash(event.prev_hash, event_fields(event))
        event.save(force_insert=True)
    return event


@dataclass
class VerifyResult:
    ok: bool
    checked: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    broken_seq: int | None = None
    reason: str = ""
    witness_problems: list[str] = field(default_factory=list)


def audit_verify(*, witness_heads: list[dict[str, Any]] | None = None) -> VerifyResult:
    """Recompute the whole chain; name the first broken link.

    A link is broken when its sequence number skips, its `prev_hash` is not the previous event's hash, or
    its stored hash is not the hash of its fields. Witness heads (as printed by `audit_head`) must each be
    validly signed by this installation and found in the recomputed chain.
    """
    result = VerifyResult(ok=True)
    prev_hash = GENESIS_HASH
    expected_seq = 1
    hashes_by_seq: dict[int, str] = {}
    witness_seqs = {_witness_seq(w) for w in witness_heads or []}
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return _broken(result, event.seq, f"sequence jumps from {expected_seq - 1} to {event.seq}")
        if event.prev_hash != prev_hash:
            return _broken(result, event.seq, "prev_hash does not match the previous event's hash")
        if link_hash(prev_hash, event_fields(event)) != event.hash:
            return _broken(result, event.seq, "stored hash does not match the event's content")
        if event.seq in witness_seqs:
            hashes_by_seq[event.seq] = event.hash
        prev_hash = event.hash
        expected_seq += 1
        result.checked += 1
    result.head_seq = expected_seq - 1
    result.head_hash = prev_hash
    for witness in witness_heads or []:
        problem = _check_witness(witness, hashes_by_seq)
        if problem:
            result.witness_problems.append(problem)
            result.ok = False
    return result


def _witness_seq(witness: dict[str, Any]) -> int:
    try:
        return int(witness.get("seq", -1))
    except (TypeError, ValueError):
        return -1  # malformed: reported by _check_witness


def _broken(result: VerifyResult, seq: int, reason: str) -> VerifyResult:
    result.ok = False
    result.broken_seq = seq
    result.reason = reason
    return result


def _head_message(seq: int, head_hash: str, at: str) -> bytes:
    return f"{HEAD_FORMAT}\n{seq}\n{head_hash}\n{at}".encode("ascii")


def audit_head() -> dict[str, Any]:
    """The chain head, signed with the installation's Ed25519 key, for witnesses to keep."""
    head = AuditEvent.objects.order_by("-seq").first()
    seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS_HASH
    at = _timestamp(head.at) if head else ""
    signature, public_key = signing.sign(_head_message(seq, head_hash, at))
    return {
        "format": HEAD_FORMAT,
        "seq": seq,
        "hash": head_hash,
        "at": at,
        "public_key": public_key,
        "signature": signature,
    }


def _check_witness(witness: dict[str, Any], hashes_by_seq: dict[int, str]) -> str:
    if witness.get("format") != HEAD_FORMAT:
        return "a witness head is malformed (not a mosty audit head)"
    try:
        seq = int(witness["seq"])
        message = _head_message(seq, str(witness["hash"]), str(witness["at"]))
        own_key = signing.public_key_b64(signing.load_signing_key())
    except (KeyError, TypeError, ValueError):
        return "a witness head is malformed"
    if witness.get("public_key") != own_key:
        return f"witness head #{seq} was signed by another key"
    if not signing.verify(message, str(witness.get("signature", "")), own_key):
        return f"witness head #{seq} has an invalid signature"
    if seq == 0:
        return ""
    if seq not in hashes_by_seq:
        return f"witness head #{seq} is beyond the end of the chain (events were removed)"
    if hashes_by_seq[seq] != witness["hash"]:
        return f"event #{seq} differs from the witness's copy (the chain was rewritten)"
    return ""


def load_witness_file(text: str) -> list[dict[str, Any]]:
    """A witness file holds one head (a JSON object) or several (a JSON list, or one object per line)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith("["):
        data = json.loads(text)
        return [dict(item) for item in data]
    try:
        return [dict(json.loads(text))]
    except json.JSONDecodeError:
        return [dict(json.loads(line)) for line in text.splitlines() if line.strip()]
