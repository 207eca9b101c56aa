"""Link records into persons: features, Splink training and scoring on DuckDB, clustering and the count.

This is the package's entry point for callers (the CLI now, the Django app later):

    result = link_records(records, decisions=[Decision(("a", "17"), ("b", "4"), same=True)])
    for assignment in result.assignments(): ...   # source, record_id, person_id, match_probability
    result.uncertain_pairs(0.2, 0.9)              # for the review queue, field by field
    result.count                                  # persons, per source, shared, only-in, with intervals

Promises:
- no database, no Django, no network: one in-memory DuckDB per call, limited to `LinkOptions.threads` threads
  and `memory_limit`, spilling to `temp_directory` if given, dropped at the end;
- the model is trained on the data itself without labels: u by random sampling of pairs (seeded), m by
  expectation maximisation on the training blocks (`model.TRAINING_BLOCKS`), the prior match rate from
  near-certain pairs (`model.DETERMINISTIC_RULES`); the same input and seed give the same output;
- human decisions are respected: a "same" pair is one person and scores 1.0, a "different" pair is never one
  person and scores 0.0 (see `clustering.py`), whatever the model says; contradicting decisions are reported;
- a record's `match_probability` is the strongest link to another record of its person (1.0 for a decided
  pair), and None for a person with one record.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mosty.linkage.clustering import FloatArray, IntArray, cluster, membership_probability
from mosty.linkage.count import CountSummary, count_persons
from mosty.linkage.errors import LinkageError
from mosty.linkage.features import FEATURE_COLUMNS, record_features
from mosty.linkage.model import (
    BLOOM_FIELDS,
    DETERMINISTIC_RECALL,
    DETERMINISTIC_RULES,
    TRAINING_BLOCKS,
    Mode,
    block_sql,
    clamp_parameters,
    comparisons,
    settings,
)
from mosty.linkage.records import Record, RecordRef, check_unique

Progress = Callable[[str], None]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """A person's verdict on a pair of records: the same person (`same=True`) or different persons."""

    left: RecordRef
    right: RecordRef
    same: bool


@dataclass(frozen=True)
class LinkOptions:
    """How to run a linkage. The defaults suit a 2-core machine and lists of up to a few million records."""

    threshold: float = 0.5
    """Pairs at or above this probability join one person (unless a decision says otherwise)."""
    floor: float = 0.001
    """Pairs below this probability are not kept (neither for the review queue nor for the count)."""
    apart_below: float | None = 0.01
    """Scored pairs below this probability keep their records apart in clustering (no chain may join them)."""
    seed: int = 42
    threads: int = 2
    memory_limit: str = "4GB"
    temp_directory: str | None = None
    u_max_pairs: float = 5e6
    em_max_pairs: float = 2e6
    samples: int = 200
    """Draws for the count interval (see `count.py`)."""
    chunk_records: int = 250_000
    """Scoring runs in chunks of about this many records a side, so that the candidate pairs of a million
    records never sit in memory at once."""
    temperature: tuple[float, float] = (1.0, 1.0)
    """Each draw for the count interval divides match weights by a temperature drawn in this range (`count.py`)."""
    count_floor: float = 0.01
    """Pairs whose (tempered) probability is below this are left out of the draws."""


@dataclass(frozen=True)
class Assignment:
    """One input record's person."""

    source: str
    record_id: str
    person_id: str
    match_probability: float | None


@dataclass(frozen=True)
class PairPrediction:
    """A scored pair, with each field's comparison as "agrees", "similar"-like labels, "differs" or "missing"."""

    left: RecordRef
    right: RecordRef
    match_probability: float
    match_weight: float
    fields: dict[str, str]
    decision: bool | None = None


