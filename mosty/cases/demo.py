"""Demo cases: about three hundred invented cases across the demo organisations, in every support type, with
persons named in Russian, Ukrainian and Latin spellings, summaries in English, Ukrainian and Russian, tasks,
notes, and states reached by walking each type's workflow. Everything here is invented.

Idempotent: nothing is added when the demo organisations already have cases. Everything goes through the
services, acting as each organisation's caseworkers (and with its keys).
"""

# Cyrillic names and texts are data here.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from mosty.accounts.models import Membership, Organisation
from mosty.accounts.selectors import Viewer
from mosty.cases import selectors, services
from mosty.cases.models import Case
from mosty.cases.workflows import workflow_for
from mosty.core.crypto.keyring import acting_as
from mosty.registry.models import Region, SupportType

CASE_ORGANISATIONS = {
    "vltava-centre": 90,
    "spree-platform": 60,
    "obrii": 70,
    "drugoy-bereg": 45,
    "svecha": 35,
}

RU_FAMILY = [
    "Иванова",
    "Смирнов",
    "Кузнецова",
    "Попов",
    "Соколова",
    "Лебедев",
    "Козлова",
    "Новиков",
    "Морозова",
    "Петров",
    "Волкова",
    "Соловьёв",
    "Васильева",
    "Зайцев",
    "Павлова",
    "Семёнов",
    "Голубева",
    "Виноградов",
]
RU_GIVEN = [
    "Анна",
    "Дмитрий",
    "Мария",
    "Алексей",
    "Екатерина",
    "Сергей",
    "Ольга",
    "Александр",
    "Наталья",
    "Илья",
    "Татьяна",
    "Максим",
    "Юлия",
    "Артём",
    "Ксения",
    "Никита",
]
RU_PATRONYMIC = ["Сергеевна", "Александрович", "Игоревна", "Михайлович", "Владимировна", "Андреевич"]
UA_FAMILY = [
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Мельник",
    "Поліщук",
    "Савченко",
    "Руденко",
    "Марченко",
    "Лисенко",
    "Гончаренко",
    "Кравчук",
]
UA_GIVEN = [
    "Олександр",
    "Олена",
    "Андрій",
    "Ірина",
    "Тарас",
    "Наталія",
    "Богдан",
    "Оксана",
    "Юрій",
    "Галина",
    "Максим",
    "Людмила",
    "Віталій",
    "Софія",
]
LATIN = [
    ("Shevchenko", "Oleksandr"),
    ("Ivanova", "Anna"),
    ("Kowalenko", "Olena"),
    ("Smirnov", "Dmitry"),
    ("Sokolova", "Maria"),
    ("Bondarenko", "Andrii"),
    ("Lebedev", "Alexei"),
    ("Melnyk", "Iryna"),
]

SUMMARIES = {
    "en": [
        "Journalist under criminal investigation; needs to leave within weeks.",
        "Activist released after 15 days of administrative arrest; searched twice since.",
        "Academic dismissed for an anti-war statement; looking for a fellowship.",
        "Family of a detained civilian asks for help with parcels and a lawyer.",
        "Needs a safe place to rest for a month after repeated threats.",
    ],
    "uk": [
        "Родина цивільного, затриманого в Мелітополі, просить допомогти знайти адвоката.",
        "Потрібна психологічна підтримка після звільнення з полону.",
        "Волонтерка з Херсона потребує тимчасового житла та ліків.",
        "Батько затриманого просить допомогти з листами до СІЗО.",
    ],
    "ru": [
        "Журналистка получила повестку; нужна срочная консультация юриста.",
        "Активист из Казани, уголовное дело по статье о «фейках»; просит помощи с выездом.",
        "Правозащитник в Грузии без документов; нужна гуманитарная виза.",
        "Нужен микрогрант на аренду и ноутбук для продолжения работы.",
        "После обыска нужна помощь с цифровой безопасностью редакции.",
    ],
}
REGIONS = [
    "RU-MOW",
    "RU-SPE",
    "RU-TA",
    "RU-BA",
    "RU-PER",
    "RU-SVE",
    "RU-NVS",
    "RU-KDA",
    "RU-DA",
    "RU-CE",
    "UA-43",
    "UA-23",
    "UA-65",
    "UA-14",
    "UA-09",
    "GE",
    "AM",
    "KZ",
    "RS",
    "TR",
    "LV",
    "LT",
    "CZ",
    "DE",
]
TASKS = [
    "Call back on Signal",
    "Check documents",
    "Book embassy appointment",
    "Send the first tranche",
    "Find a lawyer in the region",
    "Ask partner to vouch",
    "Arrange the flat keys",
]
NOTES = [
    "Spoke briefly; the person prefers written contact.",
    "Записала подробности, перезвоню завтра.",
    "Документы проверены, всё в порядке.",
    "Потрібен перекладач на зустріч.",
]


