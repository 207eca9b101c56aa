"""`mosty restore FILE`: restore an encrypted backup into a new, freshly migrated, empty database.

Refuses a database that holds any data (restoring over live data is never what you want, and the audit table
cannot be emptied on PostgreSQL). Exit codes: 0 restored and the audit chain verifies against the head the
backup recorded; 1 restored but the audit check failed; an error (nothing written) otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mosty.core.backup import RestoreRefused, backup_restore
from mosty.core.crypto.errors import CryptoError

EXIT_AUDIT_FAILED = 1


class Command(BaseCommand):
    help = "Restore a backup made by `mosty backup` into a new, freshly migrated, empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="a .mostybackup file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            result = backup_restore(path=path)
        except (RestoreRefused, CryptoError) as exc:
            # DecryptionFailed (tampered, truncated, wrong key), BackupInvalid, MasterKeyUnavailable: nothing written.
            raise CommandError(f"restore refused, nothing was written: {exc}") from exc
        rows = sum(result.counts.values())
        self.stdout.write(
            f"Restored backup {result.backup_id} made {result.created_at}: {rows} rows in {len(result.counts)} "
            f"tables, {result.attachments} attachment file(s)."
        )
        audit = result.audit
        if not audit.ok:
            self.stderr.write(f"AUDIT BROKEN at event #{audit.broken_seq}: {audit.reason}")
            raise SystemExit(EXIT_AUDIT_FAILED)
        if not result.audit_head_matches:
            self.stderr.write("AUDIT head differs from the one the backup recorded")
            raise SystemExit(EXIT_AUDIT_FAILED)
        self.stdout.write(
            f"Audit chain OK: {audit.checked} events, head #{audit.head_seq} {audit.head_hash}. "
            "Compare it with your witnesses: `mosty audit verify --witness FILE`."
        )
