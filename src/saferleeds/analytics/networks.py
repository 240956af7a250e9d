"""Co-offending and organised-crime networks (issue #14, item 5), on igraph.

People are nodes; two people are tied when they were suspects or offenders in the same
offence (or on the same OCG nominal list), the tie's weight being how many times. The
graph is undirected and simple: repeated ties between a pair are one edge whose weight
is the sum, and a tie of a person to themselves is refused when read.

The public surface:

- :func:`read_edges`, :func:`build_network`: an edge list (``source,target`` and an
  optional ``weight``) as an igraph graph, nodes in name order.
- :func:`node_metrics`: degree, betweenness, eigenvector centrality, k-core number and
  community of every node (the columns of ``saferleeds network metrics``), each also
  on its own: :func:`betweenness`, :func:`eigenvector`, :func:`communities`.
- :func:`key_players`: who fragments the network most when removed (greedy).
- :func:`network_change`: what changed between two periods' networks, and
  :func:`compare_periods` with the communities merged and split and the key players
  rising and falling; :func:`parse_period` and :func:`edges_in` choose a period's ties.
- :func:`write_graphml`, :func:`write_i2`: GraphML, and the entity and link CSV pair
  that i2 Analyst's Notebook imports.

Centralities are on the unweighted graph and agree with NetworkX's (tested): degree,
``betweenness_centrality(G, normalized=True)`` and ``eigenvector_centrality(G)``.

Notes:
    Brandes, U. (2001), "A faster algorithm for betweenness centrality", J. Math.
    Sociol. 25:163-177, and Brandes & Pich (2007) for pivot sampling; Bonacich, P.
    (1987) for eigenvector centrality; Batagelj & Zaversnik (2003) for cores; Traag,
    Waltman & van Eck (2019), "From Louvain to Leiden", Sci. Rep. 9:5233; Borgatti,
    S. P. (2006), "Identifying sets of key players in a social network", Comput. Math.
    Organ. Theory 12:21-34. igraph: Csardi & Nepusz (2006), InterJournal Complex
    Systems 1695.
"""

from __future__ import annotations

import csv
import itertools
import math
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree as ET

import igraph as ig
import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.linalg import eigh_tridiagonal
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import eigsh

from saferleeds.analytics.csvfile import read_rows

EDGE_COLUMNS: Final = ("source", "target")
METRIC_COLUMNS: Final = (
    "node",
    "degree",
    "betweenness",
    "eigenvector",
    "core",
    "community",
)
DEFAULT_SEED: Final = 1
LEIDEN_ITERATIONS: Final = 2
_SAME_EIGENVALUE: Final = 1e-9
_DENSE_UP_TO: Final = 100  # components this small: a dense eigensolver
_LANCZOS_STEPS: Final = 300  # then ARPACK, which restarts and so needs less memory
_LANCZOS_FLOATS: Final = 40_000_000  # the basis kept: at most 320 MB
_LANCZOS_TOL: Final = 1e-12  # relative residual: eigenvector error about 1e-13

CO_OFFENDING: Final = "co-offending"
"""Tie type: the two were suspects or offenders of the same crime."""
SAME_OCG: Final = "ocg"
"""Tie type: the two are on the same organised crime group's nominal list."""
MAX_TIE_TYPE: Final = 40


@dataclass(frozen=True)
class Edge:
    """A tie between two people, ``weight`` times.

    Attributes:
        source: One person.
        target: The other.
        weight: How many times (crimes together, or 1 for a shared OCG).
        kind: The tie's type (:data:`CO_OFFENDING`, :data:`SAME_OCG`, or any label
            an edge list gives).
        on: The day of the tie (the crime's), when it has one; ties without a day
            (an OCG nominal list's) are in every period.
        since: For an undated, standing tie (two people on one OCG nominal list):
            the day it began, the later of their nominations' days, when known; it
            is in every period that ends on or after that day.
    """

    source: str
    target: str
    weight: float = 1.0
    kind: str = CO_OFFENDING
    on: date | None = field(default=None, compare=False)
    since: date | None = field(default=None, compare=False)


@dataclass(frozen=True)
class NodeMetrics:
    """One node's measures (a row of ``saferleeds network metrics``).

    Attributes:
        node: The node's name (a pseudonym where people are shown to analysts).
        degree: Number of distinct people tied to it.
        betweenness: Share of shortest paths between others through it (NetworkX's
            normalisation, unweighted).
        eigenvector: Eigenvector centrality, unit Euclidean norm over the graph.
        core: k-core number: the largest k with the node in a subgraph where everyone
            has at least k ties.
        community: Community number, 0 the largest.
    """

    node: str
    degree: int
    betweenness: float
    eigenvector: float
    core: int
    community: int


@dataclass(frozen=True)
class KeyPlayer:
    """A node picked by :func:`key_players`.

    Attributes:
        rank: 1 for the first picked.
        node: The node's name.
        fragmentation: The network's fragmentation once this node and those ranked
            before it are removed.
        gain: How much removing it added to the fragmentation.
    """

    rank: int
    node: str
    fragmentation: float
    gain: float