def _writers(organisation: Organisation) -> list[Viewer]:
    members = Membership.objects.filter(organisation=organisation, role__in=selectors.CASE_WRITE_ROLES).select_related(
        "user"
    )
    return [Viewer(user=m.user, organisation=organisation, role=m.role) for m in members]


def _person_data(rng: random.Random) -> services.PersonInput:
    kind = rng.random()
    if kind < 0.45:
        family, given, patronymic = rng.choice(RU_FAMILY), rng.choice(RU_GIVEN), rng.choice(RU_PATRONYMIC)
    elif kind < 0.85:
        family, given, patronymic = rng.choice(UA_FAMILY), rng.choice(UA_GIVEN), ""
    else:
        (family, given), patronymic = rng.choice(LATIN), ""
    year = rng.randint(1955, 2004)
    birth = rng.choice(
        [f"{year}", f"{year}-{rng.randint(1, 12):02d}", f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]
    )
    return services.PersonInput(
        family_name=family,
        given_name=given,
        patronymic=patronymic,
        birth_date=birth,
        contact=rng.choice(["Signal", "Threema", "Session", "E-mail via a partner", ""]),
    )


def _details(slug: str, rng: random.Random) -> dict[str, object]:
    today = timezone.localdate()
    values: dict[str, object] = {}
    for f in workflow_for(slug).fields:
        if f.kind == "number":
            values[f.key] = rng.choice([1, 2, 3, 500, 1200, 3000]) if "amount" in f.key else rng.randint(1, 5)
        elif f.kind == "date":
            values[f.key] = (today + dt.timedelta(days=rng.randint(-30, 60))).isoformat()
        elif f.kind == "bool":
            values[f.key] = rng.random() < 0.7
        elif f.kind == "choice":
            values[f.key] = rng.choice(f.choices)[0]
        else:
            values[f.key] = rng.choice(["Tbilisi", "Vilnius", "Praha", "Казань", "Київ", "Yerevan", "Belgrade"])
    return values


def load_cases_demo(*, seed: int = 20261122, scale: float | None = None) -> int:
    """Create the demo cases; returns how many (0 when the demo organisations already have cases). `scale`
    (default: the MOSTY_DEMO_CASE_SCALE setting, 1.0) shrinks the numbers, for tests."""
    from django.conf import settings

    scale = float(getattr(settings, "MOSTY_DEMO_CASE_SCALE", 1.0)) if scale is None else scale
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=CASE_ORGANISATIONS)}
    if not organisations or Case.objects.filter(organisation__in=organisations.values()).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    types = list(SupportType.objects.all())
    regions = {r.code: r for r in Region.objects.filter(code__in=REGIONS)}
    created = 0
    with transaction.atomic():
        for slug, count in CASE_ORGANISATIONS.items():
            organisation = organisations.get(slug)
            writers = _writers(organisation) if organisation else []
            if organisation is None or not writers:
                continue
            with acting_as(organisation.pk):
                for _index in range(max(1, round(count * scale))):
                    viewer = rng.choice(writers)
                    support_type = rng.choice(types)
                    language = rng.choice(["en", "uk", "ru"])
                    person = services.person_create(viewer=viewer, organisation=organisation, data=_person_data(rng))
                    case = services.case_create(
                        viewer=viewer,
                        organisation=organisation,
                        person=person,
                        data=services.CaseInput(
                            support_type=support_type,
                            risk=rng.choice([1, 2, 2, 3, 3, 4]),
                            urgency=rng.choice([1, 2, 3, 3, 4]),
                            summary=rng.choice(SUMMARIES[language]),
                            details=_details(support_type.slug, rng),
                            region=regions.get(rng.choice(REGIONS)),
                            assignee=rng.choice([*[w.user for w in writers], None]),
                        ),
                    )
                    _walk(viewer, case, rng)
                    created += 1
    return created


def _walk(viewer: Viewer, case: Case, rng: random.Random) -> None:
    """Move the case a few steps along its workflow, with a task and a note on the way."""
    access = selectors.access_case_by_id(viewer, case.pk)
    steps = rng.choice([0, 1, 2, 2, 3, 4, 5])
    for _step in range(steps):
        access = selectors.access_case_by_id(viewer, case.pk)
        allowed = [s for s in access.workflow.allowed(access.case.state) if s != "waiting"]
        if not allowed:
            break
        # Mostly forward; closing only at the end of the walk.
        open_steps = [s for s in allowed if not s.startswith("closed")]
        target = open_steps[0] if open_steps and rng.random() < 0.85 else rng.choice(allowed)
        services.case_transition(viewer=viewer, access=access, to_state=target)
        if target.startswith("closed"):
            return
    access = selectors.access_case_by_id(viewer, case.pk)
    if rng.random() < 0.7:
        due = timezone.localdate() + dt.timedelta(days=rng.randint(-3, 30))
        services.task_add(viewer=viewer, access=access, title=rng.choice(TASKS), due_date=due)
    if rng.random() < 0.5:
        services.note_add(viewer=viewer, access=access, body=rng.choice(NOTES))
