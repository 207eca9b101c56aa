"""The trust signal (Advogato flow metric): capacities fade with distance, the flow is a maximum flow, a ring
or a Sybil cluster of newcomers vouching for each other gains at most the capacity of the one vouch into it,
and expired or revoked vouches count for nothing. Explanations name trusted vouchers and never give a verdict."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import networkx as nx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import make_organisation
from mosty.cases import trust, vouching
from mosty.cases.models import Vouch, VouchBasis
from mosty.cases.tests.test_referrals import fast_viewer, today
from mosty.cases.trust import CAPACITIES, capacity_at, flow_trust

# Organisations by id in the pure tests: 0 is the viewer (the seed), 1..99 honest, 1000+ the attackers.
SEED = 0
HONEST = [(0, 1), (0, 2), (0, 3), (1, 11), (1, 12), (2, 12), (2, 21), (3, 31), (11, 111), (111, 1111)]


def ring(members: list[int]) -> list[tuple[int, int]]:
    return [(members[i], members[(i + 1) % len(members)]) for i in range(len(members))]


def clique(members: list[int]) -> list[tuple[int, int]]:
    return [(x, y) for x in members for y in members if x != y]


def sybils(result: trust.FlowResult, cluster: list[int]) -> int:
    return sum(1 for node in cluster if result.is_trusted(node))


# --- the metric --------------------------------------------------------------------------------------------------


def test_capacities_fade_with_distance() -> None:
    assert [capacity_at(d) for d in range(7)] == [64, 16, 4, 2, 1, 1, 1]
    assert list(CAPACITIES) == sorted(CAPACITIES, reverse=True)


def test_levels_and_paths_on_an_honest_graph() -> None:
    result = flow_trust(SEED, HONEST)
    assert dict(result.levels) == {0: 0, 1: 1, 2: 1, 3: 1, 11: 2, 12: 2, 21: 2, 31: 2, 111: 3, 1111: 4}
    assert result.path_to(111) == (0, 1, 11, 111)
    assert result.path_to(12) in {(0, 1, 12), (0, 2, 12)}
    assert result.path_to(999) == ()


def test_a_chain_fades_out() -> None:
    chain = [(i, i + 1) for i in range(10)]
    result = flow_trust(SEED, chain)
    # The organisation at distance 4 has capacity 1: it is trusted itself and passes nothing on.
    assert set(result.levels) == {0, 1, 2, 3, 4}


def test_the_flow_is_a_maximum_flow_and_does_not_depend_on_edge_order() -> None:
    edges = HONEST + clique(list(range(1000, 1020))) + [(12, 1000)]
    result = flow_trust(SEED, edges)
    adjacency: dict[int, set[int]] = {}
    for x, y in edges:
        adjacency.setdefault(x, set()).add(y)
    graph, _distances = trust.flow_network(SEED, adjacency)
    assert result.flow_value == nx.maximum_flow_value(graph, (SEED, "-"), trust.SINK)
    assert result.flow_value == len(result.levels)
    shuffled = list(edges)
    random.Random(7).shuffle(shuffled)
    assert dict(flow_trust(SEED, shuffled).levels) == dict(result.levels)


@pytest.mark.parametrize("confused", [0, 1, 11, 111])
@pytest.mark.parametrize("shape", ["ring", "clique"])
def test_a_ring_of_newcomers_gains_at_most_the_capacity_of_its_one_edge_in(confused, shape) -> None:
    """20 new organisations vouch for each other (a ring, or every one for every other: a Sybil cluster) and one
    trusted organisation, at some distance from the viewer, vouches for one of them."""
    cluster = list(range(1000, 1020))
    internal = ring(cluster) if shape == "ring" else clique(cluster)
    honest_alone = flow_trust(SEED, HONEST)
    level = honest_alone.levels[confused]
    result = flow_trust(SEED, [*HONEST, *internal, (confused, cluster[0])])
    assert sybils(result, cluster) <= capacity_at(level + 1)
    # Honest organisations keep their trust, except those that depended on the confused one's capacity.
    downstream = set(nx.descendants(nx.DiGraph(HONEST), confused))
    assert set(honest_alone.levels) - downstream <= set(result.levels)


def test_the_gain_does_not_grow_with_the_size_of_the_cluster() -> None:
    gains = []
    for size in (5, 20, 60):
        cluster = list(range(1000, 1000 + size))
        result = flow_trust(SEED, [*HONEST, *clique(cluster), (1, cluster[0])])
        gains.append(sybils(result, cluster))
    assert gains[1] == gains[2] <= capacity_at(2)


def test_a_cluster_without_a_vouch_from_the_trusted_set_gains_nothing() -> None:
    cluster = list(range(1000, 1020))
    # The newcomers vouch for each other and for honest organisations; nobody trusted vouches for them.
    edges = [*HONEST, *clique(cluster), *[(s, h) for s in cluster for h in (1, 2, 12)]]
    result = flow_trust(SEED, edges)
    assert sybils(result, cluster) == 0
    assert dict(result.levels) == dict(flow_trust(SEED, HONEST).levels)


def test_two_edges_in_gain_at_most_the_sum_of_their_capacities() -> None:
    cluster = list(range(1000, 1020))
    result = flow_trust(SEED, [*HONEST, *clique(cluster), (11, 1000), (31, 1005)])
    assert sybils(result, cluster) <= capacity_at(3) + capacity_at(3)


def test_vouching_for_a_subject_through_the_cluster_stays_bounded() -> None:
    """The cluster's members all vouch for one subject: of their vouches, at most the capacity of the vouch
    into the cluster come from trusted organisations."""
    cluster = list(range(1000, 1020))
    result = flow_trust(SEED, [*HONEST, *clique(cluster), (111, 1000)])
    vouchers = [Vouch(voucher_id=s, basis=VouchBasis.KNOWN_PERSONALLY, expires_on=dt.date(2099, 1, 1)) for s in cluster]
    explanation = trust.explain(result, vouchers, subject_kind="person", names={})
    assert len(explanation.trusted_vouchers) <= capacity_at(4) == 1
    assert len(explanation.untrusted_vouchers) >= 19
    assert explanation.signal in {trust.SIGNAL_NONE, trust.SIGNAL_SOME}


def test_signal_levels() -> None:
    assert trust.signal_for(0) == "none"
    assert trust.signal_for(1) == "some"
    assert trust.signal_for(2) == trust.signal_for(5) == "strong"


# --- from the database: current vouches only ---------------------------------------------------------------------


def _vouch(viewer: Any, subject: Any, days: int = 100) -> Vouch:
    return vouching.vouch_create(
        viewer=viewer,
        subject=subject,
        basis=VouchBasis.WORKED_TOGETHER,
        since=None,
        expires_on=today() + dt.timedelta(days=days),
    )


@pytest.fixture
def network(db: None) -> dict[str, Any]:
    names = ["You", "Partner", "Friend", "Subject", "Stranger"]
    return {name: fast_viewer(make_organisation(name), Role.ORG_ADMIN) for name in names}


def test_expired_and_revoked_vouches_count_for_nothing(network) -> None:
    you, partner, friend, subject = network["You"], network["Partner"], network["Friend"], network["Subject"]
    to_partner = _vouch(you, partner.organisation)
    to_friend = _vouch(partner, friend.organisation)
    _vouch(friend, subject.organisation)
    assert trust.trust_from(you).levels == {
        you.organisation_id: 0,
        partner.organisation_id: 1,
        friend.organisation_id: 2,
        subject.organisation_id: 3,
    }
    explanation = trust.explain_organisation(you, subject.organisation)
    assert explanation.signal == "some"
    assert [v.name for v in explanation.trusted_vouchers] == ["Friend"]
    assert explanation.trusted_vouchers[0].path == ("You", "Partner", "Friend")
    assert explanation.subject_trusted is True
    assert explanation.subject_level == 3

    Vouch.objects.filter(pk=to_friend.pk).update(expires_on=today() - dt.timedelta(days=1))
    assert set(trust.trust_from(you).levels) == {you.organisation_id, partner.organisation_id}
    explanation = trust.explain_organisation(you, subject.organisation)
    assert explanation.signal == "none"
    assert [v.name for v in explanation.untrusted_vouchers] == ["Friend"]
    assert explanation.subject_trusted is False

    vouching.vouch_revoke(viewer=you, vouch=to_partner)
    assert set(trust.trust_from(you).levels) == {you.organisation_id}
    # From the partner's own point of view, nothing changed about what it vouched for.
    assert partner.organisation_id in trust.trust_from(partner).levels


def test_vouched_by_a_and_b_who_you_trust(network) -> None:
    you, partner, friend, subject, stranger = (network[n] for n in ("You", "Partner", "Friend", "Subject", "Stranger"))
    _vouch(you, partner.organisation)
    _vouch(you, friend.organisation)
    _vouch(stranger, subject.organisation)
    _vouch(partner, subject.organisation)
    _vouch(friend, subject.organisation)
    explanation = trust.explain_organisation(you, subject.organisation)
    assert explanation.signal == "strong"
    assert sorted(v.name for v in explanation.trusted_vouchers) == ["Friend", "Partner"]
    assert [v.name for v in explanation.untrusted_vouchers] == ["Stranger"]
    assert all(v.level == 1 for v in explanation.trusted_vouchers)
    # The same vouches seen from the stranger: only its own vouch is trusted.
    seen_by_stranger = trust.explain_organisation(stranger, subject.organisation)
    assert [v.name for v in seen_by_stranger.trusted_vouchers] == ["Stranger"]
    assert seen_by_stranger.trusted_vouchers[0].is_you


def test_a_sybil_cluster_in_the_database_cannot_inflate_trust(network) -> None:
    you, partner, subject = network["You"], network["Partner"], network["Subject"]
    _vouch(you, partner.organisation)
    cluster = [fast_viewer(make_organisation(f"New {i}"), Role.ORG_ADMIN) for i in range(20)]
    for i, member in enumerate(cluster):
        _vouch(member, cluster[(i + 1) % len(cluster)].organisation)
        _vouch(member, cluster[(i + 7) % len(cluster)].organisation)
        _vouch(member, subject.organisation)
    explanation = trust.explain_organisation(you, subject.organisation)
    assert explanation.signal == "none"
    assert len(explanation.untrusted_vouchers) == 20
    assert explanation.subject_trusted is False
    # One vouch into the cluster from the partner (distance 1): at most capacity_at(2) newcomers are trusted.
    _vouch(partner, cluster[0].organisation)
    explanation = trust.explain_organisation(you, subject.organisation)
    assert 1 <= len(explanation.trusted_vouchers) <= capacity_at(2)
    assert len(explanation.untrusted_vouchers) >= 20 - capacity_at(2)


def test_explaining_a_page_of_organisations_takes_a_fixed_number_of_queries(network) -> None:
    you = network["You"]
    others = [network[n].organisation for n in ("Partner", "Friend", "Subject", "Stranger")]
    for other in others:
        _vouch(you, other)
        if other != network["Stranger"].organisation:
            _vouch(network["Stranger"], other)
    with CaptureQueriesContext(connection) as one:
        trust.explain_organisations(you, others[:1])
    with CaptureQueriesContext(connection) as four:
        explanations = trust.explain_organisations(you, others)
    assert len(four) == len(one)
    assert {e.signal for e in explanations.values()} <= {"some", "strong"}
