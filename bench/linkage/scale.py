"""(c) Speed and memory: N records end to end through `mosty link`, beside plain Splink on the same data.

    uv run python bench/linkage/scale.py [--records 1000000] [--dir /tmp/mosty-scale] [--no-baseline]

Generates the lists once (4 CSV files in --dir, reused on later runs), then runs, each in a fresh process:

- `mosty link` end to end: read the CSVs, normalise, train, score, cluster, count (200 draws), write the output;
- the baseline: plain Splink on the raw columns (bench/linkage/common.py), from the same CSVs.

Prints wall time, the peak resident memory of each process (DuckDB runs in-process, so it counts), the
ratio of the two times, and for `mosty link` the time of each stage. Targets: 1,000,000 records in <= 10
minutes and <= 8 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

from mosty.linkage.records import RECORD_COLUMNS, write_csv
from mosty.linkage.synthetic import SOURCES, generate

RUN_MOSTY = """
import resource, sys, time
started = time.perf_counter()
from mosty.linkage.cli import main
code = main(sys.argv[1:])
print("PEAK_RSS_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)
print("WALL_S", time.perf_counter() - started, file=sys.stderr)
sys.exit(code)
"""

RUN_BASELINE = """
import resource, sys, time
started = time.perf_counter()
sys.path.insert(0, "bench/linkage")
from common import baseline_link
from mosty.linkage.records import read_records
records = read_records(sys.argv[1:])
labels, seconds, pairs = baseline_link(records)
print("PAIRS", pairs, file=sys.stderr)
print("PEAK_RSS_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)
print("WALL_S", time.perf_counter() - started, file=sys.stderr)
"""


def make_lists(records: int, folder: Path) -> list[Path]:
    paths = [folder / f"{source}.csv" for source in SOURCES]
    marker = folder / "records.json"
    if marker.exists() and json.loads(marker.read_text())["records"] >= records and all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    generated = generate(round(records / 2.33), seed=1)
    rows = generated.records[:records]
    for source, path in zip(SOURCES, paths, strict=True):
        write_csv(path, RECORD_COLUMNS, ([getattr(r, c) for c in RECORD_COLUMNS] for r in rows if r.source == source))
    marker.write_text(json.dumps({"records": len(rows)}))
    print(f"generated {len(rows):,} records in {time.perf_counter() - started:.0f} s", flush=True)
    return paths


def run(script: str, arguments: list[str]) -> dict[str, float]:
    process = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )
    figures: dict[str, float] = {}
    for line in process.stderr.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isupper():
            figures[parts[0]] = float(parts[1])
        elif line.startswith("["):
            print("   ", line, flush=True)
    if process.returncode != 0:
        print(process.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"run failed with exit code {process.returncode}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "mosty-scale"))
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--memory-limit", default="6GB")
    args = parser.parse_args()
    folder = Path(args.dir) / str(args.records)
    paths = make_lists(args.records, folder)
    out = folder / "out.csv"
    mosty = run(
        RUN_MOSTY,
        [*map(str, paths), "--output", str(out), "--summary", str(folder / "summary.json"),
         "--memory-limit", args.memory_limit, "--temp-directory", str(folder / "tmp")],
    )  # fmt: skip
    print(f"mosty link: {mosty['WALL_S']:.0f} s, peak {mosty['PEAK_RSS_MB'] / 1024:.2f} GB", flush=True)
    if not args.no_baseline:
        baseline = run(RUN_BASELINE, list(map(str, paths)))
        print(
            f"plain Splink: {baseline['WALL_S']:.0f} s, peak {baseline['PEAK_RSS_MB'] / 1024:.2f} GB, "
            f"{baseline['PAIRS']:,.0f} pairs; time ratio mosty / plain = {mosty['WALL_S'] / baseline['WALL_S']:.2f}"
        )


if __name__ == "__main__":
    main()
