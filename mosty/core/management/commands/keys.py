"""`mosty keys generate | rotate | rotate-master`.

- `generate` creates the key files the settings name, if they are missing (never overwrites one);
- `rotate --org SLUG` (or `--installation`) moves an organisation's data keys to a new organisation key version;
- `rotate-master --new-key-file PATH` re-wraps every organisation key under a new master key.

Both rotations run while the site runs, in small transactions, and resume when run again after an interruption.
See docs/operations.md, "Rotate keys".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mosty.accounts.models import Organisation
from mosty.core.crypto import rotation
from mosty.core.crypto.errors import CryptoError
from mosty.core.crypto.keyprovider import reset_key_provider
from mosty.core.crypto.keys import ensure_key_files, generate_master_key_file


class Command(BaseCommand):
    help = "Manage the installation's keys: generate missing key files, rotate organisation keys or the master key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="create the master key and audit signing key files if missing")

        rotate_help = (
            "move an organisation's data keys to a new organisation key version and retire the old one; "
            "the blind-index key is NOT rotated (stored blind indexes must stay valid). Safe while the site "
            "runs; run it again to continue after an interruption."
        )
        rotate = sub.add_parser("rotate", help=rotate_help, description=rotate_help)
        scope = rotate.add_mutually_exclusive_group(required=True)
        scope.add_argument("--org", metavar="SLUG", help="the organisation's slug")
        scope.add_argument(
            "--installation", action="store_true", help="the installation scope (staff data of no organisation)"
        )
        rotate.add_argument(
            "--new-version",
            action="store_true",
            help="create a new version even if an interrupted rotation could be continued",
        )
        rotate.add_argument(
            "--destroy-retired",
            action="store_true",
            help="overwrite retired versions' wrapped key material with empty bytes (cannot be undone)",
        )
        rotate.add_argument(
            "--batch-size", type=int, default=rotation.DEFAULT_BATCH_SIZE, help="wrappings per transaction"
        )

        master = sub.add_parser(
            "rotate-master",
            help="re-wrap every organisation key (both purposes, all organisations) under a new master key",
        )
        master.add_argument("--new-key-file", required=True, type=Path, help="the new master key file (32 bytes)")
        master.add_argument("--generate", action="store_true", help="create the new key file (mode 600) if missing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "rotate":
                self._rotate(options)
            elif options["action"] == "rotate-master":
                self._rotate_master(options)
            else:
                self._generate()
        except CryptoError as exc:
            raise CommandError(str(exc)) from exc

    def _generate(self) -> None:
        created = ensure_key_files()
        for path in created:
            self.stdout.write(f"created {path} (mode 600): keep an offline copy, see docs/operations.md")
        if not created:
            self.stdout.write("all key files exist; nothing changed")

    def _progress(self, label: str) -> rotation.Progress:
        def report(done: int, total: int) -> None:
            self.stdout.write(f"{label}: {done}/{total}")

        return report

    def _rotate(self, options: dict[str, Any]) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        organisation_id: int | None = None
        label = "installation"
        if options["org"]:
            organisation = Organisation.objects.filter(slug=options["org"]).first()
            if organisation is None:
                raise CommandError(f"no organisation with slug {options['org']!r}")
            organisation_id, label = organisation.pk, organisation.slug
        try:
            result = rotation.organisation_key_rotate(
                organisation_id=organisation_id,
                new_version=options["new_version"],
                batch_size=options["batch_size"],
                destroy_retired=options["destroy_retired"],
                progress=self._progress(f"{label}: re-wrapped data keys"),
            )
        except KeyboardInterrupt:
            raise CommandError(
                "interrupted: every finished batch is saved; run the same command again to continue"
            ) from None
        okey = result.organisation_key
        verb = "continued" if result.resumed else "started"
        self.stdout.write(f"{label}: rotation {verb} with organisation key version {okey.version} (id {okey.pk})")
        for old in result.retired:
            state = "destroyed" if not bytes(old.wrapped) else "retired"
            self.stdout.write(f"{label}: version {old.version} {state}")
        if result.finished:
            self.stdout.write(self.style.SUCCESS(f"{label}: rotation finished"))
        else:
            self.stdout.write(f"{label}: some wrappings are still under an older version; run it again")

    def _rotate_master(self, options: dict[str, Any]) -> None:
        new_file: Path = options["new_key_file"]
        if not new_file.exists():
            if not options["generate"]:
                raise CommandError(f"{new_file} does not exist (add --generate to create it)")
            generate_master_key_file(new_file)
            self.stdout.write(f"created {new_file} (mode 600): keep an offline copy")
        provider = rotation.master_rotation_provider(new_file)
        if Path(settings.MOSTY_MASTER_KEY_FILE).resolve() != new_file.resolve():
            self.stdout.write(
                "note: processes still configured with the old MOSTY_MASTER_KEY_FILE cannot read organisation "
                "keys once they are re-wrapped; restart them with the new settings (below) as soon as this ends"
            )
        try:
            result = rotation.master_key_rotate(
                provider=provider, progress=self._progress("re-wrapped organisation keys")
            )
        except KeyboardInterrupt:
            raise CommandError(
                "interrupted: every re-wrapped key is saved; run the same command again to continue"
            ) from None
        finally:
            reset_key_provider()
        self.stdout.write(
            f"master key {result.master_key_id}: {result.rewrapped} re-wrapped, {result.skipped} already done, "
            f"{result.destroyed} destroyed versions skipped"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"done. Now set MOSTY_MASTER_KEY_FILE={new_file}, remove the old file from "
                "MOSTY_PREVIOUS_MASTER_KEY_FILES, restart, and keep the old file (offline) until every backup "
                "made under it has expired: restoring such a backup needs it."
            )
        )