@dataclass(frozen=True)
class NodeChange:
    """One node's degree and betweenness in two periods (0 where absent)."""

    node: str
    degree_before: int
    degree_after: int
    betweenness_before: float
    betweenness_after: float


@dataclass(frozen=True)
class NetworkChange:
    """What changed from one period's network to the next.

    Attributes:
        nodes_added: People in the later network only.
        nodes_removed: People in the earlier network only.
        edges_added: Ties in the later network only, each pair in name order.
        edges_removed: Ties in the earlier network only.
        nodes: Degree and betweenness of every person in either network, biggest
            change in degree first.
        community_nmi: Normalised mutual information of the two periods' communities
            over the people in both (1: the same groups), or ``None`` when fewer than
            two people are in both.
    """

    nodes_added: tuple[str, ...]
    nodes_removed: tuple[str, ...]
    edges_added: tuple[tuple[str, str], ...]
    edges_removed: tuple[tuple[str, str], ...]
    nodes: tuple[NodeChange, ...]
    community_nmi: float | None


# --- reading and building ----------------------------------------------------------------


def read_edges(path: str | Path) -> list[Edge]:
    """Read an edge list: ``source,target`` and optionally ``weight`` (default 1),
    ``type`` (the tie's type, default ``co-offending``) and ``date`` (``YYYY-MM-DD``,
    the day of the tie, for comparing periods; empty: in every period).

    Raises:
        CsvInputError: Naming the file, line and column of the first bad value: an
            empty name, a tie of a person to themselves, a weight that is not a
            positive number, a type longer than 40 characters, a date not on the
            calendar.
    """
    edges: list[Edge] = []
    for row in read_rows(path, EDGE_COLUMNS):
        source, target = row.required("source"), row.required("target")
        if source == target:
            raise row.error("target", f"the same as source ({source!r})")
        weight = 1.0
        text = row.get("weight")
        if text:
            try:
                weight = float(text)
            except ValueError:
                raise row.error("weight", f"{text!r} is not a number") from None
            if not (math.isfinite(weight) and weight > 0):
                raise row.error("weight", f"{text!r} is not a positive number")
        kind = row.get("type") or CO_OFFENDING
        if len(kind) > MAX_TIE_TYPE:
            raise row.error("type", f"longer than {MAX_TIE_TYPE} characters")
        on = row.day("date", optional=True) if row.get("date") else None
        edges.append(Edge(source, target, weight, kind, on))
    return edges


def build_network(
    edges: Iterable[Edge | tuple[str, str] | tuple[str, str, float]],
) -> ig.Graph:
    """An undirected simple igraph graph from ties, nodes in name order.

    Repeated ties between a pair (either way round) become one edge whose ``weight``
    is their sum and whose ``kind`` names its types, sorted and joined by ``+``
    (``co-offending+ocg``); self-ties are dropped. Nodes have a ``name`` attribute.
    Ordering by name makes every result depend on the ties only, not the order they
    came in.
    """
    weights: dict[tuple[str, str], float] = {}
    # Types are kept only for pairs with a tie of a type other than co-offending (most
    # networks have none), so a large plain edge list builds nearly as fast as before.
    types: dict[tuple[str, str], set[str]] = {}
    plain: set[tuple[str, str]] = set()
    for e in edges:
        if isinstance(e, Edge):
            a, b, w, t = e.source, e.target, e.weight, e.kind
        else:
            a, b = e[0], e[1]
            w = float(e[2]) if len(e) > 2 else 1.0
            t = CO_OFFENDING
        if a == b:
            continue
        key = (a, b) if a < b else (b, a)
        weights[key] = weights.get(key, 0.0) + w
        if t != CO_OFFENDING:
            types.setdefault(key, set()).add(t)
        else:
            plain.add(key)
    for key in plain & types.keys():
        types[key].add(CO_OFFENDING)
    names = sorted({n for pair in weights for n in pair})
    index = {n: i for i, n in enumerate(names)}
    pairs = sorted(weights)
    g = ig.Graph(n=len(names), edges=[(index[a], index[b]) for a, b in pairs])
    g.vs["name"] = names
    g.es["weight"] = [weights[p] for p in pairs]
    g.es["kind"] = [
        "+".join(sorted(types[p])) if p in types else CO_OFFENDING for p in pairs
    ]
    return g


def _names(g: ig.Graph) -> list[str]:
    if g.vcount() == 0:
        return []
    return [str(n) for n in g.vs["name"]]


# --- measures ----------------------------------------------------------------------------


def degree(g: ig.Graph) -> list[int]:
    """Number of distinct neighbours of each node."""
    return [int(d) for d in g.degree()]


