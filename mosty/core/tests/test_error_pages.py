"""Error pages never echo the request or the exception: both may carry personal data."""

from __future__ import annotations

import pytest
from django.test import Client

CANARY = "Олександр-Шевченко-1987"


@pytest.mark.django_db
def test_bad_host_header_gets_a_plain_400(client: Client) -> None:
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert b"evil.example" not in response.content


@pytest.mark.django_db
def test_404_does_not_echo_the_path(verified_client: Client) -> None:
    response = verified_client.get(f"/no-such-page/{CANARY}/")
    assert response.status_code == 404
    assert CANARY.encode() not in response.content
    assert "Олександр".encode() not in response.content


@pytest.mark.django_db
@pytest.mark.urls("mosty.core.tests.urls_boom")
def test_500_does_not_leak_the_exception(verified_client: Client, caplog: pytest.LogCaptureFixture) -> None:
    verified_client.raise_request_exception = False
    response = verified_client.get("/boom/")
    assert response.status_code == 500
    assert CANARY.encode() not in response.content
    assert b"secret detail" not in response.content
    assert b"Traceback" not in response.content
    for record in caplog.records:
        assert CANARY not in record.getMessage()
        assert CANARY not in (record.exc_text or "")
    assert CANARY not in caplog.text
    assert any("[message redacted]" in (r.exc_text or "") for r in caplog.records)
