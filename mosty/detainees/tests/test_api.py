# ruff: noqa: RUF001
# (Cyrillic names are the data under test)
"""The detainee registry's API: lists, imports (CSV body and multipart, dry run and commit, errors by line),
records, sharing, runs with their counts, persons and the review queue; 404 for everything not granted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import make_member, make_organisation
from mosty.api.tests.factories import bearer, make_token
from mosty.detainees.models import CandidatePair, DetaineeRecord, PersonCluster, ReviewDecision, Source
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

BASE = "/api/v1/detainees"


def _headers(org: Any, role: str = Role.DOCUMENTER) -> dict[str, Any]:
    user = make_member(org, role=role, totp=False)
    return bearer(make_token(user, org).plaintext)


def _post(client: Client, path: str, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(f"{BASE}{path}", data=json.dumps(body), content_type="application/json", **headers)


def test_create_a_list_and_import_it_as_a_csv_body_then_as_a_multipart_file() -> None:
    org = make_organisation()
    client, headers = Client(), _headers(org)
    created = _post(client, "/sources", {"name": "Civilians", "description": "Kherson region"}, headers)
    assert created.status_code == 201, created.content
    source_id = created.json()["id"]
    content = csv_bytes([row("A-1", "Шевченко", "Тарас", status="засуджений"), row("A-2", "Бойко", "Ніна")])
    url = f"{BASE}/sources/{source_id}/import"
    dry = client.post(url, data=content, content_type="text/csv", **headers)
    assert dry.status_code == 200, dry.content
    assert dry.json()["dry_run"] is True
    assert dry.json()["new"] == 2
    assert dry.json()["preview"][0]["values"]["status"] == "sentenced"
    assert DetaineeRecord.objects.count() == 0
    done = client.post(url + "?dry_run=false", data=content, content_type="text/csv", **headers)
    assert done.status_code == 200, done.content
    assert (done.json()["new"], done.json()["unchanged"]) == (2, 0)
    upload = SimpleUploadedFile("list.csv", csv_bytes([row("A-2", "Бойко", "Ніна", status="звільнена")]))
    again = client.post(url + "?dry_run=false", {"file": upload}, **headers)
    assert again.status_code == 200, again.content
    assert (again.json()["updated"], again.json()["kept"]) == (1, 1)
    listed = client.get(f"{BASE}/sources", **headers).json()
    assert [(s["name"], s["records"], s["own"]) for s in listed] == [("Civilians", 2, True)]
    records = client.get(f"{BASE}/sources/{source_id}/records", {"status": "released"}, **headers).json()
    assert [r["record_id"] for r in records["items"]] == ["A-2"]
    assert records["items"][0]["given_name"] == "Ніна"
    found = _post(client, f"/sources/{source_id}/records/search", {"family_name": "Shevchenko"}, headers)
    assert [r["record_id"] for r in found.json()] == ["A-1"]


def test_import_errors_by_line_and_a_mapping_that_is_needed() -> None:
    org = make_organisation()
    client, headers = Client(), _headers(org)
    source = make_source(viewer_of(org))
    url = f"{BASE}/sources/{source.pk}/import?dry_run=false"
    bad = csv_bytes([row("A", "Шевченко"), row("A", "Двічі")])
    response = client.post(url, data=bad, content_type="text/csv", **headers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["details"]["fields"]) == ["line 3"]
    assert "Двічі" not in response.content.decode()
    assert DetaineeRecord.objects.count() == 0
    other = csv_bytes([["1", "Шевченко"]], header=["Номер", "Прізвище"])
    response = client.post(url, data=other, content_type="text/csv", **headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "column_mapping_needed"
    assert "Прізвище" not in response.content.decode()  # headers are not echoed
    mapped = client.put(
        f"{BASE}/sources/{source.pk}/mapping",
        data=json.dumps({"mapping": {"record_id": "Номер", "family_name": "Прізвище"}}),
        content_type="application/json",
        **headers,
    )
    assert mapped.status_code == 200, mapped.content
    assert client.post(url, data=other, content_type="text/csv", **headers).json()["new"] == 1
    assert client.post(url, data=b"", content_type="text/csv", **headers).status_code == 400


def test_runs_persons_and_counts() -> None:
    org = make_organisation()
    client, headers = Client(), _headers(org)
    viewer = viewer_of(org)
    rows, _truth = generated_rows(8, seed=9)
    one, two = make_source(viewer, "One"), make_source(viewer, "Two")
    import_rows(viewer, one, rows["uacenter"])
    import_rows(viewer, two, rows["watch"])
    started = _post(client, "/runs", {}, headers)
    assert started.status_code == 201, started.content
    run = started.json()
    assert run["status"] == "finished"
    assert set(run["source_ids"]) == {str(one.pk), str(two.pk)}
    counts = run["counts"]
    assert counts["records"] == DetaineeRecord.objects.count()
    assert counts["persons"]["low"] <= counts["persons"]["point"] <= counts["persons"]["high"]
    assert {s["source_id"] for s in counts["sources"]} == {str(one.pk), str(two.pk)}
    assert len(counts["overlaps"]) == 1
    assert client.get(f"{BASE}/runs/{run['id']}", **headers).json()["counts"] == counts
    assert client.get(f"{BASE}/runs", **headers).json()["items"][0]["id"] == run["id"]
    persons = client.get(f"{BASE}/persons", {"page_size": 200}, **headers).json()
    assert persons["count"] == run["persons"]
    assert sum(len(p["records"]) for p in persons["items"]) == counts["records"]
    one_person = persons["items"][0]
    detail = client.get(f"{BASE}/persons/{one_person['id']}", **headers).json()
    assert detail["records"] == one_person["records"]
    several = client.get(f"{BASE}/persons", {"several_records": True}, **headers).json()
    assert all(p["size"] >= 2 for p in several["items"])


def test_review_pairs_field_by_field_and_decisions() -> None:
    org = make_organisation()
    client, headers = Client(), _headers(org)
    viewer = viewer_of(org)
    source = make_source(viewer)
    import_rows(
        viewer,
        source,
        [row("A", "Шевченко", "Тарас", birth_date="1987"), row("B", "Shevchenko", "Taras", birth_date="1988")],
    )
    records = list(DetaineeRecord.objects.order_by("record_id"))
    stored_run(viewer, [source], [records])
    pairs = client.get(f"{BASE}/review-pairs", **headers).json()
    assert pairs["count"] == 1
    pair = pairs["items"][0]
    fields = {f["field"]: f["verdict"] for f in pair["fields"]}
    assert fields["family_name"] == "agrees"
    assert fields["birth_date"] == "differs"
    assert pair["model"]["family"] == "family similar"
    decided = _post(client, f"/review-pairs/{pair['id']}/decision", {"decision": "different"}, headers)
    assert decided.status_code == 201, decided.content
    assert ReviewDecision.objects.get().decision == "different"
    assert client.get(f"{BASE}/review-pairs", **headers).json()["count"] == 0
    assert client.get(f"{BASE}/review-pairs", {"show": "decided"}, **headers).json()["count"] == 1
    assert client.get(f"{BASE}/review-pairs/{pair['id']}", **headers).json()["decision"] == "different"
    assert _post(client, f"/review-pairs/{pair['id']}/decision", {"decision": "perhaps"}, headers).status_code == 422


def test_sharing_through_the_api_and_404_for_everything_not_granted() -> None:
    owner_org, other_org, stranger_org = make_organisation(), make_organisation(), make_organisation()
    client = Client()
    owner, other, stranger = _headers(owner_org), _headers(other_org), _headers(stranger_org)
    viewer = viewer_of(owner_org)
    source = make_source(viewer)
    import_rows(viewer, source, [row("A", "Шевченко", "Тарас"), row("B", "Shevchenko", "Taras")])
    records = list(DetaineeRecord.objects.order_by("record_id"))
    run = stored_run(viewer, [source], [records])
    person = PersonCluster.objects.get()
    pair = CandidatePair.objects.get()
    granted_to_owner_only = [
        f"/runs/{run.pk}",
        f"/persons/{person.pk}",
        f"/review-pairs/{pair.pk}",
        f"/sources/{source.pk}/shares",
    ]
    readable_when_shared = [f"/sources/{source.pk}", f"/sources/{source.pk}/records", f"/records/{records[0].pk}"]
    for path in granted_to_owner_only + readable_when_shared:
        assert client.get(BASE + path, **owner).status_code == 200, path
        for headers in (other, stranger):
            response = client.get(BASE + path, **headers)
            assert response.status_code == 404, path
            assert response.json()["error"]["code"] == "not_found"
    shared = _post(client, f"/sources/{source.pk}/shares", {"organisation_id": other_org.pk}, owner)
    assert shared.status_code == 201, shared.content
    for path in readable_when_shared:
        assert client.get(BASE + path, **other).status_code == 200, path
        assert client.get(BASE + path, **stranger).status_code == 404, path
    for path in granted_to_owner_only:
        assert client.get(BASE + path, **other).status_code == 404, path
    items = client.get(f"{BASE}/sources/{source.pk}/records", **other).json()["items"]
    assert {r["family_name"] for r in items} == {"Шевченко", "Shevchenko"}
    # the organisation given a list cannot import into it, share it or search its indexes
    assert (
        client.post(f"{BASE}/sources/{source.pk}/import", data=b"x", content_type="text/csv", **other).status_code
        == 404
    )
    assert _post(client, f"/sources/{source.pk}/records/search", {"family_name": "x"}, other).status_code == 404
    removed = client.delete(f"{BASE}/sources/{source.pk}/shares/{other_org.pk}", **owner)
    assert removed.status_code == 204
    assert client.get(f"{BASE}/sources/{source.pk}", **other).status_code == 404


def test_roles_through_the_api() -> None:
    org = make_organisation()
    client = Client()
    source = make_source(viewer_of(org))
    reader, outsider = _headers(org, Role.VIEWER), _headers(org, Role.CASEWORKER)
    assert client.get(f"{BASE}/sources/{source.pk}", **reader).status_code == 200
    assert client.get(f"{BASE}/sources/{source.pk}", **outsider).status_code == 404
    assert client.get(f"{BASE}/sources", **outsider).json() == []
    assert _post(client, "/sources", {"name": "x"}, reader).status_code == 403
    content = csv_bytes([row("A", "Шевченко")])
    url = f"{BASE}/sources/{source.pk}/import"
    assert client.post(url, data=content, content_type="text/csv", **reader).status_code == 404
    assert _post(client, "/runs", {}, reader).status_code == 403
    assert Source.objects.count() == 1
