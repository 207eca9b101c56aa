"""Case services: creation, encryption, triage, the workflow's allowed steps, tasks and deadlines, notes,
search through blind indexes, and the own-organisation role rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import make_organisation
from mosty.cases import selectors, services
from mosty.cases.models import Case, CaseEvent, CaseNote, Person
from mosty.cases.tests.factories import access, caseworker, make_case
from mosty.cases.workflows import WORKFLOWS, Triage
from mosty.core.crypto.keyring import acting_as
from mosty.core.exceptions import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from mosty.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer():
    return caseworker(make_organisation())


def _dump() -> str:
    from mosty.api.tests.factories import database_dump

    return database_dump()


def test_a_new_case_is_encrypted_numbered_scored_and_on_the_timeline(viewer) -> None:
    case = make_case(viewer, family_name="Canary-Жужелица", summary="canary-summary-Ёлка", risk=4, urgency=3)
    assert case.reference == f"{timezone.localdate().year}-00001"
    assert case.state == "new"
    assert case.triage_score == Triage(4, 3).score == 11
    dump = _dump()
    assert "Canary-Жужелица" not in dump
    assert "canary-summary-Ёлка" not in dump
    assert CaseEvent.objects.filter(case=case, kind="created").exists()
    assert AuditEvent.objects.filter(action="cases.case.created", object_id=str(case.pk)).exists()
    second = make_case(viewer)
    assert second.reference.endswith("-00002")


def test_every_workflow_reaches_a_closed_state_and_closed_states_only_reopen() -> None:
    for slug, workflow in WORKFLOWS.items():
        seen, frontier = {workflow.initial}, [workflow.initial]
        while frontier:
            for nxt in workflow.allowed(frontier.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    frontier.append(nxt)
        assert workflow.closed_codes() <= seen, slug
        for closed in workflow.closed_codes():
            assert workflow.allowed(closed) == ("triage",), slug


def test_only_allowed_transitions(viewer) -> None:
    case = make_case(viewer)
    with pytest.raises(InvalidTransition):
        services.case_transition(viewer=viewer, access=access(viewer, case), to_state="closed_done")
    case.refresh_from_db()
    assert case.state == "new"
    for state in ("triage", "in_progress", "lawyer_assigned", "closed_done"):
        services.case_transition(viewer=viewer, access=access(viewer, case), to_state=state)
    case.refresh_from_db()
    assert case.closed_at is not None
    assert case.retention_until == timezone.localdate() + dt.timedelta(days=WORKFLOWS["legal-aid"].retention_days)
    services.case_transition(viewer=viewer, access=access(viewer, case), to_state="triage")
    case.refresh_from_db()
    assert case.closed_at is None
    assert case.retention_until is None


def test_disabled_optional_states_are_not_offered(viewer) -> None:
    from mosty.registry.models import SupportType

    admin = caseworker(viewer.organisation, Role.ORG_ADMIN)
    services.case_type_settings_set(
        viewer=admin,
        support_type=SupportType.objects.get(slug="legal-aid"),
        retention_days=400,
        disabled_states=["waiting"],
        intake_enabled=False,
    )
    case = make_case(viewer)
    services.case_transition(viewer=viewer, access=access(viewer, case), to_state="triage")
    with pytest.raises(InvalidTransition):
        services.case_transition(viewer=viewer, access=access(viewer, case), to_state="waiting")
    with pytest.raises(ValidationFailed):
        services.case_type_settings_set(
            viewer=admin,
            support_type=SupportType.objects.get(slug="legal-aid"),
            retention_days=400,
            disabled_states=["triage"],
            intake_enabled=True,
        )
    with pytest.raises(PermissionDenied):
        services.case_type_settings_set(
            viewer=viewer,
            support_type=SupportType.objects.get(slug="legal-aid"),
            retention_days=400,
            disabled_states=[],
            intake_enabled=True,
        )


def test_tasks_set_the_next_deadline_and_raise_the_score(viewer) -> None:
    case = make_case(viewer, risk=2, urgency=2)
    soon = timezone.localdate() + dt.timedelta(days=3)
    with acting_as(viewer.organisation_id):
        task = services.task_add(viewer=viewer, access=access(viewer, case), title="Call the lawyer", due_date=soon)
    case.refresh_from_db()
    assert case.next_deadline == soon
    assert case.triage_score == Triage(2, 2, deadline_soon=True).score
    with acting_as(viewer.organisation_id):
        services.task_done(viewer=viewer, access=access(viewer, case), task_id=task.pk)
    case.refresh_from_db()
    assert case.next_deadline is None
    assert case.triage_score == Triage(2, 2).score


def test_notes_use_their_own_key_and_tasks_the_case_key(viewer) -> None:
    case = make_case(viewer)
    with acting_as(viewer.organisation_id):
        note = services.note_add(viewer=viewer, access=access(viewer, case), body="canary-note-Щука")
        task = services.task_add(viewer=viewer, access=access(viewer, case), title="x", due_date=None)
    case.refresh_from_db()
    assert note.data_key_id == case.notes_key_id != case.data_key_id
    assert task.data_key_id == case.data_key_id
    assert "canary-note-Щука" not in _dump()
    with acting_as(viewer.organisation_id):
        assert CaseNote.objects.get(pk=note.pk).body == "canary-note-Щука"


def test_type_fields_are_validated(viewer) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_case(viewer, support_type="micro-grant", details={"amount_eur": "lots"})
    assert set(exc.value.errors) == {"amount_eur", "purpose"}
    assert not Case.objects.exists()
    case = make_case(viewer, support_type="micro-grant", details={"amount_eur": "1500", "purpose": "Rent"})
    with acting_as(viewer.organisation_id):
        assert Case.objects.get(pk=case.pk).details == {"amount_eur": 1500, "purpose": "Rent"}


def test_search_by_name_and_birth_date_through_blind_indexes(viewer) -> None:
    make_case(viewer, family_name="Шевченко", given_name="Олександр", birth_date="1987-05-31")
    make_case(viewer, family_name="Коваленко", given_name="Олена", birth_date="1990-01-02")
    other_org = caseworker(make_organisation())
    make_case(other_org, family_name="Шевченко")

    def found(**kw: object) -> set[str]:
        return {c.person.label for c in selectors.case_list(viewer, selectors.CaseFilters(**kw))}  # type: ignore[arg-type]

    assert len(found(family_name="  шевченко ")) == 1
    assert len(found(given_name="ОЛЕНА")) == 1
    assert len(found(birth_date=dt.date(1987, 5, 31))) == 1
    assert found(family_name="Shevchenko") == set()
    # The index column holds a truncated keyed hash, never the name.
    with connection.cursor() as cursor:
        cursor.execute("SELECT family_name_index FROM cases_person")
        assert all(len(row[0]) <= 8 for row in cursor.fetchall())
    assert Person.objects.count() == 3


def test_roles_that_do_not_work_with_cases_see_none(viewer) -> None:
    case = make_case(viewer)
    for role in (Role.DOCUMENTER, Role.VIEWER):
        other = caseworker(viewer.organisation, role)
        assert not selectors.cases_for(other).exists()
        with pytest.raises(NotFound):
            selectors.access_case_by_id(other, case.pk)
    officer = caseworker(viewer.organisation, Role.PROGRAMME_OFFICER)
    assert selectors.access_case_by_id(officer, case.pk).can_write is False
    with pytest.raises(PermissionDenied):
        services.note_add(viewer=officer, access=access(officer, case), body="x")


def test_another_organisation_gets_not_found(viewer) -> None:
    case = make_case(viewer)
    stranger = caseworker(make_organisation(), Role.ORG_ADMIN)
    with pytest.raises(NotFound):
        selectors.access_case_by_id(stranger, case.pk)
    with pytest.raises(NotFound):
        selectors.access_case_by_id(stranger, "not-a-uuid")


def test_assignee_must_work_on_cases_in_the_same_organisation(viewer) -> None:
    case = make_case(viewer)
    outsider = caseworker(make_organisation())
    with pytest.raises(ValidationFailed):
        services.case_assign(viewer=viewer, access=access(viewer, case), assignee=outsider.user)
    documenter = caseworker(viewer.organisation, Role.DOCUMENTER)
    with pytest.raises(ValidationFailed):
        services.case_assign(viewer=viewer, access=access(viewer, case), assignee=documenter.user)
    services.case_assign(viewer=viewer, access=access(viewer, case), assignee=viewer.user)
    assert selectors.case_list(viewer, selectors.CaseFilters(scope="mine")).count() == 1
