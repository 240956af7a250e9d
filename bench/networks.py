"""Network measures on 100,000 people and 500,000 ties: saferleeds (igraph) vs NetworkX.

Input: a synthetic co-offending network made with numpy (seed 0): 100,000 nodes in
1,000 groups of 100, 500,000 distinct ties, 80% of them within a group and 20% between
random people (so it has communities to find). --quick: 10,000 nodes, 50,000 ties.

Timed in the same run on the same edge list, each against NetworkX (the peer):

- degree: ``saferleeds.analytics.networks.degree`` vs ``G.degree``;
- eigenvector centrality: ``networks.eigenvector`` vs ``nx.eigenvector_centrality``
  (power iteration) and ``nx.eigenvector_centrality_numpy`` (ARPACK), with the largest
  difference from NetworkX's;
- communities: ``networks.communities`` (Leiden, modularity) vs
  ``nx.community.louvain_communities`` (both seeded), with each one's modularity;
- betweenness: exact betweenness is O(n m), hours for NetworkX at this size, so both
  are sampled from the same K = 64 pivots (``networks.betweenness(pivots=...)`` vs
  ``nx.betweenness_centrality(k=64, seed=...)``, which draws the same pivots) and must
  agree; the sampling error against exact betweenness is measured on a 10,000-node
  network from the same generator (exact with igraph).

Graph building is timed apart (igraph from the named ties; ``nx.Graph`` from the same).
Every time is the median of 3 runs, on both sides (the exact betweenness of the
sampling-error check, a reference rather than a comparison, runs once). Prints one line
per comparison and writes them to ``bench/results/networks.json``
(``networks-quick.json`` with --quick).
Goal (issue #14): at least 10x faster than NetworkX, exact for degree and eigenvector.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from saferleeds.analytics.networks import (
    betweenness,
    build_network,
    communities,
    degree,
    eigenvector,
)

PIVOTS = 64
SEED = 0
REPEATS = 3
RESULTS = Path(__file__).resolve().parent / "results"


def synthetic_edges(nodes: int, ties: int, seed: int = SEED) -> list[tuple[str, str]]:
    """``ties`` distinct ties among ``nodes`` people in groups of 100, 80% within."""
    rng = np.random.default_rng(seed)
    group = 100
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < ties:
        m = 2 * (ties - len(chosen))
        a = rng.integers(0, nodes, m)
        inside = rng.random(m) < 0.8
        b = np.where(
            inside,
            (a // group) * group + rng.integers(0, group, m),
            rng.integers(0, nodes, m),
        )
        b = np.minimum(b, nodes - 1)
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            if x != y:
                chosen.add((x, y) if x < y else (y, x))
                if len(chosen) == ties:
                    break
    return [(f"p{x:06d}", f"p{y:06d}") for x, y in sorted(chosen)]


def timed(fn: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, Any]:
    """The median wall time of ``repeats`` runs of ``fn``, and the last run's result."""
    times: list[float] = []
    result: Any = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def line(
    rows: list[dict[str, Any]],
    inputs: str,
    name: str,
    ours: float,
    peer: float,
    peer_name: str,
    note: str = "",
) -> None:
    """Print one comparison and add it to ``rows`` (as ``bench/hotspots.py`` does)."""
    print(
        f"  {name:<13} saferleeds {ours:8.3f} s   {peer_name} {peer:8.3f} s   "
        f"{peer / ours:7.1f}x faster{'  ' + note if note else ''}"
    )
    rows.append(
        {
            "benchmark": name,
            "input": inputs,
            "ours_s": round(ours, 4),
            "peer": peer_name,
            "peer_s": round(peer, 4),
            "ratio": round(peer / ours, 2),
            "measured": True,
            "repeats": REPEATS,
            "accuracy": note,
        }
    )


