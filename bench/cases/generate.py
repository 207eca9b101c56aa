"""Generate N support cases (default 100,000) for one organisation in the `mosty_bench` PostgreSQL database.

    uv run python bench/cases/generate.py [--cases 100000] [--seed 7] [--reset]

The stored data is what the application writes: every person and case gets its own data key, created and
wrapped under the organisation key exactly as `keyring.data_key_create` does; names, birth dates, contacts,
summaries and details are sealed by the real encrypted fields (AES-256-GCM bound to organisation, table,
column and row) and the blind indexes are computed by the real `BlindIndexField` code, through Django's
`bulk_create` (which calls each field's `pre_save`). Only the batching differs from the one-by-one save path:
data keys are inserted in bulk and their raw keys handed to the acting scope, so sealing needs no query.

Not generated (the list pages never read them): timeline entries, audit events, tasks, notes, messages.

Persons: ~92% of cases have their own person, the rest are a second case of an earlier person. Names follow a
skewed (Zipf-like) distribution, as real surnames do: 45% Russian in Cyrillic, 30% Ukrainian in Cyrillic, 25%
in one of several Latin spellings. 80% of cases are closed (kept until their retention date), 20% open.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.cases import common

LABEL_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SUMMARIES = [
    "Needs a humanitarian visa: summoned for questioning twice this month.",
    "Journalist, searched at the border; asks for relocation with family.",
    "Просит помощи с адвокатом по делу о «дискредитации армии».",
    "Нужна временная квартира на 3 недели после обыска.",
    "Потрібна психологічна підтримка після звільнення з полону.",
    "Родина затриманого просить допомоги з передачами та адвокатом.",
    "Micro-grant for a regional independent newsroom: servers and a lawyer.",
    "Evacuation from the occupied territory, two children, documents lost.",
    "Ищет стипендию для продолжения исследований за границей.",
    "Security training for a small LGBTQ+ initiative.",
]


def _reset_database() -> None:
    """Drop and recreate `mosty_bench` (before Django connects to it)."""
    import psycopg

    url = common.DATABASE_URL
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _zipf_weights(n: int, s: float = 0.9) -> list[float]:
    return [1 / (rank**s) for rank in range(1, n + 1)]


class NameMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ru_w = _zipf_weights(len(common.RU_FAMILY))
        self.uk_w = _zipf_weights(len(common.UK_FAMILY))
        self.lat_w = _zipf_weights(len(common.LATIN_FAMILY))

    def person(self) -> dict[str, str | None]:
        rng = self.rng
        female = rng.random() < 0.5
        roll = rng.random()
        if roll < 0.45:
            masc, fem = rng.choices(common.RU_FAMILY, self.ru_w)[0]
            family = fem if female else masc
            given = rng.choice(common.RU_GIVEN_F if female else common.RU_GIVEN_M)
            patronymic = rng.choice(common.RU_PATRONYMIC_F if female else common.RU_PATRONYMIC_M)
            citizenship = "RU"
        elif roll < 0.75:
            family = rng.choices(common.UK_FAMILY, self.uk_w)[0]
            given = rng.choice(common.UK_GIVEN_F if female else common.UK_GIVEN_M)
            patronymic = rng.choice(common.UK_PATRONYMIC_F if female else common.UK_PATRONYMIC_M)
            citizenship = "UA"
        else:
            family = rng.choices(common.LATIN_FAMILY, self.lat_w)[0]
            given = rng.choice(common.LATIN_GIVEN)
            patronymic = None
            citizenship = rng.choice(["RU", "UA", "BY"])
        year = rng.randint(1950, 2006)
        precision = rng.random()
        if precision < 0.85:
            birth = dt.date(year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()
        elif precision < 0.95:
            birth = f"{year}-{rng.randint(1, 12):02d}"
        else:
            birth = str(year)
        contact = rng.choice(
            [
                f"Signal: +7 9{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                f"Telegram: @{given.lower()[:3]}{rng.randint(100, 9999)}",
                f"proton: user{rng.randint(1000, 99999)}@proton.me",
                None,
            ]
        )
        aliases = f"{family} (passport spelling differs)" if rng.random() < 0.1 else None
        return {
            "family_name": family,
            "given_name": given,
            "patronymic": patronymic,
            "aliases": aliases,
            "birth_date": birth,
            "citizenship": citizenship,
            "contact": contact,
        }


def _details(workflow, rng: random.Random) -> dict[str, object] | None:
    from mosty.cases.services import clean_details

    raw: dict[str, object] = {}
    for f in workflow.fields:
        if not f.required and rng.random() < 0.5:
            continue
        if f.kind == "number":
            raw[f.key] = rng.randint(200, 5000)
        elif f.kind == "date":
            raw[f.key] = (dt.datetime.now(tz=dt.UTC).date() + dt.timedelta(days=rng.randint(-60, 120))).isoformat()
        elif f.kind == "choice":
            raw[f.key] = rng.choice(f.choices)[0]
        elif f.kind == "bool":
            raw[f.key] = rng.random() < 0.5
        else:
            raw[f.key] = rng.choice(["Vilnius", "Tbilisi", "Берлин", "Прага", "Єреван", "Warsaw"])
    return clean_details(workflow, raw) or None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the mosty_bench database first")
    args = parser.parse_args()

    if args.reset:
        _reset_database()
    common.setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from mosty.accounts import services as accounts
    from mosty.accounts.models import Organisation, Role, User
    from mosty.cases.models import Case, Person
    from mosty.cases.workflows import Triage, workflow_for
    from mosty.core.crypto import aead, keyring
    from mosty.core.models import DataKey, WrappedDataKey
    from mosty.registry.models import Region, RegionKind, SupportType

    call_command("migrate", verbosity=0)
    call_command("keys", "generate", verbosity=0)
    org = Organisation.objects.filter(slug=common.ORG_SLUG).first()
    if org is None:
        org = accounts.organisation_create(name="Bench Civil Society Centre", slug=common.ORG_SLUG, country="CZ")
    existing = Case.objects.filter(organisation=org).count()
    if existing:
        print(f"{existing} cases already there (use --reset to start again)")
        return

    rng = random.Random(args.seed)
    users = []
    for i in range(1, 21):
        users.append(_member(accounts, User, org, f"bench-cw-{i:02d}", Role.CASEWORKER))
    _member(accounts, User, org, "bench-coordinator", Role.COORDINATOR)

    support_types = list(SupportType.objects.all())
    workflows = {t.pk: workflow_for(t.slug) for t in support_types}
    subdivisions = list(Region.objects.filter(kind=RegionKind.SUBDIVISION, country__in=["RU", "UA"]))
    countries = list(Region.objects.filter(kind=RegionKind.COUNTRY))
    names = NameMaker(rng)
    today = timezone.localdate()
    now = timezone.now()
    labels: set[str] = set()
    counters: dict[int, int] = {}
    earlier_persons: list[Person] = []
    started = time.perf_counter()

    def new_keys(n: int) -> list[int]:
        """n data keys for the organisation, wrapped as keyring.data_key_create wraps them, in two inserts."""
        okey = keyring.active_organisation_key(org.pk)
        kek = keyring.organisation_key_bytes(okey)
        keys = DataKey.objects.bulk_create([DataKey(owner_id=org.pk) for _ in range(n)])
        raws = [aead.new_key() for _ in keys]
        WrappedDataKey.objects.bulk_create(
            [
                WrappedDataKey(
                    data_key=key,
                    organisation_id=org.pk,
                    organisation_key=okey,
                    wrapped=aead.seal(kek, raw, keyring._dkey_context(key.pk, org.pk, okey.pk)),
                )
                for key, raw in zip(keys, raws, strict=True)
            ]
        )
        scope = keyring._scope.get()
        assert scope is not None
        for key, raw in zip(keys, raws, strict=True):
            scope.data_keys[key.pk] = raw
        return [key.pk for key in keys]

    def label() -> str:
        while True:
            candidate = "P-" + "".join(rng.choice(LABEL_ALPHABET) for _ in range(5))
            if candidate not in labels:
                labels.add(candidate)
                return candidate

    done = 0
    while done < args.cases:
        size = min(args.batch, args.cases - done)
        with transaction.atomic(), keyring.acting_as(org.pk):
            plans = []
            new_persons: list[Person] = []
            for _ in range(size):
                created = now - dt.timedelta(seconds=rng.randint(0, 4 * 365 * 86400))
                if earlier_persons and rng.random() < 0.08:
                    person = rng.choice(earlier_persons)
                else:
                    person = Person(organisation=org, label=label(), created_at=created, **names.person())
                    new_persons.append(person)
                plans.append((person, created))
            for person, key in zip(new_persons, new_keys(len(new_persons)), strict=True):
                person.data_key_id = key
            Person.objects.bulk_create(new_persons, batch_size=500)
            cases = []
            for (person, created), key in zip(plans, new_keys(size), strict=True):
                cases.append(
                    _case(
                        rng,
                        org,
                        person,
                        created,
                        key,
                        support_types,
                        workflows,
                        subdivisions,
                        countries,
                        users,
                        counters,
                        today,
                        Triage,
                    )
                )
            Case.objects.bulk_create(cases, batch_size=500)
            earlier_persons.extend(new_persons[: len(new_persons) // 4])
        done += size
        rate = done / (time.perf_counter() - started)
        print(f"  {done:>7,} cases ({rate:,.0f}/s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"{Case.objects.filter(organisation=org).count():,} cases, "
        f"{Person.objects.filter(organisation=org).count():,} persons in {time.perf_counter() - started:.0f} s"
    )


def _member(accounts, user_model, org, username: str, role: str):
    import secrets

    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = accounts.user_create(username=username, password=secrets.token_urlsafe(24), validate_password=False)
        accounts.membership_set(user=user, organisation=org, role=role)
        accounts.totp_device_create_confirmed(user=user)
    return user


def _case(
    rng, org, person, created, key, support_types, workflows, subdivisions, countries, users, counters, today, triage
):
    from mosty.cases.models import Case

    support_type = rng.choice(support_types)
    workflow = workflows[support_type.pk]
    year = created.year
    counters[year] = counters.get(year, 0) + 1
    risk, urgency = rng.choices([1, 2, 3, 4], [3, 4, 2, 1])[0], rng.choices([1, 2, 3, 4], [2, 4, 3, 1])[0]
    closed_at = retention_until = next_deadline = None
    if rng.random() < 0.8:
        # Closed, and still within its retention period (older ones would have been destroyed already).
        now = dt.datetime.now(tz=created.tzinfo)
        floor = dt.datetime.combine(today - dt.timedelta(days=workflow.retention_days - 1), dt.time(), created.tzinfo)
        if created >= floor:
            closed_at = min(now, created + dt.timedelta(days=rng.uniform(3, 200)))
        else:
            closed_at = floor + (now - floor) * rng.random()
        state = rng.choice(sorted(workflow.closed_codes()))
        retention_until = closed_at.date() + dt.timedelta(days=workflow.retention_days)
    else:
        state = rng.choice([s.code for s in workflow.states if not s.closed])
        if rng.random() < 0.4:
            next_deadline = today + dt.timedelta(days=rng.randint(-10, 60))
    soon = next_deadline is not None and next_deadline <= today + dt.timedelta(days=7)
    roll = rng.random()
    region = rng.choice(subdivisions) if roll < 0.7 else rng.choice(countries) if roll < 0.9 else None
    case = Case(
        organisation=org,
        reference=f"{year}-{counters[year]:05d}",
        person=person,
        support_type=support_type,
        state=state,
        risk=risk,
        urgency=urgency,
        triage_score=triage(risk, urgency, deadline_soon=soon).score,
        assignee=rng.choice(users) if rng.random() < 0.9 else None,
        region=region,
        next_deadline=next_deadline,
        created_at=created,
        updated_at=closed_at or created,
        closed_at=closed_at,
        retention_until=retention_until,
    )
    case.data_key_id = key
    case.summary = rng.choice(SUMMARIES)
    case.details = _details(workflow, rng)
    return case


if __name__ == "__main__":
    main()
