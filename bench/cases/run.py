"""Case list and name search under 20 concurrent users: p50/p95/p99 per endpoint, median of several runs.

    uv run python bench/cases/generate.py --reset          # once: 100,000 cases in mosty_bench
    uv run python bench/cases/run.py [--runs 3] [--users 20] [--duration 60] [--workers 3] [--think 1,3]
                                     [--conn-max-age 0]

Starts `mosty serve` (gunicorn, production settings, PostgreSQL `mosty_bench`) on 127.0.0.1, makes fresh
verified sessions (`sessions.py`), warms the server up, then runs Locust headless `--runs` times against it
and prints each endpoint's percentiles per run and the median over the runs. It also reports how busy the
machine was: the share of both cores used during each run, and how much of it was the server and Locust (the
rest is PostgreSQL and anything else running). Results go to bench/out/cases/results.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.cases import common

ENDPOINTS = ["queue", "queue page", "filters", "name search"]
HERE = Path(__file__).resolve().parent
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_total() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _group_cpu(pgids: set[int]) -> int:
    """utime + stime jiffies of every live process in the given process groups."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parts = stat[stat.rindex(")") + 2 :].split()
        if int(parts[2]) in pgids:  # pgrp
            total += int(parts[11]) + int(parts[12])
    return total


def _wait_up(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz/", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def _warm_up(url: str, session: str) -> None:
    for query in ["", "?page=3", "?scope=closed", "?family_name=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2"] * 3:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            url + "/cases/" + query, headers={"Cookie": f"mosty_session={session}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            body = response.read().decode()
            if "<table" not in body and 'class="empty"' not in body:
                raise SystemExit("warm-up: the case list did not render (is the session accepted?)")


def _parse(prefix: Path) -> dict[str, dict[str, float]]:
    out = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            out[row["Name"]] = {
                "requests": float(row["Request Count"]),
                "failures": float(row["Failure Count"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
                "rps": float(row["Requests/s"]),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=60, help="seconds per run")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--think", default="1,3", help="think time between a user's requests: min,max seconds")
    parser.add_argument(
        "--conn-max-age", type=int, default=0, help="DJANGO_CONN_MAX_AGE (default 0, as the README's production setup)"
    )
    args = parser.parse_args()

    env = {
        **os.environ,
        **common.bench_env(),
        "MOSTY_BENCH_THINK": args.think,
        "DJANGO_CONN_MAX_AGE": str(args.conn_max_age),
    }
    out_dir = common.BENCH_DIR
    url = f"http://127.0.0.1:{common.PORT}"
    subprocess.run(  # noqa: S603 (our own interpreter and fixed arguments)
        [sys.executable, str(HERE / "sessions.py"), "--users", str(args.users)], env=env, check=True
    )
    sessions = json.loads(common.SESSIONS_FILE.read_text())

    server = subprocess.Popen(  # noqa: S603 (our own interpreter and fixed arguments)
        [sys.executable, "-m", "mosty.cli", "serve", "--port", str(common.PORT), "--workers", str(args.workers)],
        env=env,
        cwd=common.ROOT,
        start_new_session=True,
    )
    results = []
    try:
        _wait_up(url)
        _warm_up(url, sessions[0])
        for run in range(1, args.runs + 1):
            prefix = out_dir / f"run{run}"
            busy0, total0 = _cpu_total()
            ours0 = _group_cpu({server.pid})
            locust = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(HERE / "locustfile.py"),
                    "--headless",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.users),
                    "-t",
                    f"{args.duration}s",
                    "--host",
                    url,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--stop-timeout",
                    "5",
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                start_new_session=True,
            )
            ours_locust = 0
            while locust.poll() is None:
                ours_locust = max(ours_locust, _group_cpu({locust.pid}))
                time.sleep(1)
            busy1, total1 = _cpu_total()
            ours1 = _group_cpu({server.pid})
            machine = (busy1 - busy0) / (total1 - total0)
            ours = (ours1 - ours0 + ours_locust) / (total1 - total0)
            stats = _parse(prefix)
            stats["_machine"] = {"busy": machine, "server_and_locust": ours, "load1": os.getloadavg()[0]}
            results.append(stats)
            print(
                f"run {run}: machine busy {machine:.0%} of 2 cores (server+locust {ours:.0%}), "
                f"load average {os.getloadavg()[0]:.2f}"
            )
            for name in [*ENDPOINTS, "Aggregated"]:
                s = stats.get(name)
                if s:
                    print(
                        f"  {name:<12} n={s['requests']:>5.0f} fail={s['failures']:>3.0f} "
                        f"p50={s['p50']:>5.0f} p95={s['p95']:>5.0f} p99={s['p99']:>5.0f} ms  {s['rps']:.1f} req/s"
                    )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print(
        f"\nmedian of {len(results)} runs ({args.users} users, think {args.think} s, {args.workers} workers, "
        f"CONN_MAX_AGE {args.conn_max_age}):"
    )
    print("| endpoint | requests/run | p50 | p95 | p99 |")
    print("| --- | --- | --- | --- | --- |")
    for name in [*ENDPOINTS, "Aggregated"]:
        rows = [r[name] for r in results if name in r]
        if not rows:
            continue
        med = {k: statistics.median(row[k] for row in rows) for k in ("requests", "p50", "p95", "p99")}
        print(f"| {name} | {med['requests']:.0f} | {med['p50']:.0f} ms | {med['p95']:.0f} ms | {med['p99']:.0f} ms |")
    (out_dir / "results.json").write_text(json.dumps({"args": vars(args), "runs": results}, indent=2))


if __name__ == "__main__":
    main()
