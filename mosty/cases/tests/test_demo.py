"""The demo's registry and cases load through the services, cover what they promise, and load only once."""

from __future__ import annotations

import pytest

from mosty.accounts.demo import load_demo
from mosty.cases.demo import load_cases_demo
from mosty.cases.models import Case
from mosty.registry.demo import load_registry_demo
from mosty.registry.models import Activity, Need, Sector

pytestmark = pytest.mark.django_db


def test_registry_and_case_demo() -> None:
    load_demo(reset_credentials=False)
    activities = load_registry_demo()
    assert activities == Activity.objects.count() > 30
    assert set(Activity.objects.values_list("sector__slug", flat=True)) == set(
        Sector.objects.values_list("slug", flat=True)
    )
    regions = set(Activity.objects.values_list("regions__code", flat=True))
    assert len([r for r in regions if "-" in r]) >= 30
    assert Need.objects.exists()
    assert load_registry_demo() == 0

    created = load_cases_demo(scale=0.1)
    assert created == Case.objects.count() >= 25
    assert Case.objects.values("organisation").distinct().count() == 5
    assert Case.objects.filter(closed_at__isnull=False).exists()
    assert load_cases_demo(scale=0.1) == 0
