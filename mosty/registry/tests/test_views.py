"""Registry pages through the real middleware: the map, coverage, needs, lists, forms, import and export."""

from __future__ import annotations

import datetime as dt
import re

import pycountry
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import login_verified, make_member, make_organisation
from mosty.core.crypto.keyring import acting_as
from mosty.registry import importexport, selectors, services
from mosty.registry.models import Activity, Need
from mosty.registry.tests.factories import make_activity, make_initiative, region, sector, support_type, viewer_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organisation(slug="home-org")


def _client(org, role: str = Role.COORDINATOR) -> tuple[Client, object]:
    user = make_member(org, role=role)
    client = Client()
    login_verified(client, user)
    return client, user


def test_the_map_draws_a_cell_for_every_region_code(org) -> None:
    viewer = viewer_of(org)
    make_activity(viewer, regions=[region("RU-TA"), region("UA-43")])
    client, _user = _client(org)
    response = client.get(reverse("registry:map"))
    assert response.status_code == 200
    html = response.content.decode()
    codes = set(re.findall(r'data-code="([A-Z]{2}-[A-Z0-9]+)"', html))
    expected = {s.code for s in pycountry.subdivisions.get(country_code="RU")} | {
        s.code for s in pycountry.subdivisions.get(country_code="UA")
    }
    assert codes == expected
    assert 'data-code="RU-TA" data-count="1"' in html
    assert 'data-code="UA-43" data-count="1"' in html
    assert 'data-code="RU-BA" data-count="0"' in html
    assert "?region=RU-TA" in html


def test_the_map_filters_by_sector_and_rejects_unknown_ones(org) -> None:
    viewer = viewer_of(org)
    make_activity(viewer, sector=sector("environment"), regions=[region("RU-BA")])
    client, _user = _client(org)
    html = client.get(reverse("registry:map"), {"sector": "lgbtq"}).content.decode()
    assert 'data-code="RU-BA" data-count="0"' in html
    html = client.get(reverse("registry:map"), {"sector": "environment"}).content.decode()
    assert 'data-code="RU-BA" data-count="1"' in html
    assert client.get(reverse("registry:map"), {"sector": "nonsense"}).status_code == 400


