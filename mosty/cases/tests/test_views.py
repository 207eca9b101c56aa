"""The caseworker's pages through the real middleware: list and search, open a case, the case page and its
actions, settings; 404 for what a viewer may not see; no N+1 on the list."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import login_verified, make_member, make_organisation
from mosty.cases.models import Case, CaseAttachment, CaseNote, CaseTypeSettings
from mosty.cases.tests.factories import caseworker, make_case

pytestmark = pytest.mark.django_db


def _client(org: Any, role: str = Role.CASEWORKER) -> Client:
    client = Client()
    login_verified(client, make_member(org, role=role))
    return client


@pytest.fixture
def org():
    return make_organisation()


def test_open_a_case_through_the_form(org) -> None:
    client = _client(org)
    assert client.get(reverse("cases:create")).status_code == 200
    page = client.get(reverse("cases:create"), {"type": "micro-grant"})
    assert 'name="d_amount_eur"' in page.content.decode()
    response = client.post(
        reverse("cases:create"),
        {
            "person-family_name": "Иванова",
            "person-given_name": "Анна",
            "person-birth_date": "1990-02",
            "support_type": "micro-grant",
            "risk": "3",
            "urgency": "2",
            "summary": "Laptop after a search",
            "d_amount_eur": "900",
            "d_purpose": "Laptop",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    detail = client.get(response["Location"]).content.decode()
    assert "Иванова" in detail
    assert "Laptop after a search" in detail
    assert case.reference in detail


def test_invalid_case_form_writes_nothing(org) -> None:
    client = _client(org)
    response = client.post(
        reverse("cases:create"),
        {"person-birth_date": "31.05.1987", "support_type": "micro-grant", "risk": "9", "urgency": "2"},
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_list_search_and_no_n_plus_one(org, django_assert_max_num_queries) -> None:
    viewer = caseworker(org)
    for i in range(25):
        make_case(viewer, family_name=f"Name{i}")
    make_case(viewer, family_name="Шевченко")
    client = _client(org)
    client.get(reverse("cases:list"))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    assert response.content.decode().count("/cases/") >= 26
    found = client.get(reverse("cases:list"), {"family_name": "шевченко"}).content.decode()
    assert "Шевченко" in found
    assert "Name1 " not in found
    assert "?family_name" not in found.split("<form")[0]  # no name in any link above the search form


def test_case_page_actions(org) -> None:
    viewer = caseworker(org)
    case = make_case(viewer)
    client = _client(org)
    url = reverse("cases:detail", args=[case.pk])
    assert client.get(url).status_code == 200
    assert client.post(reverse("cases:transition", args=[case.pk]), {"to_state": "triage"}).status_code == 302
    bad = client.post(reverse("cases:transition", args=[case.pk]), {"to_state": "closed_done"})
    assert bad.status_code == 409
    case.refresh_from_db()
    assert case.state == "triage"
    assert client.post(reverse("cases:triage", args=[case.pk]), {"risk": "4", "urgency": "4"}).status_code == 302
    assert client.post(reverse("cases:note_add", args=[case.pk]), {"body": "Met in person."}).status_code == 302
    assert CaseNote.objects.filter(case=case).count() == 1
    assert client.post(reverse("cases:task_add", args=[case.pk]), {"title": "Call", "due_date": ""}).status_code == 302
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    png = buffer.getvalue()
    upload = SimpleUploadedFile("passport-scan.png", png, "image/png")
    assert client.post(reverse("cases:attachment_add", args=[case.pk]), {"file": upload}).status_code == 302
    link = CaseAttachment.objects.get(case=case)
    damaged = SimpleUploadedFile("x.png", b"\x89PNG broken", "image/png")
    assert client.post(reverse("cases:attachment_add", args=[case.pk]), {"file": damaged}).status_code == 302
    assert CaseAttachment.objects.filter(case=case).count() == 1
    download = client.get(reverse("cases:attachment_download", args=[case.pk, link.pk]))
    assert download.status_code == 200
    assert "passport" not in download["Content-Disposition"]
    page = client.get(url).content.decode()
    assert "Met in person." in page
    assert "state_changed" in page


def test_other_organisations_and_roles_get_404(org) -> None:
    case = make_case(caseworker(org))
    url = reverse("cases:detail", args=[case.pk])
    assert _client(make_organisation(), Role.ORG_ADMIN).get(url).status_code == 404
    assert _client(org, Role.DOCUMENTER).get(url).status_code == 404
    assert _client(org, Role.VIEWER).get(reverse("cases:list")).status_code == 404
    officer = _client(org, Role.PROGRAMME_OFFICER)
    assert officer.get(url).status_code == 200
    assert officer.post(reverse("cases:note_add", args=[case.pk]), {"body": "x"}).status_code == 403
    assert not CaseNote.objects.exists()


def test_settings_page_for_administrators(org) -> None:
    admin = _client(org, Role.ORG_ADMIN)
    assert admin.get(reverse("cases:settings")).status_code == 200
    response = admin.post(
        reverse("cases:settings"),
        {"support_type": "legal-aid", "retention_days": "400", "disabled_states": ["waiting"], "intake_enabled": "on"},
    )
    assert response.status_code == 302
    row = CaseTypeSettings.objects.get()
    assert (row.retention_days, row.disabled_states, row.intake_enabled) == (400, ["waiting"], True)
    assert _client(org).get(reverse("cases:settings")).status_code == 403
