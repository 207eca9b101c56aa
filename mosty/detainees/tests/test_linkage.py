# ruff: noqa: RUF001
# (Cyrillic names are the data under test)
"""Linkage runs end to end: records of several lists (own and shared) linked into persons with the real engine,
stored with their counts; human decisions bind the next run; sharing and unsharing move the keys."""

from __future__ import annotations

from typing import Any

import pytest

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import make_organisation
from mosty.core.crypto.errors import KeyNotAvailable
from mosty.core.crypto.keyring import acting_as
from mosty.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from mosty.core.models import AuditEvent, WrappedDataKey
from mosty.detainees import selectors, services
from mosty.detainees.errors import LinkageFailed, RunTooLarge
from mosty.detainees.models import (
    CandidatePair,
    ClusterMember,
    DetaineeRecord,
    LinkRun,
    PersonCluster,
    ReviewDecision,
    RunStatus,
)
from mosty.detainees.tests.factories import (
    generated_rows,
    import_rows,
    linked_run,
    make_source,
    row,
    viewer_of,
)
from mosty.linkage.evaluate import pairwise_scores

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    """Two organisations: A keeps the Ukrainian and English lists, B the Russian list and shares it with A."""
    a, b = viewer_of(make_organisation()), viewer_of(make_organisation())
    rows, truth = generated_rows(18, seed=5)
    sources = {
        "uacenter": make_source(a, "Ukrainian list"),
        "watch": make_source(a, "English list"),
        "memo": make_source(b, "Russian list"),
    }
    owners = {"uacenter": a, "watch": a, "memo": b}
    for key, source in sources.items():
        import_rows(owners[key], source, rows[key])
    # one hand-made person in two scripts, on A's two lists
    import_rows(
        a,
        sources["uacenter"],
        [row("KNOWN-1", "Шевченко", "Тарас", birth_date="12.05.1987", birth_place="Херсон", patronymic="Григорович")],
    )
    import_rows(
        a,
        sources["watch"],
        [
            row(
                "KNOWN-2",
                "Shevchenko",
                "Taras",
                birth_date="1987-05-12",
                birth_place="Kherson",
                patronymic="Hryhorovych",
            )
        ],
    )
    services.source_share(viewer=b, source=sources["memo"], organisation=a.organisation)
    by_source: dict[tuple[Any, str], str] = {
        (sources[k].pk, rid): person for (k, rid), person in truth.items() if k in sources
    }
    by_source[(sources["uacenter"].pk, "KNOWN-1")] = by_source[(sources["watch"].pk, "KNOWN-2")] = "KNOWN"
    return a, b, sources, by_source


def _persons_of(run: LinkRun) -> dict[tuple[Any, str], str]:
    return {
        (m.record.source_id, m.record.record_id): m.cluster.label
        for m in ClusterMember.objects.filter(run=run).select_related("record", "cluster")
    }


def test_a_run_links_own_and_shared_lists_into_persons_and_counts_them(network) -> None:
    a, _b, sources, truth = network
    run = linked_run(a, list(sources.values()))
    assert run.status == RunStatus.FINISHED
    assert run.records_count == DetaineeRecord.objects.count() == len(truth)
    persons = _persons_of(run)
    assert len(persons) == len(truth)  # every record once
    assert run.persons_count == PersonCluster.objects.filter(run=run).count() == len(set(persons.values()))
    # the known answer: the same person in Cyrillic and in Latin
    assert persons[(sources["uacenter"].pk, "KNOWN-1")] == persons[(sources["watch"].pk, "KNOWN-2")]
    scores = pairwise_scores(
        {(str(s), r): p for (s, r), p in persons.items()}, {(str(s), r): p for (s, r), p in truth.items()}
    )
    assert scores.f1 >= 0.9, scores
    # clusters agree with their members
    for cluster in PersonCluster.objects.filter(run=run):
        members = list(cluster.members.all())
        assert cluster.size == len(members)
        if cluster.size == 1:
            assert members[0].match_probability is None
    # the counts, with their interval, overall and per list
    counts = selectors.run_counts(a, run)
    assert counts is not None
    true_persons = len(set(truth.values()))
    assert counts.persons.point == run.persons_count
    assert abs(counts.persons.point - true_persons) <= 2
    assert counts.persons.low <= counts.persons.point <= counts.persons.high
    assert {s.source.pk for s in counts.sources if s.source} == {s.pk for s in sources.values()}
    assert sum(s.records for s in counts.sources) == counts.records == len(truth)
    assert len(counts.shared) == 3  # every pair of the three lists
    for pair in CandidatePair.objects.filter(run=run):
        assert 0.2 <= pair.match_probability < 0.9
        assert set(pair.comparisons) >= {"family", "given", "birth_date"}
    actions = set(AuditEvent.objects.filter(object_id=str(run.pk)).values_list("action", flat=True))
    assert actions == {"detainees.run.started", "detainees.run.finished"}


