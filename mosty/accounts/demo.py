"""Demo data for `mosty demo`: six fictional organisations and their members, in every role.

Every organisation and person here is invented. Passwords and TOTP secrets are random, generated on the
first run, and shown once (they are stored only as an Argon2id hash and a device key); running the demo
again creates nothing and shows nothing, unless `reset_credentials` asks for new ones.

The demo refuses to load into a database that holds any other organisation: demo users with printed
passwords must never land in a real installation.
"""

# Cyrillic names are the point here, not look-alike characters smuggled into code.
# ruff: noqa: RUF001

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from mosty.accounts import services
from mosty.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from mosty.core.crypto.passphrase import new_passphrase
from mosty.core.exceptions import Conflict


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    kind: str
    country: str


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    memberships: tuple[tuple[str, str], ...]  # (organisation slug, role)
    platform_admin: bool = False


ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    DemoOrganisation("vltava-centre", "Centrum Vltava pro občanskou společnost", OrganisationKind.INTERMEDIARY, "CZ"),
    DemoOrganisation("spree-platform", "Spree-Plattform für Antikriegsinitiativen", OrganisationKind.NETWORK, "DE"),
    DemoOrganisation("obrii", "Центр прав людини «Обрій»", OrganisationKind.HUMAN_RIGHTS, "UA"),
    DemoOrganisation("lipa-programme", "Program Lípa pro občanskou společnost", OrganisationKind.DONOR, "CZ"),
    DemoOrganisation("svecha", "Объединение родственников политзаключённых «Свеча»", OrganisationKind.RELATIVES, "LT"),
    DemoOrganisation("drugoy-bereg", "Медиахаб «Другой берег»", OrganisationKind.MEDIA, "LV"),
)

USERS: tuple[DemoUser, ...] = (
    # A platform administrator who also runs the Prague centre.
    DemoUser("tereza.dvorakova", "Tereza Dvořáková", (("vltava-centre", Role.ORG_ADMIN),), platform_admin=True),
    DemoUser("jan.novak", "Jan Novák", (("vltava-centre", Role.CASEWORKER),)),
    DemoUser("petra.svobodova", "Petra Svobodová", (("vltava-centre", Role.VIEWER),)),
    DemoUser("lukas.hoffmann", "Lukas Hoffmann", (("spree-platform", Role.ORG_ADMIN),)),
    # The one member of two organisations: coordinates in Berlin, takes cases in Prague.
    DemoUser(
        "anna.becker",
        "Anna Becker",
        (("spree-platform", Role.COORDINATOR), ("vltava-centre", Role.CASEWORKER)),
    ),
    DemoUser("sabine.wolf", "Sabine Wolf", (("spree-platform", Role.CASEWORKER),)),
    DemoUser("olena.kovalenko", "Олена Коваленко", (("obrii", Role.ORG_ADMIN),)),
    DemoUser("taras.bondarenko", "Тарас Бондаренко", (("obrii", Role.DOCUMENTER),)),
    DemoUser("yuliia.melnyk", "Юлія Мельник", (("obrii", Role.DOCUMENTER),)),
    DemoUser("katerina.horakova", "Kateřina Horáková", (("lipa-programme", Role.ORG_ADMIN),)),
    DemoUser("martin.cerny", "Martin Černý", (("lipa-programme", Role.PROGRAMME_OFFICER),)),
    DemoUser("jana.prochazkova", "Jana Procházková", (("lipa-programme", Role.VIEWER),)),
    DemoUser("irina.sokolova", "Ирина Соколова", (("svecha", Role.ORG_ADMIN),)),
    DemoUser("dmitry.orlov", "Дмитрий Орлов", (("svecha", Role.DOCUMENTER),)),
    DemoUser("maria.lebedeva", "Мария Лебедева", (("drugoy-bereg", Role.ORG_ADMIN),)),
    DemoUser("pavel.rybakov", "Павел Рыбаков", (("drugoy-bereg", Role.CASEWORKER),)),
)

