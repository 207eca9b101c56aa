"""The cases API: open, read, search, triage, move, tasks, notes; 404 and 409 where the rules say so."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mosty.accounts.models import Role
from mosty.accounts.tests.factories import make_member, make_organisation
from mosty.api.tests.factories import bearer, make_token
from mosty.cases.models import Case

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cases"


def _headers(org: Any, role: str = Role.CASEWORKER) -> dict[str, Any]:
    user = make_member(org, role=role, totp=False)
    return bearer(make_token(user, org).plaintext)


def _post(client: Client, path: str, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    return client.post(f"{BASE}{path}", data=json.dumps(body), content_type="application/json", **headers)


def test_open_read_search_and_move_a_case() -> None:
    org = make_organisation()
    client, headers = Client(), _headers(org)
    created = _post(
        client,
        "",
        {
            "support_type": "micro-grant",
            "person": {"family_name": "Петренко", "given_name": "Ірина", "birth_date": "1990"},
            "risk": 3,
            "details": {"amount_eur": 800, "purpose": "Laptop"},
            "region": "ru-ta",
        },
        headers,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    case_id = body["id"]
    assert body["person"]["family_name"] == "Петренко"
    assert body["details"] == {"amount_eur": 800, "purpose": "Laptop"}
    assert "triage" in body["allowed_states"]

    found = client.get(BASE, {"family_name": "петренко"}, **headers).json()
    assert [item["id"] for item in found["items"]] == [case_id]
    assert client.get(BASE, {"family_name": "Petrenko"}, **headers).json()["count"] == 0

    illegal = _post(client, f"/{case_id}/state", {"to_state": "closed_done"}, headers)
    assert illegal.status_code == 409
    assert illegal.json()["error"]["code"] == "invalid_transition"
    assert _post(client, f"/{case_id}/state", {"to_state": "triage"}, headers).json()["state"] == "triage"
    note = _post(client, f"/{case_id}/notes", {"body": "Called."}, headers)
    assert note.status_code == 201
    assert client.get(f"{BASE}/{case_id}", **headers).json()["notes"][0]["body"] == "Called."


def test_other_organisations_and_roles_get_404() -> None:
    org, other = make_organisation(), make_organisation()
    client = Client()
    created = _post(client, "", {"support_type": "legal-aid", "person": {}}, _headers(org))
    case_id = created.json()["id"]
    assert client.get(f"{BASE}/{case_id}", **_headers(other, Role.ORG_ADMIN)).status_code == 404
    assert client.get(f"{BASE}/{case_id}", **_headers(org, Role.DOCUMENTER)).status_code == 404
    assert client.get(BASE, **_headers(org, Role.VIEWER)).json()["count"] == 0
    refused = _post(client, "", {"support_type": "legal-aid", "person": {}}, _headers(org, Role.VIEWER))
    assert refused.status_code == 403
    assert Case.objects.count() == 1


def test_bad_input_is_refused_and_changes_nothing() -> None:
    org = make_organisation()
    client, headers = Client(), _headers(org)
    bad = _post(client, "", {"support_type": "micro-grant", "person": {"birth_date": "31.05.1987"}}, headers)
    assert bad.status_code == 400
    assert Case.objects.count() == 0
    unknown = _post(client, "", {"support_type": "nope", "person": {}}, headers)
    assert unknown.status_code == 400
