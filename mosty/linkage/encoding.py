"""Keyed encodings of records, so organisations can count overlaps without sharing names.

Threat: an organisation wants to know how many of its people another organisation also lists, without handing
over names, dates of birth or places to that organisation or to whoever runs the linkage. Both encode their
lists with a secret they share with each other but not with the linker (`--secret SECRET_FILE`), and the
linker sees only the encodings.

`encode_record` promises a row with no name, date or place in it: every comparison column of
`features.record_features` is replaced by a keyed hash (HMAC-SHA-256 under a key derived from the secret and
the column's domain, truncated to 64 bits), and the canonical keys of family name, given name and the two
places also get a keyed Bloom filter of their letter bigrams (512 bits, 10 positions per bigram from
HMAC-SHA-256), so that spelling differences still give a similarity (Dice coefficient of the filters) rather
than a plain no. Equal plaintext gives equal encodings under the same secret; different secrets give unrelated
encodings. The same model (`model.py`) then links the encodings: equality on hashes, Dice on filters.

What still leaks is written down in docs/linkage.md: equality of each field between any two records (and so
frequencies, which a dictionary or frequency attack can match against public name statistics), the Bloom
filters' bigram structure (attackable by frequency analysis of bit patterns), the number of records per
source, the record ids and source names, and which fields are empty.

Keyed hashing here uses the standard library's `hmac` with a secret the organisations bring; it does not
touch the platform's key hierarchy in `mosty.core.crypto`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mosty.linkage.errors import EncodingMismatchError, InputFileError, SecretError
from mosty.linkage.features import FEATURE_COLUMNS, record_features
from mosty.linkage.model import BLOOM_FIELDS
from mosty.linkage.records import Record, RecordRef, iter_csv_dicts

VERSION = "mosty-link-v1"
BLOOM_BITS = 512
BLOOM_HASHES = 10
MIN_SECRET_BYTES = 16
TOKEN_HEX = 16
LIST_SEPARATOR = ";"

_DOMAINS = {name: name for name in FEATURE_COLUMNS} | {
    # columns compared with each other share a key
    "birth_full": "birth", "birth_ym": "birth", "birth_year": "birth", "birth_swapped": "birth",
    "birth_md": "birth", "birth_year_prev": "birth",
    "detention_full": "detention", "detention_ym": "detention", "detention_year": "detention",
    "given_groups": "given_group", "given_block": "given_group",
}  # fmt: skip

ENCODED_COLUMNS = ("encoding", "source", "record_id", *FEATURE_COLUMNS, *(f"{f}_bf" for f in BLOOM_FIELDS))


def read_secret(path: str | Path) -> bytes:
    """The secret in a file (surrounding whitespace ignored); at least 16 bytes."""
    try:
        secret = Path(path).read_bytes().strip()
    except OSError as exc:
        raise SecretError(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})") from exc
    if len(secret) < MIN_SECRET_BYTES:
        raise SecretError(f"{path}: the secret must be at least {MIN_SECRET_BYTES} bytes")
    return secret


class Encoder:
    """Encodes records under one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise SecretError(f"the secret must be at least {MIN_SECRET_BYTES} bytes")
        self._keys = {domain: self._derive(secret, domain) for domain in set(_DOMAINS.values())}
        self._bloom_keys = {field: self._derive(secret, f"bloom/{field}") for field in BLOOM_FIELDS}
        self.fingerprint = self._derive(secret, "fingerprint").hex()[:12]
        self.label = f"{VERSION}:{self.fingerprint}"

    @staticmethod
    def _derive(secret: bytes, purpose: str) -> bytes:
        return hmac.new(secret, f"{VERSION}/{purpose}".encode(), hashlib.sha256).digest()

    def token(self, column: str, value: str) -> str:
        """The keyed hash of one value of one column."""
        digest = hmac.new(self._keys[_DOMAINS[column]], value.encode(), hashlib.sha256).hexdigest()
        return digest[:TOKEN_HEX]

    def bloom(self, field: str, key: str) -> int:
        """The Bloom filter of a canonical key's bigrams (padded with _ at both ends), as an integer."""
        bits = 0
        padded = f"_{key}_"
        secret = self._bloom_keys[field]
        for i in range(len(padded) - 1):
            digest = hmac.new(secret, padded[i : i + 2].encode(), hashlib.sha256).digest()
            for j in range(BLOOM_HASHES):
                position = int.from_bytes(digest[3 * j : 3 * j + 3], "big") % BLOOM_BITS
                bits |= 1 << position
        return bits

    def encode_features(self, features: dict[str, Any]) -> dict[str, str]:
        """One record's encoded columns (empty string for an unknown value)."""
        out: dict[str, str] = {}
        for column in FEATURE_COLUMNS:
            value = features.get(column)
            if value is None:
                out[column] = ""
            elif isinstance(value, list):
                out[column] = LIST_SEPARATOR.join(sorted(self.token(column, v) for v in value))
            else:
                out[column] = self.token(column, str(value))
        for field in BLOOM_FIELDS:
            key = features.get(field)
            out[f"{field}_bf"] = f"{self.bloom(field, key):0{BLOOM_BITS // 4}x}" if key else ""
        return out

    def encode_record(self, record: Record) -> dict[str, str]:
        """The encoded row of a record: encoding label, source, record id and encoded columns."""
        return {"encoding": self.label, "source": record.source, "record_id": record.record_id} | (
            self.encode_features(record_features(record))
        )


