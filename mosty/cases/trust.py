"""The trust signal: which organisations the viewing organisation can trust through the vouching graph, and
who, among those, vouched for a subject (an organisation, an initiative or a person).

Threat: infiltration. A state agency registers a handful of front organisations; they vouch for each other,
and for the people or groups the agency wants inside. Counting vouches would reward them: every new front
adds a vouch. The signal here counts only vouches from organisations that *the viewer* trusts, and the set of
trusted organisations is computed so that a cluster of newcomers, however large and however densely they vouch
for each other, gains no more than what its few links from trusted organisations carry.

Method (the Advogato trust metric, R. Levien, "Attack resistant trust metrics", 2009):

1. The graph: one node per active organisation; one edge X -> Y for each *current* vouch of organisation X for
   organisation Y (not revoked, not expired). Vouches for initiatives and persons are not edges: only
   organisations pass trust on.
2. The seed is the viewing organisation. Every organisation gets a capacity by its distance (shortest number of
   vouches) from the seed: `CAPACITIES` = 64 for the seed, 16 at distance 1, 4 at 2, 2 at 3, and 1 from
   distance 4 on. (Advogato used 800/200/50/12/4/2/1 for a few thousand users; ours is the same shape for
   networks of tens to a few hundred organisations.) Organisations the seed cannot reach get nothing.
3. Node splitting: each organisation X becomes X- and X+, with an edge X- -> X+ of capacity cap(X) - 1 and an
   edge X- -> sink of capacity 1; each vouch X -> Y becomes X+ -> Y- with unlimited capacity.
4. A maximum flow from seed- to the sink (networkx). An organisation is *trusted from the viewer's point of
   view* when its own unit edge to the sink carries flow. Among the maximum flows we take one of least cost,
   where passing flow on (X- -> X+) costs 1 and stopping (X- -> sink) costs nothing: then every organisation
   that flow reaches is trusted itself, nearer organisations are preferred, and the answer does not depend on
   the order in which the flow algorithm happened to explore the graph. Its value is still the maximum flow.

Why a ring cannot inflate it: all flow into a cluster enters through the vouches from outside it. Flow into an
organisation Y is at most cap(Y) (its unit edge plus cap(Y) - 1 onwards), so a cluster entered through one
vouch X -> Y gains at most cap(Y) trusted members, whatever its size and internal vouches; with no vouch from
a trusted organisation it gains none. A vouch's "capacity" in the explanations below is the capacity of the
level it leads to.

The result is never a verdict: the explanation names the trusted vouchers (with their distance from the viewer
and a path of trusted organisations to them), counts the others, and gives a coarse signal: "none" (no vouch
from an organisation you trust), "some" (one), "strong" (two or more). People decide.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import networkx as nx
from django.utils.translation import gettext_lazy as _

from mosty.accounts.models import Organisation
from mosty.accounts.selectors import Viewer
from mosty.cases.models import Vouch

if TYPE_CHECKING:
    from mosty.cases.selectors import CaseAccess
    from mosty.registry.models import Initiative

CAPACITIES: tuple[int, ...] = (64, 16, 4, 2, 1)
SINK = "sink"

SIGNAL_NONE = "none"
SIGNAL_SOME = "some"
SIGNAL_STRONG = "strong"
SIGNAL_LABELS = {
    SIGNAL_NONE: _("No vouch from an organisation you trust"),
    SIGNAL_SOME: _("Vouched for by one organisation you trust"),
    SIGNAL_STRONG: _("Vouched for by two or more organisations you trust"),
}


def capacity_at(distance: int, capacities: Sequence[int] = CAPACITIES) -> int:
    """The capacity of an organisation at `distance` vouches from the seed (the last entry from there on)."""
    return capacities[min(distance, len(capacities) - 1)]


# --- the metric (pure: ids in, ids out) --------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowResult:
    """Who is trusted from the seed's point of view. `levels` holds each trusted organisation's distance from
    the seed (0: the seed); `distances` every organisation the seed reaches; `parents` a shortest path through
    trusted organisations only."""

    seed: int
    levels: Mapping[int, int]
    distances: Mapping[int, int]
    parents: Mapping[int, int]
    flow_value: int

    def is_trusted(self, organisation_id: int) -> bool:
        return organisation_id in self.levels

    def path_to(self, organisation_id: int) -> tuple[int, ...]:
        """The seed, then trusted organisations, to `organisation_id` (empty when it is not trusted)."""
        if organisation_id not in self.levels:
            return ()
        path = [organisation_id]
        while path[-1] != self.seed:
            path.append(self.parents[path[-1]])
        return tuple(reversed(path))


def _adjacency(edges: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    adjacency: dict[int, set[int]] = {}
    for source, target in edges:
        if source != target:
            adjacency.setdefault(source, set()).add(target)
    return adjacency


def _bfs(seed: int, adjacency: Mapping[int, Iterable[int]], allowed: Mapping[int, Any] | None = None) -> dict[int, int]:
    """Distances from the seed (through `allowed` nodes only when given); the parents are kept by the caller."""
    distances = {seed: 0}
    queue = deque([seed])
    while queue:
        node = queue.popleft()
        for target in sorted(adjacency.get(node, ())):
            if target in distances or (allowed is not None and target not in allowed):
                continue
            distances[target] = distances[node] + 1
            queue.append(target)
    return distances


def _trusted_parents(seed: int, adjacency: Mapping[int, Iterable[int]], trusted: Mapping[int, int]) -> dict[int, int]:
    parents: dict[int, int] = {}
    seen = {seed}
    queue = deque([seed])
    while queue:
        node = queue.popleft()
        for target in sorted(adjacency.get(node, ())):
            if target in trusted and target not in seen:
                seen.add(target)
                parents[target] = node
                queue.append(target)
    return parents


def flow_network(
    seed: int, adjacency: Mapping[int, Iterable[int]], capacities: Sequence[int] = CAPACITIES
) -> tuple[Any, dict[int, int]]:
    """The split-node network (a networkx DiGraph) of the organisations the seed reaches, and their distances.
    Source: (seed, "-"); sink: `SINK`."""
    distances = _bfs(seed, adjacency)
    graph = nx.DiGraph()
    for node, distance in distances.items():
        capacity = capacity_at(distance, capacities)
        graph.add_edge((node, "-"), SINK, capacity=1, weight=0)
        if capacity > 1:
            graph.add_edge((node, "-"), (node, "+"), capacity=capacity - 1, weight=1)
    for source in distances:
        for target in adjacency.get(source, ()):
            if target in distances and graph.has_node((source, "+")):
                graph.add_edge((source, "+"), (target, "-"), weight=0)  # no capacity attribute: unlimited
    return graph, distances


def flow_trust(seed: int, edges: Iterable[tuple[int, int]], capacities: Sequence[int] = CAPACITIES) -> FlowResult:
    """The Advogato metric from `seed` over the vouches `edges` (voucher, subject): see the module docstring."""
    adjacency = _adjacency(edges)
    graph, distances = flow_network(seed, adjacency, capacities)
    flow = nx.max_flow_min_cost(graph, (seed, "-"), SINK)
    levels = {node: distance for node, distance in distances.items() if flow.get((node, "-"), {}).get(SINK, 0) >= 1}
    value = sum(flow[(node, "-")][SINK] for node in distances)
    return FlowResult(
        seed=seed,
        levels=levels,
        distances=distances,
        parents=_trusted_parents(seed, adjacency, levels),
        flow_value=int(value),
    )


# --- the graph from the database ---------------------------------------------------------------------------------


def organisation_edges(on: dt.date | None = None) -> list[tuple[int, int]]:
    """Current vouches between active organisations, as (voucher id, subject id)."""
    from mosty.cases.vouching import current_vouches

    rows = current_vouches(on).filter(
        subject_organisation__isnull=False, voucher__is_active=True, subject_organisation__is_active=True
    )
    return [(int(a), int(b)) for a, b in rows.values_list("voucher_id", "subject_organisation_id")]


def trust_from(viewer: Viewer, on: dt.date | None = None) -> FlowResult:
    """Who the viewer's organisation can trust today (one query, one flow computation)."""
    return flow_trust(viewer.organisation_id, organisation_edges(on))


