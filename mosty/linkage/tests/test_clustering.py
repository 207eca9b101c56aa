"""Clustering respects human decisions; the count and its interval come from the draws."""

from __future__ import annotations

import numpy as np

from mosty.linkage.clustering import cluster, membership_probability
from mosty.linkage.count import count_persons


def _edges(pairs):
    left = np.asarray([a for a, _, _ in pairs], dtype=np.int64)
    right = np.asarray([b for _, b, _ in pairs], dtype=np.int64)
    prob = np.asarray([p for _, _, p in pairs], dtype=np.float64)
    return left, right, prob


def test_connected_components_above_the_threshold():
    left, right, prob = _edges([(0, 1, 0.99), (1, 2, 0.8), (3, 4, 0.3)])
    result = cluster(5, left, right, prob, 0.5)
    assert result.labels.tolist() == [0, 0, 0, 1, 2]


def test_a_different_decision_splits_a_chain():
    # 0-1-2 would chain; a person said 0 and 2 are different people
    left, right, prob = _edges([(0, 1, 0.99), (1, 2, 0.9)])
    result = cluster(3, left, right, prob, 0.5, different=[(0, 2)])
    assert result.labels[0] == result.labels[1]
    assert result.labels[2] != result.labels[0]


def test_a_same_decision_joins_what_the_model_kept_apart():
    left, right, prob = _edges([(0, 1, 0.01)])
    result = cluster(3, left, right, prob, 0.5, same=[(0, 1)], different=[(1, 2)])
    assert result.labels[0] == result.labels[1] != result.labels[2]


def test_contradicting_decisions_are_reported():
    left, right, prob = _edges([])
    result = cluster(3, left, right, prob, 0.5, same=[(0, 1), (1, 2)], different=[(0, 2)])
    assert result.conflicts == [(0, 2)]
    assert len(set(result.labels.tolist())) == 1


def test_membership_is_the_strongest_link_inside_the_cluster():
    left, right, prob = _edges([(0, 1, 0.7), (1, 2, 0.95), (2, 3, 0.2)])
    labels = cluster(4, left, right, prob, 0.5).labels
    membership = membership_probability(labels, left, right, prob)
    assert membership[:3].tolist() == [0.7, 0.95, 0.95]
    assert np.isnan(membership[3])


def test_count_per_source_overlap_and_only_in():
    # a0-b0 certain, a1-b1 uncertain, c0 alone
    sources = ["a", "a", "b", "b", "c"]
    left, right, prob = _edges([(0, 2, 1.0), (1, 3, 0.5)])
    labels = cluster(5, left, right, prob, 0.5).labels
    summary = count_persons(
        sources=sources, point_labels=labels, left=left, right=right, probability=prob, samples=400, seed=1
    )
    assert summary.persons.point == 3
    assert 3.3 < summary.persons.expected < 3.7
    assert (summary.persons.low, summary.persons.high) == (3, 4)
    assert summary.persons_per_source["a"].point == 2
    assert summary.shared[("a", "b")].point == 2
    assert summary.shared[("a", "c")].point == 0
    assert summary.only_in["c"].point == 1
    assert summary.records_per_source == {"a": 2, "b": 2, "c": 1}


def test_count_draws_are_seeded():
    sources = ["a"] * 4
    left, right, prob = _edges([(0, 1, 0.5), (2, 3, 0.5), (1, 2, 0.5)])
    labels = cluster(4, left, right, prob, 0.5).labels
    first = count_persons(sources=sources, point_labels=labels, left=left, right=right, probability=prob, seed=3)
    again = count_persons(sources=sources, point_labels=labels, left=left, right=right, probability=prob, seed=3)
    assert first == again
