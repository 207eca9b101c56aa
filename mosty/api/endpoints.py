"""API endpoints. Each reads the token's identity (`auth.identity`), never the session, and goes through
selectors that take the acting user: a token sees its own organisation and nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from mosty.accounts import selectors as accounts_selectors
from mosty.accounts.models import Membership, OrganisationKind, Role
from mosty.api.auth import identity
from mosty.core.crypto.keyring import prefetch_data_keys

router = Router(tags=["organisation"])


class UserRef(Schema):
    id: int
    username: str


class OrganisationRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    user: UserRef
    organisation: OrganisationRef
    role: Role
    token_expires_at: dt.datetime


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    kind: OrganisationKind
    country: str


class MemberOut(Schema):
    user_id: int
    username: str
    display_name: str
    role: Role
    member_since: dt.date

    @staticmethod
    def resolve_username(obj: Membership) -> str:
        return obj.user.username

    @staticmethod
    def resolve_display_name(obj: Membership) -> str:
        return obj.user.display_name or ""

    @staticmethod
    def resolve_member_since(obj: Membership) -> dt.date:
        return obj.created_at.date()


class MembersPagination(PageNumberPagination):
    """Page numbers from 1; 50 members a page unless `page_size` asks for fewer (at most 100)."""

    def paginate_queryset(
        self, queryset: QuerySet[Membership], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        items = list(page[self.items_attribute])
        # One query unwraps every display name's data key on the page (no N+1).
        prefetch_data_keys(m.user.data_key_id for m in items)
        page[self.items_attribute] = items
        return page


@router.get("/me", response=MeOut, summary="Who this token acts as", tags=["token"])
def me(request: HttpRequest) -> MeOut:
    who = identity(request)
    return MeOut(
        user=UserRef(id=who.user.pk, username=who.user.username),
        organisation=OrganisationRef(id=who.organisation.pk, name=who.organisation.name),
        role=Role(who.role),
        token_expires_at=who.token.expires_at,
    )


@router.get("/organisation", response=OrganisationOut, summary="The token's organisation")
def organisation(request: HttpRequest) -> object:
    who = identity(request)
    return accounts_selectors.access_organisation_by_id(who.user, who.organisation.pk)


@router.get("/organisation/members", response=list[MemberOut], summary="Members of the token's organisation")
@paginate(MembersPagination, page_size=50, max_page_size=100)
def organisation_members(request: HttpRequest) -> QuerySet[Membership]:
    who = identity(request)
    return accounts_selectors.organisation_members(who.user, who.organisation)
