"""The network page as reads: the co-offending and organised-crime network an actor may
see, its measures, key players, the drawing's data, a comparison of two periods, and
its exports (GraphML, and the entity and link CSV pair i2 Analyst's Notebook imports).

Everything reads through
:func:`~saferleeds.offending.access_pages.read_co_offending_network` (every offence and
OCG nomination read logged as consulted). People are shown by pseudonym to everyone;
identified actors get a link to the person's offender page beside it. Exports name
people by pseudonym whoever downloads them, and are logged as disclosures; so does
``saferleeds network`` on the workspace (:func:`read_network_ties`,
:func:`log_network_export`).

When the actor may see no tie, :func:`why_empty` says why in words: which agency holds
the offences, and which agreement in force (if any) shares them with whom, so the page
names the missing agreement instead of showing an empty table.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Final

import igraph as ig
from django.db.models import Max, Min

from saferleeds.analytics.networks import (
    Edge,
    KeyPlayer,
    NodeMetrics,
    Period,
    PeriodComparison,
    build_network,
    compare_periods,
    edges_in,
    key_players,
    node_metrics,
    write_graphml,
    write_i2,
)
from saferleeds.audit.log import record_many
from saferleeds.audit.models import Operation
from saferleeds.offending.access import offences_visible_to
from saferleeds.offending.access_pages import (
    CoOffendingNetwork,
    read_co_offending_network,
)
from saferleeds.offending.models import OcgNomination, Offence
from saferleeds.offending.records import OCG_NOMINATION, OFFENCE
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    IG_ROLES,
    PSEUDONYMISED_ROLES,
    Actor,
    NotFound,
    agreements_in_force,
    may_see_personal_data,
    source_agencies,
)
from saferleeds.people.present import pseudonym

__all__ = [
    "DRAWN_MAX",
    "NetworkNode",
    "NetworkPage",
    "NetworkTie",
    "EXPORT_EVENT",
    "log_network_export",
    "read_network_ties",
    "read_network_export",
    "read_network_graphml",
    "read_network_page",
    "why_empty",
]

#: The most people the drawing shows (the tables list everyone): a force-directed
#: layout of more is slow in a browser and unreadable on a screen.
DRAWN_MAX: Final = 400
EXPORT_EVENT = "iom.network.export"


@dataclass(frozen=True)
class NetworkNode:
    """A person of the network, named by pseudonym, with their measures.

    Attributes:
        pseudonym: How the page names them.
        person_id: Their record id, for identified actors (to link the offender page).
        metrics: Their measures.
        key_rank: Their rank among the key players, if they are one whose removal
            fragments the network further.
        groups: Labels of the organised crime groups they are listed in.
    """

    pseudonym: str
    person_id: int | None
    metrics: NodeMetrics
    key_rank: int | None = None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class NetworkTie:
    """A tie as drawn: two pseudonyms, how many times, and its types."""

    source: str
    target: str
    weight: float
    kind: str


@dataclass(frozen=True)
class Move:
    """A person in a comparison, by pseudonym (and id for identified actors)."""

    pseudonym: str
    person_id: int | None
    before: int | None = None  # a rank or a degree, as the list says
    after: int | None = None


@dataclass(frozen=True)
class Comparison:
    """What changed from the earlier period to the shown one, people by pseudonym."""

    period: Period
    earlier: Period
    joined: tuple[Move, ...]
    left: tuple[Move, ...]
    ties_added: int
    ties_removed: int
    new_ties: tuple[tuple[Move, Move], ...]
    merged: tuple[tuple[tuple[int, ...], int, int], ...]  # (earlier, later, people)
    split: tuple[tuple[int, tuple[int, ...], int], ...]
    rising: tuple[Move, ...]
    falling: tuple[Move, ...]
    nmi: float | None
    people_before: int
    people_after: int


@dataclass(frozen=True)
class NetworkPage:
    """The co-offending and organised-crime network among what the actor may see.

    Attributes:
        people: People in the network (tied to at least one other).
        ties: Distinct pairs tied.
        ties_by_kind: Pairs tied by co-offending only, by OCG only, and by both.
        offences: Offences with a crime reference read.
        nominations: OCG nominations read.
        groups: The organised crime groups, largest first: label, members by
            pseudonym, and the first and last days its nominations were made or
            reviewed (``None``: not dated).
        communities: Sizes of the communities, largest first.
        key_players: ``(key player, their node)`` in the order picked.
        central: The most central people (by betweenness, then degree).
        nodes: Everyone in the network, most central first (the full table).
        drawn: The people the drawing shows (all, up to :data:`DRAWN_MAX`).
        drawn_ties: The ties among them.
        pseudonymised: Whether the actor sees pseudonyms only.
        period: The period shown (``None``: every offence).
        comparison: The change from an earlier period, when one was asked for.
        empty_reason: Why there is no tie to show, in words (``None``: there are).
        span: The first and last days of the offences with a crime reference the
            actor may see (``None``: none), to choose periods from.
    """

    people: int
    ties: int
    ties_by_kind: dict[str, int]
    offences: int
    nominations: int
    groups: tuple[tuple[str, tuple[str, ...], tuple[date, date] | None], ...]
    communities: tuple[int, ...]
    key_players: tuple[tuple[KeyPlayer, NetworkNode], ...]
    central: tuple[NetworkNode, ...]
    nodes: tuple[NetworkNode, ...]
    drawn: tuple[NetworkNode, ...]
    drawn_ties: tuple[NetworkTie, ...]
    pseudonymised: bool
    period: Period | None
    comparison: Comparison | None
    empty_reason: str | None
    span: tuple[date, date] | None = None

    def graph_data(self) -> dict[str, Any]:
        """The drawing's data, for the page's ``application/json`` element."""
        return {
            "nodes": [
                {
                    "id": n.pseudonym,
                    "community": n.metrics.community,
                    "degree": n.metrics.degree,
                    "betweenness": n.metrics.betweenness,
                    "eigenvector": n.metrics.eigenvector,
                    "core": n.metrics.core,
                    "key": n.key_rank,
                    "ocg": bool(n.groups),
                }
                for n in self.drawn
            ],
            "edges": [
                {
                    "source": t.source,
                    "target": t.target,
                    "weight": t.weight,
                    "kind": t.kind,
                }
                for t in self.drawn_ties
            ],
            "total": self.people,
        }


def _namer(network: CoOffendingNetwork) -> Callable[[str], tuple[str, int | None]]:
    """How a node's key shows: ``(pseudonym, person id or None)``."""
    if network.pseudonymised:
        return lambda key: (key, None)
    return lambda key: (pseudonym(int(key)), int(key))


