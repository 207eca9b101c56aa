"""Token factories through the real service, and helpers to call the API and read the whole database."""

from __future__ import annotations

from typing import Any

from django.db import connection

from mosty.accounts.models import Organisation, User
from mosty.api import services
from mosty.api.services import IssuedApiToken


def make_token(
    user: User,
    organisation: Organisation,
    *,
    role: str | None = None,
    name: str = "report script",
    expires_in_days: int = 90,
) -> IssuedApiToken:
    if role is None:
        role = user.memberships.get(organisation=organisation).role
    return services.api_token_create(
        user=user, organisation=organisation, name=name, role=role, expires_in_days=expires_in_days
    )


def bearer(secret: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def database_dump() -> str:
    """Every row of every table as text: what someone who stole the database would read."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                parts.append(
                    " ".join(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v) for v in row)
                )
    # Session data is signed and compressed: read it decoded, as a thief with the SECRET_KEY would.
    from django.contrib.sessions.models import Session

    parts.extend(str(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(parts)
