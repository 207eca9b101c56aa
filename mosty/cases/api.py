"""The cases API (mounted at /api/v1/cases/): list and search, open, read, triage, move, assign, tasks, notes.
Through the same selectors and services as the pages: a token sees what its holder's role sees, referred cases
only in the parts the referral names, and everything else answers 404."""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from mosty.accounts.selectors import Viewer
from mosty.api.auth import identity
from mosty.cases import selectors, services
from mosty.cases.models import Case
from mosty.core.exceptions import ValidationFailed
from mosty.registry.models import Region, SupportType

router = Router(tags=["cases"])


def _viewer(request: HttpRequest) -> Viewer:
    who = identity(request)
    return Viewer(user=who.user, organisation=who.organisation, role=who.role)


class Pages(PageNumberPagination):
    """Page numbers from 1; 50 cases a page unless `page_size` asks for fewer (at most 200)."""

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(page[self.items_attribute])
        viewer = _viewer(request)
        selectors.decryptable_page(viewer, items)
        page[self.items_attribute] = [_summary(viewer, c) for c in items]
        return page


class PersonOut(Schema):
    label: str
    family_name: str | None = None
    given_name: str | None = None
    patronymic: str | None = None
    birth_date: str | None = None
    citizenship: str | None = None
    contact: str | None = None


class CaseSummaryOut(Schema):
    id: uuid.UUID
    reference: str
    organisation_id: int
    referred: bool
    support_type: str
    state: str
    risk: int
    urgency: int
    triage_score: int
    next_deadline: dt.date | None
    assignee: str | None
    person: PersonOut


class TaskOut(Schema):
    id: uuid.UUID
    title: str | None
    due_date: dt.date | None
    done: bool


class NoteOut(Schema):
    id: uuid.UUID
    body: str | None
    author: str | None
    created_at: dt.datetime


class CaseOut(CaseSummaryOut):
    region: str | None
    summary: str | None = Field(None, description="Null when not shared with your organisation.")
    details: dict[str, Any] | None = None
    allowed_states: list[str]
    parts: list[str]
    tasks: list[TaskOut] = []
    notes: list[NoteOut] = []


def _person(viewer: Viewer, case: Case, parts: frozenset[str]) -> PersonOut:
    person = case.person
    out = PersonOut(label=person.label)
    if "identity" in parts:
        out.family_name = person.family_name
        out.given_name = person.given_name
        out.patronymic = person.patronymic
        out.birth_date = person.birth_date
        out.citizenship = person.citizenship
        out.contact = person.contact
    return out


def _summary(viewer: Viewer, case: Case) -> CaseSummaryOut:
    own = case.organisation_id == viewer.organisation_id
    parts = selectors.ALL_PARTS if own else frozenset()
    return CaseSummaryOut(
        id=case.pk,
        reference=case.reference,
        organisation_id=case.organisation_id,
        referred=not own,
        support_type=case.support_type.slug,
        state=case.state,
        risk=case.risk,
        urgency=case.urgency,
        triage_score=case.triage_score,
        next_deadline=case.next_deadline,
        assignee=case.assignee.username if case.assignee else None,
        person=_person(viewer, case, parts),
    )


def _full(viewer: Viewer, access: selectors.CaseAccess) -> CaseOut:
    case = access.case
    settings = services.type_settings(case.organisation_id, case.support_type)
    base = _summary(viewer, case).model_dump()
    base["person"] = _person(viewer, case, access.parts)
    out = CaseOut(
        **base,
        region=case.region.code if case.region else None,
        allowed_states=list(settings.workflow.allowed(case.state, disabled=settings.disabled_states))
        if access.can_write
        else [],
        parts=sorted(access.parts),
    )
    if access.can("case"):
        out.summary = case.summary
        out.details = case.details
        out.tasks = [
            TaskOut(id=t.pk, title=t.title, due_date=t.due_date, done=t.done_at is not None) for t in case.tasks.all()
        ]
    if access.can("notes"):
        out.notes = [
            NoteOut(id=n.pk, body=n.body, author=n.author.username if n.author else None, created_at=n.created_at)
            for n in case.notes.select_related("author")
        ]
    return out


@router.get("", response=list[CaseSummaryOut], summary="Cases: the queue, mine, referred, closed; search by name")
@paginate(Pages, page_size=50, max_page_size=200)
def case_list(
    request: HttpRequest,
    scope: str = "queue",
    support_type: str = "",
    state: str = "",
    risk: int | None = None,
    deadline_within_days: int | None = None,
    family_name: str = "",
    given_name: str = "",
    birth_date: dt.date | None = None,
) -> Any:
    viewer = _viewer(request)
    if scope not in {"queue", "mine", "referred", "closed"}:
        raise ValidationFailed(errors={"scope": ["use queue, mine, referred or closed"]})
    chosen = SupportType.objects.filter(slug=support_type).first() if support_type else None
    if support_type and chosen is None:
        raise ValidationFailed(errors={"support_type": ["unknown support type"]})
    return selectors.case_list(
        viewer,
        selectors.CaseFilters(
            scope=scope,
            support_type=chosen,
            state=state[:40],
            risk=risk,
            deadline_within_days=deadline_within_days,
            family_name=family_name[:200],
            given_name=given_name[:200],
            birth_date=birth_date,
        ),
    )