def _names_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def why_empty(actor: Actor) -> str:
    """Why the actor may see no offence or OCG nomination to tie people by: which
    agencies hold them and which agreement in force shares them with whom.

    Reads no personal data: which agencies hold records of a kind, and the
    agreements' parties, are not about any person.
    """
    agency = Agency.objects.filter(pk=actor.agency_id).first()
    mine = agency.name if agency else "your agency"
    holders = sorted(
        Agency.objects.filter(
            pk__in=set(Offence.objects.values_list("agency_id", flat=True).distinct())
            | set(OcgNomination.objects.values_list("agency_id", flat=True).distinct())
        ).values_list("name", flat=True)
    )
    if not holders:
        return (
            "No partner has supplied offences or OCG nominal lists to the workspace yet "
            "(saferleeds offending import offences / ocg)."
        )
    if actor.has(IG_ROLES) and not actor.has(CASEWORK_ROLES | PSEUDONYMISED_ROLES):
        return (
            f"Information-governance leads see their own agency's records only, and "
            f"{mine} holds no offences or OCG nominal lists that tie two people."
        )
    seen = source_agencies(actor, OFFENCE) | source_agencies(actor, OCG_NOMINATION)
    if seen & set(Agency.objects.filter(name__in=holders).values_list("pk", flat=True)):
        return (
            "The offences and OCG nominal lists you may see tie no two people together "
            "(no crime with more than one suspect or offender, and no group)."
        )
    sharing = [
        a
        for a in agreements_in_force()
        if OFFENCE.value in a.record_types or OCG_NOMINATION.value in a.record_types
    ]
    text = (
        f"Offences and OCG nominal lists are held by {_names_list(holders)}, and no "
        f"information-sharing agreement in force shares them with {mine}."
    )
    for a in sharing:
        recipients = sorted(r.name for r in a.recipients.all())
        text += (
            f" The {a.title} shares them with {_names_list(recipients)} only, for "
            f"its purpose: {a.purpose.rstrip('.')}."
        )
    return text + (
        " An agreement listing offences (and OCG nominations) with your agency as a "
        "recipient, signed by every party, would let you see this network; your "
        "information-governance lead can propose one."
    )


