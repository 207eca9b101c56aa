# ruff: noqa: T201
# (a command line prints its progress, errors and summary)
"""`mosty link`: link lists of detained people into persons, from the command line, without a database.

    mosty link INPUT.csv [INPUT2.csv ...] --output OUT.csv [--summary SUMMARY.json] [--decisions D.csv]
    mosty link --encode --secret SECRET_FILE INPUT.csv --output ENCODED.csv
    mosty link --encoded A.csv B.csv ... --output OUT.csv [--summary SUMMARY.json]

Input is the brief's record CSV; output is `source, record_id, person_id, match_probability`, one row per
input record. Progress goes to stderr, and so does the summary (records, persons with their interval, per
source, overlaps) unless `--quiet`; `--summary` writes it as JSON too.

Exit codes: 0 done; 1 the input cannot be used (every problem is listed with its file and line); 2 wrong
usage. Nothing here needs Django settings, a login or the network.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from mosty.linkage.count import CountSummary, Estimate
from mosty.linkage.engine import Decision, LinkOptions, link_features, link_records
from mosty.linkage.errors import InputFileError, LinkageError
from mosty.linkage.records import OUTPUT_COLUMNS, iter_csv_dicts, write_csv

DECISION_COLUMNS = ("left_source", "left_record_id", "right_source", "right_record_id", "decision")
_SAME = {"same", "match", "yes", "1", "true"}
_DIFFERENT = {"different", "distinct", "no", "0", "false", "no match"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mosty link",
        description="Link detainee lists into persons (Fellegi-Sunter with Splink on DuckDB), count unique "
        "persons with an interval, and find overlaps between lists; or make and link privacy-preserving "
        "encodings of them.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT.csv", help="record CSV files (or encoded files)")
    parser.add_argument("--output", "-o", required=True, metavar="OUT.csv", help="where to write the result")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--encode", action="store_true", help="write keyed Bloom-filter encodings, no linkage")
    mode.add_argument("--encoded", action="store_true", help="the inputs are encodings made with --encode")
    parser.add_argument("--secret", metavar="SECRET_FILE", help="file holding the shared secret (for --encode)")
    parser.add_argument("--summary", metavar="SUMMARY.json", help="also write the summary as JSON")
    parser.add_argument("--decisions", metavar="DECISIONS.csv", help=f"human decisions: {', '.join(DECISION_COLUMNS)}")
    parser.add_argument("--threshold", type=float, default=0.5, help="match probability that joins two records")
    parser.add_argument("--seed", type=int, default=42, help="seed for sampling (same seed, same result)")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB memory limit (default 4GB)")
    parser.add_argument("--temp-directory", help="where DuckDB may spill to disk")
    parser.add_argument("--samples", type=int, default=200, help="draws for the count interval")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress or summary on stderr")
    return parser


class _Progress:
    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream, self.quiet, self.started = stream, quiet, time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{time.perf_counter() - self.started:7.1f}s] {message}", file=self.stream, flush=True)


def read_decisions(path: str | Path) -> list[Decision]:
    """Decisions from a CSV file; raises `InputFileError` listing bad lines."""
    decisions: list[Decision] = []
    problems: list[str] = []
    try:
        for line, row in iter_csv_dicts(path):
            missing = [c for c in DECISION_COLUMNS if c not in row]
            if missing:
                problems.append(f"{path}:1: missing header column(s): {', '.join(missing)}")
                break
            verdict = row["decision"].lower()
            if verdict in {"unsure", ""}:
                continue
            if verdict not in _SAME | _DIFFERENT:
                problems.append(f"{path}:{line}: decision must be same, different or unsure")
                continue
            decisions.append(
                Decision(
                    (row["left_source"], row["left_record_id"]),
                    (row["right_source"], row["right_record_id"]),
                    verdict in _SAME,
                )
            )
    except OSError as exc:
        problems.append(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})")
    except UnicodeDecodeError:
        problems.append(f"{path}: not UTF-8 text")
    if problems:
        raise InputFileError(problems)
    return decisions


def _format_estimate(label: str, estimate: Estimate) -> str:
    return (
        f"{label}: {estimate.expected:,.0f} expected (95% interval {estimate.low:,.0f}-{estimate.high:,.0f}; "
        f"clustered: {estimate.point:,})"
    )


def print_summary(summary: CountSummary, stream: TextIO) -> None:
    """The count in a few lines a person can read."""
    print(f"records: {summary.records:,}", file=stream)
    print(_format_estimate("persons", summary.persons), file=stream)
    for source, estimate in summary.persons_per_source.items():
        records = summary.records_per_source[source]
        print("  " + _format_estimate(f"{source} ({records:,} records) persons", estimate), file=stream)
    for (a, b), estimate in summary.shared.items():
        print("  " + _format_estimate(f"in both {a} and {b}", estimate), file=stream)
    for source, estimate in summary.only_in.items():
        print("  " + _format_estimate(f"only in {source}", estimate), file=stream)


def _encode(args: argparse.Namespace, say: _Progress) -> int:
    from mosty.linkage.encoding import ENCODED_COLUMNS, Encoder, read_secret
    from mosty.linkage.records import read_records

    secret = read_secret(args.secret)
    records = read_records(args.inputs)
    say(f"encoding {len(records):,} records")
    encoder = Encoder(secret)
    rows = (encoder.encode_record(r) for r in records)
    write_csv(args.output, ENCODED_COLUMNS, ([row[c] for c in ENCODED_COLUMNS] for row in rows))
    say(f"wrote {args.output}")
    return 0


def _link(args: argparse.Namespace, say: _Progress) -> int:
    options = LinkOptions(
        threshold=args.threshold,
        seed=args.seed,
        threads=args.threads,
        memory_limit=args.memory_limit,
        temp_directory=args.temp_directory,
        samples=args.samples,
    )
    decisions = read_decisions(args.decisions) if args.decisions else []
    if args.encoded:
        from mosty.linkage.encoding import read_encoded

        rows, refs = read_encoded(args.inputs)
        say(f"read {len(rows):,} encoded records")
        result = link_features(rows, refs, mode="encoded", decisions=decisions, options=options, progress=say)
    else:
        from mosty.linkage.records import read_records

        records = read_records(args.inputs)
        say(f"read {len(records):,} records from {len(args.inputs)} file(s)")
        result = link_records(records, decisions=decisions, options=options, progress=say)
    write_csv(
        args.output,
        OUTPUT_COLUMNS,
        (
            (a.source, a.record_id, a.person_id, "" if a.match_probability is None else f"{a.match_probability:.6f}")
            for a in result.assignments()
        ),
    )
    say(f"wrote {args.output}")
    if args.summary:
        payload = result.count.as_dict() | {
            "threshold": args.threshold,
            "seed": args.seed,
            "mode": "encoded" if args.encoded else "plain",
            "conflicting_decisions": [list(map(list, pair)) for pair in result.conflicts],
        }
        Path(args.summary).write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if not args.quiet:
        print_summary(result.count, sys.stderr)
        for left, right in result.conflicts:
            print(f"conflicting decisions: {left} and {right} are 'different' but joined by 'same'", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run `mosty link` with `argv` (without the leading "link"); returns the exit code."""
    parser = _parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.encode and not args.secret:
        parser.error("--encode needs --secret SECRET_FILE")
    if args.secret and not args.encode:
        parser.error("--secret is only for --encode (linking encodings needs no secret)")
    if not 0 < args.threshold < 1:
        parser.error("--threshold must be between 0 and 1")
    say = _Progress(sys.stderr, args.quiet)
    try:
        return _encode(args, say) if args.encode else _link(args, say)
    except InputFileError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    except LinkageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
