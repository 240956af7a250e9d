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