# --- explanations ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoucherView:
    """One vouch as the explanation shows it. `level` and `path` only for trusted vouchers; the path runs from
    the viewer through organisations it trusts (names, the viewer first)."""

    organisation_id: int
    name: str
    basis: str
    basis_label: str
    since: dt.date | None
    expires_on: dt.date
    trusted: bool
    level: int | None
    path: tuple[str, ...]
    is_you: bool


@dataclass(frozen=True)
class TrustExplanation:
    """Why a subject is (or is not) vouched for by organisations the viewer trusts; never a verdict."""

    subject_kind: str  # organisation | initiative | person
    trusted_vouchers: tuple[VoucherView, ...]
    untrusted_vouchers: tuple[VoucherView, ...]
    signal: str
    subject_trusted: bool | None = None  # organisations only: does trust flow to it from the viewer?
    subject_level: int | None = None
    subject_is_you: bool = False

    @property
    def signal_label(self) -> str:
        return str(SIGNAL_LABELS[self.signal])


def signal_for(trusted_count: int) -> str:
    if trusted_count >= 2:
        return SIGNAL_STRONG
    if trusted_count == 1:
        return SIGNAL_SOME
    return SIGNAL_NONE


def _names(result: FlowResult, vouches: Sequence[Vouch]) -> dict[int, str]:
    """Names of the vouchers and of every organisation on their trusted paths (one query)."""
    wanted = {int(v.voucher_id) for v in vouches}
    for v in vouches:
        wanted.update(result.path_to(int(v.voucher_id)))
    return dict(Organisation.objects.filter(pk__in=wanted).values_list("pk", "name"))


