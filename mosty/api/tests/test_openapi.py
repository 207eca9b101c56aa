import re

import pytest

from mosty.core.middleware import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/me",
    "/api/v1/organisation",
    "/api/v1/organisation/members",
    "/api/v1/registry/sectors",
    "/api/v1/registry/support-types",
    "/api/v1/registry/regions",
    "/api/v1/registry/organisations",
    "/api/v1/registry/organisations/{organisation_id}",
    "/api/v1/registry/profile",
    "/api/v1/registry/initiatives",
    "/api/v1/registry/initiatives/{initiative_id}",
    "/api/v1/registry/initiatives/{initiative_id}/links",
    "/api/v1/registry/initiatives/{initiative_id}/links/{link_id}",
    "/api/v1/registry/activities",
    "/api/v1/registry/activities/{activity_id}",
    "/api/v1/registry/coverage",
    "/api/v1/registry/needs/unmet",
    "/api/v1/registry/needs",
    "/api/v1/registry/needs/{need_id}",
}


def test_schema_is_public_json_with_every_endpoint_and_the_bearer_scheme(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    # Every endpoint listed here is documented; each app's tests check its own endpoints in detail.
    assert set(schema["paths"]) >= ENDPOINTS
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert schemes == {"TokenAuth": {"type": "http", "scheme": "bearer"}}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"TokenAuth": []}], (method, path)


def test_schema_documents_the_members_pagination(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/organisation/members"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"page", "page_size"}


def test_docs_page_loads_nothing_from_elsewhere(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert references, "the page should reference its own assets"
    for url in references:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
    assert "http" not in " ".join(references)
    assert "cdn" not in html.lower()
    # No inline script: only <script src=...> and the JSON data block, which CSP does not execute.
    for attributes, _body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        assert "src=" in attributes or 'type="application/json"' in attributes
    assert " style=" not in html
    assert '"validatorUrl": null' in html


def test_docs_assets_are_served_by_us(client):
    html = client.get("/api/v1/docs").content.decode()
    for url in re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html):
        response = client.get(url)
        assert response.status_code == 200, url
        if hasattr(response, "close"):
            response.close()
