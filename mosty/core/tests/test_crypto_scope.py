"""The acting organisation (and its unwrapped keys) lives for one request or one `acting_as` block, never
longer: a later request in the same worker thread starts with no scope (IsolatedContextMiddleware)."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from mosty.api.tests.factories import bearer, make_token
from mosty.core import middleware as core_middleware
from mosty.core.crypto import keyring
from mosty.core.crypto.errors import NoActingOrganisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def scopes_seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """The acting scope as seen inside each request (before and after authentication)."""
    seen: list[tuple[str, Any]] = []
    real_is_public_path = core_middleware.is_public_path
    real_enter = keyring.enter_scope_for_request

    def is_public_path(path: str) -> bool:
        seen.append(("start", keyring._scope.get()))
        return real_is_public_path(path)

    def enter_scope_for_request(organisation_id: int | None) -> None:
        real_enter(organisation_id)
        seen.append(("token", keyring._scope.get()))

    monkeypatch.setattr(core_middleware, "is_public_path", is_public_path)
    monkeypatch.setattr("mosty.api.auth.enter_scope_for_request", enter_scope_for_request)
    return seen


def test_an_api_requests_scope_does_not_outlive_it(
    client: Client, caseworker: Any, organisation: Any, scopes_seen: list[tuple[str, Any]]
) -> None:
    issued = make_token(caseworker, organisation)
    assert client.get("/api/v1/me", **bearer(issued.plaintext)).status_code == 200
    token_scopes = [scope for where, scope in scopes_seen if where == "token"]
    assert len(token_scopes) == 1
    assert token_scopes[0].organisation_id == organisation.pk
    assert keyring._scope.get() is None

    scopes_seen.clear()
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/").status_code == 302
    assert [scope for _where, scope in scopes_seen] == [None, None]
    assert keyring._scope.get() is None
    with pytest.raises(NoActingOrganisation):
        keyring.acting_organisation_id()


def test_a_logged_in_pages_scope_does_not_outlive_it(verified_client: Client, organisation: Any) -> None:
    assert verified_client.get("/").status_code == 200
    assert keyring._scope.get() is None


def test_without_the_isolating_middleware_the_scope_would_leak(
    caseworker: Any, organisation: Any, scopes_seen: list[tuple[str, Any]]
) -> None:
    """The control: the checks above can fail. Run in a copied context so the leak stays inside this test."""
    issued = make_token(caseworker, organisation)
    middleware = [m for m in settings.MIDDLEWARE if m != "mosty.core.middleware.IsolatedContextMiddleware"]

    def two_requests() -> Any:
        with override_settings(MIDDLEWARE=middleware):
            client = Client()
            client.get("/api/v1/me", **bearer(issued.plaintext))
            client.get("/api/v1/me")
        return keyring._scope.get()

    leaked = contextvars.copy_context().run(two_requests)
    assert leaked is not None
    assert leaked.organisation_id == organisation.pk
    assert scopes_seen[-1][1] is leaked  # the anonymous request started inside the token's scope
    assert keyring._scope.get() is None


def test_acting_as_blocks_restore_the_outer_scope(organisation: Any, other_organisation: Any) -> None:
    with keyring.acting_as(organisation.pk):
        with keyring.acting_as(other_organisation.pk):
            assert keyring.acting_organisation_id() == other_organisation.pk
        assert keyring.acting_organisation_id() == organisation.pk
    assert keyring._scope.get() is None
    with pytest.raises(RuntimeError), keyring.acting_as(organisation.pk):
        raise RuntimeError
    assert keyring._scope.get() is None
