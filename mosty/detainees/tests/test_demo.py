"""The demo lists load through the services, are shared as promised, are linked once, and load only once."""

from __future__ import annotations

import pytest

from mosty.accounts.demo import load_demo
from mosty.detainees.demo import LINKING_ORGANISATION, LISTS, SHARES, load_detainees_demo
from mosty.detainees.models import DetaineeRecord, LinkRun, RunStatus, Source, SourceShare

pytestmark = pytest.mark.django_db


def test_detainee_demo() -> None:
    load_demo(reset_credentials=False)
    created = load_detainees_demo(scale=0.02)
    assert created == DetaineeRecord.objects.count() > 80
    assert {s.organisation.slug for s in Source.objects.select_related("organisation")} == {
        slug for slug, _name in LISTS.values()
    }
    assert SourceShare.objects.count() == len(SHARES)
    statuses = set(DetaineeRecord.objects.values_list("status", flat=True))
    assert {"detained", "sentenced", "missing"} <= statuses  # read from Ukrainian and Russian words too
    run = LinkRun.objects.get()
    assert run.organisation.slug == LINKING_ORGANISATION
    assert run.status == RunStatus.FINISHED
    assert run.sources.count() == 4
    assert 0 < run.persons_count < run.records_count == created
    assert load_detainees_demo(scale=0.02) == 0
