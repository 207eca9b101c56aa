# ruff: noqa: RUF001
# (Cyrillic names are the data under test)
"""Who sees what, page by page: organisation x role x object. Every pair not granted answers 404, the same as
for an object that does not exist; viewers read but never write."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import login_verified, make_member, make_organisation
from mosty.detainees import services
from mosty.detainees.models import CandidatePair, DetaineeRecord, PersonCluster, ReviewDecision
from mosty.detainees.tests.factories import import_rows, make_source, row, stored_run, viewer_of

pytestmark = pytest.mark.django_db

READERS = [Role.ORG_ADMIN, Role.COORDINATOR, Role.DOCUMENTER, Role.VIEWER]
OUTSIDERS = [Role.CASEWORKER, Role.PROGRAMME_OFFICER]


@pytest.fixture
def world():
    """A keeps a list and links it with B's list, which B shares with A; C is a stranger."""
    org_a, org_b, org_c = make_organisation(), make_organisation(), make_organisation()
    a, b = viewer_of(org_a), viewer_of(org_b)
    source_a, source_b = make_source(a, "A's list"), make_source(b, "B's list")
    import_rows(a, source_a, [row("A-1", "Шевченко", "Тарас")])
    import_rows(b, source_b, [row("B-1", "Shevchenko", "Taras")])
    services.source_share(viewer=b, source=source_b, organisation=org_a)
    record_a, record_b = DetaineeRecord.objects.get(record_id="A-1"), DetaineeRecord.objects.get(record_id="B-1")
    run = stored_run(a, [source_a, source_b], [[record_a, record_b]])
    objects = {
        "source_a": reverse("detainees:source_detail", args=[source_a.pk]),
        "record_a": reverse("detainees:record_detail", args=[record_a.pk]),
        "source_b": reverse("detainees:source_detail", args=[source_b.pk]),
        "record_b": reverse("detainees:record_detail", args=[record_b.pk]),
        "run": reverse("detainees:run_detail", args=[run.pk]),
        "person": reverse("detainees:person_detail", args=[PersonCluster.objects.get().pk]),
        "pair": reverse("detainees:review_pair", args=[CandidatePair.objects.get().pk]),
    }
    return {"a": org_a, "b": org_b, "c": org_c, "urls": objects, "source_b": source_b, "b_viewer": b}


def _client(organisation, role) -> Client:
    client = Client()
    login_verified(client, make_member(organisation, role=role))
    return client


def _statuses(client: Client, urls: dict[str, str]) -> dict[str, int]:
    return {name: client.get(url).status_code for name, url in urls.items()}


@pytest.mark.parametrize("role", READERS)
def test_the_owner_organisation_reads_everything(world, role) -> None:
    assert set(_statuses(_client(world["a"], role), world["urls"]).values()) == {200}


@pytest.mark.parametrize("role", OUTSIDERS)
def test_roles_without_business_here_get_404_everywhere(world, role) -> None:
    client = _client(world["a"], role)
    assert set(_statuses(client, world["urls"]).values()) == {404}
    for name in ("index", "persons", "counts", "review", "runs"):
        assert client.get(reverse(f"detainees:{name}")).status_code == 404


def test_the_sharing_organisation_sees_its_own_list_and_nothing_of_a_s(world) -> None:
    statuses = _statuses(_client(world["b"], Role.DOCUMENTER), world["urls"])
    assert statuses == {
        "source_a": 404,
        "record_a": 404,
        "source_b": 200,
        "record_b": 200,
        "run": 404,
        "person": 404,
        "pair": 404,
    }


def test_a_stranger_sees_nothing(world) -> None:
    assert set(_statuses(_client(world["c"], Role.ORG_ADMIN), world["urls"]).values()) == {404}


def test_unsharing_hides_the_list_and_its_records_from_a_runs(world) -> None:
    services.source_unshare(viewer=world["b_viewer"], source=world["source_b"], organisation=world["a"])
    client = _client(world["a"], Role.DOCUMENTER)
    statuses = _statuses(client, world["urls"])
    assert statuses["source_b"] == statuses["record_b"] == statuses["pair"] == 404
    assert statuses["person"] == 200  # A's own record is still there
    page = client.get(world["urls"]["person"]).content.decode()
    assert "Tara" in page or "Тарас" in page
    assert "B-1" not in page
    assert "1 more record is on a list no longer shared" in page


def test_viewers_read_but_never_write(world) -> None:
    client = _client(world["a"], Role.VIEWER)
    page = client.get(world["urls"]["pair"]).content.decode()
    assert 'name="decision"' not in page
    assert client.post(world["urls"]["pair"], {"decision": "same"}).status_code == 403
    assert not ReviewDecision.objects.exists()
    source_a = world["urls"]["source_a"]
    assert client.get(source_a + "import/").status_code == 404
    assert client.get(source_a + "mapping/").status_code == 404
    assert client.get(reverse("detainees:source_create")).status_code == 403
    assert client.post(reverse("detainees:runs"), {}).status_code == 403
    page = client.get(source_a).content.decode()
    assert "Import a file" not in page
    assert "Share the list" not in page


def test_a_shared_list_is_read_only_for_the_organisation_given_it(world) -> None:
    client = _client(world["a"], Role.ORG_ADMIN)
    source_b = world["urls"]["source_b"]
    assert client.get(source_b + "import/").status_code == 404
    assert client.post(source_b + "shares/", {"organisation": world["c"].pk}).status_code == 404
    assert client.post(source_b + "search/", {"family_name": "Shevchenko"}).status_code == 404


def test_unknown_and_malformed_ids_are_404(world) -> None:
    client = _client(world["a"], Role.ORG_ADMIN)
    for name in ("source_detail", "record_detail", "run_detail", "person_detail", "review_pair"):
        url = reverse(f"detainees:{name}", args=["00000000-0000-0000-0000-000000000001"])
        assert client.get(url).status_code == 404