def test_coverage_matrix_counts_current_activities(org) -> None:
    viewer = viewer_of(org)
    make_activity(viewer, sector=sector("environment"), regions=[region("RU-BA"), region("RU-TA")])
    make_activity(viewer, sector=sector("environment"), regions=[region("RU-BA")])
    make_activity(  # ended: not counted
        viewer, regions=[region("RU-BA")], start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 2, 1)
    )
    counts = selectors.coverage_counts()
    assert counts[(region("RU-BA").pk, sector("environment").pk)] == 2
    assert counts[(region("RU-TA").pk, sector("environment").pk)] == 1
    assert (region("RU-BA").pk, sector("human-rights").pk) not in counts
    client, _user = _client(org)
    response = client.get(reverse("registry:coverage"), {"scope": "RU", "national_republics": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "RU-BA" in html
    assert "RU-MOW" not in html


def test_unmet_needs_are_requests_where_nobody_works(org) -> None:
    viewer = viewer_of(org)
    today = timezone.localdate()
    make_activity(viewer, sector=sector("lgbtq"), regions=[region("RU-CE")], support_type=support_type("evacuation"))
    for code, sector_slug, type_slug in [
        ("RU-CE", "lgbtq", "evacuation"),  # covered
        ("RU-CE", "lgbtq", "legal-aid"),  # same sector, other support type: a gap
        ("RU-DA", "womens-rights", ""),  # nothing there: a gap
    ]:
        services.need_create(
            viewer=viewer,
            region=region(code),
            sector=sector(sector_slug),
            support_type=support_type(type_slug) if type_slug else None,
            requests=5,
            month=today,
        )
    gaps = {
        (n.region.code, n.sector.slug, n.support_type.slug if n.support_type else "") for n in selectors.unmet_needs()
    }
    assert gaps == {("RU-CE", "lgbtq", "legal-aid"), ("RU-DA", "womens-rights", "")}
    client, _user = _client(org)
    response = client.get(reverse("registry:needs"))
    assert response.status_code == 200
    assert "RU-DA" in response.content.decode()


def test_recording_a_need_through_the_form(org) -> None:
    client, _user = _client(org, Role.CASEWORKER)
    response = client.post(
        reverse("registry:needs"),
        {"region": "UA-14", "sector": "humanitarian-aid", "support_type": "", "requests": "9", "month": "2026-03"},
    )
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.month == dt.date(2026, 3, 1)
    assert need.requests == 9
    bad = client.post(reverse("registry:needs"), {"region": "XX-99", "sector": "x", "requests": "0", "month": "13"})
    assert bad.status_code == 400
    assert Need.objects.count() == 1


def test_viewer_role_sees_no_forms_and_is_refused(org) -> None:
    client, _user = _client(org, Role.VIEWER)
    assert client.get(reverse("registry:activity_create")).status_code == 403
    assert client.post(reverse("registry:needs"), {"region": "UA-14"}).status_code == 403
    assert client.get(reverse("registry:activities")).status_code == 200


def test_activity_create_edit_delete_through_the_forms(org) -> None:
    client, _user = _client(org)
    response = client.post(
        reverse("registry:activity_create"),
        {
            "title": "Legal clinic",
            "initiative": "",
            "support_type": "legal-aid",
            "sector": "legal-aid",
            "regions": ["RU-TA", "CZ"],
            "start_date": "2026-01-01",
            "funding_status": "partly",
            "shared": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get()
    assert activity.funding_status == "partly"
    detail = client.get(reverse("registry:activity_detail", args=[activity.pk]))
    assert "Legal clinic" in detail.content.decode()
    bad = client.post(
        reverse("registry:activity_edit", args=[activity.pk]),
        {
            "title": "x",
            "support_type": "legal-aid",
            "sector": "legal-aid",
            "regions": ["RU-TA"],
            "start_date": "2026-02-01",
            "end_date": "2026-01-01",
            "funding_status": "funded",
        },
    )
    assert bad.status_code == 400
    activity.refresh_from_db()
    assert activity.title == "Legal clinic"
    assert client.post(reverse("registry:activity_delete", args=[activity.pk])).status_code == 302
    assert not Activity.objects.exists()


def test_other_organisations_get_404_for_what_they_may_not_see(org) -> None:
    viewer = viewer_of(org)
    private = make_activity(viewer, shared=False)
    initiative = make_initiative(viewer)
    outsider, _user = _client(make_organisation())
    for url in [
        reverse("registry:activity_detail", args=[private.pk]),
        reverse("registry:activity_edit", args=[private.pk]),
        reverse("registry:initiative_detail", args=[initiative.pk]),
        reverse("registry:initiative_edit", args=[initiative.pk]),
    ]:
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(reverse("registry:activity_delete", args=[private.pk])).status_code == 404
    assert Activity.objects.filter(pk=private.pk).exists()


def test_profile_page_shows_the_members_only_part_to_members_only(org) -> None:
    viewer = viewer_of(org)
    with acting_as(org.pk):
        services.profile_update(viewer=viewer, data=services.ProfileInput(summary="We help.", contact="Signal 123"))
    member, _user = _client(org)
    outsider, _user2 = _client(make_organisation())
    url = reverse("registry:organisation_detail", args=[org.pk])
    assert "Signal 123" in member.get(url).content.decode()
    page = outsider.get(url).content.decode()
    assert "We help." in page
    assert "Signal 123" not in page


def test_profile_form_round_trip(org) -> None:
    admin, _user = _client(org, Role.ORG_ADMIN)
    response = admin.post(
        reverse("registry:profile_edit"),
        {
            "summary": "Visas",
            "website": "https://x.example.org",
            "founded_year": "2015",
            "sectors": ["human-rights"],
            "regions": ["CZ", "RU-MOW"],
            "contact": "Signal",
            "internal_notes": "",
        },
    )
    assert response.status_code == 302
    form_page = admin.get(reverse("registry:profile_edit")).content.decode()
    assert "Signal" in form_page
    assert 'value="RU-MOW" selected' in form_page


def test_initiative_form_and_links(org) -> None:
    client, _user = _client(org)
    partner = make_organisation()
    response = client.post(
        reverse("registry:initiative_create"),
        {
            "codename": "Kurai",
            "description": "Eco group",
            "sectors": ["environment"],
            "regions": ["RU-BA"],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    initiative_id = response["Location"].rstrip("/").split("/")[-1]
    duplicate = client.post(reverse("registry:initiative_create"), {"codename": "kurai"})
    assert duplicate.status_code == 400
    link = client.post(
        reverse("registry:initiative_link_add", args=[initiative_id]),
        {"organisation": partner.pk, "kind": "knows", "since": ""},
    )
    assert link.status_code == 302
    partner_client, _u = _client(partner)
    page = partner_client.get(reverse("registry:initiative_detail", args=[initiative_id]))
    assert page.status_code == 200
    assert "Eco group" in page.content.decode()


def test_export_and_import_through_the_pages(org) -> None:
    viewer = viewer_of(org)
    make_activity(viewer, title="Exported", reference="r-1")
    client, _user = _client(org)
    csv_response = client.get(reverse("registry:activity_export"))
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    content = csv_response.content
    assert b"#activity+id" in content
    assert b"Exported" in content
    xlsx = client.get(reverse("registry:activity_export"), {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"

    from django.core.files.uploadedfile import SimpleUploadedFile

    Activity.objects.all().delete()
    check = client.post(
        reverse("registry:activity_import"),
        {"file": SimpleUploadedFile("3w.csv", content, "text/csv"), "dry_run": "on"},
    )
    assert check.status_code == 200
    assert not Activity.objects.exists()
    done = client.post(reverse("registry:activity_import"), {"file": SimpleUploadedFile("3w.csv", content)})
    assert done.status_code == 302
    assert Activity.objects.get().title == "Exported"
    bad = importexport.write_csv([["a"], ["#activity+name"], ["x"]])
    refused = client.post(reverse("registry:activity_import"), {"file": SimpleUploadedFile("3w.csv", bad)})
    assert refused.status_code == 400
    assert Activity.objects.count() == 1


def test_activity_list_has_no_n_plus_one(org, django_assert_max_num_queries) -> None:
    viewer = viewer_of(org)
    initiative = make_initiative(viewer)
    for i in range(30):
        make_activity(viewer, regions=[region("RU-TA"), region("CZ")], initiative=initiative if i % 2 else None)
    client, _user = _client(org)
    client.get(reverse("registry:activities"))  # warm the session and caches
    with django_assert_max_num_queries(20):
        response = client.get(reverse("registry:activities"), {"region": "RU-TA"})
    assert response.status_code == 200
    assert response.content.decode().count("/registry/activities/") >= 30