DEMO_SLUGS = frozenset(o.slug for o in ORGANISATIONS)


@dataclass(frozen=True)
class Credential:
    """What a demo user needs to log in, shown once and never stored in the clear."""

    username: str
    display_name: str
    memberships: tuple[tuple[str, str], ...]
    platform_admin: bool
    password: str
    totp_secret: str  # base32, as authenticator apps expect it
    otpauth_uri: str


@dataclass
class DemoResult:
    organisations: int = 0  # demo organisations present after the run
    users: int = 0  # demo users present after the run
    organisations_created: int = 0
    users_created: int = 0
    memberships_set: int = 0
    credentials: list[Credential] = field(default_factory=list)


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def _credential(spec: DemoUser, password: str, device: TOTPDevice) -> Credential:
    return Credential(
        username=spec.username,
        display_name=spec.display_name,
        memberships=spec.memberships,
        platform_admin=spec.platform_admin,
        password=password,
        totp_secret=totp_secret_base32(device),
        otpauth_uri=device.config_url,
    )


def load_demo(*, reset_credentials: bool) -> DemoResult:
    """Create the demo organisations, users and memberships that are missing, all through the services and in
    one transaction. New users get a random passphrase and TOTP secret, returned in `credentials` (only
    here, only now); with `reset_credentials` every demo user gets new ones. Raises Conflict, changing
    nothing, if the database holds an organisation that is not part of the demo."""
    result = DemoResult()
    with transaction.atomic():
        if Organisation.objects.exclude(slug__in=DEMO_SLUGS).exists():
            raise Conflict(
                "This database holds organisations that are not demo data; the demo will not load into it. "
                "Use an empty data directory (MOSTY_DATA_DIR) or database for the demo."
            )
        organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=DEMO_SLUGS)}
        for org_spec in ORGANISATIONS:
            if org_spec.slug not in organisations:
                organisations[org_spec.slug] = services.organisation_create(
                    name=org_spec.name, slug=org_spec.slug, kind=org_spec.kind, country=org_spec.country
                )
                result.organisations_created += 1

        users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in USERS])}
        existing_roles = {
            (m.user_id, m.organisation_id): m.role
            for m in Membership.objects.filter(organisation__slug__in=DEMO_SLUGS).only(
                "user_id", "organisation_id", "role"
            )
        }
        for spec in USERS:
            user = users.get(spec.username)
            if user is None:
                password = new_passphrase()
                user = services.user_create(
                    username=spec.username,
                    password=password,
                    display_name=spec.display_name,
                    is_platform_admin=spec.platform_admin,
                )
                device = services.totp_device_create_confirmed(user=user)
                result.credentials.append(_credential(spec, password, device))
                result.users_created += 1
            elif reset_credentials:
                password = new_passphrase()
                services.user_password_set(user=user, password=password)
                device = services.totp_device_replace(user=user)
                result.credentials.append(_credential(spec, password, device))
            for slug, role in spec.memberships:
                organisation = organisations[slug]
                if existing_roles.get((user.pk, organisation.pk)) != role:
                    services.membership_set(user=user, organisation=organisation, role=role)
                    result.memberships_set += 1
    result.organisations = len(organisations)
    result.users = len(USERS)
    return result


def format_credentials(credentials: list[Credential]) -> str:
    """A table for the terminal: one row per user, with the otpauth:// URI on the line below it."""
    rows = [
        (
            c.username,
            ", ".join(f"{slug} ({role})" for slug, role in c.memberships)
            + (", platform admin" if c.platform_admin else ""),
            c.password,
            c.totp_secret,
        )
        for c in credentials
    ]
    header = ("username", "organisations (role)", "password", "TOTP secret (base32)")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    for credential, row in zip(credentials, rows, strict=True):
        out.append(line(row))
        out.append(f"{'':{widths[0]}}  {credential.otpauth_uri}")
    return "\n".join(out)
