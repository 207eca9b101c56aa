"""How many unique persons, with an interval from the match probabilities, per source and overall.

The method. A threshold clustering gives one number, and hides how sure it is. Instead we treat each scored
pair as an independent coin that says "same person" with its match probability, draw every coin (`samples`
times, seeded), and count the connected components of each draw; human decisions are fixed ("same" pairs
always joined, "different" pairs never drawn).

The coins can be tempered (`temperature`, a range; off by default): each draw then picks a temperature T in
the range and divides every pair's match weight by T before turning it back into a probability, to counter
Fellegi-Sunter's overconfidence (its fields are not independent). We measured it on generated lists and left
it off: halving the weights made the interval contain the truth for 5,000 people but put it 10% too low for a
million records, where the many candidate pairs of small probability turn into spurious merges. Untempered,
with pairs below 1% left out, the expected count was within 1% of the truth from 5,000 to a million records
(bench/README.md), closer than the threshold clustering's count; the interval is narrow and missed the truth
by 0.3-0.7% at those sizes.

Each figure is reported as the mean over the draws (the expected count: the headline), the 2.5th and 97.5th
percentiles over the draws (a 95% interval), and the value of the threshold clustering (`point`).

What the interval does not cover: pairs the blocking rules never scored (recall is >= 99.5% on the benchmark
lists, so a few true pairs are missing and the count is biased slightly upwards); miscalibration of the model
(Fellegi-Sunter assumes independent fields, which makes probabilities more extreme than they should be); and
the dependence between pairs (a draw may join A-B and B-C but not A-C; connected components then join all
three). Pairs whose (tempered) probability is below `floor` (default 0.01) are treated as never the same person: at a
million records there are millions of such pairs, and drawing them adds merges that no reviewer would accept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from mosty.linkage.clustering import FloatArray, IntArray, connected_components


@dataclass(frozen=True)
class Estimate:
    """A count: the threshold clustering's value, the expected value and a 95% interval over the draws."""

    point: int
    expected: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"point": self.point, "expected": round(self.expected, 2), "low": self.low, "high": self.high}


@dataclass(frozen=True)
class CountSummary:
    """Unique persons overall, per source, shared between sources and found in one source only."""

    records: int
    records_per_source: dict[str, int]
    persons: Estimate
    persons_per_source: dict[str, Estimate]
    shared: dict[tuple[str, str], Estimate] = field(default_factory=dict)
    """(A, B): how many of A's persons B also has (symmetric: A's persons in B = B's persons in A)."""
    only_in: dict[str, Estimate] = field(default_factory=dict)
    """A: how many of A's persons no other source has."""
    samples: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "records": self.records,
            "records_per_source": self.records_per_source,
            "persons": self.persons.as_dict(),
            "persons_per_source": {s: e.as_dict() for s, e in self.persons_per_source.items()},
            "shared": [{"a": a, "b": b, **e.as_dict()} for (a, b), e in self.shared.items()],
            "only_in": {s: e.as_dict() for s, e in self.only_in.items()},
            "samples": self.samples,
        }


def _figures(labels: IntArray, node_masks: IntArray, n_sources: int) -> npt.NDArray[np.int64]:
    """[persons, per-source persons..., shared pairs (upper triangle)..., only-in per source...] of one partition.

    `labels[i]` is the person of node i, `node_masks[i]` the bit set of the sources node i has records in.
    """
    masks = np.zeros(int(labels.max()) + 1 if len(labels) else 0, dtype=np.int64)
    np.bitwise_or.at(masks, labels, node_masks)
    masks = masks[masks != 0]
    out = [len(masks)]
    has = [(masks >> s) & 1 for s in range(n_sources)]
    out += [int(h.sum()) for h in has]
    for a in range(n_sources):
        for b in range(a + 1, n_sources):
            out.append(int((has[a] & has[b]).sum()))
    for a in range(n_sources):
        out.append(int((masks == (np.int64(1) << a)).sum()))
    return np.asarray(out, dtype=np.int64)


CERTAIN = 0.999
"""Pairs at or above this (tempered) probability are joined in every draw, which lets the draws work on the
persons those pairs make rather than on records: the same result up to that rounding, many times faster."""


