"""`mosty keys generate`: create the key files the settings name, if they are missing.

Rotation (`mosty keys rotate`, `mosty keys rotate-master`) arrives with envelope encryption.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mosty.core.crypto.keys import ensure_key_files


class Command(BaseCommand):
    help = "Manage the installation's keys: `generate` creates missing key files (never overwrites one)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="create the master key and audit signing key files if missing")

    def handle(self, *args: Any, **options: Any) -> None:
        created = ensure_key_files()
        for path in created:
            self.stdout.write(f"created {path} (mode 600): keep an offline copy, see docs/operations.md")
        if not created:
            self.stdout.write("all key files exist; nothing changed")
