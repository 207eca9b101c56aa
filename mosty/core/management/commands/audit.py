"""`mosty audit verify [--witness FILE ...]` and `mosty audit head`.

Threat: someone with database access rewrites history. `verify` recomputes the hash chain and names the first
broken link; a consistently rewritten chain still fails against a head that a partner organisation kept
(`--witness`). Exit codes are for scripts and monitoring: 0 intact, 1 broken (or a witness disagrees),
2 a witness file could not be read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mosty.core.audit import audit_head, audit_verify, load_witness_file

EXIT_BROKEN = 1
EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or print its signed head for witnesses."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,head}")
        verify = subcommands.add_parser(
            "verify",
            help="recompute the chain; print OK or the first broken link",
            description="Recompute the hash chain. Exit 0 if intact, 1 if broken, 2 if a witness file is unreadable.",
        )
        verify.add_argument(
            "--witness",
            action="append",
            default=[],
            metavar="FILE",
            help="a head printed earlier by `mosty audit head` (one JSON object, a list, or one per line); repeatable",
        )
        subcommands.add_parser(
            "head",
            help="print the chain head signed with this installation's key, as one line of JSON",
            description="Print the signed head as one line of JSON; `>> witness.jsonl` keeps a history of heads.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "head":
            self.stdout.write(json.dumps(audit_head(), sort_keys=True, separators=(",", ":")))
            return
        witness_heads = self._read_witnesses(options["witness"])
        result = audit_verify(witness_heads=witness_heads)
        if result.broken_seq is not None:
            self.stderr.write(f"BROKEN at event #{result.broken_seq}: {result.reason}")
            raise SystemExit(EXIT_BROKEN)
        if result.witness_problems:
            for problem in result.witness_problems:
                self.stderr.write(f"BROKEN against a witness: {problem}")
            raise SystemExit(EXIT_BROKEN)
        witnessed = f", {len(witness_heads)} witness head(s) match" if witness_heads else ""
        self.stdout.write(f"OK: {result.checked} events, head #{result.head_seq} {result.head_hash}{witnessed}")

    def _read_witnesses(self, paths: list[str]) -> list[dict[str, Any]]:
        heads: list[dict[str, Any]] = []
        for path in paths:
            try:
                found = load_witness_file(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
                # ValueError covers json.JSONDecodeError; TypeError a JSON value that is not an object.
                raise CommandError(
                    f"cannot read witness file {path}: {exc.__class__.__name__}", returncode=EXIT_BAD_INPUT
                ) from exc
            if not found:
                raise CommandError(f"witness file {path} holds no head", returncode=EXIT_BAD_INPUT)
            heads.extend(found)
        return heads