def explain(
    result: FlowResult,
    vouches: Iterable[Vouch],
    *,
    subject_kind: str,
    subject_organisation_id: int | None = None,
    names: Mapping[int, str] | None = None,
) -> TrustExplanation:
    """Sort the current vouches for one subject into trusted and untrusted vouchers (one per organisation)."""
    by_voucher: dict[int, Vouch] = {}
    for vouch in vouches:
        by_voucher.setdefault(int(vouch.voucher_id), vouch)  # newest first: keep the latest
    chosen = list(by_voucher.values())
    names = names if names is not None else _names(result, chosen)
    trusted: list[VoucherView] = []
    untrusted: list[VoucherView] = []
    for voucher_id, vouch in sorted(by_voucher.items(), key=lambda item: (result.levels.get(item[0], 99), item[0])):
        is_trusted = result.is_trusted(voucher_id)
        view = VoucherView(
            organisation_id=voucher_id,
            name=names.get(voucher_id, ""),
            basis=vouch.basis,
            basis_label=str(vouch.get_basis_display()),
            since=vouch.since,
            expires_on=vouch.expires_on,
            trusted=is_trusted,
            level=result.levels.get(voucher_id),
            path=tuple(names.get(i, "") for i in result.path_to(voucher_id)),
            is_you=voucher_id == result.seed,
        )
        (trusted if is_trusted else untrusted).append(view)
    subject_trusted: bool | None = None
    subject_level: int | None = None
    if subject_organisation_id is not None:
        subject_trusted = result.is_trusted(subject_organisation_id)
        subject_level = result.levels.get(subject_organisation_id)
    return TrustExplanation(
        subject_kind=subject_kind,
        trusted_vouchers=tuple(trusted),
        untrusted_vouchers=tuple(untrusted),
        signal=signal_for(len(trusted)),
        subject_trusted=subject_trusted,
        subject_level=subject_level,
        subject_is_you=subject_organisation_id == result.seed,
    )


def explain_organisations(
    viewer: Viewer, organisations: Sequence[Organisation], result: FlowResult | None = None
) -> dict[int, TrustExplanation]:
    """Explanations for a page of organisations: one query for their vouches, one for names, one flow."""
    from mosty.cases.vouching import vouches_about_organisations

    result = result or trust_from(viewer)
    ids = [int(o.pk) for o in organisations]
    grouped: dict[int, list[Vouch]] = {i: [] for i in ids}
    for vouch in vouches_about_organisations(ids):
        grouped[int(vouch.subject_organisation_id)].append(vouch)  # type: ignore[arg-type]
    names = _names(result, [v for vs in grouped.values() for v in vs])
    return {
        i: explain(result, grouped[i], subject_kind="organisation", subject_organisation_id=i, names=names) for i in ids
    }


def explain_organisation(viewer: Viewer, organisation: Organisation) -> TrustExplanation:
    return explain_organisations(viewer, [organisation])[int(organisation.pk)]


def explain_initiative(viewer: Viewer, initiative: Initiative) -> TrustExplanation:
    """For an initiative the viewer may see (NotFound otherwise)."""
    from mosty.cases.vouching import vouches_about_initiative

    vouches = list(vouches_about_initiative(viewer, initiative))
    return explain(trust_from(viewer), vouches, subject_kind="initiative")


def explain_person(viewer: Viewer, access: CaseAccess) -> TrustExplanation:
    """For the person of a case whose identity the viewer may read (NotFound otherwise)."""
    from mosty.cases.vouching import vouches_about_person

    vouches = list(vouches_about_person(viewer, access))
    return explain(trust_from(viewer), vouches, subject_kind="person")