@dataclass
class LinkResult:
    """Everything a linkage produced. Record indices follow the input order."""

    refs: list[RecordRef]
    labels: IntArray
    membership: FloatArray
    left: IntArray
    right: IntArray
    probability: FloatArray
    weight: FloatArray
    gammas: dict[str, IntArray]
    level_labels: dict[str, list[str]]
    count: CountSummary
    decisions: dict[tuple[int, int], bool] = field(default_factory=dict)
    conflicts: list[tuple[RecordRef, RecordRef]] = field(default_factory=list)
    model: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per stage: normalise, load, train, predict, cluster, count."""
    notes: list[str] = field(default_factory=list)
    """Warnings from training (levels never observed, skipped EM sessions): for logs, no personal data."""

    def person_ids(self) -> list[str]:
        """P-numbers per record, numbered by each person's first record in input order."""
        width = max(6, len(str(len(self.refs))))
        return [f"P{label + 1:0{width}d}" for label in self.labels.tolist()]

    def assignments(self) -> Iterator[Assignment]:
        """One `Assignment` per input record, in input order."""
        for (source, record_id), person, prob in zip(
            self.refs, self.person_ids(), self.membership.tolist(), strict=True
        ):
            yield Assignment(source, record_id, person, None if np.isnan(prob) else round(prob, 6))

    def _pair(self, i: int) -> PairPrediction:
        a, b = int(self.left[i]), int(self.right[i])
        fields = {}
        for name, gamma in self.gammas.items():
            value = int(gamma[i])
            labels = self.level_labels[name]
            fields[name] = "missing" if value < 0 else labels[len(labels) - 1 - value]
        return PairPrediction(
            self.refs[a],
            self.refs[b],
            float(self.probability[i]),
            float(self.weight[i]),
            fields,
            self.decisions.get((min(a, b), max(a, b))),
        )

    def uncertain_pairs(self, low: float = 0.1, high: float = 0.9, *, limit: int | None = None) -> list[PairPrediction]:
        """Undecided pairs with low <= probability < high, the most uncertain (nearest 0.5) first."""
        chosen = np.flatnonzero((self.probability >= low) & (self.probability < high))
        chosen = chosen[np.argsort(np.abs(self.probability[chosen] - 0.5), kind="stable")]
        out = []
        for i in chosen.tolist():
            pair = self._pair(i)
            if pair.decision is None:
                out.append(pair)
                if limit is not None and len(out) >= limit:
                    break
        return out

    def pairs(self) -> Iterator[PairPrediction]:
        """Every kept pair (probability >= the floor), in scoring order."""
        for i in range(len(self.left)):
            yield self._pair(i)