def _drawn(g: ig.Graph, nodes: dict[str, NetworkNode]) -> list[int]:
    """Which node indices to draw: whole components, largest first, while they fit;
    if the largest alone is too big, its most central people."""
    if g.vcount() <= DRAWN_MAX:
        return list(range(g.vcount()))
    names = g.vs["name"]
    parts = sorted(g.connected_components(), key=len, reverse=True)
    chosen: list[int] = []
    for part in parts:
        if len(chosen) + len(part) > DRAWN_MAX:
            continue
        chosen.extend(part)
    if not chosen:
        ranked = sorted(
            parts[0],
            key=lambda v: (
                nodes[names[v]].key_rank is None,
                -nodes[names[v]].metrics.betweenness,
                -nodes[names[v]].metrics.degree,
            ),
        )
        chosen = ranked[:DRAWN_MAX]
    return sorted(chosen)


def _measure(
    network: CoOffendingNetwork, period: Period | None, *, top: int
) -> tuple[ig.Graph, dict[str, NodeMetrics], list[KeyPlayer]]:
    g = build_network(edges_in(network.edges, period))
    metrics = {m.node: m for m in node_metrics(g)} if g.vcount() else {}
    players = key_players(g, top=top) if g.vcount() else []
    return g, metrics, players


def _comparison(
    network: CoOffendingNetwork,
    period: Period,
    earlier: Period,
    *,
    top: int,
    shown: int,
) -> Comparison:
    show = _namer(network)
    before = build_network(edges_in(network.edges, earlier))
    after = build_network(edges_in(network.edges, period))
    result: PeriodComparison = compare_periods(before, after, top=top)
    change = result.change

    def move(key: str, b: int | None = None, a: int | None = None) -> Move:
        name, pid = show(key)
        return Move(name, pid, b, a)

    deg_a = {m.node: m.degree for m in result.after}
    deg_b = {m.node: m.degree for m in result.before}
    joined = sorted(change.nodes_added, key=lambda k: (-deg_a.get(k, 0), show(k)[0]))
    left = sorted(change.nodes_removed, key=lambda k: (-deg_b.get(k, 0), show(k)[0]))
    return Comparison(
        period=period,
        earlier=earlier,
        joined=tuple(move(k, None, deg_a.get(k)) for k in joined[:shown]),
        left=tuple(move(k, deg_b.get(k), None) for k in left[:shown]),
        ties_added=len(change.edges_added),
        ties_removed=len(change.edges_removed),
        new_ties=tuple((move(a), move(b)) for a, b in change.edges_added[:shown]),
        merged=tuple((s.before, s.after[0], s.people) for s in result.merged),
        split=tuple((s.before[0], s.after, s.people) for s in result.split),
        rising=tuple(move(m.node, m.rank_before, m.rank_after) for m in result.rising),
        falling=tuple(
            move(m.node, m.rank_before, m.rank_after) for m in result.falling
        ),
        nmi=change.community_nmi,
        people_before=before.vcount(),
        people_after=after.vcount(),
    )


