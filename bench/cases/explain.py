"""Where a case-list request spends its time, one request at a time (no concurrency): wall and CPU time in the
Django process, number of queries and their time, and PostgreSQL's EXPLAIN ANALYZE of the list's two main
queries (the two slowest of each request, as the request ran them).

    uv run python bench/cases/explain.py [--repeat 7] [--explain]

Runs in-process with the production settings against `mosty_bench` (as `run.py`'s server does), through the
real middleware stack (session, second factor, acting organisation) with a verified session.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.cases import common

REQUESTS = {
    "queue": {},
    "queue page 100": {"page": "100"},
    "filters: legal aid, risk>=3": {"support_type": "legal-aid", "risk": "3"},
    "filters: closed, page 2": {"scope": "closed", "page": "2"},
    "filters: mine": {"scope": "mine"},
    "filters: deadline 7 days": {"deadline": "7"},
    "name search: Иванов (common)": {"family_name": "Иванов"},
    "name search: Иванова, closed": {"family_name": "Иванова", "scope": "closed"},
    "name search: Білик + Олена": {"family_name": "Білик", "given_name": "Олена"},
    "name search: no match": {"family_name": "Nonexistent"},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="also print EXPLAIN ANALYZE of the main queries")
    args = parser.parse_args()
    common.setup_django()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from mosty.accounts.models import User

    user = User.objects.get(username="bench-cw-01")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user, backend="mosty.accounts.backends.LockoutModelBackend")
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()

    explains = []
    print(f"{'request':<34} {'wall':>8} {'cpu':>8} {'queries':>7} {'sql':>8}  rows")
    for name, params in REQUESTS.items():
        walls, cpus, sqls = [], [], []
        queries = 0
        body = ""
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as captured:
                wall0, cpu0 = time.perf_counter(), time.process_time()
                response = client.get("/cases/", params)
                wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            assert response.status_code == 200, response.status_code
            body = response.content.decode()
            walls.append(wall)
            cpus.append(cpu)
            sqls.append(sum(float(q["time"]) for q in captured.captured_queries))
            queries = len(captured.captured_queries)
        rows = body.count("<tr>") - 1
        print(
            f"{name:<34} {statistics.median(walls) * 1000:6.1f}ms {statistics.median(cpus) * 1000:6.1f}ms "
            f"{queries:>7} {statistics.median(sqls) * 1000:6.1f}ms  {max(rows, 0)}"
        )

        if args.explain:
            slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:2]
            explains.append((name, slowest))

    for name, slowest in explains:
        for query in slowest:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n    ".join(row[0] for row in cursor.fetchall())
            print(
                f"\n== {name} ({float(query['time']) * 1000:.0f} ms in the request)\n    {query['sql'][:300]}\n    {plan}"
            )


if __name__ == "__main__":
    main()
