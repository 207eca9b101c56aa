"""Demo data for the registry: profiles of the six demo organisations, initiatives under pseudonyms, about a
forty activities over some forty regions of Russia and Ukraine and ten countries of exile, in every sector,
and requests for help that leave visible gaps. Everything here is invented.

Idempotent: nothing is added when the demo organisations already have activities. Everything goes through
the services, acting as each organisation's administrator (and with its keys, for the encrypted parts).
"""

# Cyrillic text is data here.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from mosty.accounts.models import Membership, Organisation, Role
from mosty.accounts.selectors import Viewer
from mosty.core.crypto.keyring import acting_as
from mosty.registry import services
from mosty.registry.models import Activity, FundingStatus, LinkKind, Region, Sector, SupportType

PROFILES: dict[str, dict[str, object]] = {
    "vltava-centre": {
        "summary": "Humanitarian visas, first housing and legal advice for activists and journalists leaving "
        "Russia and Belarus; runs two flat residences in Prague.",
        "website": "https://vltava.example.org",
        "founded_year": 2015,
        "sectors": ["human-rights", "legal-aid", "humanitarian-aid"],
        "regions": ["CZ", "RU-MOW", "RU-SPE"],
        "contact": "Signal: ask a partner for the current number. Session ID on request.",
    },
    "spree-platform": {
        "summary": "Eine Plattform für antimilitaristische Initiativen aus Russland: Mikrozuschüsse, "
        "Sicherheitstrainings, Vernetzung.",
        "website": "https://spree.example.org",
        "founded_year": 2022,
        "sectors": ["anti-war", "indigenous-regional", "culture"],
        "regions": ["DE", "RU-TA", "RU-BA", "RU-BU", "RU-SA"],
        "contact": "Matrix room via a vouching partner only.",
    },
    "obrii": {
        "summary": "Документуємо незаконне затримання цивільних громадян України та допомагаємо їхнім родинам.",
        "website": "https://obrii.example.org",
        "founded_year": 2014,
        "sectors": ["human-rights", "legal-aid"],
        "regions": ["UA-43", "UA-40", "UA-14", "UA-09", "UA-23", "UA-65"],
        "contact": "Захищена пошта через партнерів.",
    },
    "lipa-programme": {
        "summary": "A ministry programme funding relocation, scholarships and micro-grants for civil society "
        "under pressure.",
        "website": "https://lipa.example.org",
        "founded_year": 2023,
        "sectors": ["education", "academia", "independent-media"],
        "regions": ["CZ"],
        "contact": "Programme desk (encrypted mail).",
    },
    "svecha": {
        "summary": "Родственники политзаключённых помогают друг другу: передачи, адвокаты, письма.",
        "founded_year": 2021,
        "sectors": ["human-rights", "legal-aid"],
        "regions": ["LT", "RU-MOW", "RU-KDA", "RU-ROS"],
    },
    "drugoy-bereg": {
        "summary": "Медиахаб для независимых журналистов в изгнании: стипендии, студия, юридическая поддержка.",
        "website": "https://bereg.example.org",
        "founded_year": 2022,
        "sectors": ["independent-media", "culture", "education"],
        "regions": ["LV", "GE", "RU-PER", "RU-SVE", "RU-NVS"],
    },
}


@dataclass(frozen=True)
class DemoInitiative:
    organisation: str
    codename: str
    description: str
    sectors: tuple[str, ...]
    regions: tuple[str, ...]
    linked: tuple[str, ...]


