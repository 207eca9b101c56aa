"""Case test factories through the real services (encryption, audit and timeline are real)."""

from __future__ import annotations

from typing import Any

from mosty.accounts.models import Organisation, Role
from mosty.accounts.selectors import Viewer
from mosty.cases import services
from mosty.cases.models import Case
from mosty.cases.selectors import CaseAccess, access_case_by_id
from mosty.core.crypto.keyring import acting_as
from mosty.registry.models import SupportType
from mosty.registry.tests.factories import viewer_of


def caseworker(organisation: Organisation, role: str = Role.CASEWORKER) -> Viewer:
    return viewer_of(organisation, role)


def make_case(
    viewer: Viewer,
    *,
    support_type: str = "legal-aid",
    family_name: str = "Шевченко",
    given_name: str = "Олександр",
    birth_date: str = "1987-05-31",
    summary: str = "Needs a lawyer before the hearing.",
    **case_kwargs: Any,
) -> Case:
    with acting_as(viewer.organisation_id):
        person = services.person_create(
            viewer=viewer,
            organisation=viewer.organisation,
            data=services.PersonInput(family_name=family_name, given_name=given_name, birth_date=birth_date),
        )
        return services.case_create(
            viewer=viewer,
            organisation=viewer.organisation,
            person=person,
            data=services.CaseInput(
                support_type=SupportType.objects.get(slug=support_type), summary=summary, **case_kwargs
            ),
        )


def access(viewer: Viewer, case: Case) -> CaseAccess:
    return access_case_by_id(viewer, case.pk)