class PersonIn(Schema):
    family_name: str = Field("", max_length=200)
    given_name: str = Field("", max_length=200)
    patronymic: str = Field("", max_length=200)
    aliases: str = Field("", max_length=500)
    birth_date: str = Field("", max_length=10, description="1987-05-31, 1987-05 or 1987")
    citizenship: str = Field("", max_length=100)
    contact: str = Field("", max_length=1000)


class CaseIn(Schema):
    support_type: str
    person: PersonIn
    risk: int = Field(2, ge=1, le=4)
    urgency: int = Field(2, ge=1, le=4)
    summary: str = Field("", max_length=5000)
    details: dict[str, Any] = {}
    region: str = ""


@router.post("", response={201: CaseOut}, summary="Open a case")
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    from django.db import transaction

    viewer = _viewer(request)
    support_type = SupportType.objects.filter(slug=payload.support_type).first()
    if support_type is None:
        raise ValidationFailed(errors={"support_type": ["unknown support type"]})
    region = Region.objects.filter(code=payload.region.upper()).first() if payload.region else None
    if payload.region and region is None:
        raise ValidationFailed(errors={"region": ["unknown region code"]})
    with transaction.atomic():
        person = services.person_create(
            viewer=viewer, organisation=viewer.organisation, data=services.PersonInput(**payload.person.model_dump())
        )
        case = services.case_create(
            viewer=viewer,
            organisation=viewer.organisation,
            person=person,
            data=services.CaseInput(
                support_type=support_type,
                risk=payload.risk,
                urgency=payload.urgency,
                summary=payload.summary,
                details=payload.details,
                region=region,
            ),
        )
    return _full(viewer, selectors.access_case_by_id(viewer, case.pk))


@router.get("/{case_id}", response=CaseOut, summary="One case (the parts you may read)")
def case_detail(request: HttpRequest, case_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    return _full(viewer, selectors.access_case_by_id(viewer, case_id))


class TriageIn(Schema):
    risk: int = Field(..., ge=1, le=4)
    urgency: int = Field(..., ge=1, le=4)


@router.post("/{case_id}/triage", response=CaseOut, summary="Set risk and urgency")
def case_triage(request: HttpRequest, case_id: uuid.UUID, payload: TriageIn) -> Any:
    viewer = _viewer(request)
    access = selectors.access_case_by_id(viewer, case_id)
    services.case_triage(viewer=viewer, access=access, risk=payload.risk, urgency=payload.urgency)
    return _full(viewer, selectors.access_case_by_id(viewer, case_id))


class TransitionIn(Schema):
    to_state: str = Field(..., max_length=40)


@router.post("/{case_id}/state", response=CaseOut, summary="Move the case (409 if the workflow does not allow it)")
def case_transition(request: HttpRequest, case_id: uuid.UUID, payload: TransitionIn) -> Any:
    viewer = _viewer(request)
    access = selectors.access_case_by_id(viewer, case_id)
    services.case_transition(viewer=viewer, access=access, to_state=payload.to_state)
    return _full(viewer, selectors.access_case_by_id(viewer, case_id))


class AssignIn(Schema):
    username: str | None = None


@router.post("/{case_id}/assignee", response=CaseOut, summary="Assign the case (null: nobody)")
def case_assign(request: HttpRequest, case_id: uuid.UUID, payload: AssignIn) -> Any:
    viewer = _viewer(request)
    access = selectors.access_case_by_id(viewer, case_id)
    assignee = None
    if payload.username:
        assignee = selectors.assignable_members(viewer).filter(username=payload.username).first()
        if assignee is None:
            raise ValidationFailed(errors={"username": ["not a member who works on cases"]})
    services.case_assign(viewer=viewer, access=access, assignee=assignee)
    return _full(viewer, selectors.access_case_by_id(viewer, case_id))


class TaskIn(Schema):
    title: str = Field(..., max_length=300)
    due_date: dt.date | None = None


@router.post("/{case_id}/tasks", response={201: TaskOut}, summary="Add a task")
def task_add(request: HttpRequest, case_id: uuid.UUID, payload: TaskIn) -> Any:
    viewer = _viewer(request)
    access = selectors.access_case_by_id(viewer, case_id)
    task = services.task_add(viewer=viewer, access=access, title=payload.title, due_date=payload.due_date)
    return TaskOut(id=task.pk, title=task.title, due_date=task.due_date, done=False)


@router.post("/{case_id}/tasks/{task_id}/done", response=TaskOut, summary="Mark a task done")
def task_done(request: HttpRequest, case_id: uuid.UUID, task_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    access = selectors.access_case_by_id(viewer, case_id)
    task = services.task_done(viewer=viewer, access=access, task_id=task_id)
    return TaskOut(id=task.pk, title=task.title, due_date=task.due_date, done=True)


class NoteIn(Schema):
    body: str = Field(..., max_length=20000)


@router.post("/{case_id}/notes", response={201: NoteOut}, summary="Add a note")
def note_add(request: HttpRequest, case_id: uuid.UUID, payload: NoteIn) -> Any:
    viewer = _viewer(request)
    access = selectors.access_case_by_id(viewer, case_id)
    note = services.note_add(viewer=viewer, access=access, body=payload.body)
    return NoteOut(id=note.pk, body=note.body, author=viewer.user.username, created_at=note.created_at)
