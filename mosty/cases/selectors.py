"""Reads for cases. Every case is loaded through `access_case_by_id`, which returns what the viewer may read
of it; lists go through `cases_for`.

Who sees a case: members of the organisation that owns it, in a role that works with cases; and members (in
such a role) of an organisation the case was referred to, while that referral is open (pending or accepted),
and then only the parts the referral names. Everyone else, and every other role, gets NotFound: the same
answer as for a case that does not exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from mosty.accounts.models import Membership, Role, User
from mosty.accounts.selectors import Viewer
from mosty.cases.models import Case, CaseEvent, Person, Referral, ReferralPart, ReferralStatus
from mosty.cases.workflows import Workflow, workflow_for
from mosty.core.crypto.fields import blind_index_filter
from mosty.core.crypto.keyring import prefetch_data_keys
from mosty.core.exceptions import NotFound
from mosty.registry.models import SupportType

CASE_READ_ROLES = frozenset({Role.ORG_ADMIN, Role.CASEWORKER, Role.COORDINATOR, Role.PROGRAMME_OFFICER})
CASE_WRITE_ROLES = frozenset({Role.ORG_ADMIN, Role.CASEWORKER, Role.COORDINATOR})
ALL_PARTS = frozenset(ReferralPart.values)
OPEN_REFERRAL = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED)


@dataclass(frozen=True)
class CaseAccess:
    """A case as one viewer may use it. Templates and handlers check `can(part)` before touching the
    encrypted parts; the keys enforce the same rule underneath."""

    case: Case
    own: bool
    referral: Referral | None
    parts: frozenset[str]
    can_write: bool

    def can(self, part: str) -> bool:
        return part in self.parts

    @property
    def workflow(self) -> Workflow:
        return workflow_for(self.case.support_type.slug)


def _open_referrals(viewer: Viewer) -> QuerySet[Referral]:
    """Referrals to the viewer's organisation that grant access now: open, and their consent neither revoked nor
    expired (even before the daily expiry job has closed them)."""
    return Referral.objects.filter(
        to_organisation_id=viewer.organisation_id,
        status__in=OPEN_REFERRAL,
        consent__revoked_at__isnull=True,
        consent__valid_until__gte=timezone.localdate(),
    )


def _open_referral_to(viewer: Viewer) -> Exists:
    return Exists(_open_referrals(viewer).filter(case=OuterRef("pk")))


def cases_for(viewer: Viewer, *, include_referred: bool = True) -> QuerySet[Case]:
    """Every case the viewer may open (not shredded), with what a list shows loaded."""
    if not viewer.has_role(CASE_READ_ROLES):
        return Case.objects.none()
    condition = Q(organisation_id=viewer.organisation_id)
    if include_referred:
        condition |= Q(_open_referral_to(viewer))
    return (
        Case.objects.filter(condition, shredded_at__isnull=True)
        .select_related("person", "support_type", "assignee", "region", "organisation")
        .order_by("-triage_score", "-created_at", "pk")
    )


def access_case_by_id(viewer: Viewer, case_id: Any) -> CaseAccess:
    """The case and what the viewer may do with it; NotFound if it does not exist, is shredded, or is not the
    viewer's to see (one answer for all three)."""
    try:
        case = cases_for(viewer).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound from None
    if case.organisation_id == viewer.organisation_id:
        return CaseAccess(
            case=case, own=True, referral=None, parts=ALL_PARTS, can_write=viewer.has_role(CASE_WRITE_ROLES)
        )
    referral = _open_referrals(viewer).filter(case=case).order_by("-created_at").first()
    if referral is None:  # closed between the two queries
        raise NotFound
    return CaseAccess(case=case, own=False, referral=referral, parts=frozenset(referral.parts), can_write=False)


@dataclass(frozen=True)
class CaseFilters:
    scope: str = "queue"  # queue | mine | referred | closed
    support_type: SupportType | None = None
    state: str = ""
    risk: int | None = None
    deadline_within_days: int | None = None
    family_name: str = ""
    given_name: str = ""
    birth_date: dt.date | None = None


