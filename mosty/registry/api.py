"""The registry's API (mounted at /api/v1/registry/): reference data, organisation profiles, initiatives,
activities, needs and coverage. Every handler builds the `Viewer` from the token (its organisation and its
role, which may be lower than the member's own) and goes through the same selectors and services as the web
pages, so a token sees and changes exactly what its holder could on the web with that role."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from mosty.accounts import selectors as accounts_selectors
from mosty.accounts.selectors import Viewer
from mosty.api.auth import identity
from mosty.core.exceptions import NotFound, ValidationFailed
from mosty.registry import selectors, services
from mosty.registry.models import Activity, FundingStatus, Initiative, LinkKind, Need, Region, Sector, SupportType

router = Router(tags=["registry"])


def _viewer(request: HttpRequest) -> Viewer:
    who = identity(request)
    return Viewer(user=who.user, organisation=who.organisation, role=who.role)


class Pages(PageNumberPagination):
    """Page numbers from 1; 50 items a page unless `page_size` asks for fewer (at most 200)."""


# --- schemas -----------------------------------------------------------------------------------------------------


class NamedOut(Schema):
    code: str
    name_en: str
    name_uk: str
    name_ru: str

    @staticmethod
    def resolve_code(obj: Sector | SupportType) -> str:
        return obj.slug


class RegionOut(Schema):
    code: str
    kind: str
    country: str
    name_en: str
    name_uk: str
    name_ru: str
    is_national_republic: bool


class ProfileOut(Schema):
    organisation_id: int
    name: str
    kind: str
    country: str
    summary: str = ""
    website: str = ""
    founded_year: int | None = None
    sectors: list[str] = []
    regions: list[str] = []
    contact: str | None = Field(None, description="Members only; null for other organisations.")
    internal_notes: str | None = Field(None, description="Members only; null for other organisations.")


class ProfileIn(Schema):
    summary: str = Field("", max_length=2000)
    website: str = Field("", max_length=200)
    founded_year: int | None = Field(None, ge=1900, le=2100)
    sectors: list[str] = []
    regions: list[str] = []
    contact: str = Field("", max_length=1000)
    internal_notes: str = Field("", max_length=5000)


class InitiativeOut(Schema):
    id: uuid.UUID
    codename: str
    recorded_by: int
    description: str | None
    sectors: list[str]
    regions: list[str]
    is_active: bool

    @staticmethod
    def resolve_recorded_by(obj: Initiative) -> int:
        return int(obj.organisation_id)

    @staticmethod
    def resolve_sectors(obj: Initiative) -> list[str]:
        return [s.slug for s in obj.sectors.all()]

    @staticmethod
    def resolve_regions(obj: Initiative) -> list[str]:
        return [r.code for r in obj.regions.all()]


class InitiativeIn(Schema):
    codename: str = Field(..., max_length=80)
    description: str = Field("", max_length=5000)
    sectors: list[str] = []
    regions: list[str] = []
    is_active: bool = True


class LinkIn(Schema):
    organisation_id: int
    kind: LinkKind = LinkKind.KNOWS
    since: dt.date | None = None


class LinkOut(Schema):
    id: int
    organisation_id: int
    kind: str
    since: dt.date | None


class ActivityOut(Schema):
    id: uuid.UUID
    reference: str
    organisation_id: int
    initiative_id: uuid.UUID | None
    title: str
    support_type: str
    sector: str
    regions: list[str]
    start_date: dt.date
    end_date: dt.date | None
    people_per_month: int | None
    funding_status: FundingStatus
    shared: bool

    @staticmethod
    def resolve_support_type(obj: Activity) -> str:
        return obj.support_type.slug

    @staticmethod
    def resolve_sector(obj: Activity) -> str:
        return obj.sector.slug

    @staticmethod
    def resolve_regions(obj: Activity) -> list[str]:
        return [r.code for r in obj.regions.all()]


class ActivityIn(Schema):
    title: str = Field(..., max_length=160)
    support_type: str
    sector: str
    regions: list[str] = Field(..., min_length=1)
    start_date: dt.date
    end_date: dt.date | None = None
    people_per_month: int | None = Field(None, ge=0, le=10_000_000)
    funding_status: FundingStatus = FundingStatus.UNFUNDED
    shared: bool = True
    initiative_id: uuid.UUID | None = None
    reference: str = Field("", max_length=64)


class ActivityQuery(Schema):
    q: str = Field("", max_length=100)
    sector: str = ""
    support_type: str = ""
    region: str = ""
    funding_status: str = ""
    actor: str = Field("", pattern="^(|organisation|initiative)$")
    current: bool = False


class CoverageCell(Schema):
    region: str
    sector: str
    activities: int


class NeedIn(Schema):
    region: str
    sector: str
    support_type: str = ""
    requests: int = Field(..., ge=1, le=1_000_000)
    month: dt.date = Field(..., description="Any day of the month; stored as its first day.")


class NeedOut(Schema):
    id: uuid.UUID
    region: str
    sector: str
    support_type: str | None
    requests: int
    month: dt.date

    @staticmethod
    def resolve_region(obj: Need) -> str:
        return obj.region.code

    @staticmethod
    def resolve_sector(obj: Need) -> str:
        return obj.sector.slug

    @staticmethod
    def resolve_support_type(obj: Need) -> str | None:
        return obj.support_type.slug if obj.support_type else None


class UnmetNeedOut(Schema):
    region: str
    sector: str
    support_type: str | None
    requests: int
    organisations: int


# --- look-ups by code --------------------------------------------------------------------------------------------


def _by_codes(model: Any, field: str, codes: list[str], error_field: str) -> list[Any]:
    found = {getattr(obj, field): obj for obj in model.objects.filter(**{f"{field}__in": codes})}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed(errors={error_field: [f"unknown: {', '.join(unknown)}"]})
    return [found[c] for c in codes]


def _one(model: Any, field: str, code: str, error_field: str) -> Any:
    return _by_codes(model, field, [code], error_field)[0]


# --- reference data ----------------------------------------------------------------------------------------------


@router.get("/sectors", response=list[NamedOut], summary="Sectors")
def sector_list(request: HttpRequest) -> Any:
    return selectors.sectors()


@router.get("/support-types", response=list[NamedOut], summary="Support types")
def support_type_list(request: HttpRequest) -> Any:
    return selectors.support_types()


@router.get("/regions", response=list[RegionOut], summary="Regions (ISO 3166-2) and countries (ISO 3166-1)")
def region_list(request: HttpRequest, country: str = "", kind: str = "") -> Any:
    return selectors.regions(country=country.upper() or None, kind=kind or None)


# --- profiles ----------------------------------------------------------------------------------------------------


def _profile_out(view: selectors.ProfileView) -> ProfileOut:
    org, profile = view.organisation, view.profile
    out = ProfileOut(
        organisation_id=org.pk, name=org.name, kind=org.kind, country=org.country, contact=None, internal_notes=None
    )
    if profile is not None:
        out.summary = profile.summary
        out.website = profile.website
        out.founded_year = profile.founded_year
        out.sectors = [s.slug for s in profile.sectors.all()]
        out.regions = [r.code for r in profile.regions.all()]
        if view.members_only:
            # Read (decrypted) only for the organisation's own members.
            out.contact = profile.contact
            out.internal_notes = profile.internal_notes
    return out


class ProfilePages(Pages):
    """Pages of organisations, turned into profiles after slicing (the profile is prefetched: no N+1)."""

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        viewer = _viewer(request)
        page[self.items_attribute] = [
            _profile_out(
                selectors.ProfileView(
                    organisation=org,
                    profile=getattr(org, "profile", None),
                    members_only=org.pk == viewer.organisation_id,
                )
            )
            for org in page[self.items_attribute]
        ]
        return page


@router.get("/organisations", response=list[ProfileOut], summary="Organisations and their shared profiles")
@paginate(ProfilePages, page_size=50, max_page_size=200)
def organisation_list(request: HttpRequest, q: str = "") -> Any:
    return selectors.organisations(_viewer(request), selectors.OrganisationFilters(q=q[:100]))


@router.get("/organisations/{organisation_id}", response=ProfileOut, summary="One organisation's profile")
def organisation_detail(request: HttpRequest, organisation_id: int) -> Any:
    return _profile_out(selectors.access_profile_by_organisation_id(_viewer(request), organisation_id))


@router.put("/profile", response=ProfileOut, summary="Replace your organisation's profile (administrators)")
def profile_put(request: HttpRequest, payload: ProfileIn) -> Any:
    viewer = _viewer(request)
    services.profile_update(
        viewer=viewer,
        data=services.ProfileInput(
            summary=payload.summary,
            website=payload.website,
            founded_year=payload.founded_year,
            sectors=_by_codes(Sector, "slug", payload.sectors, "sectors"),
            regions=_by_codes(Region, "code", payload.regions, "regions"),
            contact=payload.contact,
            internal_notes=payload.internal_notes,
        ),
    )
    return _profile_out(selectors.access_profile_by_organisation_id(viewer, viewer.organisation_id))


# --- initiatives -------------------------------------------------------------------------------------------------


@router.get("/initiatives", response=list[InitiativeOut], summary="Initiatives your organisation knows")
@paginate(Pages, page_size=50, max_page_size=200)
def initiative_list(request: HttpRequest, q: str = "") -> Any:
    return selectors.with_decryptable_keys(selectors.initiatives(_viewer(request), q=q[:100]))


def _initiative_input(payload: InitiativeIn) -> services.InitiativeInput:
    return services.InitiativeInput(
        codename=payload.codename,
        description=payload.description,
        sectors=_by_codes(Sector, "slug", payload.sectors, "sectors"),
        regions=_by_codes(Region, "code", payload.regions, "regions"),
        is_active=payload.is_active,
    )


@router.post("/initiatives", response={201: InitiativeOut}, summary="Record an initiative")
def initiative_create(request: HttpRequest, payload: InitiativeIn) -> Any:
    return services.initiative_create(viewer=_viewer(request), data=_initiative_input(payload))


@router.get("/initiatives/{initiative_id}", response=InitiativeOut, summary="One initiative")
def initiative_detail(request: HttpRequest, initiative_id: uuid.UUID) -> Any:
    return selectors.access_initiative_by_id(_viewer(request), initiative_id)


@router.put("/initiatives/{initiative_id}", response=InitiativeOut, summary="Change an initiative you recorded")
def initiative_put(request: HttpRequest, initiative_id: uuid.UUID, payload: InitiativeIn) -> Any:
    viewer = _viewer(request)
    initiative = selectors.access_own_initiative_by_id(viewer, initiative_id)
    return services.initiative_update(viewer=viewer, initiative=initiative, data=_initiative_input(payload))


@router.get("/initiatives/{initiative_id}/links", response=list[LinkOut], summary="Organisations that know it")
def initiative_links(request: HttpRequest, initiative_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    return selectors.initiative_links(viewer, selectors.access_initiative_by_id(viewer, initiative_id))


@router.post("/initiatives/{initiative_id}/links", response={201: LinkOut}, summary="Let an organisation see it")
def initiative_link_add(request: HttpRequest, initiative_id: uuid.UUID, payload: LinkIn) -> Any:
    viewer = _viewer(request)
    initiative = selectors.access_own_initiative_by_id(viewer, initiative_id)
    try:
        organisation = accounts_selectors.active_organisation_by_id(payload.organisation_id)
    except NotFound:
        raise ValidationFailed(errors={"organisation_id": ["unknown organisation"]}) from None
    return services.initiative_link_add(
        viewer=viewer, initiative=initiative, organisation=organisation, kind=payload.kind, since=payload.since
    )


@router.delete("/initiatives/{initiative_id}/links/{link_id}", response={204: None}, summary="Remove a link")
def initiative_link_remove(request: HttpRequest, initiative_id: uuid.UUID, link_id: int) -> Any:
    viewer = _viewer(request)
    initiative = selectors.access_own_initiative_by_id(viewer, initiative_id)
    services.initiative_link_remove(viewer=viewer, link=selectors.access_initiative_link(viewer, initiative, link_id))
    return None


# --- activities --------------------------------------------------------------------------------------------------


def _activity_filters(query: ActivityQuery) -> selectors.ActivityFilters:
    import django.utils.timezone as tz

    return selectors.ActivityFilters(
        q=query.q,
        sector=_one(Sector, "slug", query.sector, "sector") if query.sector else None,
        support_type=_one(SupportType, "slug", query.support_type, "support_type") if query.support_type else None,
        region=_one(Region, "code", query.region.upper(), "region") if query.region else None,
        funding_status=query.funding_status,
        actor=query.actor,
        current_on=tz.localdate() if query.current else None,
    )


@router.get("/activities", response=list[ActivityOut], summary="Activities you may see (3W)")
@paginate(Pages, page_size=50, max_page_size=200)
def activity_list(
    request: HttpRequest,
    q: str = "",
    sector: str = "",
    support_type: str = "",
    region: str = "",
    funding_status: str = "",
    actor: str = "",
    current: bool = False,
) -> Any:
    query = ActivityQuery(
        q=q[:100],
        sector=sector,
        support_type=support_type,
        region=region,
        funding_status=funding_status,
        actor=actor if actor in {"organisation", "initiative"} else "",
        current=current,
    )
    return selectors.activities(_viewer(request), _activity_filters(query))


def _activity_input(viewer: Viewer, payload: ActivityIn) -> services.ActivityInput:
    initiative = None
    if payload.initiative_id is not None:
        try:
            initiative = selectors.access_initiative_by_id(viewer, payload.initiative_id)
        except NotFound:
            raise ValidationFailed(errors={"initiative_id": ["unknown initiative"]}) from None
    return services.ActivityInput(
        title=payload.title,
        support_type=_one(SupportType, "slug", payload.support_type, "support_type"),
        sector=_one(Sector, "slug", payload.sector, "sector"),
        regions=_by_codes(Region, "code", [c.upper() for c in payload.regions], "regions"),
        start_date=payload.start_date,
        end_date=payload.end_date,
        people_per_month=payload.people_per_month,
        funding_status=payload.funding_status,
        shared=payload.shared,
        initiative=initiative,
        reference=payload.reference,
    )


@router.post("/activities", response={201: ActivityOut}, summary="Record an activity")
def activity_create(request: HttpRequest, payload: ActivityIn) -> Any:
    viewer = _viewer(request)
    activity = services.activity_create(viewer=viewer, data=_activity_input(viewer, payload))
    return selectors.access_activity_by_id(viewer, activity.pk)


@router.get("/activities/{activity_id}", response=ActivityOut, summary="One activity")
def activity_detail(request: HttpRequest, activity_id: uuid.UUID) -> Any:
    return selectors.access_activity_by_id(_viewer(request), activity_id)


@router.put("/activities/{activity_id}", response=ActivityOut, summary="Change an activity of your organisation")
def activity_put(request: HttpRequest, activity_id: uuid.UUID, payload: ActivityIn) -> Any:
    viewer = _viewer(request)
    activity = selectors.access_own_activity_by_id(viewer, activity_id)
    services.activity_update(viewer=viewer, activity=activity, data=_activity_input(viewer, payload))
    return selectors.access_activity_by_id(viewer, activity_id)


@router.delete("/activities/{activity_id}", response={204: None}, summary="Delete an activity of your organisation")
def activity_delete(request: HttpRequest, activity_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    services.activity_delete(viewer=viewer, activity=selectors.access_own_activity_by_id(viewer, activity_id))
    return None


# --- coverage and needs ------------------------------------------------------------------------------------------


@router.get("/coverage", response=list[CoverageCell], summary="Current activities by region and sector")
def coverage(request: HttpRequest, support_type: str = "", funding_status: str = "", on: dt.date | None = None) -> Any:
    _viewer(request)
    filters = selectors.CoverageFilters(
        support_type=_one(SupportType, "slug", support_type, "support_type") if support_type else None,
        funding_status=funding_status,
        on=on,
    )
    counts = selectors.coverage_counts(filters)
    regions = Region.objects.in_bulk({r for r, _s in counts})
    sectors = Sector.objects.in_bulk({s for _r, s in counts})
    cells = [CoverageCell(region=regions[r].code, sector=sectors[s].slug, activities=n) for (r, s), n in counts.items()]
    return sorted(cells, key=lambda c: (c.region, c.sector))


@router.get("/needs/unmet", response=list[UnmetNeedOut], summary="Requests where no current activity works")
def unmet_needs(request: HttpRequest) -> Any:
    _viewer(request)
    return [
        UnmetNeedOut(
            region=n.region.code,
            sector=n.sector.slug,
            support_type=n.support_type.slug if n.support_type else None,
            requests=n.requests,
            organisations=n.organisations,
        )
        for n in selectors.unmet_needs()
    ]


@router.get("/needs", response=list[NeedOut], summary="Needs your organisation recorded")
@paginate(Pages, page_size=50, max_page_size=200)
def need_list(request: HttpRequest) -> Any:
    return selectors.needs(_viewer(request))


@router.post("/needs", response={201: NeedOut}, summary="Record requests for help from a region")
def need_create(request: HttpRequest, payload: NeedIn) -> Any:
    return services.need_create(
        viewer=_viewer(request),
        region=_one(Region, "code", payload.region.upper(), "region"),
        sector=_one(Sector, "slug", payload.sector, "sector"),
        support_type=_one(SupportType, "slug", payload.support_type, "support_type") if payload.support_type else None,
        requests=payload.requests,
        month=payload.month,
    )


@router.delete("/needs/{need_id}", response={204: None}, summary="Delete a need your organisation recorded")
def need_delete(request: HttpRequest, need_id: uuid.UUID) -> Any:
    viewer = _viewer(request)
    services.need_delete(viewer=viewer, need=selectors.access_own_need_by_id(viewer, need_id))
    return None
