"""`mosty backup [--output FILE]`: one encrypted file with the database, the attachments and a manifest.

The master key is not in the backup: keep it separately (see docs/operations.md, "Back up and restore").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mosty.core.backup import BackupError, backup_create
from mosty.core.crypto.errors import CryptoError


class Command(BaseCommand):
    help = "Write an encrypted backup of the database and the attachments (the master key is NOT included)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            metavar="FILE",
            help="where to write it (default: DATA_DIR/backups/mosty-<UTC time>.mostybackup); never overwritten",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options["output"] else None
        try:
            result = backup_create(output=output)
        except (BackupError, CryptoError) as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(result.counts.values())
        self.stdout.write(
            f"OK: {result.path} ({result.size} bytes): {rows} rows in {len(result.counts)} tables, "
            f"{result.attachments} attachment file(s); backup {result.backup_id}, "
            f"needs master key {result.master_key_id}"
        )