INITIATIVES: tuple[DemoInitiative, ...] = (
    DemoInitiative(
        "spree-platform",
        "Bereza",
        "Антивоенная группа, листовки и поддержка задержанных на акциях.",
        ("anti-war",),
        ("RU-TA",),
        ("vltava-centre",),
    ),
    DemoInitiative(
        "spree-platform",
        "Kurai",
        "Башкирские экологи и защитники шихана; судебные издержки.",
        ("environment", "indigenous-regional"),
        ("RU-BA",),
        (),
    ),
    DemoInitiative(
        "spree-platform",
        "Baikal Watch",
        "Volunteers monitoring pollution and defending the lake's protected zone.",
        ("environment",),
        ("RU-BU", "RU-IRK"),
        ("drugoy-bereg",),
    ),
    DemoInitiative(
        "spree-platform",
        "Sakha Voices",
        "Саха тылын көмүскүүр: language and culture of the Sakha people, anti-mobilisation support.",
        ("indigenous-regional", "culture"),
        ("RU-SA",),
        (),
    ),
    DemoInitiative(
        "vltava-centre",
        "Raduga Perm",
        "Peer support and safe housing referrals for LGBTQ+ people.",
        ("lgbtq",),
        ("RU-PER",),
        ("spree-platform",),
    ),
    DemoInitiative(
        "vltava-centre",
        "Sestry",
        "Кризисная помощь женщинам, пострадавшим от насилия.",
        ("womens-rights",),
        ("RU-SVE", "RU-CHE"),
        (),
    ),
    DemoInitiative(
        "obrii",
        "Kalyna",
        "Волонтери, які збирають свідчення про затриманих у Криму.",
        ("human-rights",),
        ("UA-43",),
        ("svecha",),
    ),
)

# (organisation, support type, sector, region codes, title)
ACTIVITY_TEMPLATES: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("vltava-centre", "humanitarian-visa", "human-rights", ("RU-MOW", "RU-SPE"), "Humanitarian visa fast track"),
    ("vltava-centre", "safe-housing", "human-rights", ("CZ",), "Flat residence Letná (4 places)"),
    ("vltava-centre", "safe-housing", "independent-media", ("CZ",), "Flat residence Žižkov (3 places)"),
    ("vltava-centre", "legal-aid", "legal-aid", ("CZ",), "Residence permit counselling"),
    ("vltava-centre", "evacuation", "human-rights", ("RU-MOW", "RU-NIZ", "RU-KRS"), "Safe exit consultations"),
    ("vltava-centre", "psychological-support", "human-rights", ("CZ", "RU-MOW"), "Online peer counselling"),
    ("spree-platform", "micro-grant", "anti-war", ("RU-TA", "RU-BA", "RU-UD"), "Mikrozuschüsse Wolga"),
    ("spree-platform", "security-training", "anti-war", ("RU-TA", "RU-SAM", "RU-SAR"), "Digital security school"),
    ("spree-platform", "micro-grant", "indigenous-regional", ("RU-BU", "RU-SA", "RU-TY"), "Regional voices fund"),
    ("spree-platform", "micro-grant", "environment", ("RU-ARK", "RU-KO", "RU-KR"), "Northern forests fund"),
    ("spree-platform", "evacuation", "anti-war", ("GE", "AM", "KZ"), "Transit support in Georgia and Armenia"),
    ("spree-platform", "micro-grant", "culture", ("DE", "RS"), "Exile culture grants"),
    ("obrii", "legal-aid", "human-rights", ("UA-43", "UA-40"), "Правова допомога родинам затриманих у Криму"),
    ("obrii", "detainee-family", "human-rights", ("UA-14", "UA-09"), "Підтримка родин цивільних заручників"),
    ("obrii", "legal-aid", "legal-aid", ("UA-23", "UA-65"), "Документування затримань на півдні"),
    ("obrii", "psychological-support", "humanitarian-aid", ("UA-63", "UA-59"), "Психологічна підтримка родин"),
    ("obrii", "medical-help", "humanitarian-aid", ("UA-14",), "Ліки для звільнених з полону"),
    ("lipa-programme", "scholarship", "academia", ("CZ",), "Fellowships for scholars at risk"),
    ("lipa-programme", "micro-grant", "education", ("RU-NVS", "RU-TOM", "RU-OMS"), "Siberian education grants"),
    ("lipa-programme", "scholarship", "independent-media", ("CZ", "LV"), "Journalism residencies"),
    ("lipa-programme", "micro-grant", "womens-rights", ("RU-SVE", "RU-CHE", "RU-TYU"), "Women's initiatives Urals"),
    ("svecha", "detainee-family", "human-rights", ("RU-MOW", "RU-KDA", "RU-ROS"), "Передачи и письма в СИЗО"),
    ("svecha", "legal-aid", "legal-aid", ("RU-MOW", "RU-SPE", "RU-VOR"), "Адвокаты для политзаключённых"),
    ("svecha", "detainee-family", "human-rights", ("RU-DA", "RU-CE", "RU-IN"), "Поддержка семей на Кавказе"),
    ("svecha", "psychological-support", "human-rights", ("LT",), "Группа поддержки родственников"),
    ("drugoy-bereg", "scholarship", "independent-media", ("LV", "GE"), "Стипендии для журналистов в изгнании"),
    ("drugoy-bereg", "security-training", "independent-media", ("RU-PER", "RU-SVE"), "Тренинги по безопасности"),
    ("drugoy-bereg", "legal-aid", "independent-media", ("LV", "PL"), "Юридическая поддержка редакций"),
    ("drugoy-bereg", "micro-grant", "culture", ("RU-NVS", "RU-KYA", "RU-KHA"), "Гранты для региональных медиа"),
    ("drugoy-bereg", "evacuation", "lgbtq", ("RU-PER", "RU-MOW", "TR"), "Эвакуация ЛГБТК+ журналистов"),
)

