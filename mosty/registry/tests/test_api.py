"""The registry's API: the same visibility and validation as the pages, through tokens."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import make_member, make_organisation
from mosty.api.tests.factories import bearer, make_token
from mosty.core.crypto.keyring import acting_as
from mosty.registry import services
from mosty.registry.models import Activity
from mosty.registry.tests.factories import make_activity, make_initiative, viewer_of

pytestmark = pytest.mark.django_db

BASE = "/api/v1/registry"


def _token(org: Any, role: str = Role.COORDINATOR) -> dict[str, Any]:
    user = make_member(org, role=role, totp=False)
    return bearer(make_token(user, org).plaintext)


def _post(client: Client, path: str, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(f"{BASE}{path}", data=json.dumps(body), content_type="application/json", **headers)


def test_reference_data() -> None:
    org = make_organisation()
    client, headers = Client(), _token(org)
    assert len(client.get(f"{BASE}/sectors", **headers).json()) == 12
    assert len(client.get(f"{BASE}/support-types", **headers).json()) == 10
    ua = client.get(f"{BASE}/regions", {"country": "UA", "kind": "subdivision"}, **headers).json()
    assert len(ua) == 27
    assert {"UA-43", "UA-40"} <= {r["code"] for r in ua}
    assert client.get(f"{BASE}/sectors").status_code == 401


def test_create_list_and_visibility_of_activities() -> None:
    a, b = make_organisation(), make_organisation()
    client, headers_a, headers_b = Client(), _token(a), _token(b)
    body = {
        "title": "Legal clinic",
        "support_type": "legal-aid",
        "sector": "legal-aid",
        "regions": ["RU-TA", "cz"],
        "start_date": "2026-01-01",
        "shared": False,
    }
    created = _post(client, "/activities", body, headers_a)
    assert created.status_code == 201, created.content
    activity_id = created.json()["id"]
    assert created.json()["regions"] == ["CZ", "RU-TA"]
    assert client.get(f"{BASE}/activities/{activity_id}", **headers_b).status_code == 404
    assert client.get(f"{BASE}/activities", **headers_b).json()["count"] == 0
    assert client.get(f"{BASE}/activities", {"region": "RU-TA"}, **headers_a).json()["count"] == 1

    bad = _post(client, "/activities", {**body, "regions": ["RU-XX"], "sector": "nope"}, headers_a)
    assert bad.status_code == 400
    assert (
        set(bad.json()["error"]["details"]["fields"]) >= {"regions"}
        or "sector" in bad.json()["error"]["details"]["fields"]
    )
    assert Activity.objects.count() == 1
    assert client.delete(f"{BASE}/activities/{activity_id}", **headers_b).status_code == 404
    assert client.delete(f"{BASE}/activities/{activity_id}", **headers_a).status_code == 204


def test_viewer_tokens_cannot_write() -> None:
    org = make_organisation()
    client, headers = Client(), _token(org, Role.VIEWER)
    response = _post(
        client,
        "/activities",
        {
            "title": "x",
            "support_type": "legal-aid",
            "sector": "legal-aid",
            "regions": ["CZ"],
            "start_date": "2026-01-01",
        },
        headers,
    )
    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_profiles_hide_the_members_only_part_from_others() -> None:
    a, b = make_organisation(), make_organisation()
    with acting_as(a.pk):
        services.profile_update(viewer=viewer_of(a), data=services.ProfileInput(summary="Hi", contact="Signal 1"))
    client = Client()
    own = client.get(f"{BASE}/organisations/{a.pk}", **_token(a)).json()
    other = client.get(f"{BASE}/organisations/{a.pk}", **_token(b)).json()
    assert own["contact"] == "Signal 1"
    assert other["contact"] is None
    assert other["summary"] == "Hi"
    listing = client.get(f"{BASE}/organisations", **_token(b)).json()
    assert {item["organisation_id"] for item in listing["items"]} >= {a.pk, b.pk}
    assert all(item["contact"] is None for item in listing["items"] if item["organisation_id"] == a.pk)


def test_initiatives_and_links() -> None:
    a, b = make_organisation(), make_organisation()
    client, headers_a, headers_b = Client(), _token(a), _token(b)
    created = _post(client, "/initiatives", {"codename": "Kurai", "description": "Eco"}, headers_a)
    assert created.status_code == 201
    initiative_id = created.json()["id"]
    assert client.get(f"{BASE}/initiatives/{initiative_id}", **headers_b).status_code == 404
    link = _post(client, f"/initiatives/{initiative_id}/links", {"organisation_id": b.pk, "kind": "partner"}, headers_a)
    assert link.status_code == 201
    seen = client.get(f"{BASE}/initiatives/{initiative_id}", **headers_b)
    assert seen.status_code == 200
    assert seen.json()["description"] == "Eco"
    removed = client.delete(f"{BASE}/initiatives/{initiative_id}/links/{link.json()['id']}", **headers_a)
    assert removed.status_code == 204
    assert client.get(f"{BASE}/initiatives/{initiative_id}", **headers_b).status_code == 404


def test_coverage_and_unmet_needs() -> None:
    org = make_organisation()
    viewer = viewer_of(org)
    make_activity(viewer)
    make_initiative(viewer)
    client, headers = Client(), _token(org)
    cells = client.get(f"{BASE}/coverage", **headers).json()
    assert {"region": "RU-TA", "sector": "human-rights", "activities": 1} in cells
    need = _post(
        client, "/needs", {"region": "RU-DA", "sector": "lgbtq", "requests": 3, "month": "2026-01-15"}, headers
    )
    assert need.status_code == 201
    assert need.json()["month"] == "2026-01-01"
    unmet = client.get(f"{BASE}/needs/unmet", **headers).json()
    assert any(n["region"] == "RU-DA" for n in unmet)
