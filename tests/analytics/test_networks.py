"""Networks (issue #14, item 5): centralities equal to NetworkX's on random graphs,
communities reproducible for a seed, key players against a brute-force greedy search,
exports read back by NetworkX."""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from saferleeds.analytics.csvfile import CsvInputError
from saferleeds.analytics.networks import (
    Edge,
    betweenness,
    build_network,
    communities,
    core_number,
    degree,
    eigenvector,
    fragmentation,
    key_players,
    network_change,
    node_metrics,
    read_edges,
    write_graphml,
    write_i2,
)
from tests.conftest import PACKAGE

SAMPLES = PACKAGE / "importers" / "offending" / "samples"


def as_networkx(g: ig.Graph) -> nx.Graph:
    """The same graph in NetworkX, nodes inserted in igraph's order."""
    h = nx.Graph()
    names = g.vs["name"]
    h.add_nodes_from(names)
    h.add_weighted_edges_from(
        (names[e.source], names[e.target], e["weight"]) for e in g.es
    )
    return h


def labelled(h: nx.Graph, rng: random.Random) -> list[tuple[str, str, float]]:
    """A graph's edges as named, weighted ties in a shuffled order."""
    edges = [(f"p{a:04d}", f"p{b:04d}", float(rng.randint(1, 4))) for a, b in h.edges()]
    rng.shuffle(edges)
    return edges


GRAPHS: dict[str, Callable[[int], nx.Graph]] = {
    "gnm-dense": lambda s: nx.gnm_random_graph(120, 600, seed=s),
    "gnm-sparse": lambda s: nx.gnm_random_graph(150, 170, seed=s),
    "barabasi": lambda s: nx.barabasi_albert_graph(200, 2, seed=s),
    "watts": lambda s: nx.connected_watts_strogatz_graph(100, 4, 0.2, seed=s),
    "planted": lambda s: nx.planted_partition_graph(4, 25, 0.4, 0.02, seed=s),
}


def graph(kind: str, seed: int) -> ig.Graph:
    h = GRAPHS[kind](seed)
    h.remove_nodes_from(list(nx.isolates(h)))  # an edge list cannot hold isolates
    return build_network(labelled(h, random.Random(seed)))


@pytest.mark.parametrize("kind", sorted(GRAPHS))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_centralities_equal_networkx(kind: str, seed: int) -> None:
    g = graph(kind, seed)
    h = as_networkx(g)
    names = g.vs["name"]
    assert degree(g) == [h.degree(v) for v in names]
    exact = nx.betweenness_centrality(h, normalized=True)
    assert betweenness(g) == pytest.approx([exact[v] for v in names], abs=1e-12)
    assert core_number(g) == [nx.core_number(h)[v] for v in names]
    if nx.is_connected(h) or kind == "gnm-sparse":
        # NetworkX's power iteration, converged hard; for a graph in pieces its limit
        ev = nx.eigenvector_centrality(h, max_iter=100_000, tol=1e-13)
        assert eigenvector(g) == pytest.approx([ev[v] for v in names], abs=1e-6)


def test_eigenvector_on_identical_components_and_isolated_pairs() -> None:
    # two triangles and two pairs: the triangles share the leading eigenvalue
    ties = [("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"), ("d", "f")]
    ties += [("g", "h"), ("i", "j")]
    g = build_network(ties)
    ev = nx.eigenvector_centrality(nx.Graph(ties), max_iter=10_000, tol=1e-13)
    assert eigenvector(g) == pytest.approx([ev[v] for v in g.vs["name"]], abs=1e-6)
    pairs = build_network([("a", "b"), ("c", "d"), ("e", "f")])
    assert eigenvector(pairs) == pytest.approx([6**-0.5] * 6)


EXACT_EIGENVECTOR: dict[str, Callable[[], nx.Graph]] = {
    # Lanczos from the degree vector (over 100 nodes, so not the dense solver)
    "barabasi": lambda: nx.barabasi_albert_graph(1500, 3, seed=7),
    "gnm": lambda: nx.gnm_random_graph(800, 4000, seed=7),
    "planted": lambda: nx.planted_partition_graph(8, 60, 0.3, 0.01, seed=7),
    # the degree vector is already the eigenvector: Lanczos stops at its first step
    "regular": lambda: nx.random_regular_graph(3, 400, seed=7),
    "even-cycle": lambda: nx.cycle_graph(300),  # bipartite: -2 is an eigenvalue too
    # gap about 3e-5: Lanczos does not converge in 300 steps, ARPACK takes over
    "long-path": lambda: nx.path_graph(1000),
}