def test_a_decision_different_splits_a_pair_and_same_joins_one(network) -> None:
    a, _b, sources, _truth = network
    first = linked_run(a, list(sources.values()))
    persons = _persons_of(first)
    known_1 = DetaineeRecord.objects.get(record_id="KNOWN-1")
    known_2 = DetaineeRecord.objects.get(record_id="KNOWN-2")
    apart = list(DetaineeRecord.objects.filter(source=sources["memo"])[:2])
    assert persons[(known_1.source_id, "KNOWN-1")] == persons[(known_2.source_id, "KNOWN-2")]
    services.review_decide(viewer=a, left=known_2, right=known_1, decision="different", run=first)
    services.review_decide(viewer=a, left=apart[0], right=apart[1], decision="same")
    services.review_decide(viewer=a, left=apart[0], right=known_1, decision="unsure")
    assert ReviewDecision.objects.count() == 3
    second = linked_run(a, list(sources.values()))
    again = _persons_of(second)
    assert again[(known_1.source_id, "KNOWN-1")] != again[(known_2.source_id, "KNOWN-2")]
    assert again[(apart[0].source_id, apart[0].record_id)] == again[(apart[1].source_id, apart[1].record_id)]
    assert second.counts["decisions"] == 2  # "unsure" binds nothing
    # a decided pair never comes back to the open queue
    for pair in selectors.review_pairs(a, second):
        assert {pair.left_id, pair.right_id} not in ({known_1.pk, known_2.pk}, {apart[0].pk, apart[1].pk})
    # deciding again replaces the decision
    services.review_decide(viewer=a, left=known_1, right=known_2, decision="same")
    assert ReviewDecision.objects.get(left__in=[known_1, known_2], right__in=[known_1, known_2]).decision == "same"


def test_decisions_belong_to_the_organisation_that_made_them(network) -> None:
    a, b, sources, _truth = network
    memo = list(DetaineeRecord.objects.filter(source=sources["memo"])[:2])
    services.review_decide(viewer=a, left=memo[0], right=memo[1], decision="same")
    assert selectors.decision_for(b, memo[0], memo[1]) is None
    own_a = DetaineeRecord.objects.get(record_id="KNOWN-1")
    with pytest.raises(NotFound):  # B cannot read A's list
        services.review_decide(viewer=b, left=memo[0], right=own_a, decision="different")
    with pytest.raises(PermissionDenied):
        services.review_decide(
            viewer=viewer_of(a.organisation, Role.VIEWER), left=memo[0], right=memo[1], decision="same"
        )


def test_runs_check_their_lists_roles_and_caps(network, settings) -> None:
    a, b, sources, _truth = network
    with pytest.raises(ValidationFailed):  # B cannot read A's lists
        services.linkage_run(viewer=b, sources=[sources["uacenter"]])
    with pytest.raises(PermissionDenied):
        services.linkage_run(viewer=viewer_of(a.organisation, Role.VIEWER), sources=[sources["memo"]])
    settings.MOSTY_DETAINEES_RUN_RECORDS = 5
    with pytest.raises(RunTooLarge):
        services.linkage_run(viewer=a, sources=[sources["memo"]])
    assert not LinkRun.objects.exists()


def test_a_failed_run_is_marked_and_stores_nothing(network, monkeypatch) -> None:
    a, _b, sources, _truth = network

    def broken(*args, **kwargs):
        raise RuntimeError("Шевченко")  # a message with a name must not reach the run row

    monkeypatch.setattr(services, "_link", broken)
    with pytest.raises(LinkageFailed):
        services.linkage_run(viewer=a, sources=[sources["memo"]])
    run = LinkRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert run.error == "RuntimeError"
    assert not PersonCluster.objects.exists()
    assert selectors.latest_run(a) is None


def test_sharing_wraps_every_key_and_unsharing_removes_them(network) -> None:
    a, b, sources, _truth = network
    memo = sources["memo"]
    records = DetaineeRecord.objects.filter(source=memo)
    key_ids = list(records.values_list("data_key_id", flat=True))
    assert WrappedDataKey.objects.filter(data_key_id__in=key_ids, organisation=a.organisation).count() == len(key_ids)
    # the list's own key too (its description and column mapping)
    assert WrappedDataKey.objects.filter(data_key_id=memo.data_key_id, organisation=a.organisation).exists()
    with acting_as(a.organisation_id):
        assert all(r.family_name is not None or r.given_name is not None for r in records)
    # records imported after sharing are shared as they come
    import_rows(b, memo, [row("LATE-1", "Иванов", "Иван")])
    late = DetaineeRecord.objects.get(record_id="LATE-1")
    with acting_as(a.organisation_id):
        assert DetaineeRecord.objects.get(pk=late.pk).family_name == "Иванов"
    # only the owner shares, and only once
    with pytest.raises(NotFound):
        services.source_share(viewer=a, source=memo, organisation=b.organisation)
    with pytest.raises(ValidationFailed):
        services.source_share(viewer=b, source=memo, organisation=a.organisation)
    services.source_unshare(viewer=b, source=memo, organisation=a.organisation)
    assert not WrappedDataKey.objects.filter(
        data_key_id__in=[*key_ids, late.data_key_id], organisation=a.organisation
    ).exists()
    with acting_as(a.organisation_id), pytest.raises(KeyNotAvailable):
        _ = DetaineeRecord.objects.get(pk=late.pk).family_name
    assert not WrappedDataKey.objects.filter(data_key_id=memo.data_key_id, organisation=a.organisation).exists()
    with pytest.raises(NotFound):
        selectors.access_source_by_id(a, memo.pk)
    actions = list(AuditEvent.objects.filter(action__startswith="detainees.source.").values_list("action", flat=True))
    assert actions.count("detainees.source.shared") == 1
    assert actions.count("detainees.source.unshared") == 1
