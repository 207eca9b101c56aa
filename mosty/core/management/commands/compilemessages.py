"""`compilemessages` without GNU gettext: the project's catalogues are compiled with Babel (mosty.core.i18n).

Replaces Django's command of the same name, which needs `msgfmt`; the options people know are kept.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mosty.core.i18n import TranslationCatalogError, compile_messages


class Command(BaseCommand):
    help = "Compile the .po catalogues in LOCALE_PATHS to .mo files (with Babel; msgfmt is not needed)."

    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--locale", "-l", action="append", default=[], help="Only these locales (repeatable).")
        parser.add_argument("--exclude", "-x", action="append", default=[], help="Skip these locales (repeatable).")
        parser.add_argument("--use-fuzzy", "-f", dest="fuzzy", action="store_true", help="Include fuzzy entries.")
        parser.add_argument("--force", action="store_true", help="Recompile even when the .mo is up to date.")
        # Accepted for compatibility with Django's command; only LOCALE_PATHS are compiled anyway.
        parser.add_argument("--ignore", "-i", action="append", dest="ignore_patterns", default=[], metavar="PATTERN")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            written = compile_messages(
                locales=options["locale"] or None,
                exclude=options["exclude"],
                use_fuzzy=options["fuzzy"],
                force=options["force"],
            )
        except TranslationCatalogError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(f"Compiled {written} catalogue(s); the others were up to date.")
