"""`mosty detainees import --source ID --user USERNAME FILE [--dry-run]` and
`mosty detainees link --org SLUG --user USERNAME [--source ID ...]`: the registry's big jobs, on the server.

The web and the API cap what runs inside a request (5,000 rows per file, MOSTY_DETAINEES_RUN_RECORDS records
per run); these commands have no cap but the machine's and run the same services, acting for the named member
(who must hold a writing role in the organisation: the audit trail names them). Output names ids and counts,
never a person. Exit codes: 0 done, 1 the file or the run failed (problems printed by line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mosty.accounts.models import Membership, Organisation
from mosty.accounts.selectors import Viewer, viewer_for_membership
from mosty.core.exceptions import MostyError, ValidationFailed
from mosty.detainees import selectors, services
from mosty.detainees.errors import ColumnMappingNeeded
from mosty.detainees.models import Source

EXIT_FAILED = 1


def _viewer(username: str, organisation: Organisation) -> Viewer:
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(user__username=username, organisation=organisation, user__is_active=True)
        .first()
    )
    if membership is None:
        raise CommandError(f"{username!r} is not an active member of {organisation.slug}")
    viewer = viewer_for_membership(membership)
    if not selectors.can_write(viewer):
        raise CommandError(f"{username!r} has the role {membership.role}, which cannot import or link")
    return viewer


class Command(BaseCommand):
    help = "The detainee registry on the server: import big files, link lists without the web's caps."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import,link}")
        importing = sub.add_parser("import", help="import a CSV or XLSX file into a list, all or nothing")
        importing.add_argument("file", metavar="FILE")
        importing.add_argument("--source", required=True, metavar="ID", help="the list's id (see its page)")
        importing.add_argument("--user", required=True, metavar="USERNAME", help="the member the import is for")
        importing.add_argument("--dry-run", action="store_true", help="only check the file and count; write nothing")
        linking = sub.add_parser("link", help="link an organisation's lists (and those shared with it) into persons")
        linking.add_argument("--org", required=True, metavar="SLUG")
        linking.add_argument("--user", required=True, metavar="USERNAME", help="the member the run is for")
        linking.add_argument(
            "--source", action="append", default=[], metavar="ID", help="a list to include (default: all); repeatable"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "import":
                self._import(options)
            else:
                self._link(options)
        except ColumnMappingNeeded as exc:
            self.stderr.write(
                "The file's headers are not the convention's and the list has no column mapping that fits them. "
                "Set one on the list's page (Column mapping) or through the API, then import again."
            )
            raise SystemExit(EXIT_FAILED) from exc
        except ValidationFailed as exc:
            self.stderr.write(str(exc.message))
            for where, problems in exc.errors.items():
                self.stderr.write(f"  {where}: {'; '.join(problems)}")
            raise SystemExit(EXIT_FAILED) from exc
        except MostyError as exc:
            raise CommandError(str(exc.message)) from exc

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path} cannot be read ({exc.strerror})") from exc
        try:
            source = Source.objects.select_related("organisation").get(pk=options["source"])
        except (Source.DoesNotExist, ValueError, TypeError, DjangoValidationError):
            raise CommandError("no list has this id") from None
        viewer = _viewer(options["user"], source.organisation)
        outcome = services.source_import(
            viewer=viewer,
            source=source,
            name=path.name,
            content=content,
            dry_run=options["dry_run"],
            max_rows=None,
        )
        verb = "would be" if outcome.dry_run else "were"
        self.stdout.write(
            f"{outcome.rows} rows: {outcome.new} new, {outcome.updated} updated, {outcome.unchanged} unchanged "
            f"{verb} imported; {outcome.kept} records not in the file are kept."
        )
        if outcome.errors:
            self.stderr.write(f"{len(outcome.errors)} line(s) with problems (a real import would write nothing):")
            for where, problems in outcome.errors.items():
                self.stderr.write(f"  {where}: {'; '.join(problems)}")
            raise SystemExit(EXIT_FAILED)

    def _link(self, options: dict[str, Any]) -> None:
        try:
            organisation = Organisation.objects.get(slug=options["org"], is_active=True)
        except Organisation.DoesNotExist:
            raise CommandError(f"no active organisation {options['org']!r}") from None
        viewer = _viewer(options["user"], organisation)
        visible = selectors.sources_for(viewer)
        sources = list(visible.filter(pk__in=options["source"])) if options["source"] else list(visible)
        if options["source"] and len(sources) != len(set(options["source"])):
            raise CommandError("a --source is not a list this organisation can read")

        def progress(message: str) -> None:
            self.stdout.write(f"  {message}")
            self.stdout.flush()

        self.stdout.write(f"Linking {len(sources)} list(s) for {organisation.slug}")
        run = services.linkage_run(viewer=viewer, sources=sources, max_records=0, progress=progress)
        counts = selectors.run_counts(viewer, run)
        self.stdout.write(
            f"Run {run.pk}: {run.records_count} records, {run.persons_count} persons, "
            f"{run.pairs_count} pairs to review."
        )
        if counts is not None:
            p = counts.persons
            interval = f"expected {p.expected:.1f}, 95% interval {p.low:.0f}-{p.high:.0f}"
            self.stdout.write(f"Unique persons: {p.point} ({interval})")
