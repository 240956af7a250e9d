"""`saferleeds reoffending` and `saferleeds network ...`: figures as the analytics and an
independent recount give them, errors as one line naming file, line and field, exit 2."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
from scipy.stats import binomtest
from typer.testing import CliRunner

from saferleeds.analytics.reoffending import Quarter
from saferleeds.cli import app
from tests.analytics.test_reoffending import SAMPLES, brute_force
from tests.cli.test_cli import saferleeds

runner = CliRunner()
KEYS = [
    "cohort",
    "offenders",
    "reoffenders",
    "reoffences",
    "binary_rate",
    "ci_low",
    "ci_high",
    "frequency",
    "frequency_per_reoffender",
]
FILES = [
    "--offenders",
    str(SAMPLES / "index-events.csv"),
    "--offences",
    str(SAMPLES / "offences.csv"),
]


def _read(name: str) -> list[dict[str, str]]:
    with (SAMPLES / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _recount(cohort: str, people: set[str] | None = None) -> dict[str, int]:
    """The sample files recounted by the brute-force loop, read with the csv module."""
    index = [
        (r["person_id"], date.fromisoformat(r["index_date"]), r["index_type"])
        for r in _read("index-events.csv")
    ]
    offences = [
        (
            r["person_id"],
            date.fromisoformat(r["offence_date"]),
            date.fromisoformat(r["proven_date"]) if r["proven_date"] else None,
            r["disposal_type"],
        )
        for r in _read("offences.csv")
    ]
    return brute_force(index, offences, Quarter.parse(cohort), people)


def _fails(args: list[str], expected: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    message = " ".join(result.stderr.split())
    assert message.startswith("error: "), message
    assert expected in message, message
    return message


@pytest.mark.parametrize("cohort", ["2018Q1", "2017Q4", "2018Q2"])
def test_reoffending_json_has_the_issue_keys_and_recounted_figures(cohort: str) -> None:
    result = runner.invoke(app, ["reoffending", "--cohort", cohort, *FILES])
    assert result.exit_code == 0, result.stderr
    figures = json.loads(result.stdout)
    assert list(figures) == KEYS
    counts = _recount(cohort)
    n, k, total = len(counts), sum(v > 0 for v in counts.values()), sum(counts.values())
    assert figures["cohort"] == cohort
    assert (figures["offenders"], figures["reoffenders"], figures["reoffences"]) == (
        n,
        k,
        total,
    )
    assert figures["binary_rate"] == pytest.approx(k / n)
    ci = binomtest(k, n).proportion_ci(method="wilson")
    assert figures["ci_low"] == pytest.approx(ci.low)
    assert figures["ci_high"] == pytest.approx(ci.high)
    assert figures["frequency"] == pytest.approx(total / n)
    if k:
        assert figures["frequency_per_reoffender"] == pytest.approx(total / k)
    else:
        assert figures["frequency_per_reoffender"] is None


def test_reoffending_table_and_group_comparison() -> None:
    table = runner.invoke(
        app, ["reoffending", "--cohort", "2018Q1", *FILES, "--format", "table"]
    )
    assert table.exit_code == 0, table.stderr
    counts = _recount("2018Q1")
    assert f"{sum(counts.values())}" in table.stdout and "binary_rate" in table.stdout

    group_file = SAMPLES / "iom-group.csv"
    group = {r["person_id"] for r in _read("iom-group.csv")}
    result = runner.invoke(
        app, ["reoffending", "--cohort", "2018Q1", *FILES, "--group", str(group_file)]
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {
        "group",
        "rest",
        "difference",
        "diff_low",
        "diff_high",
        "p_value",
    }
    assert list(out["group"]) == KEYS and list(out["rest"]) == KEYS
    inside = _recount("2018Q1", group)
    assert out["group"]["offenders"] == len(inside)
    assert out["group"]["reoffences"] == sum(inside.values())
    assert out["rest"]["offenders"] == len(counts) - len(inside)
    assert out["difference"] == pytest.approx(
        out["group"]["binary_rate"] - out["rest"]["binary_rate"]
    )
    assert 0 < out["p_value"] <= 1


@pytest.mark.django_db
def test_reoffending_without_files_says_the_workspace_has_no_offender_data() -> None:
    _fails(["reoffending", "--cohort", "2018Q1"], "no offender data yet")
    _fails(
        ["reoffending", "--cohort", "2018Q1", "--offenders", FILES[1]],
        "--offences FILE is needed",
    )


def test_reoffending_bad_input_is_one_line_with_file_line_field(tmp_path: Path) -> None:
    offences = FILES[2:]
    for name, where in (
        ("bad-index-date.csv", ":3: index_date: '2018-02-30' is not a date"),
        ("bad-index-type.csv", ":2: index_type: 'prison'"),
    ):
        path = SAMPLES / name
        _fails(
            ["reoffending", "--cohort", "2018Q1", "--offenders", str(path), *offences],
            f"{path}{where}",
        )
    bad = SAMPLES / "bad-proven-before-offence.csv"
    _fails(
        ["reoffending", "--cohort", "2018Q1", *FILES[:2], "--offences", str(bad)],
        f"{bad}:3: proven_date: 2018-05-01 is before the offence_date 2018-06-01",
    )
    _fails(
        ["reoffending", "--cohort", "2018-1", *FILES], "--cohort: a cohort is a quarter"
    )
    _fails(["reoffending", "--cohort", "2018Q1", *FILES, "--format", "xml"], "--format")
    _fails(
        ["reoffending", "--cohort", "2016Q1", *FILES],
        "nobody has an index event in 2016Q1 (its index dates run from 2017-12-29",
    )
    missing = tmp_path / "missing.csv"
    _fails(
        ["reoffending", "--cohort", "2018Q1", "--offenders", str(missing), *offences],
        f"{missing}: No such file",
    )
    group = tmp_path / "group.csv"
    group.write_text("id\nP001\n")
    _fails(
        ["reoffending", "--cohort", "2018Q1", *FILES, "--group", str(group)],
        f"{group}:1: missing column person_id",
    )


def test_incomplete_follow_up_is_a_warning(tmp_path: Path) -> None:
    index = tmp_path / "index.csv"
    index.write_text("person_id,index_date,index_type\nA,2018-02-01,caution\n")
    offences = tmp_path / "offences.csv"
    offences.write_text(
        "person_id,offence_date,proven_date,disposal_type\nA,2018-05-01,2018-06-01,caution\n"
    )
    args = ["reoffending", "--cohort", "2018Q1", "--offenders", str(index)]
    result = runner.invoke(app, [*args, "--offences", str(offences)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["reoffences"] == 1
    warning = " ".join(result.stderr.split())
    assert "warning:" in warning and "2019-08-01" in warning and "too low" in warning


def test_network_metrics_csv_and_json_equal_networkx() -> None:
    edges = SAMPLES / "edges.csv"
    result = runner.invoke(app, ["network", "metrics", "--edges", str(edges)])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == [
        "node",
        "degree",
        "betweenness",
        "eigenvector",
        "core",
        "community",
    ]
    with edges.open(newline="") as f:
        h = nx.Graph((r["source"], r["target"]) for r in csv.DictReader(f))
    assert {r["node"] for r in rows} == set(h.nodes())
    bc = nx.betweenness_centrality(h, normalized=True)
    cores = nx.core_number(h)
    for r in rows:
        assert int(r["degree"]) == h.degree(r["node"])
        assert float(r["betweenness"]) == pytest.approx(bc[r["node"]])
        assert int(r["core"]) == cores[r["node"]]
    # the two pieces: N11-N12 is its own community
    community = {r["node"]: r["community"] for r in rows}
    assert community["N11"] == community["N12"] != community["N01"]

    as_json = runner.invoke(
        app, ["network", "metrics", "--edges", str(edges), "--format", "json"]
    )
    assert as_json.exit_code == 0, as_json.stderr
    objects = json.loads(as_json.stdout)
    assert [o["node"] for o in objects] == [r["node"] for r in rows]
    assert [o["community"] for o in objects] == [int(r["community"]) for r in rows]


def test_network_errors() -> None:
    # The workspace's network names people: read only as a user (tests/offending).
    _fails(["network", "metrics"], "the workspace network names people")
    _fails(["network", "key-players"], "the workspace network names people")
    bad = SAMPLES / "bad-edges-weight.csv"
    _fails(["network", "metrics", "--edges", str(bad)], f"{bad}:3: weight: 'heavy'")
    bad = SAMPLES / "bad-edges-self.csv"
    _fails(
        ["network", "key-players", "--edges", str(bad)], f"{bad}:3: target: the same"
    )
    edges = str(SAMPLES / "edges.csv")
    _fails(["network", "metrics", "--edges", edges, "--format", "table"], "--format")
    _fails(["network", "key-players", "--edges", edges, "--top", "0"], "--top")
    _fails(["network", "export", "--edges", edges, "--to", "pdf", "--out", "x"], "--to")


def test_key_players_and_exports(tmp_path: Path) -> None:
    edges = str(SAMPLES / "edges.csv")
    result = runner.invoke(
        app, ["network", "key-players", "--edges", edges, "--top", "2"]
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["rank"] for r in rows] == ["1", "2"] and rows[0]["node"] == "N05"

    graphml = tmp_path / "net.graphml"
    done = runner.invoke(
        app,
        [
            "network",
            "export",
            "--edges",
            edges,
            "--to",
            "graphml",
            "--out",
            str(graphml),
        ],
    )
    assert done.exit_code == 0, done.stderr
    assert nx.read_graphml(graphml).number_of_edges() == 13
    folder = tmp_path / "i2"
    done = runner.invoke(
        app, ["network", "export", "--edges", edges, "--to", "i2", "--out", str(folder)]
    )
    assert done.exit_code == 0, done.stderr
    assert (
        (folder / "entities.csv").read_text().startswith("Entity ID,Entity Type,Label")
    )
    assert len((folder / "links.csv").read_text().splitlines()) == 14


def test_as_a_user_runs_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed entry point: real exit status, no traceback, nothing on stdout.

    On an empty workspace of its own: the embedded database in ``tmp_path``, not the
    PostgreSQL server the suite's second run shares with other commands' tests.
    """
    monkeypatch.delenv("DATABASE_URL", raising=False)
    r = saferleeds(tmp_path, "reoffending", "--cohort", "2018Q1")
    assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: the workspace has no offender data yet")
    ok = saferleeds(tmp_path, "reoffending", "--cohort", "2018Q1", *FILES)
    assert ok.returncode == 0, ok.stderr
    assert list(json.loads(ok.stdout)) == KEYS