@pytest.mark.parametrize("kind", sorted(EXACT_EIGENVECTOR))
def test_eigenvector_equals_a_dense_eigensolver_and_networkx(kind: str) -> None:
    h = nx.relabel_nodes(EXACT_EIGENVECTOR[kind](), lambda v: f"p{v:05d}")
    g = build_network(list(h.edges()))
    names = g.vs["name"]
    a = nx.to_numpy_array(h, nodelist=names)
    values, vectors = np.linalg.eigh(a)  # independent: LAPACK on the dense matrix
    exact = vectors[:, -1] * np.sign(vectors[:, -1].sum())
    ours = np.array(eigenvector(g))
    assert np.abs(ours - exact).max() < 1e-10
    if kind != "long-path":  # NetworkX's ARPACK call stops at 50 iterations there
        theirs = nx.eigenvector_centrality_numpy(h)
        assert np.abs(ours - [theirs[v] for v in names]).max() < 1e-10


@pytest.mark.parametrize("seed", [4, 5])
def test_sampled_betweenness_equals_networkx_with_the_same_pivots(seed: int) -> None:
    g = graph("barabasi", seed)
    h = as_networkx(g)
    k = 25
    chosen = random.Random(seed).sample(list(h.nodes()), k)  # what NetworkX draws
    index = {v: i for i, v in enumerate(g.vs["name"])}
    ours = betweenness(g, pivots=[index[v] for v in chosen])
    theirs = nx.betweenness_centrality(h, k=k, normalized=True, seed=seed)
    assert ours == pytest.approx([theirs[v] for v in g.vs["name"]], abs=1e-12)


def test_communities_are_the_same_for_a_seed_and_any_input_order() -> None:
    h = nx.planted_partition_graph(5, 30, 0.3, 0.02, seed=7)
    ties = labelled(h, random.Random(0))
    first = communities(build_network(ties), seed=11)
    assert communities(build_network(ties), seed=11) == first
    shuffled = ties[:]
    random.Random(99).shuffle(shuffled)
    flipped = [(b, a, w) for a, b, w in shuffled]
    assert communities(build_network(flipped), seed=11) == first
    # and in a fresh interpreter, whatever state Python's random module is in
    code = (
        "import random, json, sys; random.seed(12345);"
        "from saferleeds.analytics.networks import build_network, communities;"
        "ties = json.loads(sys.stdin.read());"
        "print(json.dumps(communities(build_network([tuple(t) for t in ties]), seed=11)))"
    )
    import json

    run = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(ties),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout) == first


def test_communities_find_planted_groups_and_beat_louvain() -> None:
    h = nx.planted_partition_graph(4, 25, 0.5, 0.01, seed=3)
    g = build_network((f"p{a:04d}", f"p{b:04d}") for a, b in h.edges())
    found = communities(g, seed=1)
    # numbered by size from 0
    sizes = [found.count(c) for c in range(max(found) + 1)]
    assert sizes == sorted(sizes, reverse=True)
    groups: dict[int, set[str]] = {}
    for name, c in zip(g.vs["name"], found, strict=True):
        groups.setdefault(c, set()).add(name)
    planted = {frozenset(f"p{v:04d}" for v in block) for block in h.graph["partition"]}
    assert {frozenset(s) for s in groups.values()} == planted
    hg = as_networkx(g)
    ours = nx.community.modularity(hg, list(groups.values()), weight="weight")
    louvain = nx.community.louvain_communities(hg, weight="weight", seed=1)
    assert ours >= nx.community.modularity(hg, louvain, weight="weight") - 1e-9


