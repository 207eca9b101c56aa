"""Secrets a developer machine or the demo generates for itself on first run (never in production)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` readable by the owner only, refusing to overwrite an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def dev_secret_key(data_dir: Path) -> str:
    """Django's SECRET_KEY for dev and demo: generated once into the data directory."""
    path = data_dir / "keys" / "django-secret-key"
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            write_private_file(path, secrets.token_urlsafe(50).encode())
    return path.read_text().strip()