def case_list(viewer: Viewer, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The cases a list page shows: the organisation's open queue, my cases, cases referred to us, or closed
    ones; filtered by type, state, risk, deadline, and by name or birth date through the blind indexes."""
    filters = filters or CaseFilters()
    if filters.scope == "referred":
        queryset = cases_for(viewer).exclude(organisation_id=viewer.organisation_id)
    else:
        queryset = cases_for(viewer, include_referred=False)
        if filters.scope == "mine":
            queryset = queryset.filter(assignee=viewer.user, closed_at__isnull=True)
        elif filters.scope == "closed":
            queryset = queryset.filter(closed_at__isnull=False)
        else:
            queryset = queryset.filter(closed_at__isnull=True)
    if filters.support_type is not None:
        queryset = queryset.filter(support_type=filters.support_type)
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.risk:
        queryset = queryset.filter(risk__gte=filters.risk)
    if filters.deadline_within_days is not None:
        limit = timezone.localdate() + dt.timedelta(days=filters.deadline_within_days)
        queryset = queryset.filter(next_deadline__isnull=False, next_deadline__lte=limit)
    person_filter = person_search_filter(
        viewer, family_name=filters.family_name, given_name=filters.given_name, birth_date=filters.birth_date
    )
    if person_filter is not None:
        queryset = queryset.filter(person__in=Person.objects.filter(**person_filter))
    return queryset


def person_search_filter(
    viewer: Viewer, *, family_name: str = "", given_name: str = "", birth_date: dt.date | None = None
) -> dict[str, Any] | None:
    """Blind-index look-ups for the viewer's own organisation's persons (candidates: the page confirms them by
    decrypting). None when nothing is searched."""
    lookups: dict[str, Any] = {}
    org = viewer.organisation_id
    if family_name.strip():
        lookups.update(blind_index_filter(Person, "family_name", family_name, organisation_id=org))
    if given_name.strip():
        lookups.update(blind_index_filter(Person, "given_name", given_name, organisation_id=org))
    if birth_date is not None:
        lookups.update(blind_index_filter(Person, "birth_date", birth_date, organisation_id=org))
    if not lookups:
        return None
    lookups["organisation_id"] = org
    return lookups


def case_page(queryset: QuerySet[Case], number: Any, *, per_page: int = 50) -> tuple[Any, list[Case]]:
    """One page of a case list: the page's ids first (an index scan, whatever the page's depth), then only those
    rows with what the list shows. Returns the paginator's page (for its links) and the cases in order."""
    from django.core.paginator import Paginator

    ids_page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(ids_page.object_list)
    rows = Case.objects.select_related("person", "support_type", "assignee", "region", "organisation").in_bulk(ids)
    return ids_page, [rows[pk] for pk in ids if pk in rows]


def decryptable_page(viewer: Viewer, cases: list[Case]) -> list[Case]:
    """Prefetch, in one query, the keys a list page needs: the persons' (for names) of the viewer's own cases."""
    prefetch_data_keys(c.person.data_key_id for c in cases if c.organisation_id == viewer.organisation_id)
    return cases


def case_timeline(access: CaseAccess) -> QuerySet[CaseEvent]:
    """The case's events; an organisation the case was referred to sees only its own organisation's events
    and the owner's, never another recipient's."""
    events = CaseEvent.objects.filter(case=access.case).select_related("actor", "organisation")
    if not access.own and access.referral is not None:
        events = events.filter(organisation_id__in=[access.case.organisation_id, access.referral.to_organisation_id])
    return events


def assignable_members(viewer: Viewer) -> QuerySet[User]:
    """Members of the viewer's organisation who may be assigned cases."""
    ids = Membership.objects.filter(organisation_id=viewer.organisation_id, role__in=CASE_WRITE_ROLES).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")