def encode_records(records: Iterable[Record], secret: bytes) -> list[dict[str, str]]:
    """Encoded rows for each record, in order."""
    encoder = Encoder(secret)
    return [encoder.encode_record(r) for r in records]


def _bits(hex_text: str) -> tuple[str | None, int | None]:
    if not hex_text:
        return None, None
    value = int(hex_text, 16)
    return format(value, f"0{BLOOM_BITS}b"), value.bit_count()


def read_encoded(paths: Iterable[str | Path]) -> tuple[list[dict[str, Any]], list[RecordRef]]:
    """Feature rows and refs from encoded files; all must come from one secret and one version."""
    rows: list[dict[str, Any]] = []
    refs: list[RecordRef] = []
    problems: list[str] = []
    labels: dict[str, str] = {}
    seen: dict[RecordRef, str] = {}
    for raw in paths:
        path = Path(raw)
        if len(labels) > 1:
            break
        try:
            for line, row in iter_csv_dicts(path):
                where = f"{path}:{line}"
                missing = [c for c in ENCODED_COLUMNS if c not in row]
                if missing:
                    problems.append(f"{path}:1: not an encoded file (missing column(s): {', '.join(missing)})")
                    break
                labels.setdefault(row["encoding"], where)
                if len(labels) > 1:
                    break
                ref = (row["source"], row["record_id"])
                if ref in seen:
                    problems.append(f"{where}: duplicate (source, record_id), first at {seen[ref]}")
                    continue
                seen[ref] = where
                features: dict[str, Any] = {}
                for column in FEATURE_COLUMNS:
                    value = row[column]
                    if column == "given_groups":
                        features[column] = value.split(LIST_SEPARATOR) if value else None
                    else:
                        features[column] = value or None
                for field in BLOOM_FIELDS:
                    try:
                        features[f"{field}_bf"], features[f"{field}_bfn"] = _bits(row[f"{field}_bf"])
                    except ValueError:
                        problems.append(f"{where}: {field}_bf is not a hexadecimal Bloom filter")
                rows.append(features)
                refs.append(ref)
        except OSError as exc:
            problems.append(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})")
        except UnicodeDecodeError:
            problems.append(f"{path}: not UTF-8 text")
    if len(labels) > 1 or any(not label.startswith(f"{VERSION}:") for label in labels):
        details = ", ".join(f"{label or '(empty)'} first at {where}" for label, where in labels.items())
        raise EncodingMismatchError(f"the files were not encoded with one secret and version {VERSION}: {details}")
    if problems:
        raise InputFileError(problems)
    return rows, refs
