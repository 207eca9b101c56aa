"""Key files kept outside the database: the master key and the audit signing key.

Threat: a stolen database or backup. The master key, which wraps every organisation key, never enters the
database, so a dump alone decrypts nothing.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings

from mosty.core.bootstrap import write_private_file
from mosty.core.crypto.signing import generate_signing_key_file

MASTER_KEY_BYTES = 32


def generate_master_key_file(path: Path) -> None:
    """Write 32 random bytes to `path` (owner-only), refusing to overwrite an existing key."""
    write_private_file(path, secrets.token_bytes(MASTER_KEY_BYTES))


def ensure_key_files() -> list[Path]:
    """Create whichever of the configured key files is missing; return the ones created."""
    created: list[Path] = []
    master = Path(settings.MOSTY_MASTER_KEY_FILE)
    if not master.exists():
        generate_master_key_file(master)
        created.append(master)
    audit = Path(settings.MOSTY_AUDIT_SIGNING_KEY_FILE)
    if not audit.exists():
        generate_signing_key_file(audit)
        created.append(audit)
    return created
