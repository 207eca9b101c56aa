"""`mosty retention [--dry-run] [--date YYYY-MM-DD]`: destroy the closed cases whose retention date has come,
and close the referrals whose consent has expired.

Schedule it daily (cron or a systemd timer, docs/operations.md). Each case goes in its own transaction: stop it
at any moment and run it again, nothing is lost or half-done. Output names case ids only, never a person.
Exit codes for monitoring: 0 done, 1 some cases could not be destroyed (they are tried again next run).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from mosty.cases.referrals import consents_expire
from mosty.cases.retention import retention_run

EXIT_FAILED = 1


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must look like 2026-11-22, not {value!r}") from None


class Command(BaseCommand):
    help = "Crypto-shred and delete the closed cases whose retention date has come (run daily)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only list the cases that would be destroyed")
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="act as on this day (default today), e.g. to catch up after the job did not run; never later "
            "than today",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        on = _date(options["date"]) if options["date"] else today
        dry_run = bool(options["dry_run"])
        if on > today and not dry_run:
            # A later day would destroy cases before the date their organisation promised to keep them until.
            raise CommandError("--date cannot be later than today (use --dry-run to preview a later day)")
        verbosity = int(options.get("verbosity", 1))
        self.stdout.write(f"Retention {'dry run ' if dry_run else ''}for {on.isoformat()}")

        def progress(event: str, case_id: uuid.UUID, position: int, total: int) -> None:
            if verbosity >= 1:
                verb = "would destroy" if event == "due" else event
                self.stdout.write(f"  [{position}/{total}] case {case_id}: {verb}")
                self.stdout.flush()

        if not dry_run:
            # The same daily job closes the referrals whose consent has run out (access already ends on the
            # day itself: the selectors check the consent's date on every read).
            expired = consents_expire(on=on)
            self.stdout.write(f"{expired} consent(s) expired; their open referrals were revoked.")
        summary = retention_run(on=on, dry_run=dry_run, progress=progress)
        if dry_run:
            self.stdout.write(f"{summary.due} closed case(s) due; nothing was changed.")
            return
        self.stdout.write(
            f"{len(summary.shredded)} case(s) destroyed, {len(summary.persons_shredded)} person(s) with them, "
            f"{len(summary.skipped)} skipped (held by another run or re-opened), {len(summary.failed)} failed."
        )
        for case_id, reason in summary.failed.items():
            self.stderr.write(f"  case {case_id} could not be destroyed ({reason}); it is tried again next run")
        if summary.failed:
            raise SystemExit(EXIT_FAILED)