# Initiative activities: (initiative codename, support type, sector, regions, title)
INITIATIVE_ACTIVITIES: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("Bereza", "legal-aid", "anti-war", ("RU-TA",), "Адвокаты для задержанных на акциях"),
    ("Kurai", "legal-aid", "environment", ("RU-BA",), "Судебная защита экоактивистов"),
    ("Baikal Watch", "micro-grant", "environment", ("RU-BU", "RU-IRK"), "Monitoring equipment"),
    ("Sakha Voices", "security-training", "indigenous-regional", ("RU-SA",), "Language school and safety"),
    ("Raduga Perm", "safe-housing", "lgbtq", ("RU-PER",), "Emergency shelter referrals"),
    ("Sestry", "psychological-support", "womens-rights", ("RU-SVE", "RU-CHE"), "Кризисная линия"),
    ("Kalyna", "detainee-family", "human-rights", ("UA-43",), "Збір свідчень"),
)

# Requests for help: (region, sector, support type or "", requests per month for six months)
NEEDS: tuple[tuple[str, str, str, int], ...] = (
    ("RU-CE", "lgbtq", "evacuation", 6),
    ("RU-DA", "womens-rights", "safe-housing", 4),
    ("RU-KGD", "anti-war", "legal-aid", 3),
    ("RU-KHA", "environment", "", 2),
    ("RU-TY", "lgbtq", "psychological-support", 2),
    ("RU-YAR", "independent-media", "security-training", 3),
    ("RU-TA", "anti-war", "legal-aid", 5),
    ("RU-SPE", "academia", "scholarship", 4),
    ("UA-43", "human-rights", "legal-aid", 7),
    ("UA-14", "humanitarian-aid", "medical-help", 9),
    ("UA-09", "humanitarian-aid", "psychological-support", 5),
    ("UA-23", "education", "", 3),
    ("UA-65", "human-rights", "detainee-family", 6),
    ("GE", "legal-aid", "legal-aid", 8),
    ("KZ", "anti-war", "humanitarian-visa", 4),
    ("RS", "independent-media", "", 2),
)


def _admin_viewer(organisation: Organisation) -> Viewer | None:
    membership = (
        Membership.objects.filter(organisation=organisation, role=Role.ORG_ADMIN).select_related("user").first()
    )
    if membership is None:
        return None
    return Viewer(user=membership.user, organisation=organisation, role=Role.ORG_ADMIN)


