"""Registry test factories: viewers and records made through the real services."""

from __future__ import annotations

import datetime as dt
import itertools

from mosty.accounts.models import Organisation, Role, User
from mosty.accounts.selectors import Viewer
from mosty.accounts.tests.factories import make_member
from mosty.registry import services
from mosty.registry.models import Activity, Initiative, Region, Sector, SupportType

_counter = itertools.count(1)


def viewer_of(organisation: Organisation, role: str = Role.ORG_ADMIN, user: User | None = None) -> Viewer:
    user = user or make_member(organisation, role=role, totp=False)
    return Viewer(user=user, organisation=organisation, role=role)


def sector(slug: str = "human-rights") -> Sector:
    return Sector.objects.get(slug=slug)


def support_type(slug: str = "legal-aid") -> SupportType:
    return SupportType.objects.get(slug=slug)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def activity_input(**overrides: object) -> services.ActivityInput:
    values: dict[str, object] = {
        "title": f"Activity {next(_counter)}",
        "support_type": support_type(),
        "sector": sector(),
        "regions": [region("RU-TA")],
        "start_date": dt.date(2026, 1, 1),
    }
    values.update(overrides)
    return services.ActivityInput(**values)  # type: ignore[arg-type]


def make_activity(viewer: Viewer, **overrides: object) -> Activity:
    return services.activity_create(viewer=viewer, data=activity_input(**overrides))


def make_initiative(viewer: Viewer, codename: str | None = None, description: str = "") -> Initiative:
    return services.initiative_create(
        viewer=viewer,
        data=services.InitiativeInput(codename=codename or f"Group {next(_counter)}", description=description),
    )
