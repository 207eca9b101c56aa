"""`mosty serve [--host 127.0.0.1] [--port 8000] [--workers 2]`: compile translations, collect static files,
then replace this process with gunicorn serving `config.wsgi`.

gunicorn runs without an access log: its lines would carry client IP addresses and user agents, which
identify people (behind Tor they identify nothing and only add risk). Errors still go to stderr.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def compile_translations() -> bool:
    """Compile the message catalogues if `mosty.core.i18n.compile_messages` exists; say whether it ran."""
    try:
        i18n = importlib.import_module("mosty.core.i18n")
    except ImportError:
        return False
    compile_messages = getattr(i18n, "compile_messages", None)
    if compile_messages is None:
        return False
    catalog_error: type[Exception] = getattr(i18n, "TranslationCatalogError", RuntimeError)
    try:
        compile_messages()
    except catalog_error as exc:
        # A broken catalogue would crash pages in one language only, where nobody looked: refuse.
        raise CommandError(f"translations do not compile:\n{exc}") from exc
    return True


def pending_migrations() -> int:
    """How many migrations are not applied to the default database yet."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--error-logfile",
        "-",
        # No --access-logfile: gunicorn then writes no access log at all.
    ]


def add_serve_arguments(parser: CommandParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")


def serve(command: BaseCommand, *, host: str, port: int, workers: int) -> None:
    """Prepare static files and translations, then exec gunicorn. Does not return."""
    if not 0 < port < 65536:
        raise CommandError(f"--port must be between 1 and 65535, not {port}")
    if workers < 1:
        raise CommandError("--workers must be at least 1")
    compile_translations()
    call_command("collectstatic", interactive=False, verbosity=0)
    missing = pending_migrations()
    if missing:
        command.stderr.write(f"warning: {missing} migration(s) not applied; run `mosty manage migrate` first.")
    if host not in LOOPBACK_HOSTS:
        command.stderr.write(
            f"warning: listening on {host}: put a TLS reverse proxy in front (see docs/operations.md) "
            "and add the public name to DJANGO_ALLOWED_HOSTS."
        )
    display_host = f"[{host}]" if ":" in host else host
    command.stdout.write(f"Serving Mosty on http://{display_host}:{port}/ (Ctrl+C stops it)")
    command.stdout.flush()
    command.stderr.flush()
    connections.close_all()
    argv = gunicorn_argv(host=host, port=port, workers=workers)
    # A fixed argv, no shell, our own interpreter: nothing from outside reaches a command line.
    os.execv(argv[0], argv)  # noqa: S606  # nosec B606


class Command(BaseCommand):
    help = "Serve Mosty with gunicorn (default http://127.0.0.1:8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_serve_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(self, host=options["host"], port=options["port"], workers=options["workers"])