def count_persons(
    *,
    sources: list[str],
    point_labels: IntArray,
    left: IntArray,
    right: IntArray,
    probability: FloatArray,
    weight: FloatArray | None = None,
    temperature: tuple[float, float] = (1.0, 1.0),
    same: list[tuple[int, int]] | None = None,
    different: list[tuple[int, int]] | None = None,
    samples: int = 200,
    seed: int = 42,
    floor: float = 0.01,
) -> CountSummary:
    """The counts of the partition `point_labels`, with intervals from `samples` draws of the scored pairs."""
    names = sorted(set(sources))
    if len(names) > 62:
        raise ValueError("at most 62 sources can be counted together")
    position = {name: i for i, name in enumerate(names)}
    source_index = np.asarray([position[s] for s in sources], dtype=np.int64)
    record_masks = np.left_shift(np.int64(1), source_index)
    n = len(sources)
    same = same or []
    banned = {(min(a, b), max(a, b)) for a, b in (different or [])}
    weights: FloatArray
    if weight is None:
        weights = np.log2(np.clip(probability, 1e-300, None)) - np.log2(np.clip(1 - probability, 1e-300, None))
    else:
        weights = weight
    low_t, high_t = temperature
    decided = ~np.isfinite(weights)

    def tempered(t: float, w: FloatArray = weights) -> FloatArray:
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp2(-w / t))

    at_low = np.where(decided, probability, tempered(low_t))
    at_high = np.where(decided, probability, tempered(high_t))
    usable = np.maximum(at_low, at_high) >= floor
    if banned:
        pair_keys = zip(np.minimum(left, right).tolist(), np.maximum(left, right).tolist(), strict=True)
        usable &= np.asarray([key not in banned for key in pair_keys], dtype=bool)
    certain = usable & (np.minimum(at_low, at_high) >= CERTAIN)
    uncertain = usable & ~certain

    # contract the certain pairs (and "same" decisions) once
    same_left = np.asarray([a for a, _ in same], dtype=np.int64)
    same_right = np.asarray([b for _, b in same], dtype=np.int64)
    base = connected_components(
        n, np.concatenate([left[certain], same_left]), np.concatenate([right[certain], same_right])
    )
    nodes, node_of = np.unique(base, return_inverse=True)
    node_masks = np.zeros(len(nodes), dtype=np.int64)
    np.bitwise_or.at(node_masks, node_of, record_masks)
    cand_left, cand_right = node_of[left[uncertain]], node_of[right[uncertain]]
    cand_w = weights[uncertain]
    distinct = cand_left != cand_right
    cand_left, cand_right, cand_w = cand_left[distinct], cand_right[distinct], cand_w[distinct]

    # persons no uncertain pair touches are the same in every draw: count them once
    touched, local = np.unique(np.concatenate([cand_left, cand_right]), return_inverse=True)
    local_left, local_right = local[: len(cand_left)], local[len(cand_left) :]
    untouched = np.ones(len(nodes), dtype=bool)
    untouched[touched] = False
    fixed = _figures(np.arange(int(untouched.sum()), dtype=np.int64), node_masks[untouched], len(names))
    touched_masks = node_masks[touched]

    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(samples):
        draw_t = rng.uniform(low_t, high_t) if high_t > low_t else low_t
        on = rng.random(len(cand_w)) < tempered(draw_t, cand_w)
        labels = connected_components(len(touched), local_left[on], local_right[on])
        draws.append(fixed + _figures(labels, touched_masks, len(names)))
    point = _figures(point_labels, record_masks, len(names)) if n else np.zeros(1, dtype=np.int64)
    table = np.vstack(draws) if draws else point[None, :]

    def estimate(column: int) -> Estimate:
        values = table[:, column].astype(float)
        low, high = np.percentile(values, [2.5, 97.5])
        return Estimate(int(point[column]), float(values.mean()), float(low), float(high))

    column = 0
    persons = estimate(column)
    per_source = {}
    for name in names:
        column += 1
        per_source[name] = estimate(column)
    shared = {}
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            column += 1
            shared[(names[a], names[b])] = estimate(column)
    only_in = {}
    for name in names:
        column += 1
        only_in[name] = estimate(column)
    records_per_source = {name: int((source_index == position[name]).sum()) for name in names}
    return CountSummary(n, records_per_source, persons, per_source, shared, only_in, samples)