def brute_force_key_players(h: nx.Graph, top: int) -> list[tuple[str, float]]:
    n = h.number_of_nodes()
    h = h.copy()
    picked: list[tuple[str, float]] = []

    def frag(graph: nx.Graph) -> float:
        pairs = sum(len(c) * (len(c) - 1) for c in nx.connected_components(graph))
        return 1 - pairs / (n * (n - 1))

    for _ in range(top):
        best = None
        for v in sorted(h.nodes()):
            if any(v == p for p, _ in picked):
                continue
            trial = h.copy()
            trial.remove_edges_from(list(trial.edges(v)))
            key = (-frag(trial), -h.degree(v), v)
            if best is None or key < best[0]:
                best = (key, v)
        assert best is not None
        h.remove_edges_from(list(h.edges(best[1])))
        picked.append((best[1], -best[0][0]))
    return picked


@pytest.mark.parametrize(
    ("kind", "seed"), [("barabasi", 1), ("gnm-sparse", 2), ("watts", 3), ("planted", 4)]
)
def test_key_players_equal_a_brute_force_greedy_search(kind: str, seed: int) -> None:
    g = graph(kind, seed)
    h = as_networkx(g)
    expected = brute_force_key_players(h, 5)
    got = key_players(g, top=5)
    assert [k.node for k in got] == [v for v, _ in expected]
    assert [k.fragmentation for k in got] == pytest.approx([f for _, f in expected])
    assert got[0].gain == pytest.approx(got[0].fragmentation - fragmentation(g))
    assert [k.rank for k in got] == [1, 2, 3, 4, 5]


def test_key_player_of_the_sample_network_is_the_bridge() -> None:
    g = build_network(read_edges(SAMPLES / "edges.csv"))
    # N04-N05 joins the two groups; N05 also holds N06/N07 to N08's triangle
    assert key_players(g, top=1)[0].node == "N05"


def test_network_change_between_periods() -> None:
    before = build_network([("a", "b"), ("b", "c"), ("c", "d"), ("x", "y")])
    after = build_network([("a", "b"), ("b", "c"), ("c", "e"), ("e", "a"), ("d", "z")])
    change = network_change(before, after)
    assert change.nodes_added == ("e", "z")
    assert change.nodes_removed == ("x", "y")
    assert change.edges_added == (("a", "e"), ("c", "e"), ("d", "z"))
    assert change.edges_removed == (("c", "d"), ("x", "y"))
    by_node = {c.node: c for c in change.nodes}
    hb, ha = as_networkx(before), as_networkx(after)
    for v, c in by_node.items():
        assert c.degree_before == (hb.degree(v) if v in hb else 0)
        assert c.degree_after == (ha.degree(v) if v in ha else 0)
    bet = nx.betweenness_centrality(ha)
    assert by_node["c"].betweenness_after == pytest.approx(bet["c"])
    same = network_change(after, after)
    assert same.community_nmi == pytest.approx(1.0)
    assert not same.edges_added and not same.nodes_removed


def test_graphml_and_i2_exports_read_back(tmp_path: Path) -> None:
    ties = [
        Edge("=HYPERLINK(1)", "b", 2.0),
        Edge("b", "c"),
        Edge("c", "d"),
        Edge("b", "c"),
    ]
    g = build_network(ties)
    metrics = node_metrics(g)
    write_graphml(g, tmp_path / "net.graphml", metrics)
    back = nx.read_graphml(tmp_path / "net.graphml")
    assert set(back.nodes()) == {"=HYPERLINK(1)", "b", "c", "d"}
    assert back.edges["b", "c"]["weight"] == 2.0  # repeated ties summed
    for m in metrics:
        data = back.nodes[m.node]
        assert (data["degree"], data["core"], data["community"]) == (
            m.degree,
            m.core,
            m.community,
        )
        assert data["betweenness"] == pytest.approx(m.betweenness)
        assert data["eigenvector"] == pytest.approx(m.eigenvector)

    write_i2(g, tmp_path / "entities.csv", tmp_path / "links.csv", metrics)
    with (tmp_path / "entities.csv").open(newline="", encoding="utf-8") as f:
        entities = list(csv.DictReader(f))
    with (tmp_path / "links.csv").open(newline="", encoding="utf-8") as f:
        links = list(csv.DictReader(f))
    ids = {e["Entity ID"] for e in entities}
    assert ids == {"'=HYPERLINK(1)", "b", "c", "d"}  # formula neutralised
    assert all(e["Entity Type"] == "Person" for e in entities)
    assert {(x["From Entity ID"], x["To Entity ID"]) for x in links} == {
        ("'=HYPERLINK(1)", "b"),
        ("b", "c"),
        ("c", "d"),
    }
    assert {x["From Entity ID"] for x in links} | {
        x["To Entity ID"] for x in links
    } <= ids


