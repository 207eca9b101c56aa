"""Reads for the registry. Each takes the `Viewer` (user, acting organisation, role) and returns only what that
organisation may see:

- reference data (sectors, support types, regions) and the shared part of every active organisation's
  profile: everyone;
- a profile's members-only part: the organisation's own members;
- an initiative and its activities: the organisation that recorded it and the organisations linked to it;
- an organisation's own activity: everyone when shared, otherwise its own members;
- coverage counts, the map and unmet needs: everyone, as counts that name nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from mosty.accounts.models import Organisation
from mosty.accounts.selectors import Viewer
from mosty.core.crypto.keyring import prefetch_data_keys
from mosty.core.exceptions import NotFound
from mosty.registry.models import (
    Activity,
    Initiative,
    InitiativeLink,
    Need,
    OrganisationProfile,
    Region,
    RegionKind,
    Sector,
    SupportType,
)

# --- reference data ------------------------------------------------------------------------------------------


def sectors() -> QuerySet[Sector]:
    return Sector.objects.all()


def support_types() -> QuerySet[SupportType]:
    return SupportType.objects.all()


def regions(*, country: str | None = None, kind: str | None = None) -> QuerySet[Region]:
    """Regions and countries; `country="RU"` gives Russia's federal subjects (and Russia itself)."""
    queryset = Region.objects.all()
    if country:
        queryset = queryset.filter(country=country)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset


def exile_countries() -> QuerySet[Region]:
    return Region.objects.filter(kind=RegionKind.COUNTRY).exclude(country__in=("RU", "UA"))


# --- organisation profiles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFilters:
    q: str = ""
    sector: Sector | None = None
    region: Region | None = None
    kind: str = ""


def organisations(viewer: Viewer, filters: OrganisationFilters | None = None) -> QuerySet[Organisation]:
    """Every active organisation with the shared part of its profile (sectors and regions prefetched)."""
    filters = filters or OrganisationFilters()
    queryset = (
        Organisation.objects.filter(is_active=True)
        .select_related("profile")
        .prefetch_related("profile__sectors", "profile__regions")
        .order_by("name")
    )
    if filters.q:
        queryset = queryset.filter(Q(name__icontains=filters.q) | Q(slug__icontains=filters.q))
    if filters.sector is not None:
        queryset = queryset.filter(profile__sectors=filters.sector)
    if filters.region is not None:
        queryset = queryset.filter(profile__regions=filters.region)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return queryset.distinct()


@dataclass(frozen=True)
class ProfileView:
    """An organisation's profile as the viewer may see it; `members_only` is True for its own members, and only
    then may the template read the encrypted part."""

    organisation: Organisation
    profile: OrganisationProfile | None
    members_only: bool


def access_profile_by_organisation_id(viewer: Viewer, organisation_id: int | str) -> ProfileView:
    """The profile of an active organisation; NotFound for an unknown or inactive one."""
    try:
        organisation = Organisation.objects.get(pk=organisation_id, is_active=True)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise NotFound from None
    profile = (
        OrganisationProfile.objects.filter(organisation=organisation).prefetch_related("sectors", "regions").first()
    )
    return ProfileView(
        organisation=organisation, profile=profile, members_only=organisation.pk == viewer.organisation_id
    )


# --- initiatives ------------------------------------------------------------------------------------------------


def _initiative_visible(viewer: Viewer) -> Q:
    return Q(organisation_id=viewer.organisation_id) | Q(links__organisation_id=viewer.organisation_id)


def initiatives(
    viewer: Viewer, *, q: str = "", sector: Sector | None = None, region: Region | None = None
) -> QuerySet[Initiative]:
    """Initiatives the viewer's organisation recorded or is linked to."""
    visible_ids = Initiative.objects.filter(_initiative_visible(viewer)).values("pk")
    queryset = (
        Initiative.objects.filter(pk__in=visible_ids)
        .select_related("organisation")
        .prefetch_related("sectors", "regions")
        .order_by("codename")
    )
    if q:
        queryset = queryset.filter(codename__icontains=q)
    if sector is not None:
        queryset = queryset.filter(sectors=sector)
    if region is not None:
        queryset = queryset.filter(regions=region)
    return queryset.distinct()