def read_network_page(
    actor: Actor,
    *,
    period: Period | None = None,
    compare: Period | None = None,
    top: int = 10,
    shown: int = 25,
) -> NetworkPage:
    """The network page: measures, key players, groups and the drawing's data, of the
    offences committed in ``period`` (every offence: ``None``) and the OCG nominal
    lists; with ``compare``, the change from that earlier period too.

    Reads through :func:`~saferleeds.offending.access_pages.read_co_offending_network`
    (every offence and nomination read logged).

    Raises:
        NotFound: The actor's roles may see no personal data.
    """
    if not may_see_personal_data(actor):
        raise NotFound("no network")
    periods = [p for p in (period, compare) if p is not None]
    network = read_co_offending_network(
        actor, purpose="co-offending network page", periods=periods
    )
    show = _namer(network)
    dated = [e.on for e in network.edges if e.on is not None]
    # A period none of whose crimes tie anyone would show the undated OCG ties alone,
    # a network that says nothing about the period: say so instead, and show none.
    quiet = [p for p in periods if not any(day in p for day in dated)]
    if quiet:
        network = replace(network, edges=(), groups=())
    g, metrics, players = _measure(network, period, top=top)
    group_of: dict[str, list[str]] = {}
    for group in network.groups:
        for member in group.members:
            group_of.setdefault(member, []).append(group.label)
    # Marked in the drawing and the full table: key players whose removal fragments
    # the network at all (once it is in pieces, the rest of the list adds nothing).
    rank = {p.node: p.rank for p in players if p.gain > 0}

    def node_of(m: NodeMetrics) -> NetworkNode:
        name, pid = show(m.node)
        return NetworkNode(
            name, pid, m, rank.get(m.node), tuple(group_of.get(m.node, ()))
        )

    nodes = {key: node_of(m) for key, m in metrics.items()}
    ordered = sorted(
        nodes.values(),
        key=lambda n: (-n.metrics.betweenness, -n.metrics.degree, n.pseudonym),
    )
    sizes = Counter(m.community for m in metrics.values())
    kinds = Counter(str(k) for k in g.es["kind"]) if g.ecount() else Counter()
    drawn_ids = _drawn(g, nodes) if g.vcount() else []
    drawn_set = set(drawn_ids)
    names = g.vs["name"] if g.vcount() else []
    drawn_ties = [
        NetworkTie(
            nodes[names[e.source]].pseudonym,
            nodes[names[e.target]].pseudonym,
            float(e["weight"]),
            str(e["kind"]),
        )
        for e in g.es
        if e.source in drawn_set and e.target in drawn_set
    ]
    groups = tuple(
        (grp.label, tuple(sorted(show(k)[0] for k in grp.members)), grp.nominated)
        for grp in network.groups
    )
    # The span of the offences the actor may see (an aggregate: no one's record).
    bounds = (
        offences_visible_to(actor)
        .exclude(crime_reference="")
        .aggregate(first=Min("committed_on"), last=Max("committed_on"))
    )
    span = (bounds["first"], bounds["last"]) if bounds["first"] else None
    reason: str | None = None
    if quiet and span is not None:
        reason = (
            f"No crime you may see ties two people in {' or '.join(p.label for p in quiet)}: "
            f"the crimes you may see run from {span[0]:%-d %B %Y} to {span[1]:%-d %B %Y}."
        )
    comparison = (
        _comparison(network, period, compare, top=top, shown=shown)
        if period is not None and compare is not None and not quiet
        else None
    )
    return NetworkPage(
        people=g.vcount(),
        ties=g.ecount(),
        ties_by_kind=dict(kinds),
        offences=network.offences,
        nominations=network.nominations,
        groups=groups,
        communities=tuple(sorted(sizes.values(), reverse=True)),
        key_players=tuple((p, nodes[p.node]) for p in players),
        central=tuple(ordered[:shown]),
        nodes=tuple(ordered),
        drawn=tuple(nodes[names[v]] for v in drawn_ids),
        drawn_ties=tuple(drawn_ties),
        pseudonymised=network.pseudonymised,
        period=period,
        comparison=comparison,
        empty_reason=reason or (None if g.vcount() or comparison else why_empty(actor)),
        span=span,
    )


