# ruff: noqa: RUF001
# (Cyrillic names are the data under test)
"""The pages through the real middleware: they obey the CSP (no inline style or script), label every field, show
names in the reader's script, draw the charts as SVG, run the import wizard and the review, without N+1."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import login_verified, make_member, make_organisation
from mosty.accounts.tests.test_templates import audit
from mosty.core.crypto.keyring import acting_as
from mosty.detainees import services
from mosty.detainees.models import CandidatePair, DetaineeRecord, LinkRun, PersonCluster, ReviewDecision, Source
from mosty.detainees.tests.factories import (
    csv_bytes,
    generated_rows,
    import_rows,
    make_source,
    row,
    stored_run,
    viewer_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return make_organisation(slug="obrii-test")


def _client(org, role: str = Role.DOCUMENTER, language: str | None = None) -> tuple[Client, object]:
    user = make_member(org, role=role)
    client = Client(headers={"accept-language": language} if language else {})
    login_verified(client, user)
    return client, user


def _clean(response, status: int = 200) -> str:
    assert response.status_code == status, response.content.decode()[-2000:]
    page = audit(response.content)
    assert page.problems == []
    return str(response.content.decode())


@pytest.fixture
def linked(org):
    """Two lists of the organisation, stored as one finished run (no engine)."""
    viewer = viewer_of(org)
    first, second = make_source(viewer, "Перший список"), make_source(viewer, "Second list")
    import_rows(
        viewer,
        first,
        [
            row("A-1", "Шевченко", "Тарас", birth_date="1987-05-12", birth_place="Херсон"),
            row("A-2", "Бойко", "Ніна", status="зникла безвісти"),
        ],
    )
    import_rows(
        viewer,
        second,
        [
            row("B-1", "Shevchenko", "Taras", birth_date="1987", birth_place="Kherson"),
            row("B-2", "Petrenko", "Ivan", status="released"),
        ],
    )
    records = {r.record_id: r for r in DetaineeRecord.objects.all()}
    run = stored_run(viewer, [first, second], [[records["A-1"], records["B-1"]], [records["A-2"]], [records["B-2"]]])
    return viewer, run, first, second


def test_the_nav_shows_the_registry_to_documenters_not_to_caseworkers(org) -> None:
    client, _user = _client(org, Role.DOCUMENTER)
    assert reverse("detainees:index") in client.get(reverse("core:home")).content.decode()
    client, _user = _client(org, Role.CASEWORKER)
    assert reverse("detainees:index") not in client.get(reverse("core:home")).content.decode()


def test_every_page_renders_cleanly(linked) -> None:
    viewer, run, first, _second = linked
    client, _user = _client(viewer.organisation, Role.COORDINATOR)
    record = DetaineeRecord.objects.get(record_id="A-1")
    for url in [
        reverse("detainees:index"),
        reverse("detainees:source_create"),
        reverse("detainees:source_detail", args=[first.pk]),
        reverse("detainees:source_import", args=[first.pk]),
        reverse("detainees:source_mapping", args=[first.pk]),
        reverse("detainees:record_detail", args=[record.pk]),
        reverse("detainees:runs"),
        reverse("detainees:run_detail", args=[run.pk]),
        reverse("detainees:counts"),
        reverse("detainees:persons"),
        reverse("detainees:persons") + "?status=missing",
        reverse("detainees:person_detail", args=[PersonCluster.objects.get(number=1).pk]),
        reverse("detainees:review"),
        reverse("detainees:review_pair", args=[CandidatePair.objects.get().pk]),
    ]:
        _clean(client.get(url))


def test_pages_before_any_run(org) -> None:
    client, _user = _client(org)
    for name in ("index", "persons", "counts", "review", "runs"):
        _clean(client.get(reverse(f"detainees:{name}")))


def test_names_are_shown_in_the_readers_script(linked) -> None:
    viewer, _run, _first, _second = linked
    pair_url = reverse("detainees:review_pair", args=[CandidatePair.objects.get().pk])
    english, _user = _client(viewer.organisation, language="en")
    page = english.get(pair_url).content.decode()
    assert "Shevchenko" in page
    assert "Шевченко" in page
    assert "Taras" in page
    ukrainian, _user = _client(viewer.organisation, language="uk")
    english_page_rows = re.findall(r'data-field="family_name" data-verdict="(\w+)"', page)
    assert english_page_rows == ["agrees"]
    page = ukrainian.get(pair_url).content.decode()
    assert "Шевченко" in page
    assert '<span class="original"' not in page  # nothing transliterated for a Cyrillic reader


def test_the_side_by_side_verdicts(linked) -> None:
    viewer, _run, _first, _second = linked
    client, _user = _client(viewer.organisation)
    page = client.get(reverse("detainees:review_pair", args=[CandidatePair.objects.get().pk])).content.decode()
    verdicts = dict(re.findall(r'data-field="(\w+)" data-verdict="(\w+)"', page))
    assert verdicts == {
        "family_name": "agrees",  # Шевченко / Shevchenko
        "given_name": "agrees",
        "patronymic": "missing",
        "birth_date": "agrees",  # 1987-05-12 / 1987, as far as both are known
        "birth_place": "agrees",  # Херсон / Kherson
        "citizenship": "missing",
        "detention_date": "missing",
        "detention_place": "missing",
        "status": "missing",
    }


def test_a_review_decision_through_the_page(linked) -> None:
    viewer, _run, _first, _second = linked
    client, user = _client(viewer.organisation)
    pair = CandidatePair.objects.get()
    url = reverse("detainees:review_pair", args=[pair.pk])
    _clean(client.post(url, {"decision": "maybe"}), status=400)
    response = client.post(url, {"decision": "different"})
    assert response.status_code == 302
    decision = ReviewDecision.objects.get()
    assert (decision.left_id, decision.right_id, decision.decision, decision.decided_by) == (
        pair.left_id,
        pair.right_id,
        "different",
        user,
    )
    queue = client.get(reverse("detainees:review")).content.decode()
    assert "Nothing left to review" in queue
    decided = client.get(reverse("detainees:review") + "?show=decided").content.decode()
    assert str(pair.pk) in decided


def test_the_counts_page_draws_svg_charts(linked) -> None:
    viewer, _run, _first, _second = linked
    client, _user = _client(viewer.organisation)
    page = _clean(client.get(reverse("detainees:counts")))
    assert page.count("<svg") >= 3
    assert 'data-chart="persons"' in page
    assert 'data-chart="overlap"' in page
    assert 'data-chart="only"' in page
    assert 'data-persons="3"' in page
    # bars: all lists (3 persons), then each list (2 persons each)
    assert re.findall(r'<g data-point="(\d+)"', page)[:3] == ["3", "2", "2"]
    # the matrix: the two lists share one person; the diagonal holds each list's persons
    cells = re.findall(r'<g data-value="(\d+)"( data-diagonal="1")?', page)
    assert [(v, bool(d)) for v, d in cells] == [("2", True), ("1", False), ("1", False), ("2", True)]
    assert "#" not in re.sub(
        r'(fill|stroke)="#[0-9a-f]{6}"', "", page.split('data-chart="overlap"')[1].split("</svg>")[0]
    )


def test_person_list_filters_and_query_count(linked, django_assert_max_num_queries) -> None:
    viewer, _run, first, second = linked
    client, _user = _client(viewer.organisation)
    url = reverse("detainees:persons")
    page = client.get(url).content.decode()
    assert page.count('class="person"') == 3
    assert page.count('class="person"') == len(re.findall(r'data-person="P\d+"', page))
    assert client.get(url + "?status=missing").content.decode().count('class="person"') == 1
    assert client.get(url + f"?source={second.pk}").content.decode().count('class="person"') == 2
    assert client.get(url + "?multi=on").content.decode().count('class="person"') == 1
    assert client.get(url + "?status=nonsense").status_code == 400
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    # more persons, the same number of queries
    extra = make_source(viewer, "Third list")
    import_rows(viewer, extra, [row(f"C-{i}", "Бойко", f"Ім'я{i}") for i in range(8)])
    records = list(DetaineeRecord.objects.filter(source=extra))
    LinkRun.objects.all().delete()
    stored_run(viewer, [first, second, extra], [[r] for r in records])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_import_wizard_with_a_mapping_and_a_dry_run(org) -> None:
    viewer = viewer_of(org)
    source = make_source(viewer, "Wizard list")
    client, _user = _client(org)
    url = reverse("detainees:source_import", args=[source.pk])
    content = csv_bytes([["7", "Бондаренко", "звільнений"]], header=["Номер", "Прізвище", "Статус"])

    def upload(**extra):
        data = {"file": SimpleUploadedFile("list.csv", content, content_type="text/csv"), **extra}
        return client.post(url, data)

    # 1. unknown headers: the mapping step, with a guess
    page = _clean(upload(dry_run="on"), status=400)
    assert 'name="map-record_id"' in page
    assert '<option value="Номер" selected>' in page
    assert '<option value="Прізвище" selected>' in page
    # 2. with the mapping, a dry run: a preview, nothing written
    page = _clean(
        upload(**{"dry_run": "on", "map-record_id": "Номер", "map-family_name": "Прізвище", "map-status": "Статус"})
    )
    assert "Preview: nothing was imported" in page
    assert "released" in page
    assert DetaineeRecord.objects.count() == 0
    # 3. the import itself; the mapping is remembered
    response = upload(**{"map-record_id": "Номер", "map-family_name": "Прізвище", "map-status": "Статус"})
    assert response.status_code == 302
    assert DetaineeRecord.objects.filter(source=source).count() == 1
    source.refresh_from_db()
    with acting_as(org.pk):
        assert source.column_mapping == {"record_id": "Номер", "family_name": "Прізвище", "status": "Статус"}
    # 4. the next file with these headers goes straight through
    assert upload(dry_run="on").status_code == 200


def test_import_errors_are_listed_by_line(org) -> None:
    viewer = viewer_of(org)
    source = make_source(viewer)
    client, _user = _client(org)
    content = csv_bytes([row("A", "Шевченко"), row("", "Без номера"), row("C", "Дата", birth_date="xx")])
    response = client.post(
        reverse("detainees:source_import", args=[source.pk]),
        {"file": SimpleUploadedFile("list.csv", content, content_type="text/csv")},
    )
    page = _clean(response, status=400)
    assert "line 3" in page
    assert "line 4" in page
    assert DetaineeRecord.objects.count() == 0


def test_create_share_search_and_unshare_through_the_pages(org) -> None:
    other = make_organisation(name="Partner")
    client, _user = _client(org, Role.ORG_ADMIN)
    response = client.post(reverse("detainees:source_create"), {"name": "New list", "description": "Civilians"})
    source = Source.objects.get(name="New list")
    assert response.status_code == 302
    import_rows(viewer_of(org), source, [row("A", "Шевченко", "Тарас", birth_date="1987-05-12")])
    detail = reverse("detainees:source_detail", args=[source.pk])
    page = _clean(client.post(detail + "search/", {"family_name": "Schewtschenko"}))
    assert "Records found" in page
    assert "A</a>" in page
    assert "Schewtschenko" not in client.get(detail).content.decode()
    page = _clean(client.post(detail + "search/", {"family_name": "Бойко"}))
    assert "No record of this list matches" in page
    assert client.post(detail + "shares/", {"organisation": other.pk}).status_code == 302
    assert source.shares.filter(organisation=other).exists()
    assert client.post(detail + f"shares/{other.pk}/remove/").status_code == 302
    assert not source.shares.exists()


def test_starting_a_run_from_the_page(org) -> None:
    viewer = viewer_of(org)
    rows, _truth = generated_rows(8, seed=3)
    first, second = make_source(viewer, "One"), make_source(viewer, "Two")
    import_rows(viewer, first, rows["uacenter"])
    import_rows(viewer, second, rows["memo"])
    client, _user = _client(org)
    response = client.post(reverse("detainees:runs"), {"sources": [str(first.pk), str(second.pk)]})
    assert response.status_code == 302, response.content.decode()[-2000:]
    run = LinkRun.objects.get()
    assert response["Location"] == reverse("detainees:run_detail", args=[run.pk])
    assert run.status == "finished"
    assert run.persons_count > 0
    page = _clean(client.get(response["Location"]))
    assert f'data-persons="{run.persons_count}"' in page


def test_a_too_large_run_is_refused_with_a_message(org, settings) -> None:
    viewer = viewer_of(org)
    source = make_source(viewer)
    import_rows(viewer, source, [row(f"R{i}", "Бойко") for i in range(3)])
    settings.MOSTY_DETAINEES_RUN_RECORDS = 2
    client, _user = _client(org)
    page = _clean(client.post(reverse("detainees:runs"), {"sources": [str(source.pk)]}), status=400)
    assert "mosty detainees link" in page
    assert not LinkRun.objects.exists()
    assert services.run_record_cap() == 2
