"""The indexes this benchmark proposes for `cases_case`, applied to (or removed from) the `mosty_bench` database
by hand, to measure them before a migration adds them:

    uv run python bench/cases/indexes.py --create | --drop

Two partial indexes, one for the open queue and one for closed cases, in the list's sort order (triage score,
newest first, then id). PostgreSQL then reads a page in index order without sorting, and counts the queue
(Django's paginator counts every list) with an index-only scan instead of reading the whole table, whose rows
are wide because of the ciphertexts. The same as Django `Meta.indexes` entries:

    models.Index(fields=["organisation", "-triage_score", "-created_at", "id"],
                 condition=Q(closed_at__isnull=True, shredded_at__isnull=True), name="case_open_queue"),
    models.Index(fields=["organisation", "-triage_score", "-created_at", "id"],
                 condition=Q(closed_at__isnull=False, shredded_at__isnull=True), name="case_closed_list"),
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.cases import common

INDEXES = {
    "case_open_queue": "(organisation_id, triage_score DESC, created_at DESC, id) "
    "WHERE closed_at IS NULL AND shredded_at IS NULL",
    "case_closed_list": "(organisation_id, triage_score DESC, created_at DESC, id) "
    "WHERE closed_at IS NOT NULL AND shredded_at IS NULL",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--create", action="store_true")
    action.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    common.setup_django()
    from django.db import connection

    with connection.cursor() as cursor:
        for name, definition in INDEXES.items():
            if args.create:
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cases_case {definition}")
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        cursor.execute("VACUUM ANALYZE cases_case")
    print(("created" if args.create else "dropped") + ": " + ", ".join(INDEXES))


if __name__ == "__main__":
    main()
