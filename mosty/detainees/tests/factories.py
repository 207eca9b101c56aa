"""Detainee registry test factories: viewers, sources and imports through the real services."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence

from mosty.accounts.models import Organisation, Role, User
from mosty.accounts.selectors import Viewer
from mosty.accounts.tests.factories import make_member
from mosty.detainees import services
from mosty.detainees.importing import CONVENTION_HEADER
from mosty.detainees.models import DetaineeRecord, LinkRun, Source

_counter = itertools.count(1)


def viewer_of(organisation: Organisation, role: str = Role.DOCUMENTER, user: User | None = None) -> Viewer:
    user = user or make_member(organisation, role=role, totp=False)
    return Viewer(user=user, organisation=organisation, role=role)


def csv_bytes(rows: Iterable[Sequence[str]], header: Sequence[str] = CONVENTION_HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def row(record_id: str, family: str = "", given: str = "", **values: str) -> list[str]:
    """A row in the brief's convention."""
    fields = {"record_id": record_id, "family_name": family, "given_name": given, **values}
    return [fields.get(name, "") for name in CONVENTION_HEADER]


def make_source(viewer: Viewer, name: str | None = None) -> Source:
    return services.source_create(viewer=viewer, name=name or f"List {next(_counter)}")


def import_rows(viewer: Viewer, source: Source, rows: Iterable[Sequence[str]]) -> services.ImportOutcome:
    return services.source_import(viewer=viewer, source=source, name="list.csv", content=csv_bytes(rows), dry_run=False)


def generated_rows(persons: int, seed: int) -> tuple[dict[str, list[list[str]]], dict[tuple[str, str], str]]:
    """Rows per generator list (uacenter, memo, watch, euforum) in the convention, and the truth: (list,
    record_id) -> person."""
    from mosty.linkage.synthetic import generate

    generated = generate(persons, seed=seed)
    rows: dict[str, list[list[str]]] = {}
    for record in generated.records:
        values = {name: getattr(record, name, "") for name in CONVENTION_HEADER}
        rows.setdefault(record.source, []).append([values[name] for name in CONVENTION_HEADER])
    return rows, generated.truth


def linked_run(viewer: Viewer, sources: Sequence[Source], **options: object) -> LinkRun:
    """A real linkage run (the engine on DuckDB), with few draws for the interval to keep tests quick."""
    run_options = services.RunOptions(samples=30, **options)  # type: ignore[arg-type]
    return services.linkage_run(viewer=viewer, sources=sources, options=run_options)


def stored_run(viewer: Viewer, sources: Sequence[Source], groups: Sequence[Sequence[DetaineeRecord]]) -> LinkRun:
    """A finished run stored directly (no engine), for access and page tests: `groups` are lists of records, one
    person each; the first two records of the first group form a review pair. The counts are made up but
    consistent with the groups."""
    from mosty.detainees.models import CandidatePair, ClusterMember, PersonCluster, RunStatus

    run = LinkRun.objects.create(
        organisation=viewer.organisation,
        started_by=viewer.user,
        status=RunStatus.FINISHED,
        parameters=services.RunOptions().as_dict(),
    )
    run.sources.set(sources)
    records_per_source: dict[str, int] = {}
    persons_per_source: dict[str, set[int]] = {}
    for number, group in enumerate(groups, start=1):
        cluster = PersonCluster.objects.create(
            run=run, number=number, label=f"P{number:06d}", size=len(group),
            min_probability=0.8 if len(group) > 1 else None, max_probability=0.95 if len(group) > 1 else None,
        )  # fmt: skip
        for record in group:
            ClusterMember.objects.create(
                run=run, cluster=cluster, record=record, match_probability=0.9 if len(group) > 1 else None
            )
            key = str(record.source_id)
            records_per_source[key] = records_per_source.get(key, 0) + 1
            persons_per_source.setdefault(key, set()).add(number)
    first = list(groups[0])
    if len(first) >= 2:
        left, right = sorted(first[:2], key=lambda r: str(r.pk))
        CandidatePair.objects.create(
            run=run, left=left, right=right, match_probability=0.55, match_weight=0.3,
            comparisons={"family": "family similar", "given": "agrees", "birth_date": "missing"},
        )  # fmt: skip

    def estimate(n: int) -> dict[str, float]:
        return {"point": n, "expected": float(n), "low": float(max(0, n - 1)), "high": float(n + 1)}

    keys = sorted(persons_per_source)
    run.counts = {
        "records": sum(records_per_source.values()),
        "records_per_source": records_per_source,
        "persons": estimate(len(groups)),
        "persons_per_source": {k: estimate(len(v)) for k, v in persons_per_source.items()},
        "shared": [
            {"a": a, "b": b, **estimate(len(persons_per_source[a] & persons_per_source[b]))}
            for i, a in enumerate(keys)
            for b in keys[i + 1 :]
        ],
        "only_in": {
            k: estimate(len(v - set().union(*(persons_per_source[o] for o in keys if o != k))))
            for k, v in persons_per_source.items()
        },
        "samples": 10,
    }
    run.persons_count = len(groups)
    run.records_count = sum(records_per_source.values())
    run.pairs_count = 1 if len(first) >= 2 else 0
    run.save()
    return run
