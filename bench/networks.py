"""Network measures on 100,000 people and 500,000 ties: saferleeds (igraph) vs NetworkX.

Input: a synthetic co-offending network made with numpy (seed 0): 100,000 nodes in
1,000 groups of 100, 500,000 distinct ties, 80% of them within a group and 20% between
random people (so it has communities to find). --quick: 10,000 nodes, 50,000 ties.

Timed in the same run on the same edge list, each against NetworkX (the peer):

- degree: ``saferleeds.analytics.networks.degree`` vs ``G.degree``;
- eigenvector centrality (exact): ``networks.eigenvector`` (Lanczos on the CSR
  adjacency, to a relative residual of 1e-12) vs ``nx.eigenvector_centrality`` (power
  iteration, its default tolerance: what most users call) and
  ``nx.eigenvector_centrality_numpy`` (ARPACK, to machine precision), with the largest
  difference of each from ours (ours is within about 1e-13 of exact, tested against a
  dense eigensolver);
- k-core: ``networks.core_number`` vs ``nx.core_number``, identical;
- communities: ``networks.communities`` (Leiden, modularity) vs
  ``nx.community.louvain_communities`` (both seeded), with each one's modularity;
- betweenness: exact betweenness is O(n m), hours for NetworkX at this size, so both
  are sampled from the same K = 64 pivots (``networks.betweenness(pivots=...)`` vs
  ``nx.betweenness_centrality(k=64, seed=...)``, which draws the same pivots): the
  same estimator on the same pivots, so the results must agree to rounding. igraph's
  ``betweenness(cutoff=...)`` is not used: it counts only paths up to a length, a
  different measure, not an estimate of the exact one. The sampling error against
  exact betweenness is measured on a 10,000-node network from the same generator
  (exact with igraph).

Graph building is timed apart (igraph from the named ties; ``nx.Graph`` from the same).
Our times are the median of 3 runs; NetworkX's too, except where its first run takes
over a minute, then that one run (the ``repeats_peer`` field says which). The exact
betweenness of the sampling-error check, a reference rather than a comparison, runs
once. Memory: the peak resident memory one further run of ours adds (forked child);
NetworkX's is not measured (forking a Python graph copies its pages as reference
counts change, which would overstate it). Returns rows in ``bench/report.py``'s
structure and writes them to ``bench/results/networks.json`` (``networks-quick.json``
with --quick, ``--out NAME`` to choose).
Goal (issue #14): at least 10x faster than NetworkX, exact for degree and eigenvector.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from functools import partial
from typing import Any

import networkx as nx
import numpy as np
from report import RESULTS, median_time, peak_mb, row

from saferleeds.analytics.networks import (
    betweenness,
    build_network,
    communities,
    core_number,
    degree,
    eigenvector,
)

PIVOTS = 64
SEED = 0
ONCE_OVER = 60.0  # seconds: a NetworkX run longer than this is timed once


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


def sampling_error(quick: bool) -> dict[str, Any]:
    """Error of K-pivot betweenness against exact, on a network small enough for exact."""
    n, m = (2_000, 10_000) if quick else (10_000, 50_000)
    g = build_network(synthetic_edges(n, m, seed=1))
    t_exact, exact, _ = median_time(lambda: betweenness(g), repeats=1)
    ex = np.array(exact)
    print(
        f"  betweenness sampling error against exact on {n:,} nodes / {m:,} ties "
        f"(exact: {t_exact:.2f} s; largest exact value {ex.max():.2e}):"
    )
    top = 100
    ranks_e = np.argsort(np.argsort(-ex))
    errors: dict[str, Any] = {"nodes": n, "ties": m, "exact_s": round(t_exact, 3)}
    for k in (PIVOTS, 8 * PIVOTS):
        t_sampled, sampled, _ = median_time(partial(betweenness, g, k=k, seed=SEED))
        sa = np.array(sampled)
        overlap = len(set(np.argsort(-ex)[:top]) & set(np.argsort(-sa)[:top]))
        rho = float(np.corrcoef(ranks_e, np.argsort(np.argsort(-sa)))[0, 1])
        rel = float(np.abs(sa - ex).sum() / ex.sum())
        print(
            f"    {k} pivots ({t_sampled:.3f} s): max abs {np.abs(sa - ex).max():.2e}, "
            f"total relative L1 {rel:.1%}, rank correlation {rho:.3f}, "
            f"top-{top} overlap {overlap}/{top}"
        )
        errors[f"k{k}"] = {
            "seconds": round(t_sampled, 4),
            "max_abs": float(np.abs(sa - ex).max()),
            "relative_l1": round(rel, 4),
            "rank_correlation": round(rho, 4),
            f"top{top}_overlap": overlap,
        }
    return errors


def run(quick: bool = False, out: str | None = None) -> list[dict[str, Any]]:
    """Time igraph-backed measures and NetworkX on the same network, print the rows and
    write them as JSON."""
    n, m = (10_000, 50_000) if quick else (100_000, 500_000)
    inputs = f"{n:,} nodes, {m:,} ties"
    rows: list[dict[str, Any]] = []
    ties = synthetic_edges(n, m)
    t_build, g, _ = median_time(lambda: build_network(ties))
    t_nx_build, h, _ = median_time(lambda: nx.Graph(ties))
    print(
        f"  network: {g.vcount():,} nodes, {g.ecount():,} ties; build: saferleeds "
        f"{t_build:.2f} s, NetworkX {t_nx_build:.2f} s"
    )
    names = g.vs["name"]
    rows.append(
        row(
            "network build",
            inputs,
            t_build,
            "nx.Graph(ties)",
            t_nx_build,
            accuracy=f"{g.vcount():,} nodes, {g.ecount():,} ties in both: "
            f"{h.number_of_nodes() == g.vcount() and h.number_of_edges() == g.ecount()}",
            note="ours sorts names and sums repeated ties",
        )
    )

    def add(
        name: str,
        ours: Callable[[], Any],
        peer: Callable[[], Any],
        peer_name: str,
        check: Callable[[Any, Any], str],
        note: str = "",
    ) -> tuple[Any, Any]:
        t_ours, got, k_ours = median_time(ours)
        t_peer, theirs, k_peer = median_time(peer, once_over=ONCE_OVER)
        r = row(
            name,
            inputs,
            t_ours,
            peer_name,
            t_peer,
            accuracy=check(got, theirs),
            memory_mb_ours=peak_mb(ours),
            repeats_ours=k_ours,
            repeats_peer=k_peer,
            note=note,
        )
        rows.append(r)
        print(
            f"  {name:<13} saferleeds {t_ours:8.3f} s   {peer_name} {t_peer:8.3f} s "
            f"({k_peer} run{'s' if k_peer > 1 else ''})  {t_peer / t_ours:7.1f}x  "
            f"{r['accuracy']}",
            flush=True,
        )
        return got, theirs

    def same(got: list[Any], theirs: dict[str, Any]) -> str:
        return (
            f"identical: {all(theirs[v] == x for v, x in zip(names, got, strict=True))}"
        )

    def diff(got: list[float], theirs: dict[str, float]) -> str:
        err = max(abs(theirs[v] - x) for v, x in zip(names, got, strict=True))
        return f"max difference from ours {err:.1e}"

    add("degree", lambda: degree(g), lambda: dict(h.degree()), "NetworkX", same)
    add(
        "eigenvector",
        lambda: eigenvector(g),
        lambda: nx.eigenvector_centrality(h, max_iter=1000),
        "NetworkX eigenvector_centrality (power iteration, tol 1e-6)",
        diff,
    )
    add(
        "eigenvector",
        lambda: eigenvector(g),
        lambda: nx.eigenvector_centrality_numpy(h),
        "NetworkX eigenvector_centrality_numpy (ARPACK)",
        diff,
    )
    add("k-core", lambda: core_number(g), lambda: nx.core_number(h), "NetworkX", same)

    def modularity(got: list[int], theirs: list[set[str]]) -> str:
        q_ours = g.modularity(got)
        q_peer = nx.community.modularity(h, theirs, weight=None)
        return (
            f"Leiden {len(set(got)):,} communities, modularity {q_ours:.4f}; "
            f"Louvain {len(theirs):,}, {q_peer:.4f}"
        )

    add(
        "communities",
        lambda: communities(g, seed=SEED),
        lambda: nx.community.louvain_communities(h, seed=SEED, weight=None),
        "NetworkX louvain_communities",
        modularity,
    )
    pivots_names = random.Random(SEED).sample(list(h.nodes()), PIVOTS)
    index = {v: i for i, v in enumerate(names)}
    pivots = [index[v] for v in pivots_names]
    error = sampling_error(quick)
    same_k = error[f"k{PIVOTS}"]
    add(
        "betweenness",
        lambda: betweenness(g, pivots=pivots),
        lambda: nx.betweenness_centrality(h, k=PIVOTS, normalized=True, seed=SEED),
        f"NetworkX betweenness_centrality(k={PIVOTS})",
        lambda got, theirs: f"{PIVOTS} pivots, the same in both: " + diff(got, theirs),
        note=(
            f"sampled: against exact on {error['nodes']:,} nodes, relative L1 "
            f"{same_k['relative_l1']:.1%}, rank correlation {same_k['rank_correlation']:.3f}, "
            f"top-100 overlap {same_k['top100_overlap']}/100"
        ),
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / (out or ("networks-quick.json" if quick else "networks.json"))
    payload = {
        "build_s": {"saferleeds": round(t_build, 3), "networkx": round(t_nx_build, 3)},
        "sampling_error": error,
        "rows": rows,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"  written to {path}")
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", help="file name under bench/results/")
    args = parser.parse_args()
    run(quick=args.quick, out=args.out)
