"""Codenames for the public intake, as SecureDrop does: a random diceware phrase that the applicant writes down
and later types to check the status of their request and read the caseworker's questions. No account, no email.

A codename is 8 words drawn with `secrets` from the 256 words of `passphrase.WORDS`: 8 bits a word, 64 bits in
all (1.8e19 codenames). It is shown once and never stored, logged or put in a URL; the case keeps only
`codename_lookup(codename)`.

Threats:
- a stolen database or backup used to find a case by its codename, or to tell which codename belongs to which
  case. The lookup is an Argon2id hash (RFC 9106; 64 MiB, 3 passes) whose salt is a secret derived from the
  installation's blind-index root key. That key is stored only wrapped by the master key, which never enters the
  database: without the master key a thief cannot compute even one candidate hash, so there is nothing to
  brute-force offline. With the master key as well, each guess still costs a full Argon2id run against 2^64
  possibilities.
- online guessing through the status page: 2^64 codenames behind a slow hash and an installation-wide limit on
  status checks per time window (`mosty.cases.intake`).
- the hash must be found again from the codename alone (it is a look-up, not a password check against a stored
  hash), so the salt is per installation, not per codename. That is safe here because the codenames are
  random with 64 bits of entropy: no dictionary, no precomputed table, and no two applicants share one.

The blind-index root key is re-wrapped by a master key rotation but never replaced, so lookups survive key
rotation. Changing `COST` or the normalisation would orphan every existing codename: add a second version and
look up both instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from mosty.core.crypto import aead
from mosty.core.crypto.keyring import active_organisation_key, organisation_key_bytes
from mosty.core.crypto.passphrase import WORDS
from mosty.core.models import KeyPurpose

CODENAME_WORDS = 8
ENTROPY_BITS = CODENAME_WORDS * (len(WORDS).bit_length() - 1)  # 256 words: 8 bits each -> 64 bits
LOOKUP_BYTES = 32  # hex-encoded into Case.codename_lookup (64 characters)
MAX_INPUT_CHARS = 200  # longer input is cut before hashing (the form refuses it anyway)
_SALT_PURPOSE = b"mosty/intake-codename/v1"

if len(WORDS) != 256:  # ENTROPY_BITS above depends on it
    raise RuntimeError("the codename word list must hold 256 words")


@dataclass(frozen=True)
class Cost:
    """Argon2id parameters. Part of the hash: see the module docstring before changing them."""

    time_cost: int
    memory_kib: int
    parallelism: int


COST = Cost(time_cost=3, memory_kib=64 * 1024, parallelism=1)


def new_codename() -> str:
    """A fresh codename: 8 random words separated by spaces, e.g. `amber canyon ... zebra`."""
    return " ".join(secrets.choice(WORDS) for _ in range(CODENAME_WORDS))


def normalise_codename(value: str) -> str:
    """What is hashed: letters only, case-folded. Spaces, hyphens, dots, line breaks and capitals the applicant
    typed (or a phone added) do not matter. No word of the list is a prefix of another, so dropping the
    separators never makes two codenames equal. Any other input still hashes, to no case."""
    return "".join(ch for ch in value[:MAX_INPUT_CHARS].casefold() if ch.isalpha())


def _installation_salt() -> bytes:
    """A secret derived from the installation's blind-index root key (wrapped by the master key). Derived on
    each call and never cached, like every unwrapped key outside an `acting_as` block."""
    root = organisation_key_bytes(active_organisation_key(None, KeyPurpose.INDEX))
    return aead.derive(root, _SALT_PURPOSE)


def codename_lookup(codename: str) -> str:
    """The deterministic, slow, keyed hash stored in `Case.codename_lookup` (64 hex characters). Always runs the
    full Argon2id, whatever the input, so a wrong codename takes as long as a right one."""
    raw = hash_secret_raw(
        secret=normalise_codename(codename).encode("utf-8"),
        salt=_installation_salt(),
        time_cost=COST.time_cost,
        memory_cost=COST.memory_kib,
        parallelism=COST.parallelism,
        hash_len=LOOKUP_BYTES,
        type=Type.ID,
    )
    return raw.hex()