def test_read_edges(tmp_path: Path) -> None:
    edges = read_edges(SAMPLES / "edges.csv")
    assert len(edges) == 13 and edges[0] == Edge("N01", "N02", 3.0)
    plain = tmp_path / "plain.csv"
    plain.write_text("target,source\nb,a\n")
    assert read_edges(plain) == [Edge("a", "b", 1.0)]
    for name, where in (
        ("bad-edges-weight.csv", ":3: weight: 'heavy' is not a number"),
        ("bad-edges-self.csv", ":3: target: the same as source"),
    ):
        with pytest.raises(CsvInputError) as info:
            read_edges(SAMPLES / name)
        assert str(info.value).startswith(f"{SAMPLES / name}{where}")
    for row, where in (
        ("a,b,-1\n", ":2: weight: '-1' is not a positive"),
        (",b,1\n", ":2: source: empty"),
    ):
        bad = tmp_path / "bad.csv"
        bad.write_text("source,target,weight\n" + row)
        with pytest.raises(CsvInputError, match=where):
            read_edges(bad)


# --- tie types, periods and the change between them (issue #14 follow-up) ---------------


def test_tie_types_are_kept_and_exported(tmp_path: Path) -> None:
    from saferleeds.analytics.networks import CO_OFFENDING, SAME_OCG

    g = build_network(
        [
            Edge("a", "b"),
            Edge("b", "a", 1.0, SAME_OCG),  # the same pair, both types
            Edge("b", "c", 1.0, SAME_OCG),
            Edge("c", "d"),
        ]
    )
    kinds = {
        tuple(sorted((g.vs[e.source]["name"], g.vs[e.target]["name"]))): e["kind"]
        for e in g.es
    }
    assert kinds == {
        ("a", "b"): f"{CO_OFFENDING}+{SAME_OCG}",
        ("b", "c"): SAME_OCG,
        ("c", "d"): CO_OFFENDING,
    }
    write_graphml(g, tmp_path / "g.graphml")
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert back.edges["b", "c"]["type"] == SAME_OCG
    write_i2(g, tmp_path / "e.csv", tmp_path / "l.csv")
    with (tmp_path / "l.csv").open(newline="", encoding="utf-8") as f:
        links = {(r["From Entity ID"], r["To Entity ID"]): r for r in csv.DictReader(f)}
    assert links["b", "c"]["Link Type"] == SAME_OCG
    assert links["a", "b"]["Link Type"] == "co-offending+ocg"
    assert links["a", "b"]["Weight"] == "2.0"


def test_read_edges_with_type_and_date(tmp_path: Path) -> None:
    from datetime import date

    f = tmp_path / "dated.csv"
    f.write_text("source,target,type,date\na,b,,2018-01-05\nb,c,ocg,\n")
    edges = read_edges(f)
    assert edges == [Edge("a", "b"), Edge("b", "c", 1.0, "ocg")]
    assert edges[0].on == date(2018, 1, 5) and edges[1].on is None
    f.write_text("source,target,date\na,b,2018-02-30\n")
    with pytest.raises(CsvInputError, match=r":2: date: "):
        read_edges(f)


def test_parse_period() -> None:
    from datetime import date

    from saferleeds.analytics.networks import parse_period

    q = parse_period("2018q1")
    assert (q.label, q.start, q.end) == ("2018Q1", date(2018, 1, 1), date(2018, 3, 31))
    assert parse_period("2016-02").end == date(2016, 2, 29)  # a leap year
    assert parse_period("2019").end == date(2019, 12, 31)
    r = parse_period("2018-01-15..2018-02-14")
    assert (r.start, r.end) == (date(2018, 1, 15), date(2018, 2, 14))
    assert date(2018, 2, 14) in r and date(2018, 2, 15) not in r
    for bad, reason in (
        ("2018Q5", "is not a period"),
        ("last year", "is not a period"),
        ("2018-13", "is not a period"),
        ("2018-03-01..2018-01-01", "ends before it starts"),
    ):
        with pytest.raises(ValueError, match=reason):
            parse_period(bad)