def sampling_error(quick: bool) -> None:
    """Error of K-pivot betweenness against exact, on a network small enough for exact."""
    n, m = (2_000, 10_000) if quick else (10_000, 50_000)
    g = build_network(synthetic_edges(n, m, seed=1))
    t_exact, exact = timed(lambda: betweenness(g), repeats=1)
    ex = np.array(exact)
    print(
        f"  betweenness sampling error against exact on {n:,} nodes / {m:,} ties "
        f"(exact: {t_exact:.2f} s; largest exact value {ex.max():.2e}):"
    )
    top = 100
    ranks_e = np.argsort(np.argsort(-ex))
    for k in (PIVOTS, 8 * PIVOTS):
        t_sampled, sampled = timed(partial(betweenness, g, k=k, seed=SEED))
        sa = np.array(sampled)
        overlap = len(set(np.argsort(-ex)[:top]) & set(np.argsort(-sa)[:top]))
        rho = float(np.corrcoef(ranks_e, np.argsort(np.argsort(-sa)))[0, 1])
        rel = np.abs(sa - ex).sum() / ex.sum()
        print(
            f"    {k} pivots ({t_sampled:.3f} s): max abs {np.abs(sa - ex).max():.2e}, "
            f"total relative L1 {rel:.1%}, rank correlation {rho:.3f}, "
            f"top-{top} overlap {overlap}/{top}"
        )


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Time igraph-backed measures and NetworkX on the same network (medians of 3),
    print the ratios and write them as JSON."""
    n, m = (10_000, 50_000) if quick else (100_000, 500_000)
    inputs = f"{n:,} nodes, {m:,} ties"
    rows: list[dict[str, Any]] = []
    ties = synthetic_edges(n, m)
    t_build, g = timed(lambda: build_network(ties))
    t_nx_build, h = timed(lambda: nx.Graph(ties))
    print(
        f"  network: {g.vcount():,} nodes, {g.ecount():,} ties; build: saferleeds "
        f"{t_build:.2f} s, NetworkX {t_nx_build:.2f} s"
    )
    names = g.vs["name"]

    t_ours, deg = timed(lambda: degree(g))
    t_peer, nx_deg = timed(lambda: dict(h.degree()))
    exact = all(nx_deg[v] == d for v, d in zip(names, deg, strict=True))
    line(rows, inputs, "degree", t_ours, t_peer, "NetworkX", f"identical: {exact}")

    t_ours, ev = timed(lambda: eigenvector(g))
    t_peer, nx_ev = timed(lambda: nx.eigenvector_centrality(h, max_iter=1000))
    err = max(abs(nx_ev[v] - x) for v, x in zip(names, ev, strict=True))
    line(
        rows,
        inputs,
        "eigenvector",
        t_ours,
        t_peer,
        "NetworkX",
        f"max difference {err:.1e}",
    )
    t_np, np_ev = timed(lambda: nx.eigenvector_centrality_numpy(h))
    err = max(abs(np_ev[v] - x) for v, x in zip(names, ev, strict=True))
    line(
        rows,
        inputs,
        "eigenvector",
        t_ours,
        t_np,
        "NX (ARPACK)",
        f"max difference {err:.1e}",
    )

    t_ours, com = timed(lambda: communities(g, seed=SEED))
    t_peer, louvain = timed(
        lambda: nx.community.louvain_communities(h, seed=SEED, weight=None)
    )
    groups: dict[int, list[str]] = {}
    for v, c in zip(names, com, strict=True):
        groups.setdefault(c, []).append(v)
    q_ours = g.modularity(com)
    q_peer = nx.community.modularity(h, louvain, weight=None)
    line(
        rows,
        inputs,
        "communities",
        t_ours,
        t_peer,
        "NetworkX",
        f"Leiden {len(groups):,} communities, modularity {q_ours:.4f}; "
        f"Louvain {len(louvain):,}, {q_peer:.4f}",
    )

    pivots_names = random.Random(SEED).sample(list(h.nodes()), PIVOTS)
    index = {v: i for i, v in enumerate(names)}
    t_ours, bet = timed(lambda: betweenness(g, pivots=[index[v] for v in pivots_names]))
    t_peer, nx_bet = timed(
        lambda: nx.betweenness_centrality(h, k=PIVOTS, normalized=True, seed=SEED)
    )
    err = max(abs(nx_bet[v] - x) for v, x in zip(names, bet, strict=True))
    line(
        rows,
        inputs,
        "betweenness",
        t_ours,
        t_peer,
        "NetworkX",
        f"{PIVOTS} pivots, the same in both: max difference {err:.1e}",
    )
    sampling_error(quick)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("networks-quick.json" if quick else "networks.json")
    out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(f"  written to {out}")
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    run(quick=parser.parse_args().quick)
