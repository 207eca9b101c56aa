"""Records into persons: pairwise match probabilities and human decisions into clusters.

`cluster(n, left, right, probability, threshold, same=..., different=...)` promises:

- every pair a person decided is the same (`same`) ends in one cluster, whatever the model says;
- no two records a person decided are different (`different`) end in one cluster, whatever chain of other
  links would join them: links are added strongest first, and a link that would join two groups holding such a
  pair is skipped (greedy constrained agglomeration; without such decisions this is exactly connected components
  of the links at or above the threshold);
- decisions that contradict each other (a chain of "same" joining a "different" pair) keep the "same" links
  and are reported in `conflicts`, so a reviewer can look again;
- labels are 0..k-1, numbered by the smallest record index in each cluster, so the result is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Clustering:
    """Cluster labels per record index, and the "different" decisions that "same" decisions overruled."""

    labels: IntArray
    conflicts: list[tuple[int, int]]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return ra


def _relabel(roots: IntArray) -> IntArray:
    """Labels 0..k-1 in order of each cluster's first record."""
    _, first_index, inverse = np.unique(roots, return_index=True, return_inverse=True)
    order = np.argsort(np.argsort(first_index))
    return order[inverse].astype(np.int64)


def connected_components(n: int, left: IntArray, right: IntArray) -> IntArray:
    """Component labels of the graph with these edges: each record's label is the smallest index in its component.

    Min-label propagation with pointer jumping, in numpy: each round pulls every edge's two ends to the smaller
    label, then lets every label follow its own label until it stops moving. Rounds grow with the diameter of
    the largest component, which for persons (a handful of records each) is small.
    """
    labels = np.arange(n, dtype=np.int64)
    if len(left) == 0:
        return labels
    while True:
        low = np.minimum(labels[left], labels[right])
        before = labels.copy()
        np.minimum.at(labels, left, low)
        np.minimum.at(labels, right, low)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(labels, before):
            return labels


def cluster(
    n: int,
    left: IntArray,
    right: IntArray,
    probability: FloatArray,
    threshold: float,
    *,
    same: Iterable[tuple[int, int]] = (),
    different: Iterable[tuple[int, int]] = (),
) -> Clustering:
    """Cluster `n` records from scored pairs (`left[i]`, `right[i]`, `probability[i]`) and human decisions."""
    same = list(same)
    different = list(different)
    keep = probability >= threshold
    if not different:
        edges_left = np.concatenate([left[keep], np.array([a for a, _ in same], dtype=np.int64)])
        edges_right = np.concatenate([right[keep], np.array([b for _, b in same], dtype=np.int64)])
        return Clustering(_relabel(connected_components(n, edges_left, edges_right)), [])

    uf = _UnionFind(n)
    for a, b in same:
        uf.union(a, b)
    conflicts = [(a, b) for a, b in different if uf.find(a) == uf.find(b)]
    apart: dict[int, set[int]] = {}
    for a, b in different:
        if uf.find(a) != uf.find(b):
            apart.setdefault(a, set()).add(b)
            apart.setdefault(b, set()).add(a)
    # members of each root that carry a "different" decision, so a union checks only those
    guarded: dict[int, set[int]] = {}
    for record in apart:
        guarded.setdefault(uf.find(record), set()).add(record)

    order = np.argsort(-probability[keep], kind="stable")
    kept_left, kept_right = left[keep][order], right[keep][order]
    for a, b in zip(kept_left.tolist(), kept_right.tolist(), strict=True):
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        guards_a, guards_b = guarded.get(ra), guarded.get(rb)
        if guards_a and guards_b:
            roots_b_partners = {uf.find(p) for g in guards_a for p in apart[g]}
            if rb in roots_b_partners:
                continue
        root = uf.union(ra, rb)
        if guards_a or guards_b:
            merged = guarded.pop(ra, set()) | guarded.pop(rb, set())
            guarded[root] = merged
    roots = np.fromiter((uf.find(i) for i in range(n)), dtype=np.int64, count=n)
    return Clustering(_relabel(roots), conflicts)


def membership_probability(labels: IntArray, left: IntArray, right: IntArray, probability: FloatArray) -> FloatArray:
    """Per record, the strongest link to another record of its cluster; NaN for a record alone."""
    best = np.full(len(labels), np.nan)
    inside = labels[left] == labels[right]
    if inside.any():
        scores = np.zeros(len(labels))
        np.maximum.at(scores, left[inside], probability[inside])
        np.maximum.at(scores, right[inside], probability[inside])
        linked = np.zeros(len(labels), dtype=bool)
        linked[left[inside]] = True
        linked[right[inside]] = True
        best[linked] = scores[linked]
    return best