def test_edges_in_a_period_keep_undated_ties() -> None:
    from datetime import date

    from saferleeds.analytics.networks import edges_in, parse_period

    ties = [
        Edge("a", "b", on=date(2017, 12, 31)),
        Edge("b", "c", on=date(2018, 1, 1)),
        Edge("c", "d", on=date(2018, 3, 31)),
        Edge("d", "e", on=date(2018, 4, 1)),
        Edge("x", "y", kind="ocg"),  # a nominal list: in every period
    ]
    got = edges_in(ties, parse_period("2018Q1"))
    assert [(e.source, e.target) for e in got] == [("b", "c"), ("c", "d"), ("x", "y")]
    assert edges_in(ties, None) == ties


def _shifts_by_crosstab(
    before: dict[str, int], after: dict[str, int], min_people: int
) -> tuple[set[tuple[tuple[int, ...], int]], set[tuple[int, tuple[int, ...]]]]:
    """Mergers and splits from a pandas cross-tabulation (an independent path)."""
    import pandas as pd

    both = sorted(before.keys() & after.keys())
    table = pd.crosstab(
        pd.Series([before[p] for p in both], name="b"),
        pd.Series([after[p] for p in both], name="a"),
    )
    big = table >= min_people
    merged = {
        (tuple(int(b) for b in table.index[big[a]]), int(a))
        for a in table.columns
        if big[a].sum() >= 2
    }
    split = {
        (int(b), tuple(int(a) for a in table.columns[big.loc[b]]))
        for b in table.index
        if big.loc[b].sum() >= 2
    }
    return merged, split


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_community_shifts_equal_a_crosstab(seed: int) -> None:
    from saferleeds.analytics.networks import community_shifts

    rng = random.Random(seed)
    people = [f"p{i}" for i in range(80)]
    before = {p: rng.randrange(6) for p in people[:70]}
    after = {p: rng.randrange(5) for p in people[10:]}
    merged, split = community_shifts(before, after, min_people=3)
    want_merged, want_split = _shifts_by_crosstab(before, after, 3)
    assert {(s.before, s.after[0]) for s in merged} == want_merged
    assert {(s.before[0], s.after) for s in split} == want_split


def test_two_groups_merge_and_one_splits() -> None:
    from saferleeds.analytics.networks import community_shifts

    before = {"a1": 0, "a2": 0, "a3": 0, "b1": 1, "b2": 1, "c1": 2, "c2": 2, "c3": 2}
    after = {"a1": 0, "a2": 0, "a3": 0, "b1": 0, "b2": 0, "c1": 1, "c2": 1, "c3": 2}
    merged, split = community_shifts(before, after, min_people=2)
    assert [(s.before, s.after, s.people) for s in merged] == [((0, 1), (0,), 5)]
    assert split == []  # c3 moving alone is one person, not a split
    merged, split = community_shifts(before, after, min_people=1)
    assert [(s.before, s.after) for s in split] == [((2,), (1, 2))]


def test_compare_periods_on_a_bridge_that_appears() -> None:
    from saferleeds.analytics.networks import compare_periods

    # Earlier: two separate triangles. Later: the same triangles joined through a new
    # person "k", who becomes the top key player; "z" left.
    tri = [("a", "b"), ("b", "c"), ("a", "c"), ("d", "e"), ("e", "f"), ("d", "f")]
    before = build_network([*tri, ("c", "z")])
    after = build_network([*tri, ("c", "k"), ("k", "d")])
    result = compare_periods(before, after, top=3)
    assert result.change.nodes_added == ("k",)
    assert result.change.nodes_removed == ("z",)
    assert result.change.edges_added == (("c", "k"), ("d", "k"))
    assert [(s.before, s.after) for s in result.merged] == [((0, 1), (0,))] or (
        result.merged == ()  # Leiden may keep the triangles apart: then no merger
    )
    assert result.rising[0].node == "k" and result.rising[0].rank_after == 1
    assert result.rising[0].rank_before is None
    assert "c" in {m.node for m in result.falling}  # the old cut vertex