def _export_graph(actor: Actor, purpose: str) -> tuple[ig.Graph, CoOffendingNetwork]:
    if not may_see_personal_data(actor):
        raise NotFound("no network")
    network = read_co_offending_network(actor, purpose=purpose)
    show = _namer(network)
    g = build_network(
        Edge(show(e.source)[0], show(e.target)[0], e.weight, e.kind)
        for e in network.edges
    )
    return g, network


def read_network_ties(
    actor: Actor, *, purpose: str, periods: Sequence[Period] = ()
) -> tuple[tuple[Edge, ...], CoOffendingNetwork]:
    """The network's ties with people named as the page names them, by pseudonym
    whoever reads (for the command line, which writes them out of the workspace).

    Reads through :func:`~saferleeds.offending.access_pages.read_co_offending_network`
    (every offence and nomination read logged as consulted); what the caller writes
    out is logged with :func:`log_network_export`.

    Raises:
        NotFound: The actor's roles may see no personal data.
    """
    if not may_see_personal_data(actor):
        raise NotFound("no network")
    network = read_co_offending_network(actor, purpose=purpose, periods=periods)
    show = _namer(network)
    edges = tuple(
        replace(e, source=show(e.source)[0], target=show(e.target)[0])
        for e in network.edges
    )
    return edges, network


def log_network_export(
    actor: Actor,
    network: CoOffendingNetwork,
    *,
    people: int,
    ties: int,
    fmt: str,
    via: str = "network export",
) -> None:
    """Log an export as a disclosure of each person of the records it was made from
    (by pseudonym, to the user it was made for), in one write."""
    record_many(
        actor,
        operation=Operation.DISCLOSURE,
        event=EXPORT_EVENT,
        records=[("person", pk, pk) for pk in network.person_ids],
        recipient=f"{actor.username} ({via}, {fmt})",
        detail={
            "format": fmt,
            "people": people,
            "ties": ties,
            "offences": network.offences,
            "ocg_nominations": network.nominations,
            "pseudonymised": True,
        },
    )


def _log_export(
    actor: Actor, network: CoOffendingNetwork, g: ig.Graph, fmt: str
) -> None:
    log_network_export(actor, network, people=g.vcount(), ties=g.ecount(), fmt=fmt)


def read_network_graphml(actor: Actor) -> bytes:
    """The network as GraphML, every person by pseudonym (for whoever downloads it),
    with each node's measures and each tie's type; the records read are logged, and
    the export as a disclosure.

    Raises:
        NotFound: The actor's roles may see no personal data.
    """
    g, network = _export_graph(actor, "co-offending network export")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.graphml"
        write_graphml(g, path, node_metrics(g) if g.vcount() else [])
        body = path.read_bytes()
    _log_export(actor, network, g, "graphml")
    return body


def read_network_export(actor: Actor, fmt: str) -> tuple[bytes, str, str]:
    """The network as an i2 Analyst's Notebook entity or link CSV, or both zipped:
    ``(body, content type, file name)``; people by pseudonym; logged as a disclosure.

    Args:
        actor: Who downloads.
        fmt: ``entities`` (``entities.csv``), ``links`` (``links.csv``) or ``zip``
            (``i2-network.zip`` holding both).

    Raises:
        NotFound: The actor's roles may see no personal data, or ``fmt`` is unknown.
    """
    if fmt not in ("entities", "links", "zip"):
        raise NotFound(f"no export {fmt!r}")
    g, network = _export_graph(actor, "co-offending network export")
    with tempfile.TemporaryDirectory() as folder:
        entities, links = Path(folder) / "entities.csv", Path(folder) / "links.csv"
        write_i2(g, entities, links, node_metrics(g) if g.vcount() else [])
        if fmt == "zip":
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
                z.write(entities, "entities.csv")
                z.write(links, "links.csv")
            body, kind, name = buffer.getvalue(), "application/zip", "i2-network.zip"
        else:
            path = entities if fmt == "entities" else links
            body, kind, name = path.read_bytes(), "text/csv", path.name
    _log_export(actor, network, g, f"i2-{fmt}")
    return body, kind, name