def _dated_edges(folder: Path) -> Path:
    """2017Q4: two pairs and a triangle; 2018Q1: the pairs bridged by a new person,
    one of the triangle gone; an undated OCG tie in both."""
    f = folder / "dated.csv"
    f.write_text(
        "source,target,weight,type,date\n"
        "a,b,1,,2017-11-01\n"
        "c,d,1,,2017-12-01\n"
        "x,y,1,,2017-10-01\n"
        "y,z,1,,2017-10-02\n"
        "x,z,1,,2017-10-03\n"
        "a,b,1,,2018-01-05\n"
        "c,d,1,,2018-02-05\n"
        "b,k,1,,2018-03-01\n"
        "k,c,1,,2018-03-02\n"
        "x,y,1,,2018-03-03\n"
        "o1,o2,1,ocg,\n",
        encoding="utf-8",
    )
    return f


def test_network_metrics_of_a_period_equal_networkx(tmp_path: Path) -> None:
    f = _dated_edges(tmp_path)
    done = runner.invoke(
        app, ["network", "metrics", "--edges", str(f), "--period", "2018Q1"]
    )
    assert done.exit_code == 0, done.stderr
    rows = {r["node"]: r for r in csv.DictReader(io.StringIO(done.stdout))}
    h = nx.Graph(
        [("a", "b"), ("c", "d"), ("b", "k"), ("k", "c"), ("x", "y"), ("o1", "o2")]
    )
    assert set(rows) == set(h.nodes())  # z's ties were all in 2017Q4
    exact = nx.betweenness_centrality(h, normalized=True)
    for node, r in rows.items():
        assert int(r["degree"]) == h.degree(node)
        assert float(r["betweenness"]) == pytest.approx(exact[node])


