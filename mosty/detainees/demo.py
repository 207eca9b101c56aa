"""Demo lists: four organisations' lists of detained and missing people (a few thousand invented records from
`mosty.linkage.synthetic`, in Ukrainian and Russian Cyrillic and in English, German, Polish, French and Czech
spellings, with typos, diminutives and partial dates), some of them shared, and one linkage run.

Which organisation keeps which list: Obrii (a Ukrainian human-rights centre) the Ukrainian list, Svecha (relatives
of political prisoners) the Russian one, Vltava Centre the European one and Drugoy Bereg (a media hub) the English
one. Svecha, Vltava Centre and Drugoy Bereg share their lists with Obrii, and Obrii shares its list with Svecha;
Obrii links all four.

Idempotent: nothing is added when the demo organisations already have lists. Everything goes through the
services, acting as each organisation's members (and with its keys). Everything here is invented.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings

from mosty.accounts.models import Membership, Organisation
from mosty.accounts.selectors import Viewer, viewer_for_membership
from mosty.detainees import selectors, services
from mosty.detainees.importing import CONVENTION_HEADER
from mosty.detainees.models import Source

LISTS = {
    # generator source -> (organisation slug, list name)
    "uacenter": ("obrii", "Цивільні, утримувані Росією"),
    "memo": ("svecha", "Политзаключённые и задержанные"),
    "euforum": ("vltava-centre", "Zadržení civilisté (evropská síť)"),
    "watch": ("drugoy-bereg", "Detained civilians and journalists"),
}
SHARES = [("svecha", "obrii"), ("vltava-centre", "obrii"), ("drugoy-bereg", "obrii"), ("obrii", "svecha")]
LINKING_ORGANISATION = "obrii"
PERSONS = 2000

# Each list writes statuses in its own language.
STATUS_WORDS = {
    "uacenter": {"detained": "затриманий", "sentenced": "засуджений", "missing": "зниклий безвісти"},
    "memo": {"detained": "задержан", "sentenced": "осуждён", "missing": "пропал без вести"},
}


def _writer(organisation: Organisation) -> Viewer | None:
    membership = (
        Membership.objects.filter(organisation=organisation, role__in=selectors.WRITE_ROLES, user__is_active=True)
        .select_related("user", "organisation")
        .order_by("-role", "user__username")
        .first()
    )
    return viewer_for_membership(membership) if membership else None


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CONVENTION_HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def load_detainees_demo(*, seed: int = 20261122, scale: float | None = None) -> int:
    """Create the demo lists, shares and one run; returns how many records (0 when the demo organisations
    already have lists, or are missing). `scale` (default: the MOSTY_DEMO_CASE_SCALE setting, 1.0) shrinks the
    number of persons, for tests."""
    from mosty.linkage.synthetic import generate

    scale = float(getattr(settings, "MOSTY_DEMO_CASE_SCALE", 1.0)) if scale is None else scale
    slugs = {slug for slug, _name in LISTS.values()}
    organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=slugs, is_active=True)}
    if set(organisations) != slugs or Source.objects.filter(organisation__in=organisations.values()).exists():
        return 0
    found = {slug: _writer(org) for slug, org in organisations.items()}
    writers = {slug: w for slug, w in found.items() if w is not None}
    if len(writers) != len(found):
        return 0
    generated = generate(max(40, round(PERSONS * scale)), seed=seed % 10_000)
    rows: dict[str, list[list[str]]] = {key: [] for key in LISTS}
    for record in generated.records:
        status = STATUS_WORDS.get(record.source, {}).get(record.status, record.status)
        values = {**{name: getattr(record, name, "") for name in CONVENTION_HEADER}, "status": status}
        rows[record.source].append([values[name] for name in CONVENTION_HEADER])
    sources: dict[str, Source] = {}
    total = 0
    for key, (slug, name) in LISTS.items():
        viewer = writers[slug]
        source = services.source_create(viewer=viewer, name=name, description="Demo data: invented people.")
        outcome = services.source_import(
            viewer=viewer, source=source, name=f"{key}.csv", content=_csv(rows[key]), dry_run=False, max_rows=None
        )
        total += outcome.new
        sources[slug] = source
    for owner, recipient in SHARES:
        viewer = writers[owner]
        services.source_share(viewer=viewer, source=sources[owner], organisation=organisations[recipient])
    linker = writers[LINKING_ORGANISATION]
    services.linkage_run(
        viewer=linker,
        sources=list(selectors.sources_for(linker)),
        max_records=0,
        options=services.RunOptions(samples=200 if scale >= 0.5 else 50),
    )
    return total