def load_registry_demo(*, today: dt.date | None = None) -> int:
    """Load the registry demo into the demo organisations; returns how many activities were created (0 if the
    demo's registry data is there already)."""
    today = today or timezone.localdate()
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=PROFILES)}
    if not organisations or Activity.objects.filter(organisation__in=organisations.values()).exists():
        return 0
    rng = random.Random(20261122)  # noqa: S311  # nosec B311
    sectors = {s.slug: s for s in Sector.objects.all()}
    types = {t.slug: t for t in SupportType.objects.all()}
    regions = {r.code: r for r in Region.objects.all()}
    viewers = {slug: _admin_viewer(org) for slug, org in organisations.items()}
    created = 0
    with transaction.atomic():
        for slug, spec in PROFILES.items():
            viewer = viewers.get(slug)
            if viewer is None:
                continue
            with acting_as(viewer.organisation_id):
                services.profile_update(
                    viewer=viewer,
                    data=services.ProfileInput(
                        summary=str(spec.get("summary", "")),
                        website=str(spec.get("website", "")),
                        founded_year=spec.get("founded_year"),  # type: ignore[arg-type]
                        sectors=[sectors[s] for s in spec.get("sectors", [])],  # type: ignore[attr-defined]
                        regions=[regions[r] for r in spec.get("regions", [])],  # type: ignore[attr-defined]
                        contact=str(spec.get("contact", "")),
                    ),
                )
        initiatives = {}
        for item in INITIATIVES:
            viewer = viewers.get(item.organisation)
            if viewer is None:
                continue
            with acting_as(viewer.organisation_id):
                initiative = services.initiative_create(
                    viewer=viewer,
                    data=services.InitiativeInput(
                        codename=item.codename,
                        description=item.description,
                        sectors=[sectors[s] for s in item.sectors],
                        regions=[regions[r] for r in item.regions],
                    ),
                )
                for other in item.linked:
                    if other in organisations:
                        services.initiative_link_add(
                            viewer=viewer,
                            initiative=initiative,
                            organisation=organisations[other],
                            kind=LinkKind.PARTNER,
                            since=today - dt.timedelta(days=rng.randint(60, 900)),
                        )
            initiatives[item.codename] = (viewer, initiative)

        def start_and_end() -> tuple[dt.date, dt.date | None]:
            start = today - dt.timedelta(days=rng.randint(30, 700))
            ended = rng.random() < 0.12
            return start, (start + dt.timedelta(days=rng.randint(20, 25))) if ended else None

        funding = [FundingStatus.FUNDED, FundingStatus.FUNDED, FundingStatus.PARTLY, FundingStatus.UNFUNDED]
        for slug, type_slug, sector_slug, codes, title in ACTIVITY_TEMPLATES:
            viewer = viewers.get(slug)
            if viewer is None:
                continue
            start, end = start_and_end()
            services.activity_create(
                viewer=viewer,
                data=services.ActivityInput(
                    title=title,
                    support_type=types[type_slug],
                    sector=sectors[sector_slug],
                    regions=[regions[c] for c in codes],
                    start_date=start,
                    end_date=end,
                    people_per_month=rng.choice([None, 3, 5, 8, 12, 20, 40, 75]),
                    funding_status=rng.choice(funding),
                    shared=rng.random() > 0.1,
                ),
            )
            created += 1
        for codename, type_slug, sector_slug, codes, title in INITIATIVE_ACTIVITIES:
            if codename not in initiatives:
                continue
            viewer, initiative = initiatives[codename]
            start, _end = start_and_end()
            services.activity_create(
                viewer=viewer,
                data=services.ActivityInput(
                    title=title,
                    support_type=types[type_slug],
                    sector=sectors[sector_slug],
                    regions=[regions[c] for c in codes],
                    start_date=start,
                    people_per_month=rng.choice([None, 2, 4, 10]),
                    funding_status=rng.choice(funding),
                    initiative=initiative,
                ),
            )
            created += 1
        reporters = [v for v in viewers.values() if v is not None]
        for index, (code, sector_slug, type_slug, per_month) in enumerate(NEEDS):
            viewer = reporters[index % len(reporters)]
            for months_ago in range(6):
                month = (today.replace(day=1) - dt.timedelta(days=months_ago * 30)).replace(day=1)
                services.need_create(
                    viewer=viewer,
                    region=regions[code],
                    sector=sectors[sector_slug],
                    support_type=types[type_slug] if type_slug else None,
                    requests=max(1, per_month + rng.randint(-1, 2)),
                    month=month,
                )
    return created