def test_network_change_between_two_periods(tmp_path: Path) -> None:
    f = _dated_edges(tmp_path)
    args = ["network", "metrics", "--edges", str(f), "--period", "2018Q1"]
    done = runner.invoke(app, [*args, "--compare", "2017Q4", "--format", "json"])
    assert done.exit_code == 0, done.stderr
    change = json.loads(done.stdout)
    assert change["joined"] == ["k"] and change["left"] == ["z"]
    assert change["ties_added"] == [["b", "k"], ["c", "k"]]
    assert sorted(change["ties_removed"]) == [["x", "z"], ["y", "z"]]
    assert change["key_players_rising"][0]["node"] == "k"
    assert change["key_players_rising"][0]["rank_before"] is None
    # a-b and c-d were two communities; with k they are one: a merger.
    assert change["communities_merged"] or change["community_nmi"] is not None
    table = runner.invoke(app, [*args, "--compare", "2017Q4"])
    rows = {r["node"]: r for r in csv.DictReader(io.StringIO(table.stdout))}
    assert rows["k"]["status"] == "joined" and rows["k"]["degree_before"] == ""
    assert rows["z"]["status"] == "left" and rows["z"]["degree_after"] == ""
    assert rows["a"]["status"] == "stayed"
    # Date ranges work as quarters do.
    ranged = runner.invoke(
        app,
        [
            "network", "metrics", "--edges", str(f), "--format", "json",
            "--period", "2018-01-01..2018-03-31",
            "--compare", "2017-10-01..2017-12-31",
        ],
    )  # fmt: skip
    assert json.loads(ranged.stdout)["joined"] == ["k"]


def test_network_period_errors(tmp_path: Path) -> None:
    f = str(_dated_edges(tmp_path))
    base = ["network", "metrics", "--edges", f]
    _fails([*base, "--period", "2018Q5"], "--period: '2018Q5' is not a period")
    _fails([*base, "--compare", "2017Q4"], "--compare needs --period")
    _fails([*base, "--period", "2017Q4", "--compare", "2018Q1"], "must start before")
    _fails([*base, "--period", "2030"], "no ties in 2030")
    undated = str(SAMPLES / "edges.csv")
    _fails(
        ["network", "metrics", "--edges", undated, "--period", "2018Q1"],
        "no tie has a date",
    )