def betweenness(
    g: ig.Graph,
    *,
    k: int | None = None,
    seed: int = DEFAULT_SEED,
    pivots: Sequence[int] | None = None,
) -> list[float]:
    """Betweenness centrality of each node, normalised as NetworkX's, unweighted.

    Args:
        g: The graph.
        k: Estimate from ``k`` pivot sources drawn at random (``seed``) instead of
            from every node: for networks too large for the exact figure.
        seed: Seed of the draw of pivots.
        pivots: The pivot sources themselves (node indices), instead of ``k``.

    Notes:
        Exact: Brandes (2001) counts, ``2 b / ((n - 1)(n - 2))``, as NetworkX's
        ``betweenness_centrality(G, normalized=True)`` on an undirected graph. With
        pivots: Brandes & Pich (2007) source sampling, scaled as NetworkX 3.5+ does
        for ``k``: ``2 b / (k (n - 2))`` for a node that is not a pivot and
        ``2 b / ((k - 1)(n - 2))`` for one that is, so the estimate is unbiased.
    """
    n = g.vcount()
    if n <= 2:
        return [0.0] * n
    if pivots is None and k is not None and k < n:
        pivots = random.Random(seed).sample(range(n), k)  # noqa: S311 - a seeded draw
    if pivots is None:
        raw = g.betweenness(directed=False)
        return [2.0 * b / ((n - 1) * (n - 2)) for b in raw]
    sources = sorted(set(pivots))
    m = len(sources)
    if m < 2:
        raise ValueError("betweenness sampling needs at least 2 pivots")
    raw = g.betweenness(directed=False, sources=sources)
    chosen = set(sources)
    return [
        2.0 * b / (((m - 1) if v in chosen else m) * (n - 2)) for v, b in enumerate(raw)
    ]


def adjacency(g: ig.Graph) -> sparse.csr_array:
    """The graph's adjacency matrix, symmetric, as a scipy CSR array of floats.

    A repeated tie between a pair counts as many times as it is repeated, and a tie of
    a node to itself twice on the diagonal, as in igraph's and NetworkX's eigenvector
    centralities (graphs from :func:`build_network` have neither).
    """
    n, m = g.vcount(), g.ecount()
    ends = np.fromiter(itertools.chain.from_iterable(g.get_edgelist()), np.int64, 2 * m)
    first, second = ends[0::2], ends[1::2]
    rows = np.concatenate((first, second))
    cols = np.concatenate((second, first))
    return sparse.csr_array((np.ones(2 * m), (rows, cols)), shape=(n, n))