def access_initiative_by_id(viewer: Viewer, initiative_id: Any) -> Initiative:
    """An initiative the viewer's organisation recorded or is linked to; NotFound otherwise (the same answer
    for one that does not exist)."""
    try:
        return initiatives(viewer).get(pk=initiative_id)
    except (Initiative.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound from None


def access_own_initiative_by_id(viewer: Viewer, initiative_id: Any) -> Initiative:
    """An initiative the viewer's organisation recorded (only it may change the record or its links)."""
    initiative = access_initiative_by_id(viewer, initiative_id)
    if initiative.organisation_id != viewer.organisation_id:
        raise NotFound
    return initiative


def initiative_links(viewer: Viewer, initiative: Initiative) -> QuerySet[InitiativeLink]:
    """The organisations linked to an initiative the viewer may see."""
    access_initiative_by_id(viewer, initiative.pk)
    return (
        InitiativeLink.objects.filter(initiative=initiative)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def access_initiative_link(viewer: Viewer, initiative: Initiative, link_id: Any) -> InitiativeLink:
    """A link of an initiative the viewer's organisation recorded; NotFound otherwise."""
    if initiative.organisation_id != viewer.organisation_id:
        raise NotFound
    try:
        return InitiativeLink.objects.select_related("initiative").get(initiative=initiative, pk=link_id)
    except (InitiativeLink.DoesNotExist, ValueError, TypeError):
        raise NotFound from None


def with_decryptable_keys(items: Iterable[Initiative]) -> list[Initiative]:
    """Prefetch the data keys of a page of initiatives in one query (no N+1 when descriptions are shown)."""
    page = list(items)
    prefetch_data_keys(i.data_key_id for i in page)
    return page


# --- activities -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityFilters:
    q: str = ""
    sector: Sector | None = None
    support_type: SupportType | None = None
    region: Region | None = None
    country: str = ""
    funding_status: str = ""
    actor: str = ""  # "organisation" | "initiative" | ""
    organisation: Organisation | None = None
    current_on: dt.date | None = None
    national_republics: bool = False


def _activity_visible(viewer: Viewer) -> Q:
    own = Q(organisation_id=viewer.organisation_id)
    shared = Q(shared=True, initiative__isnull=True)
    known_initiative = Q(initiative__organisation_id=viewer.organisation_id) | Q(
        initiative__links__organisation_id=viewer.organisation_id
    )
    return own | shared | Q(initiative__isnull=False) & known_initiative


def _filter_activities(queryset: QuerySet[Activity], filters: ActivityFilters) -> QuerySet[Activity]:
    if filters.q:
        queryset = queryset.filter(
            Q(title__icontains=filters.q) | Q(organisation__name__icontains=filters.q) | Q(reference=filters.q)
        )
    if filters.sector is not None:
        queryset = queryset.filter(sector=filters.sector)
    if filters.support_type is not None:
        queryset = queryset.filter(support_type=filters.support_type)
    if filters.region is not None:
        queryset = queryset.filter(regions=filters.region)
    if filters.country:
        queryset = queryset.filter(regions__country=filters.country)
    if filters.national_republics:
        queryset = queryset.filter(regions__is_national_republic=True)
    if filters.funding_status:
        queryset = queryset.filter(funding_status=filters.funding_status)
    if filters.actor == "organisation":
        queryset = queryset.filter(initiative__isnull=True)
    elif filters.actor == "initiative":
        queryset = queryset.filter(initiative__isnull=False)
    if filters.organisation is not None:
        queryset = queryset.filter(organisation=filters.organisation)
    if filters.current_on is not None:
        queryset = queryset.filter(start_date__lte=filters.current_on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=filters.current_on)
        )
    return queryset


def activities(viewer: Viewer, filters: ActivityFilters | None = None) -> QuerySet[Activity]:
    """The activities the viewer may see, filtered, newest first, with what a list shows loaded (no N+1)."""
    filters = filters or ActivityFilters()
    visible_ids = Activity.objects.filter(_activity_visible(viewer)).values("pk")
    queryset = _filter_activities(Activity.objects.filter(pk__in=visible_ids), filters)
    matching_ids = queryset.values("pk")
    return (
        Activity.objects.filter(pk__in=matching_ids)
        .select_related("organisation", "initiative", "sector", "support_type")
        .prefetch_related(Prefetch("regions", queryset=Region.objects.order_by("code")))
        .order_by("-start_date", "title", "pk")
    )


def access_activity_by_id(viewer: Viewer, activity_id: Any) -> Activity:
    """An activity the viewer may see; NotFound otherwise."""
    try:
        return activities(viewer).get(pk=activity_id)
    except (Activity.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound from None


def access_own_activity_by_id(viewer: Viewer, activity_id: Any) -> Activity:
    """An activity of the viewer's own organisation (only it may change it); NotFound otherwise."""
    activity = access_activity_by_id(viewer, activity_id)
    if activity.organisation_id != viewer.organisation_id:
        raise NotFound
    return activity


# --- coverage, map, gaps ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageFilters:
    support_type: SupportType | None = None
    funding_status: str = ""
    on: dt.date | None = None  # default: today


def _current_activities(filters: CoverageFilters) -> QuerySet[Activity]:
    on = filters.on or timezone.localdate()
    queryset = Activity.objects.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
    if filters.support_type is not None:
        queryset = queryset.filter(support_type=filters.support_type)
    if filters.funding_status:
        queryset = queryset.filter(funding_status=filters.funding_status)
    return queryset


def coverage_counts(filters: CoverageFilters | None = None) -> dict[tuple[int, int], int]:
    """(region id, sector id) -> number of current activities there. One query; every activity counts, whoever
    may see it, because a count names nobody."""
    filters = filters or CoverageFilters()
    through = Activity.regions.through
    rows = (
        through.objects.filter(activity__in=_current_activities(filters))
        .values("region_id", "activity__sector_id")
        .annotate(n=Count("activity_id", distinct=True))
    )
    return {(row["region_id"], row["activity__sector_id"]): row["n"] for row in rows}


def region_totals(filters: CoverageFilters | None = None, *, sector: Sector | None = None) -> dict[int, int]:
    """Region id -> number of current activities there (all sectors, or one)."""
    filters = filters or CoverageFilters()
    queryset = _current_activities(filters)
    if sector is not None:
        queryset = queryset.filter(sector=sector)
    through = Activity.regions.through
    rows = (
        through.objects.filter(activity__in=queryset)
        .values("region_id")
        .annotate(n=Count("activity_id", distinct=True))
    )
    return {row["region_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class CoverageRow:
    region: Region
    cells: list[tuple[Sector, int]]
    total: int

    @property
    def gaps(self) -> int:
        return sum(1 for _, n in self.cells if n == 0)


def coverage_matrix(
    filters: CoverageFilters | None = None, *, region_queryset: QuerySet[Region] | None = None
) -> tuple[list[Sector], list[CoverageRow]]:
    """Sectors (columns) and one row per region with the count of current activities in each sector."""
    counts = coverage_counts(filters)
    sector_list = list(sectors())
    region_list = list(region_queryset if region_queryset is not None else regions(kind=RegionKind.SUBDIVISION))
    rows = []
    for region in region_list:
        cells = [(s, counts.get((region.pk, s.pk), 0)) for s in sector_list]
        rows.append(CoverageRow(region=region, cells=cells, total=sum(n for _, n in cells)))
    return sector_list, rows


@dataclass(frozen=True)
class UnmetNeed:
    region: Region
    sector: Sector
    support_type: SupportType | None
    requests: int
    organisations: int


def unmet_needs(*, since: dt.date | None = None, on: dt.date | None = None) -> list[UnmetNeed]:
    """Region x sector (x support type) groups where requests came in since `since` (default: 12 months ago) and
    no current activity works there (one in the same region, sector and, when the need names it, support type).
    Activities registered for a whole country do not fill a region's gap. Largest first."""
    today = on or timezone.localdate()
    since = since or (today - dt.timedelta(days=365))
    groups = (
        Need.objects.filter(month__gte=since.replace(day=1), month__lte=today)
        .values("region_id", "sector_id", "support_type_id")
        .annotate(requests=Sum("requests"), organisations=Count("organisation_id", distinct=True))
    )
    current = _current_activities(CoverageFilters(on=today))
    through = Activity.regions.through
    covered_sector: set[tuple[int, int]] = set()
    covered_type: set[tuple[int, int, int]] = set()
    for region_id, sector_id, type_id in through.objects.filter(activity__in=current).values_list(
        "region_id", "activity__sector_id", "activity__support_type_id"
    ):
        covered_sector.add((region_id, sector_id))
        covered_type.add((region_id, sector_id, type_id))
    gaps = []
    for group in groups:
        key = (group["region_id"], group["sector_id"])
        type_id = group["support_type_id"]
        if key in covered_sector if type_id is None else (*key, type_id) in covered_type:
            continue
        gaps.append(group)
    region_map = Region.objects.in_bulk({g["region_id"] for g in gaps})
    sector_map = Sector.objects.in_bulk({g["sector_id"] for g in gaps})
    type_map = SupportType.objects.in_bulk({g["support_type_id"] for g in gaps if g["support_type_id"]})
    result = [
        UnmetNeed(
            region=region_map[g["region_id"]],
            sector=sector_map[g["sector_id"]],
            support_type=type_map.get(g["support_type_id"]) if g["support_type_id"] else None,
            requests=int(g["requests"]),
            organisations=int(g["organisations"]),
        )
        for g in gaps
    ]
    result.sort(key=lambda n: (-n.requests, n.region.code, n.sector.position))
    return result


def needs(viewer: Viewer) -> QuerySet[Need]:
    """The needs the viewer's organisation recorded (others' appear only inside the counts)."""
    return (
        Need.objects.filter(organisation_id=viewer.organisation_id)
        .select_related("region", "sector", "support_type")
        .order_by("-month", "-created_at")
    )


def access_own_need_by_id(viewer: Viewer, need_id: Any) -> Need:
    try:
        return needs(viewer).get(pk=need_id)
    except (Need.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound from None
