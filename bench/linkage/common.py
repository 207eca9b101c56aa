"""Shared pieces of the linkage benchmarks: evaluation, the plain-Splink baseline, memory and timing."""

from __future__ import annotations

import logging
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mosty.linkage.clustering import cluster  # noqa: E402
from mosty.linkage.evaluate import pairwise_scores  # noqa: E402
from mosty.linkage.records import Record  # noqa: E402

MACHINE = "2-core x86_64 VM (python-svc kind), 24 GiB, Python 3.11.7"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (DuckDB runs in-process, so it is included)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median(values):
    return statistics.median(values)


def scores_of(result, truth):
    predicted = {(a.source, a.record_id): a.person_id for a in result.assignments()}
    return pairwise_scores(predicted, truth)


def baseline_link(records: list[Record], *, seed: int = 42, threshold: float = 0.5, memory_limit: str = "6GB"):
    """Plain Splink 5 on the raw columns: what a user gets without our normalisation.

    Jaro-Winkler on the raw names and birth place (DuckDB's, byte-based for Cyrillic), exact and Levenshtein
    on the raw birth date string, exact on citizenship; blocking on raw family name, on raw birth date, and on
    raw given name with birth place; u by random sampling, m by EM, connected components at the threshold.
    Returns (labels by record index, seconds, number of scored pairs).
    """
    import duckdb
    import numpy as np
    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    columns = ["family_name", "given_name", "patronymic", "birth_date", "birth_place", "citizenship"]
    table = pa.table(
        {"unique_id": pa.array(range(len(records)), type=pa.int64())}
        | {c: pa.array([getattr(r, c).lower() or None for r in records], type=pa.string()) for c in columns}
    )
    con = duckdb.connect(config={"threads": 2, "memory_limit": memory_limit})
    con.register("raw_arrow", table)
    con.execute("CREATE TABLE raw_records AS SELECT * FROM raw_arrow")
    db_api = DuckDBAPI(connection=con)
    sdf = db_api.register("raw_records")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("family_name", [0.92, 0.8]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("given_name", [0.92, 0.8]).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("patronymic", [0.92, 0.8]),
            cl.LevenshteinAtThresholds("birth_date", [1, 2]),
            cl.JaroWinklerAtThresholds("birth_place", [0.92, 0.8]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("citizenship"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("family_name"),
            block_on("birth_date"),
            block_on("given_name", "birth_place"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker(sdf, settings, log_level=None)
    n = len(records)
    linker.training.estimate_probability_two_random_records_match(
        ["l.family_name = r.family_name AND l.given_name = r.given_name AND l.birth_date = r.birth_date"], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=min(5e6, n * (n - 1) / 2), seed=seed)
    for rule in (block_on("family_name"), block_on("birth_date")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=2e6)
        except Exception as exc:
            print(f"  baseline EM on {rule} failed: {exc.__class__.__name__}", file=sys.stderr)
    predictions = linker.inference.predict(threshold_match_probability=0.01, warning_mode="never")
    fetched = con.execute(
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {predictions.physical_name}"  # noqa: S608
    ).fetchnumpy()
    left = np.asarray(fetched["unique_id_l"], dtype=np.int64)
    right = np.asarray(fetched["unique_id_r"], dtype=np.int64)
    prob = np.asarray(fetched["match_probability"], dtype=np.float64)
    labels = cluster(n, left, right, prob, threshold).labels
    con.close()
    return labels, time.perf_counter() - started, len(left)


def baseline_scores(records, labels, truth):
    predicted = {r.ref: int(label) for r, label in zip(records, labels.tolist(), strict=True)}
    return pairwise_scores(predicted, truth), len(set(labels.tolist()))