class _NoteCollector(logging.Handler):
    def __init__(self, notes: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.notes = notes

    def emit(self, record: logging.LogRecord) -> None:
        self.notes.append(" ".join(record.getMessage().split()))


@contextlib.contextmanager
def _splink_log_to(notes: list[str]) -> Iterator[None]:
    """Splink's log goes into `notes` rather than to stderr: a library does not print, its caller reports."""
    splink_logger = logging.getLogger("splink")
    handler = _NoteCollector(notes)
    old_level, old_propagate = splink_logger.level, splink_logger.propagate
    splink_logger.addHandler(handler)
    splink_logger.setLevel(logging.WARNING)
    splink_logger.propagate = False
    try:
        yield
    finally:
        splink_logger.removeHandler(handler)
        splink_logger.setLevel(old_level)
        splink_logger.propagate = old_propagate


_CHUNK = 50_000


def _columns(rows: Sequence[dict[str, Any]], mode: Mode) -> Any:
    import pyarrow as pa

    columns: dict[str, Any] = {}
    for name in FEATURE_COLUMNS:
        kind = pa.list_(pa.string()) if name == "given_groups" else pa.string()
        columns[name] = pa.array([row.get(name) for row in rows], type=kind)
    if mode == "encoded":
        for name in BLOOM_FIELDS:
            columns[f"{name}_bf"] = pa.array([row.get(f"{name}_bf") for row in rows], type=pa.string())
            columns[f"{name}_bfn"] = pa.array([row.get(f"{name}_bfn") for row in rows], type=pa.int64())
    return pa.table(columns)


def features_table(rows: Iterable[dict[str, Any]], refs: Sequence[RecordRef], mode: Mode) -> Any:
    """The feature rows as one Arrow table with `unique_id` and `source`, built in chunks so that a million
    records never exist as a million Python dicts at once."""
    import pyarrow as pa

    chunks = []
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _CHUNK:
            chunks.append(_columns(batch, mode))
            batch = []
    if batch or not chunks:
        chunks.append(_columns(batch, mode))
    table = pa.concat_tables(chunks)
    table = table.add_column(0, "source", pa.array([s for s, _ in refs], type=pa.string()))
    return table.add_column(0, "unique_id", pa.array(range(len(refs)), type=pa.int64()))


def _level_labels(mode: Mode) -> dict[str, list[str]]:
    out = {}
    for comparison in comparisons(mode):
        labels = [lvl["label_for_charts"] for lvl in comparison["comparison_levels"] if not lvl.get("is_null_level")]
        out[comparison["output_column_name"]] = labels
    return out


def link_records(
    records: Iterable[Record],
    *,
    decisions: Iterable[Decision] = (),
    options: LinkOptions | None = None,
    progress: Progress | None = None,
) -> LinkResult:
    """Link plaintext records (any scripts, any transliterations) into persons. See the module docstring."""
    say = progress or (lambda message: None)
    records = check_unique(records)
    started = time.perf_counter()
    say(f"normalising {len(records):,} records")
    refs = [r.ref for r in records]
    table = features_table((record_features(r) for r in records), refs, "plain")
    normalised = time.perf_counter() - started
    result = link_features(table, refs, mode="plain", decisions=decisions, options=options, progress=progress)
    result.timings = {"normalise": round(normalised, 3)} | result.timings
    return result


def link_features(
    rows: Sequence[dict[str, Any]] | Any,
    refs: Sequence[RecordRef],
    *,
    mode: Mode,
    decisions: Iterable[Decision] = (),
    options: LinkOptions | None = None,
    progress: Progress | None = None,
) -> LinkResult:
    """Link records given as feature rows (`features.record_features`, or their encodings in encoded mode), or as
    a table of them made by `features_table`."""
    options = options or LinkOptions()
    say = progress or (lambda message: None)
    timings = {"start": time.perf_counter()}
    refs = list(refs)
    index = {ref: i for i, ref in enumerate(refs)}
    same: list[tuple[int, int]] = []
    different: list[tuple[int, int]] = []
    decided: dict[tuple[int, int], bool] = {}
    for decision in decisions:
        if decision.left not in index or decision.right not in index:
            continue  # a decision about records not in this run
        a, b = index[decision.left], index[decision.right]
        if a == b:
            continue
        decided[(min(a, b), max(a, b))] = decision.same
    for (a, b), is_same in decided.items():
        (same if is_same else different).append((a, b))

    n = len(refs)
    notes: list[str] = []
    model: dict[str, Any] = {}
    if n >= 2:
        with _splink_log_to(notes):
            table = rows if hasattr(rows, "num_rows") else features_table(rows, refs, mode)
            left, right, probability, weight, gammas, model = _score(table, refs, mode, options, say, notes, timings)
    else:
        left = right = np.zeros(0, dtype=np.int64)
        probability = weight = np.zeros(0)
        gammas = {}

    # decided pairs: the decision replaces the model's probability
    if decided:
        lo, hi = np.minimum(left, right), np.maximum(left, right)
        position = {pair: i for i, pair in enumerate(zip(lo.tolist(), hi.tolist(), strict=True))}
        extra: list[tuple[int, int]] = []
        for pair, is_same in decided.items():
            if pair in position:
                probability[position[pair]] = 1.0 if is_same else 0.0
            elif is_same:
                extra.append(pair)
        if extra:
            left = np.concatenate([left, np.asarray([a for a, _ in extra], dtype=np.int64)])
            right = np.concatenate([right, np.asarray([b for _, b in extra], dtype=np.int64)])
            probability = np.concatenate([probability, np.ones(len(extra))])
            weight = np.concatenate([weight, np.full(len(extra), np.inf)])
            gammas = {k: np.concatenate([v, np.full(len(extra), -1, dtype=np.int64)]) for k, v in gammas.items()}

    say("clustering")
    clustering = cluster(
        n, left, right, probability, options.threshold, same=same, different=different, apart_below=options.apart_below
    )
    membership = membership_probability(clustering.labels, left, right, probability)
    timings["cluster"] = time.perf_counter()
    say(f"counting persons ({options.samples} draws)")
    summary = count_persons(
        sources=[s for s, _ in refs],
        point_labels=clustering.labels,
        left=left,
        right=right,
        probability=probability,
        weight=weight,
        temperature=options.temperature,
        same=same,
        different=different,
        samples=options.samples,
        seed=options.seed,
        floor=options.count_floor,
    )
    timings["count"] = time.perf_counter()
    stamps = sorted(timings.items(), key=lambda item: item[1])
    durations: dict[str, float] = {}
    for (_, before), (stage, after) in itertools.pairwise(stamps):
        durations[stage] = round(after - before, 3)
    return LinkResult(
        refs=refs,
        labels=clustering.labels,
        membership=membership,
        left=left,
        right=right,
        probability=probability,
        weight=weight,
        gammas=gammas,
        level_labels=_level_labels(mode),
        count=summary,
        decisions=decided,
        conflicts=[(refs[a], refs[b]) for a, b in clustering.conflicts],
        model=model,
        timings=durations,
        notes=notes,
    )


def _score(
    table: Any,
    refs: Sequence[RecordRef],
    mode: Mode,
    options: LinkOptions,
    say: Progress,
    notes: list[str],
    timings: dict[str, float],
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, dict[str, IntArray], dict[str, Any]]:
    import duckdb
    from splink import DuckDBAPI, Linker
    from splink.internals.exceptions import SplinkException

    n = table.num_rows
    config: dict[str, Any] = {"threads": options.threads, "memory_limit": options.memory_limit}
    if options.temp_directory:
        config["temp_directory"] = options.temp_directory
    con = duckdb.connect(":memory:", config=config)
    try:
        con.register("mosty_input_arrow", table)
        select = "*"
        if mode == "encoded":
            casts = ", ".join(f'CAST("{f}_bf" AS BIT) AS "{f}_bf"' for f in BLOOM_FIELDS)
            select = f"* REPLACE ({casts})"
        # the SQL is built from our own column names only, never from input values
        con.execute(f"CREATE TABLE mosty_records AS SELECT {select} FROM mosty_input_arrow")  # noqa: S608  # nosec B608
        con.unregister("mosty_input_arrow")
        del table
        db_api = DuckDBAPI(connection=con)
        records_sdf = db_api.register("mosty_records")
        all_pairs = n * (n - 1) / 2
        linker = Linker(
            records_sdf, settings(mode, probability_two_random_records_match=min(0.5, 1 / n)), log_level=None
        )
        timings["load"] = time.perf_counter()

        say("training: prior match rate")
        try:
            linker.training.estimate_probability_two_random_records_match(
                [block_sql(rule) for rule in DETERMINISTIC_RULES], recall=DETERMINISTIC_RECALL
            )
        except (SplinkException, ValueError, ZeroDivisionError) as exc:
            notes.append(f"prior match rate not estimated ({exc.__class__.__name__}); using 1/n")
        say("training: u by random sampling")
        linker.training.estimate_u_using_random_sampling(
            max_pairs=min(options.u_max_pairs, all_pairs), seed=options.seed, min_count_per_level=None
        )
        for block in TRAINING_BLOCKS:
            say(f"training: m by expectation maximisation, block on {', '.join(block)}")
            before = linker.misc.save_model_to_json(out_path=None)
            try:
                with contextlib.redirect_stdout(None):
                    linker.training.estimate_parameters_using_expectation_maximisation(
                        block_sql(block),
                        max_pairs=options.em_max_pairs if all_pairs > options.em_max_pairs else None,
                    )
            except (SplinkException, ValueError, ZeroDivisionError) as exc:
                # a failed session can leave the linker's settings half-changed: start again from before it
                notes.append(f"EM on {block} skipped ({exc.__class__.__name__})")
                linker = Linker(records_sdf, before, log_level=None)
        trained = clamp_parameters(linker.misc.save_model_to_json(out_path=None), prior_if_none=min(0.5, 1 / n))
        linker = Linker(records_sdf, trained, log_level=None)
        timings["train"] = time.perf_counter()

        say("scoring candidate pairs")
        chunks = max(1, -(-n // options.chunk_records))
        predictions = linker.inference.predict(
            threshold_match_probability=options.floor,
            num_chunks_left=chunks,
            num_chunks_right=chunks,
            warning_mode="never",
        )
        gamma_columns = [f"gamma_{c['output_column_name']}" for c in comparisons(mode)]
        columns = ", ".join(["unique_id_l", "unique_id_r", "match_probability", "match_weight", *gamma_columns])
        order = "ORDER BY unique_id_l, unique_id_r"
        fetched = con.execute(f"SELECT {columns} FROM {predictions.physical_name} {order}").fetchnumpy()  # noqa: S608  # nosec B608
        timings["predict"] = time.perf_counter()
        model = trained
    except SplinkException as exc:
        raise LinkageError(f"linkage failed: {exc}") from exc
    finally:
        con.close()
    left = np.asarray(fetched["unique_id_l"], dtype=np.int64)
    right = np.asarray(fetched["unique_id_r"], dtype=np.int64)
    probability = np.asarray(fetched["match_probability"], dtype=np.float64)
    weight = np.asarray(fetched["match_weight"], dtype=np.float64)
    gammas = {c.removeprefix("gamma_"): np.asarray(fetched[c], dtype=np.int64) for c in gamma_columns}
    say(f"scored {len(left):,} pairs at or above {options.floor}")
    return left, right, probability, weight, gammas, model
