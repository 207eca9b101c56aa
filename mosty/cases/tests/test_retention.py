"""Retention: advance the clock past a closed case's date and its rows and keys are gone, leaving one audit event
with ids; a person another case still uses survives; cases not due, and open cases, are never touched; runs are
harmless to repeat and skip what another run holds; the page shows what goes next, without names."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from mosty.accounts.models import Role
from mosty.accounts.selectors import Viewer
from mosty.accounts.tests.factories import login_verified, make_member, make_organisation
from mosty.cases import referrals, services
from mosty.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseMessage,
    CaseNote,
    CaseTask,
    Consent,
    MessageDirection,
    Person,
    Referral,
    ReferralPart,
)
from mosty.cases.retention import retention_due, retention_run
from mosty.cases.tests.factories import access, caseworker, make_case
from mosty.core.attachment_models import EncryptedFile
from mosty.core.crypto.keyring import acting_as
from mosty.core.models import AuditEvent, DataKey, WrappedDataKey
from mosty.registry.tests.factories import viewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer() -> Viewer:
    return caseworker(make_organisation())


@pytest.fixture
def member() -> Viewer:
    """A caseworker who can log in (with a TOTP device)."""
    organisation = make_organisation()
    return viewer_of(organisation, Role.CASEWORKER, user=make_member(organisation, Role.CASEWORKER))


@pytest.fixture
def store_dir(settings: Any, tmp_path: Any) -> Any:
    settings.MOSTY_ATTACHMENTS_DIR = tmp_path / "attachments"
    return settings.MOSTY_ATTACHMENTS_DIR


def _close(viewer: Viewer, case: Case) -> Case:
    with acting_as(viewer.organisation_id):
        return services.case_transition(viewer=viewer, access=access(viewer, case), to_state="closed_declined")


def _day(case: Case) -> dt.date:
    assert case.retention_until is not None
    return case.retention_until


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def _fill(viewer: Viewer, case: Case) -> None:
    """A task, a note, a message, an attachment."""
    with acting_as(viewer.organisation_id):
        case_access = access(viewer, case)
        services.task_add(viewer=viewer, access=case_access, title="Call the lawyer", due_date=None)
        services.note_add(viewer=viewer, access=case_access, body="canary-note-Ёж")
        message = CaseMessage(organisation_id=case.organisation_id, case=case, direction=MessageDirection.TO_APPLICANT)
        message.body = "canary-message"
        message.save()
        services.attachment_add(
            viewer=viewer, access=case_access, uploaded=SimpleUploadedFile("scan.png", _png(), "image/png")
        )


def _key_ids(case: Case) -> set[int]:
    keys = {case.data_key_id, case.notes_key_id, case.person.data_key_id}
    for model in (CaseTask, CaseNote, CaseMessage):
        keys |= set(model.objects.filter(case=case).values_list("data_key_id", flat=True))
    keys |= set(
        EncryptedFile.objects.filter(pk__in=case.attachments.values("file")).values_list("data_key_id", flat=True)
    )
    return {k for k in keys if k is not None}


def _refer(viewer: Viewer, case: Case) -> Referral:
    """A referral of the whole case (with identity, notes, attachments) to a second organisation."""
    partner = make_organisation()
    with acting_as(viewer.organisation_id):
        case_access = access(viewer, case)
        parts = list(ReferralPart.values)
        referrals.consent_record(
            viewer=viewer,
            access=case_access,
            recipient=partner,
            given_by="person",
            purpose="legal help",
            parts=parts,
            valid_until=timezone.localdate() + dt.timedelta(days=30),
        )
        return referrals.referral_create(viewer=viewer, access=case_access, to_organisation=partner, parts=parts)


def test_past_retention_the_case_its_rows_and_all_its_keys_are_gone(
    viewer, store_dir, django_capture_on_commit_callbacks
) -> None:
    case = make_case(viewer, family_name="Canary-Жужелица", summary="canary-summary")
    _fill(viewer, case)
    referral = _refer(viewer, case)
    case = _close(viewer, case)
    keys = _key_ids(case)
    assert len(keys) >= 4  # case, notes, person, attachment
    assert WrappedDataKey.objects.filter(data_key_id__in=keys, organisation_id=referral.to_organisation_id).exists()
    stored_summary = Case.objects.filter(pk=case.pk).values_list("summary", flat=True).get()
    files_before = list(store_dir.iterdir())
    assert len(files_before) == 1

    with django_capture_on_commit_callbacks(execute=True):
        summary = retention_run(on=case.retention_until)

    assert summary.shredded == [case.pk]
    assert summary.persons_shredded == [case.person_id]
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Person.objects.filter(pk=case.person_id).exists()
    for model in (CaseTask, CaseNote, CaseMessage, CaseAttachment, CaseEvent, Referral, Consent):
        assert not model.objects.filter(case_id=case.pk).exists(), model
    assert not EncryptedFile.objects.filter(data_key_id__in=keys).exists()
    assert not WrappedDataKey.objects.filter(data_key_id__in=keys).exists()
    assert not DataKey.objects.filter(pk__in=keys).exists()
    assert list(store_dir.iterdir()) == []
    event = AuditEvent.objects.get(action="cases.case.shredded")
    assert (event.object_type, event.object_id, event.organisation_id) == ("case", str(case.pk), viewer.organisation_id)
    assert event.actor_id is None
    assert AuditEvent.objects.filter(action="cases.person.shredded", object_id=str(case.person_id)).exists()

    from mosty.api.tests.factories import database_dump

    dump = database_dump()
    assert stored_summary
    assert stored_summary not in dump
    assert case.reference not in dump


def test_a_person_another_case_still_uses_survives_until_their_last_case_goes(viewer) -> None:
    first = make_case(viewer)
    with acting_as(viewer.organisation_id):
        second = services.case_create(
            viewer=viewer,
            organisation=viewer.organisation,
            person=first.person,
            data=services.CaseInput(support_type=first.support_type, summary="second request"),
        )
    first = _close(viewer, first)
    person_key = first.person.data_key_id

    summary = retention_run(on=first.retention_until)

    assert summary.shredded == [first.pk]
    assert summary.persons_shredded == []
    assert Person.objects.filter(pk=first.person_id).exists()
    assert WrappedDataKey.objects.filter(data_key_id=person_key).exists()
    with acting_as(viewer.organisation_id):
        assert Person.objects.get(pk=first.person_id).family_name == "Шевченко"
        assert Case.objects.get(pk=second.pk).summary == "second request"

    second = _close(viewer, second)
    summary = retention_run(on=second.retention_until)
    assert summary.persons_shredded == [first.person_id]
    assert not Person.objects.filter(pk=first.person_id).exists()
    assert not WrappedDataKey.objects.filter(data_key_id=person_key).exists()


def test_a_case_not_yet_due_stays(viewer) -> None:
    case = _close(viewer, make_case(viewer))
    summary = retention_run(on=_day(case) - dt.timedelta(days=1))
    assert summary.due == 0
    assert Case.objects.filter(pk=case.pk).exists()
    assert WrappedDataKey.objects.filter(data_key_id=case.data_key_id).exists()


def test_an_open_case_is_never_touched_whatever_its_date(viewer) -> None:
    case = make_case(viewer)
    reopened = _close(viewer, make_case(viewer, family_name="Коваленко"))
    with acting_as(viewer.organisation_id):
        services.case_transition(viewer=viewer, access=access(viewer, reopened), to_state="triage")
    # Even with a (stale) date in the past, a case without `closed_at` stays.
    Case.objects.filter(pk__in=[case.pk, reopened.pk]).update(retention_until=dt.date(2000, 1, 1))

    summary = retention_run(on=timezone.localdate() + dt.timedelta(days=365 * 30))

    assert summary.due == 0
    assert Case.objects.filter(pk__in=[case.pk, reopened.pk]).count() == 2
    assert WrappedDataKey.objects.filter(data_key_id=case.data_key_id).exists()


def test_running_twice_is_harmless(viewer) -> None:
    case = _close(viewer, make_case(viewer))
    kept = make_case(viewer, family_name="Бондаренко")
    first = retention_run(on=case.retention_until)
    events = AuditEvent.objects.count()

    second = retention_run(on=case.retention_until)

    assert first.shredded == [case.pk]
    assert (second.due, second.shredded, second.failed) == (0, [], {})
    assert AuditEvent.objects.count() == events
    assert Case.objects.filter(pk=kept.pk).exists()


def test_a_case_that_cannot_be_destroyed_is_rolled_back_whole_and_reported(viewer, store_dir) -> None:
    broken = make_case(viewer, family_name="Коваленко")
    _fill(viewer, broken)
    broken = _close(viewer, broken)
    fine = _close(viewer, make_case(viewer))
    file_key = EncryptedFile.objects.get(pk__in=broken.attachments.values("file")).data_key_id
    WrappedDataKey.objects.filter(data_key_id=file_key).delete()  # the file's key can no longer be unwrapped

    out, err = io.StringIO(), io.StringIO()
    Case.objects.filter(pk__in=[broken.pk, fine.pk]).update(retention_until=timezone.localdate())
    with pytest.raises(SystemExit) as exit_code:
        call_command("retention", stdout=out, stderr=err)

    assert exit_code.value.code == 1
    assert f"case {broken.pk} could not be destroyed (KeyNotAvailable)" in err.getvalue()
    assert not Case.objects.filter(pk=fine.pk).exists()
    # Nothing of the broken case was half-destroyed: its keys, notes and person are all still there.
    assert Case.objects.filter(pk=broken.pk).exists()
    assert WrappedDataKey.objects.filter(data_key_id=broken.data_key_id).exists()
    assert WrappedDataKey.objects.filter(data_key_id=broken.notes_key_id).exists()
    assert CaseNote.objects.filter(case_id=broken.pk).exists()
    with acting_as(viewer.organisation_id):
        assert Person.objects.get(pk=broken.person_id).family_name == "Коваленко"


def test_a_dry_run_changes_nothing(viewer) -> None:
    case = _close(viewer, make_case(viewer))
    events = AuditEvent.objects.count()
    summary = retention_run(on=case.retention_until, dry_run=True)
    assert (summary.due, summary.shredded) == (1, [])
    assert Case.objects.filter(pk=case.pk).exists()
    assert AuditEvent.objects.count() == events


def test_every_organisation_is_covered_and_only_due_cases_go(viewer) -> None:
    other = caseworker(make_organisation())
    mine = _close(viewer, make_case(viewer, support_type="evacuation"))
    theirs = _close(other, make_case(other, support_type="evacuation"))
    later = _close(other, make_case(other, support_type="legal-aid"))  # kept 5 years, not 1
    assert _day(later) > _day(theirs)
    summary = retention_run(on=mine.retention_until)
    assert set(summary.shredded) == {mine.pk, theirs.pk}
    assert Case.objects.filter(pk=later.pk).exists()


def test_the_command_reports_progress_and_refuses_a_future_date(viewer) -> None:
    case = _close(viewer, make_case(viewer))
    Case.objects.filter(pk=case.pk).update(retention_until=timezone.localdate())
    out = io.StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert f"case {case.pk}: would destroy" in out.getvalue()
    assert Case.objects.filter(pk=case.pk).exists()

    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="later than today"):
        call_command("retention", "--date", tomorrow, stdout=io.StringIO())
    with pytest.raises(CommandError, match="2026-11-22"):
        call_command("retention", "--date", "22.11.2026", stdout=io.StringIO())

    out = io.StringIO()
    call_command("retention", stdout=out)
    assert f"[1/1] case {case.pk}: shredded" in out.getvalue()
    assert "1 case(s) destroyed, 1 person(s) with them" in out.getvalue()
    assert "Шевченко" not in out.getvalue()
    assert not Case.objects.filter(pk=case.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("catalogues")
def test_a_case_another_run_holds_is_skipped_and_done_next_time() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL")
    viewer = caseworker(make_organisation())
    case = _close(viewer, make_case(viewer))
    locked, release = threading.Event(), threading.Event()

    def other_run() -> None:
        try:
            with transaction.atomic():
                Case.objects.select_for_update().filter(pk=case.pk).first()
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_run)
    thread.start()
    try:
        assert locked.wait(10)
        summary = retention_run(on=case.retention_until)
        assert summary.skipped == [case.pk]
        assert Case.objects.filter(pk=case.pk).exists()
    finally:
        release.set()
        thread.join(10)
    assert retention_run(on=case.retention_until).shredded == [case.pk]


# --- the page ----------------------------------------------------------------------------------------------------


def test_retention_due_is_the_organisations_closed_cases_soonest_first(viewer) -> None:
    legal = _close(viewer, make_case(viewer, support_type="legal-aid"))  # kept 5 years
    evacuation = _close(viewer, make_case(viewer, support_type="evacuation"))  # kept 1 year
    make_case(viewer)  # open
    other = caseworker(make_organisation())
    _close(other, make_case(other))
    today = timezone.localdate()
    assert list(retention_due(viewer, on=today, days=365 * 6)) == [evacuation, legal]
    assert list(retention_due(viewer, on=today, days=30)) == []
    assert list(retention_due(caseworker(viewer.organisation, Role.DOCUMENTER), days=365 * 6)) == []


def test_the_page_shows_what_goes_next_without_names(client, member) -> None:
    case = _close(member, make_case(member, family_name="Canary-Жужелица", given_name="Canary-Олеся"))
    Case.objects.filter(pk=case.pk).update(retention_until=timezone.localdate() + dt.timedelta(days=10))
    login_verified(client, member.user)
    response = client.get(reverse("case_exports:retention"))
    assert response.status_code == 200
    body = response.content.decode()
    assert case.reference in body
    assert (timezone.localdate() + dt.timedelta(days=10)).isoformat() in body
    assert timezone.localtime(case.closed_at).date().isoformat() in body
    assert case.support_type.name() in body
    assert "Canary" not in body
    assert case.person.label not in body


def test_the_page_warns_when_the_job_has_not_run(client, member) -> None:
    case = _close(member, make_case(member))
    Case.objects.filter(pk=case.pk).update(retention_until=timezone.localdate() - dt.timedelta(days=3))
    login_verified(client, member.user)
    body = client.get(reverse("case_exports:retention")).content.decode()
    assert "may not be running" in body


def test_the_page_costs_the_same_queries_for_one_case_or_many(client, member) -> None:
    _close(member, make_case(member))
    login_verified(client, member.user)
    url = reverse("case_exports:retention")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for name in ("Коваленко", "Бондаренко", "Smirnova", "Kuznetsov"):
        _close(member, make_case(member, family_name=name, support_type="medical-help"))
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    assert len(five.captured_queries) == len(one.captured_queries)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DOCUMENTER])
def test_roles_that_do_not_work_with_cases_get_404(client, role) -> None:
    organisation = make_organisation()
    user = make_member(organisation, role)
    login_verified(client, user)
    assert client.get(reverse("case_exports:retention")).status_code == 404
