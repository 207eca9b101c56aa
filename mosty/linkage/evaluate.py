"""Measuring a linkage against known truth: pairwise precision, recall and F1, blocking recall, count error.

For tests and benchmarks on generated or labelled lists (FEBRL). `pairwise_scores` promises the standard
definitions over record pairs: a pair is predicted when both records got one person, true when the truth gives
them one person. Counting pairs by cluster sizes keeps it linear in the number of records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from mosty.linkage.model import BLOCKING_RULES

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Scores:
    """Pairwise precision, recall and F1, with the pair counts they come from."""

    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def _pairs(counter: Counter[Any]) -> int:
    return sum(c * (c - 1) // 2 for c in counter.values())


def pairwise_scores(predicted: Mapping[K, Hashable], truth: Mapping[K, Hashable]) -> Scores:
    """Scores of a predicted record -> cluster mapping against a true one (same keys)."""
    predicted_pairs = _pairs(Counter(predicted.values()))
    true_pairs = _pairs(Counter(truth.values()))
    correct = _pairs(Counter((predicted[k], truth[k]) for k in truth))
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, true_pairs, predicted_pairs, correct)


def blocking_recall(
    features: Sequence[Mapping[str, Any]],
    truth: Sequence[Hashable],
    rules: Sequence[tuple[str, ...]] = BLOCKING_RULES,
) -> float:
    """Share of true pairs that at least one blocking rule puts together (features and truth in one order)."""
    members: dict[Hashable, list[int]] = {}
    for index, person in enumerate(truth):
        members.setdefault(person, []).append(index)
    total = caught = 0
    for indices in members.values():
        for i, a in enumerate(indices):
            for b in indices[i + 1 :]:
                total += 1
                fa, fb = features[a], features[b]
                if any(all(fa[c] is not None and fa[c] == fb[c] for c in rule) for rule in rules):
                    caught += 1
    return caught / total if total else 1.0
