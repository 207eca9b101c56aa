"""Records into persons: pairwise match probabilities and human decisions into clusters.

`cluster(n, left, right, probability, threshold, same=..., different=...)` promises:

- every pair a person decided is the same (`same`) ends in one cluster, whatever the model says;
- no two records a person decided are different (`different`) end in one cluster, whatever chain of other
  links would join them: links are added strongest first, and a link that would join two groups holding such a
  pair is skipped (greedy constrained agglomeration; without such constraints this is exactly connected
  components of the links at or above the threshold);
- with `apart_below`, the model's own strong "different" verdicts (pairs scored below it) are kept the same
  way, so that long lists do not chain namesakes into giant clusters;
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

    Hooking and pointer jumping, in numpy: every edge whose ends are in different trees hangs the larger root
    under the smaller one (where several edges compete for one root, one wins and the rest wait for the next
    round), then every label follows its parent until the trees are flat. Rounds grow with the logarithm of
    the largest component.
    """
    labels = np.arange(n, dtype=np.int64)
    active_left, active_right = left, right
    while len(active_left):
        root_left, root_right = labels[active_left], labels[active_right]
        differ = root_left != root_right
        if not differ.any():
            break
        active_left, active_right = active_left[differ], active_right[differ]
        root_left, root_right = root_left[differ], root_right[differ]
        labels[np.maximum(root_left, root_right)] = np.minimum(root_left, root_right)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
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
    apart_below: float | None = None,
) -> Clustering:
    """Cluster `n` records from scored pairs (`left[i]`, `right[i]`, `probability[i]`) and human decisions.

    With `apart_below`, a scored pair whose probability is below it counts as evidence that the two records
    are different people, like a "different" decision: no chain of links may then join them. This is what
    keeps connected components from chaining thousands of namesakes into one "person" in a long list.
    """
    same = list(same)
    apart_pairs = list(different)
    if apart_below is not None:
        weak = probability < apart_below
        apart_pairs += list(zip(left[weak].tolist(), right[weak].tolist(), strict=True))
    keep = probability >= threshold
    if not apart_pairs:
        edges_left = np.concatenate([left[keep], np.array([a for a, _ in same], dtype=np.int64)])
        edges_right = np.concatenate([right[keep], np.array([b for _, b in same], dtype=np.int64)])
        return Clustering(_relabel(connected_components(n, edges_left, edges_right)), [])

    uf = _UnionFind(n)
    for a, b in same:
        uf.union(a, b)
    decided_apart = {(min(a, b), max(a, b)) for a, b in different}
    conflicts = [(a, b) for a, b in sorted(decided_apart) if uf.find(a) == uf.find(b)]
    partners: dict[int, list[int]] = {}
    for a, b in apart_pairs:
        if uf.find(a) != uf.find(b):
            partners.setdefault(a, []).append(b)
            partners.setdefault(b, []).append(a)
    # members of each root that have a partner they must stay apart from, so a union checks only those
    guarded: dict[int, list[int]] = {}
    for record in partners:
        guarded.setdefault(uf.find(record), []).append(record)

    order = np.argsort(-probability[keep], kind="stable")
    kept_left, kept_right = left[keep][order], right[keep][order]
    for a, b in zip(kept_left.tolist(), kept_right.tolist(), strict=True):
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        guards_a, guards_b = guarded.get(ra), guarded.get(rb)
        if guards_a and guards_b:
            small, other = (guards_a, rb) if len(guards_a) <= len(guards_b) else (guards_b, ra)
            if any(uf.find(p) == other for g in small for p in partners[g]):
                continue
        root = uf.union(ra, rb)
        if guards_a or guards_b:
            merged = guarded.pop(ra, []) + guarded.pop(rb, [])
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