def _lanczos(
    a: sparse.csr_array, start: npt.NDArray[np.float64]
) -> tuple[float, npt.NDArray[np.float64]] | None:
    """Largest eigenvalue and unit eigenvector of a symmetric matrix by plain Lanczos,
    or None when it has not converged in :data:`_LANCZOS_STEPS` steps (fewer on a
    graph so large that the basis kept would pass :data:`_LANCZOS_FLOATS` numbers).

    Stops when the Ritz pair's residual estimate ``|beta_k s_k|`` is within
    :data:`_LANCZOS_TOL` of the eigenvalue (Paige 1972: the estimate holds without
    reorthogonalisation, and a converged Ritz vector is accurate although the basis
    has lost orthogonality in its direction), then checks the residual itself.
    Vector products are numpy sums rather than BLAS calls, so they do not contend for
    cores with other work (threaded BLAS under ARPACK ran 3 to 10 times slower on a
    busy two-core machine).
    """
    basis: list[npt.NDArray[np.float64]] = []
    alphas: list[float] = []
    betas: list[float] = []
    v = start / math.sqrt(float((start * start).sum()))
    previous = np.zeros_like(v)
    beta = 0.0
    steps = min(_LANCZOS_STEPS, max(30, _LANCZOS_FLOATS // len(start)))
    for k in range(steps):
        basis.append(v)
        w = a @ v
        alpha = float((w * v).sum())
        w -= alpha * v
        w -= beta * previous
        beta = math.sqrt(float((w * w).sum()))
        alphas.append(alpha)
        betas.append(beta)
        if k % 5 == 4 or beta <= _LANCZOS_TOL * abs(alpha):
            values, vectors = eigh_tridiagonal(
                np.array(alphas), np.array(betas[:-1]), select="i", select_range=(k, k)
            )
            lam, s = float(values[0]), vectors[:, 0]
            if abs(beta * s[-1]) <= _LANCZOS_TOL * abs(lam):
                x = np.zeros_like(v)
                for weight, q in zip(s, basis, strict=True):
                    x += weight * q
                x /= math.sqrt(float((x * x).sum()))
                residual = a @ x - lam * x
                if math.sqrt(
                    float((residual * residual).sum())
                ) > 1e3 * _LANCZOS_TOL * abs(lam):
                    return None
                return lam, x
        if beta == 0:
            return None  # an invariant subspace without the answer: cannot go on
        previous, v = v, w / beta
    return None


def _leading(
    a: sparse.csr_array, start: npt.NDArray[np.float64]
) -> tuple[float, npt.NDArray[np.float64]]:
    """Largest eigenvalue of a connected component's symmetric adjacency matrix, and
    its eigenvector with a positive sum."""
    n = a.shape[0]
    if n == 1:
        return 0.0, np.ones(1)
    found = None if n <= _DENSE_UP_TO else _lanczos(a, start)
    if found is not None:
        lam, vec = found
    elif n <= _DENSE_UP_TO:
        values, vectors = np.linalg.eigh(a.toarray())
        lam, vec = float(values[-1]), vectors[:, -1]
    else:
        # a slow-converging graph: ARPACK's restarted Lanczos, to machine precision
        values, vectors = eigsh(a, k=1, which="LA", v0=start, tol=0)
        lam, vec = float(values[0]), vectors[:, 0]
    return lam, vec if vec.sum() >= 0 else -vec


def eigenvector(g: ig.Graph) -> list[float]:
    """Eigenvector centrality of each node, unit Euclidean norm, as NetworkX's.

    Notes:
        On a connected graph, the leading eigenvector of the adjacency matrix (Perron
        vector; Bonacich 1987) to machine precision, scaled to unit length, as
        NetworkX's ``eigenvector_centrality_numpy`` and the limit of its
        ``eigenvector_centrality``. It is found by the Lanczos method (Lanczos 1950;
        Golub & Van Loan, *Matrix Computations*, 4th ed., section 10.1) on the
        symmetric CSR adjacency, started from the degree vector, stopped at a
        relative residual of 1e-12 (an eigenvector error near 1e-13, where
        NetworkX's power iteration stops near 1e-3 to 1e-4) and checked against the
        residual itself; ARPACK's restarted Lanczos (scipy's ``eigsh``) if it has not
        converged in 300 steps; small components by a dense symmetric eigensolver.
        Unrestarted, it needs fewer products than ARPACK (65 against 91 on the
        100,000-node benchmark network) and none of its reorthogonalisation. A graph
        in pieces has no single leading
        eigenvector, so this gives the limit of NetworkX's power iteration from the
        all-ones vector: each component whose leading eigenvalue is the graph's
        largest gets its own eigenvector, weighted by that vector's sum; other
        components get 0; the whole is scaled to unit length. An edgeless graph gives
        every node ``1 / sqrt(n)``, as NetworkX does.
    """
    n = g.vcount()
    if n == 0:
        return []
    a = adjacency(g)
    deg = np.asarray(a.sum(axis=1)).ravel()
    count, label = connected_components(a, directed=False)
    if count == 1:
        parts = [np.arange(n)]
    else:
        order = np.argsort(label, kind="stable")
        parts = np.split(order, np.cumsum(np.bincount(label, minlength=count))[:-1])
    parts.sort(key=lambda c: float(deg[c].max()), reverse=True)
    best = -1.0
    leading: list[tuple[npt.NDArray[np.int64], Any]] = []
    for part in parts:
        top = float(deg[part].max())
        if top < best - _SAME_EIGENVALUE * max(1.0, best):
            break  # the leading eigenvalue is at most the largest degree
        sub = a if len(part) == n else a[part][:, part]
        lam, vec = _leading(sub, deg[part])
        if lam > best + _SAME_EIGENVALUE * max(1.0, best):
            best, leading = lam, []
        if abs(lam - best) <= _SAME_EIGENVALUE * max(1.0, best):
            leading.append((part, vec))
    x = np.zeros(n)
    for part, vec in leading:
        unit = vec / np.linalg.norm(vec)
        x[part] = unit.sum() * unit  # projection of the all-ones start onto it
    return [float(v) for v in x / np.linalg.norm(x)]


def core_number(g: ig.Graph) -> list[int]:
    """k-core number of each node (Batagelj & Zaversnik 2003), as NetworkX's."""
    return [int(c) for c in g.coreness()]


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """igraph's random numbers from ``random.Random(seed)`` for the block, then as before."""
    ig.set_random_number_generator(random.Random(seed))  # noqa: S311 - reproducible
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def communities(
    g: ig.Graph,
    *,
    seed: int = DEFAULT_SEED,
    resolution: float = 1.0,
    weighted: bool = True,
    iterations: int = LEIDEN_ITERATIONS,
) -> list[int]:
    """Community of each node by the Leiden algorithm, maximising modularity.

    The same graph and seed give the same communities. Communities are numbered by
    size, 0 the largest (a tie: the one holding the first node in name order).

    Args:
        g: The graph.
        seed: Seed of the algorithm's random choices.
        resolution: Modularity's resolution (higher: more, smaller communities).
        weighted: Use tie weights (how often two people offended together).
        iterations: Leiden iterations; -1 repeats until no node moves.

    Notes:
        Traag, Waltman & van Eck (2019), through igraph, with 2 iterations as igraph
        and the authors' ``leidenalg`` do by default: on the 100,000-node benchmark
        network, iterating until stable took 4 times as long for a modularity 0.0001
        higher. Not thread-safe while it runs: igraph's random number generator is
        process-wide.
    """
    if g.vcount() == 0:
        return []
    with _seeded(seed):
        found = g.community_leiden(
            objective_function="modularity",
            weights="weight" if weighted and g.ecount() else None,
            resolution=resolution,
            n_iterations=iterations,
        )
    membership = list(found.membership)
    size: dict[int, int] = {}
    first: dict[int, int] = {}
    for v, c in enumerate(membership):
        size[c] = size.get(c, 0) + 1
        first.setdefault(c, v)
    order = sorted(size, key=lambda c: (-size[c], first[c]))
    renumber = {c: i for i, c in enumerate(order)}
    return [renumber[c] for c in membership]


def node_metrics(
    g: ig.Graph, *, seed: int = DEFAULT_SEED, betweenness_k: int | None = None
) -> list[NodeMetrics]:
    """Every node's degree, betweenness, eigenvector centrality, core and community.

    Args:
        g: The graph.
        seed: Seed of the community detection (and of pivots, with
            ``betweenness_k``).
        betweenness_k: Estimate betweenness from this many pivots (None: exact).
    """
    cols = zip(
        _names(g),
        degree(g),
        betweenness(g, k=betweenness_k, seed=seed),
        eigenvector(g),
        core_number(g),
        communities(g, seed=seed),
        strict=True,
    )
    return [NodeMetrics(*row) for row in cols]


# --- key players -------------------------------------------------------------------------


def _pairs(size: int) -> int:
    return size * (size - 1) // 2


def _pairs_without_each(adj: list[list[int]]) -> tuple[int, list[int]]:
    """Connected pairs of the graph, and for each node the pairs left without it.

    One depth-first search (Tarjan's low points): removing ``v`` cuts off each child
    subtree ``c`` with ``low[c] >= disc[v]``; the rest of ``v``'s component stays one
    piece.
    """
    n = len(adj)
    disc = [-1] * n
    low = [0] * n
    size = [1] * n
    comp_of = [0] * n
    comp_sizes: list[int] = []
    cut_pairs = [0] * n  # pairs within the cut-off pieces
    cut_size = [0] * n  # nodes in the cut-off pieces
    clock = 0
    for root in range(n):
        if disc[root] != -1:
            continue
        comp = len(comp_sizes)
        disc[root] = low[root] = clock
        clock += 1
        comp_of[root] = comp
        members = 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]
        while stack:
            v, parent, i = stack[-1]
            if i < len(adj[v]):
                stack[-1] = (v, parent, i + 1)
                w = adj[v][i]
                if disc[w] == -1:
                    disc[w] = low[w] = clock
                    clock += 1
                    comp_of[w] = comp
                    members += 1
                    stack.append((w, v, 0))
                elif w != parent:
                    low[v] = min(low[v], disc[w])
            else:
                stack.pop()
                if parent >= 0:
                    low[parent] = min(low[parent], low[v])
                    size[parent] += size[v]
                    if low[v] >= disc[parent]:
                        cut_pairs[parent] += _pairs(size[v])
                        cut_size[parent] += size[v]
        comp_sizes.append(members)
    total = sum(_pairs(s) for s in comp_sizes)
    without = []
    for v in range(n):
        s = comp_sizes[comp_of[v]]
        rest = s - 1 - cut_size[v]
        without.append(total - _pairs(s) + cut_pairs[v] + _pairs(rest))
    return total, without


def fragmentation(g: ig.Graph) -> float:
    """Borgatti's fragmentation: the share of pairs of people who cannot reach each other.

    ``F = 1 - sum_k s_k (s_k - 1) / (n (n - 1))`` over the components' sizes ``s_k``:
    0 when everyone is connected, 1 when nobody is.
    """
    n = g.vcount()
    if n < 2:
        return 0.0
    sizes: list[int] = g.connected_components().sizes()
    return float(1.0 - sum(s * (s - 1) for s in sizes) / (n * (n - 1)))


def key_players(g: ig.Graph, *, top: int = 10) -> list[KeyPlayer]:
    """The people whose removal fragments the network most, picked greedily.

    Args:
        g: The graph.
        top: How many to pick.

    Returns:
        Up to ``top`` :class:`KeyPlayer`, in the order picked.

    Notes:
        Borgatti's (2006) KPP-Neg with his fragmentation measure ``F`` (see
        :func:`fragmentation`), over all ``n`` people, a removed person counting as cut
        off from everyone. Greedy: at each step the person whose removal (with those
        already picked) raises ``F`` most; a tie goes to more ties, then to the name
        first in order. Each step is one depth-first search, so it is exact per step
        and fast; greedy sets can be beaten by a search over sets (Borgatti's
        optimisation), so the ranking is a short list for analysts, not a proof.
    """
    n = g.vcount()
    if n < 2:
        return []
    names = _names(g)
    adj = [list(a) for a in g.get_adjlist()]
    all_pairs = n * (n - 1)
    total, _ = _pairs_without_each(adj)
    before = 1.0 - 2 * total / all_pairs
    picked: list[KeyPlayer] = []
    removed: set[int] = set()
    for rank in range(1, min(top, n) + 1):
        _, without = _pairs_without_each(adj)
        best = min(
            (v for v in range(n) if v not in removed),
            key=lambda v: (without[v], -len(adj[v]), names[v]),
        )
        after = 1.0 - 2 * without[best] / all_pairs
        picked.append(KeyPlayer(rank, names[best], after, after - before))
        before = after
        removed.add(best)
        for w in adj[best]:
            adj[w].remove(best)
        adj[best] = []
    return picked


# --- change between periods --------------------------------------------------------------


def network_change(
    before: ig.Graph, after: ig.Graph, *, seed: int = DEFAULT_SEED
) -> NetworkChange:
    """What changed between two periods' networks: people, ties, degree, betweenness,
    and how far the communities held together (NMI over the people in both)."""
    names_b, names_a = _names(before), _names(after)
    set_b, set_a = set(names_b), set(names_a)

    def ties(g: ig.Graph, names: list[str]) -> set[tuple[str, str]]:
        out = set()
        for e in g.es:
            a, b = names[e.source], names[e.target]
            out.add((a, b) if a < b else (b, a))
        return out

    ties_b, ties_a = ties(before, names_b), ties(after, names_a)
    deg_b = dict(zip(names_b, degree(before), strict=True))
    deg_a = dict(zip(names_a, degree(after), strict=True))
    bet_b = dict(zip(names_b, betweenness(before), strict=True))
    bet_a = dict(zip(names_a, betweenness(after), strict=True))
    nodes = sorted(
        (
            NodeChange(
                v,
                deg_b.get(v, 0),
                deg_a.get(v, 0),
                bet_b.get(v, 0.0),
                bet_a.get(v, 0.0),
            )
            for v in set_b | set_a
        ),
        key=lambda c: (-abs(c.degree_after - c.degree_before), c.node),
    )
    both = sorted(set_b & set_a)
    nmi: float | None = None
    if len(both) >= 2:
        com_b = dict(zip(names_b, communities(before, seed=seed), strict=True))
        com_a = dict(zip(names_a, communities(after, seed=seed), strict=True))
        nmi = float(
            ig.compare_communities(
                [com_b[v] for v in both], [com_a[v] for v in both], method="nmi"
            )
        )
    return NetworkChange(
        nodes_added=tuple(sorted(set_a - set_b)),
        nodes_removed=tuple(sorted(set_b - set_a)),
        edges_added=tuple(sorted(ties_a - ties_b)),
        edges_removed=tuple(sorted(ties_b - ties_a)),
        nodes=tuple(nodes),
        community_nmi=nmi,
    )


# --- periods ----------------------------------------------------------------------------

_QUARTER_TEXT = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR_TEXT = re.compile(r"^(\d{4})$")
PERIOD_FORMS: Final = (
    "a quarter YYYYQn (2018Q1), a month YYYY-MM, a year YYYY, or a range "
    "YYYY-MM-DD..YYYY-MM-DD"
)


@dataclass(frozen=True)
class Period:
    """A span of days, first and last included, with the text it was given as."""

    label: str
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(text: str) -> Period:
    """A period from text: ``2018Q1``, ``2018-01``, ``2018`` or
    ``2018-01-01..2018-03-31`` (both days included).

    Raises:
        ValueError: Not one of those forms, a day not on the calendar, or a range
            that ends before it starts.
    """
    t = text.strip().upper()
    try:
        if m := _QUARTER_TEXT.match(t):
            year, q = int(m.group(1)), int(m.group(2))
            return Period(t, date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
        if m := _MONTH_TEXT.match(t):
            year, month = int(m.group(1)), int(m.group(2))
            return Period(t, date(year, month, 1), _month_end(year, month))
        if m := _YEAR_TEXT.match(t):
            year = int(m.group(1))
            return Period(t, date(year, 1, 1), date(year, 12, 31))
        if ".." in t:
            first, last = (part.strip() for part in t.split("..", 1))
            start, end = date.fromisoformat(first), date.fromisoformat(last)
            if end < start:
                raise ValueError(f"the range {text!r} ends before it starts")
            return Period(f"{start}..{end}", start, end)
    except ValueError as exc:
        if "ends before" in str(exc):
            raise
        raise ValueError(f"{text!r} is not a period: {exc}") from None
    raise ValueError(f"{text!r} is not a period: give {PERIOD_FORMS}")


def edges_in(edges: Iterable[Edge], period: Period | None) -> list[Edge]:
    """The ties of a period: those dated in it, and every undated tie (an OCG
    nominal list is the group as the partner holds it now, so it is in each period)
    that had begun by the period's end (:attr:`Edge.since`: the nominations' day,
    when the list dates them). ``None``: every tie."""
    if period is None:
        return list(edges)
    return [e for e in edges if _in_period(e, period)]


def _in_period(e: Edge, period: Period) -> bool:
    if e.on is not None:
        return e.on in period
    return e.since is None or e.since <= period.end


@dataclass(frozen=True)
class CommunityShift:
    """Communities that merged (several earlier ones mostly in one later one) or split
    (one earlier one spread over several later ones).

    Attributes:
        before: The earlier period's community numbers involved.
        after: The later period's community numbers involved.
        people: How many people, in both periods, moved this way.
    """

    before: tuple[int, ...]
    after: tuple[int, ...]
    people: int


@dataclass(frozen=True)
class KeyPlayerMove:
    """A person in either period's key-player list, with their rank in each (``None``:
    not in that list)."""

    node: str
    rank_before: int | None
    rank_after: int | None


@dataclass(frozen=True)
class PeriodComparison:
    """A period's network against an earlier one's (see :func:`compare_periods`).

    Attributes:
        change: People and ties added and removed, degree and betweenness of each,
            and the communities' NMI (:class:`NetworkChange`).
        before: Each earlier person's measures.
        after: Each later person's measures.
        merged: Later communities holding at least ``min_people`` of each of two or
            more earlier communities.
        split: Earlier communities whose people are at least ``min_people`` in each
            of two or more later communities.
        rising: People whose key-player rank rose (new in the list, or ranked
            higher), highest later rank first.
        falling: People whose rank fell (off the list, or ranked lower).
    """

    change: NetworkChange
    before: tuple[NodeMetrics, ...]
    after: tuple[NodeMetrics, ...]
    merged: tuple[CommunityShift, ...]
    split: tuple[CommunityShift, ...]
    rising: tuple[KeyPlayerMove, ...]
    falling: tuple[KeyPlayerMove, ...]


def community_shifts(
    before: dict[str, int], after: dict[str, int], *, min_people: int = 2
) -> tuple[list[CommunityShift], list[CommunityShift]]:
    """Communities merged and split between two periods, over the people in both.

    Args:
        before: Person -> community in the earlier period.
        after: Person -> community in the later period.
        min_people: How many people of a community must go one way for it to count
            (one person moving is a person moving, not a merger).

    Returns:
        ``(merged, split)``.

    Notes:
        A cross-tabulation of the two memberships over the people in both periods, as
        in the event-based tracking of Greene, Doyle & Cunningham (2010), "Tracking the
        evolution of communities in dynamic social networks", ASONAM: a later
        community is a merger when two or more earlier communities each give it at
        least ``min_people``; an earlier community split when two or more later ones
        each get at least ``min_people`` of it. Community numbers differ between
        periods (each is numbered by size), so only this overlap relates them.
    """
    overlap: dict[tuple[int, int], int] = {}
    for person in before.keys() & after.keys():
        key = (before[person], after[person])
        overlap[key] = overlap.get(key, 0) + 1
    into: dict[int, dict[int, int]] = {}
    out_of: dict[int, dict[int, int]] = {}
    for (b, a), n in overlap.items():
        if n >= min_people:
            into.setdefault(a, {})[b] = n
            out_of.setdefault(b, {})[a] = n
    merged = [
        CommunityShift(tuple(sorted(src)), (a,), sum(src.values()))
        for a, src in sorted(into.items())
        if len(src) >= 2
    ]
    split = [
        CommunityShift((b,), tuple(sorted(dst)), sum(dst.values()))
        for b, dst in sorted(out_of.items())
        if len(dst) >= 2
    ]
    return merged, split


def key_player_moves(
    before: Sequence[KeyPlayer], after: Sequence[KeyPlayer]
) -> tuple[list[KeyPlayerMove], list[KeyPlayerMove]]:
    """``(rising, falling)``: people ranked higher (or newly ranked) in ``after`` than
    in ``before``, and lower (or no longer ranked)."""
    rank_b = {p.node: p.rank for p in before}
    rank_a = {p.node: p.rank for p in after}
    big = len(before) + len(after) + 1
    rising, falling = [], []
    for node in sorted(rank_b.keys() | rank_a.keys()):
        b, a = rank_b.get(node), rank_a.get(node)
        move = KeyPlayerMove(node, b, a)
        if (a or big) < (b or big):
            rising.append(move)
        elif (a or big) > (b or big):
            falling.append(move)
    rising.sort(key=lambda m: (m.rank_after or big, m.node))
    falling.sort(key=lambda m: (m.rank_before or big, m.node))
    return rising, falling


def compare_periods(
    before: ig.Graph,
    after: ig.Graph,
    *,
    seed: int = DEFAULT_SEED,
    top: int = 10,
    min_people: int = 2,
) -> PeriodComparison:
    """A period's network against an earlier one's: who joined and left, new and lost
    ties, communities merged and split, key players rising and falling.

    Args:
        before: The earlier period's network.
        after: The later period's network.
        seed: Seed of the community detection (the same for both).
        top: How many key players each period's list holds.
        min_people: See :func:`community_shifts`.
    """
    m_b = node_metrics(before, seed=seed) if before.vcount() else []
    m_a = node_metrics(after, seed=seed) if after.vcount() else []
    merged, split = community_shifts(
        {m.node: m.community for m in m_b},
        {m.node: m.community for m in m_a},
        min_people=min_people,
    )
    rising, falling = key_player_moves(
        key_players(before, top=top), key_players(after, top=top)
    )
    return PeriodComparison(
        change=network_change(before, after, seed=seed),
        before=tuple(m_b),
        after=tuple(m_a),
        merged=tuple(merged),
        split=tuple(split),
        rising=tuple(rising),
        falling=tuple(falling),
    )


# --- export ------------------------------------------------------------------------------

_GRAPHML_NS: Final = "http://graphml.graphdrawing.org/xmlns"
_GRAPHML_TYPES: Final = {
    "degree": "int",
    "betweenness": "double",
    "eigenvector": "double",
    "core": "int",
    "community": "int",
}


def write_graphml(
    g: ig.Graph, path: str | Path, metrics: Sequence[NodeMetrics] | None = None
) -> None:
    """Write the network as GraphML: node ids are the names, with the measures and
    each edge's weight as data (opens in Gephi, yEd, Cytoscape or NetworkX)."""
    ET.register_namespace("", _GRAPHML_NS)
    q = f"{{{_GRAPHML_NS}}}"
    root = ET.Element(f"{q}graphml")
    for key, kind in _GRAPHML_TYPES.items():
        ET.SubElement(
            root,
            f"{q}key",
            {"id": key, "for": "node", "attr.name": key, "attr.type": kind},
        )
    ET.SubElement(
        root,
        f"{q}key",
        {"id": "weight", "for": "edge", "attr.name": "weight", "attr.type": "double"},
    )
    ET.SubElement(
        root,
        f"{q}key",
        {"id": "type", "for": "edge", "attr.name": "type", "attr.type": "string"},
    )
    graph = ET.SubElement(root, f"{q}graph", {"id": "G", "edgedefault": "undirected"})
    names = _names(g)
    rows = metrics if metrics is not None else node_metrics(g)
    by_name = {m.node: asdict(m) for m in rows}
    for name in names:
        node = ET.SubElement(graph, f"{q}node", {"id": name})
        for key in _GRAPHML_TYPES:
            if name in by_name:
                ET.SubElement(node, f"{q}data", {"key": key}).text = repr(
                    by_name[name][key]
                )
    for e in g.es:
        edge = ET.SubElement(
            graph, f"{q}edge", {"source": names[e.source], "target": names[e.target]}
        )
        ET.SubElement(edge, f"{q}data", {"key": "weight"}).text = repr(
            float(e["weight"])
        )
        ET.SubElement(edge, f"{q}data", {"key": "type"}).text = _kind_of(e)
    ET.ElementTree(root).write(str(path), encoding="utf-8", xml_declaration=True)


def _kind_of(e: ig.Edge) -> str:
    kinds = e.graph.es.attributes()
    return str(e["kind"]) if "kind" in kinds else CO_OFFENDING


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = value if isinstance(value, str) else repr(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


I2_ENTITY_COLUMNS: Final = (
    "Entity ID",
    "Entity Type",
    "Label",
    "Degree",
    "Betweenness",
    "Eigenvector",
    "Core",
    "Community",
)
I2_LINK_COLUMNS: Final = (
    "Link ID",
    "From Entity ID",
    "To Entity ID",
    "Link Type",
    "Weight",
)


def write_i2(
    g: ig.Graph,
    entities_path: str | Path,
    links_path: str | Path,
    metrics: Sequence[NodeMetrics] | None = None,
    *,
    entity_type: str = "Person",
    link_type: str | None = None,
) -> None:
    """Write the entity and link CSV pair that i2 Analyst's Notebook imports.

    One entity per person (``Entity ID`` the name, ``Entity Type``, ``Label`` and the
    measures as attributes) and one link per tie (``From Entity ID``, ``To Entity
    ID``, ``Link Type``, ``Weight`` for line strength). In Analyst's Notebook, import
    the entities file with an import specification mapping ``Entity ID`` to the
    identity and ``Label`` to the label, then the links file mapping the two ids to
    the ends. ``Link Type`` is ``link_type`` when given, else the tie's types
    (``co-offending``, ``ocg`` or ``co-offending+ocg``). A value that a spreadsheet
    would run as a formula starts with ``'``.
    """
    names = _names(g)
    rows = metrics if metrics is not None else node_metrics(g)
    by_name = {m.node: m for m in rows}
    with Path(entities_path).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(I2_ENTITY_COLUMNS)
        for name in names:
            m = by_name[name]
            w.writerow(
                _cell(x)
                for x in (
                    name,
                    entity_type,
                    name,
                    m.degree,
                    m.betweenness,
                    m.eigenvector,
                    m.core,
                    m.community,
                )
            )
    with Path(links_path).open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(I2_LINK_COLUMNS)
        for i, e in enumerate(g.es, start=1):
            w.writerow(
                _cell(x)
                for x in (
                    f"L{i}",
                    names[e.source],
                    names[e.target],
                    link_type or _kind_of(e),
                    float(e["weight"]),
                )
            )


__all__ = [
    "CO_OFFENDING",
    "EDGE_COLUMNS",
    "METRIC_COLUMNS",
    "PERIOD_FORMS",
    "SAME_OCG",
    "CommunityShift",
    "Edge",
    "KeyPlayer",
    "KeyPlayerMove",
    "NetworkChange",
    "NodeChange",
    "NodeMetrics",
    "Period",
    "PeriodComparison",
    "betweenness",
    "build_network",
    "communities",
    "community_shifts",
    "compare_periods",
    "edges_in",
    "key_player_moves",
    "parse_period",
    "core_number",
    "degree",
    "eigenvector",
    "fragmentation",
    "key_players",
    "network_change",
    "node_metrics",
    "read_edges",
    "write_graphml",
    "write_i2",
]
