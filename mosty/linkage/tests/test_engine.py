"""A small end-to-end linkage with a known answer, human decisions, the count and determinism."""

from __future__ import annotations

import pytest

from mosty.linkage.engine import Decision, LinkOptions, link_records
from mosty.linkage.evaluate import pairwise_scores
from mosty.linkage.synthetic import generate

OPTIONS = LinkOptions(samples=100)


@pytest.fixture(scope="module")
def generated():
    return generate(60, seed=11)


@pytest.fixture(scope="module")
def linked(generated):
    return link_records(generated.records, options=OPTIONS)


def _predicted(result):
    return {(a.source, a.record_id): a.person_id for a in result.assignments()}


def test_generated_lists_link_with_high_f1(generated, linked):
    scores = pairwise_scores(_predicted(linked), generated.truth)
    assert scores.true_pairs > 50
    assert scores.f1 >= 0.95, scores


def test_one_assignment_per_record_in_input_order(generated, linked):
    assignments = list(linked.assignments())
    assert [(a.source, a.record_id) for a in assignments] == [r.ref for r in generated.records]
    for assignment in assignments:
        if assignment.match_probability is not None:
            assert 0.5 <= assignment.match_probability <= 1.0


def test_the_count_interval_contains_the_truth(generated, linked):
    persons = linked.count.persons
    assert persons.low <= generated.persons <= persons.high
    assert abs(persons.point - generated.persons) <= 0.05 * generated.persons
    assert sum(linked.count.records_per_source.values()) == len(generated.records)


def test_uncertain_pairs_explain_each_field(linked):
    for pair in linked.uncertain_pairs(0.0, 1.0, limit=5):
        assert set(pair.fields) >= {"family", "given", "birth_date"}
        assert set(pair.fields.values()) <= {label for labels in linked.level_labels.values() for label in labels} | {
            "missing"
        }


def test_human_decisions_are_respected(generated, linked):
    person = _predicted(linked)
    by_person: dict[str, list[tuple[str, str]]] = {}
    for ref, pid in person.items():
        by_person.setdefault(pid, []).append(ref)
    together = next(refs for refs in by_person.values() if len(refs) >= 2)
    apart = [refs[0] for refs in by_person.values() if len(refs) == 1][:2]
    decisions = [
        Decision(together[0], together[1], same=False),
        Decision(apart[0], apart[1], same=True),
    ]
    again = link_records(generated.records, decisions=decisions, options=OPTIONS)
    person_again = _predicted(again)
    assert person_again[together[0]] != person_again[together[1]]
    assert person_again[apart[0]] == person_again[apart[1]]
    decided = [p for p in again.pairs() if p.decision is not None]
    assert any(p.decision is True for p in decided)
    assert all(p.match_probability == (1.0 if p.decision else 0.0) for p in decided)
    assert not any(p.decision is not None for p in again.uncertain_pairs(0.0, 1.0))


def test_the_same_input_gives_the_same_output(generated, linked):
    again = link_records(generated.records, options=OPTIONS)
    assert list(again.assignments()) == list(linked.assignments())
    assert again.count == linked.count


def test_duplicate_records_are_refused(generated):
    from mosty.linkage.errors import DuplicateRecordError

    with pytest.raises(DuplicateRecordError):
        link_records([generated.records[0], generated.records[0]])


def test_tiny_inputs():
    from mosty.linkage.records import Record

    assert [a.person_id for a in link_records([]).assignments()] == []
    one = link_records([Record("a", "1", "Шевченко", "Олександр")])
    assert [a.match_probability for a in one.assignments()] == [None]
    assert one.count.persons.point == 1
