"""Fixtures shared by every app's tests. Tests run on a real database (SQLite by default, PostgreSQL when
DATABASE_URL points to one) and block the network."""

from __future__ import annotations

import socket
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Build the .mo catalogues (gitignored) from the .po files, with Babel, before any test renders a page."""
    from mosty.core.i18n import compile_messages

    compile_messages()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Refuse connections to anything but the loopback interface and local sockets."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in {"127.0.0.1", "::1", "localhost"} and not host.startswith("/"):
            raise RuntimeError(f"Network access in tests is blocked ({host!r}).")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def organisation(db: None) -> Any:
    from mosty.accounts.tests.factories import make_organisation

    return make_organisation("Prague Civil Society Centre", slug="prague-centre", kind="intermediary", country="CZ")


@pytest.fixture
def other_organisation(db: None) -> Any:
    from mosty.accounts.tests.factories import make_organisation

    return make_organisation("Berlin Anti-War Platform", slug="berlin-platform", kind="network", country="DE")


@pytest.fixture
def caseworker(organisation: Any) -> Any:
    from mosty.accounts.tests.factories import make_member

    return make_member(organisation, "caseworker", username="caseworker")


@pytest.fixture
def verified_client(client: Any, caseworker: Any) -> Any:
    from mosty.accounts.tests.factories import login_verified

    login_verified(client, caseworker)
    return client


@pytest.fixture
def catalogues(db: None) -> None:
    """The registry's shipped catalogues (sectors, support types, regions). A data migration loads them, but a
    transactional test (`django_db(transaction=True)`) may run after another one that flushed every table."""
    from mosty.registry.catalogue import sync_catalogues
    from mosty.registry.models import Region, Sector, SupportType

    if not SupportType.objects.exists():
        sync_catalogues(sector_model=Sector, support_type_model=SupportType, region_model=Region)
