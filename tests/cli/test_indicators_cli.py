"""`saferleeds indicators`, `import partner-extract`, `import survey`, `harm-weights`.

The commands are registered on a small Typer app the way main.py registers them, and
run in-process with Typer's test runner against a store in a throw-away data dir.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import typer
from click.testing import Result
from scipy.stats import binomtest
from typer.testing import CliRunner

from saferleeds.analytics.indicators.survey import SAMPLE_SURVEY
from saferleeds.cli.indicators import register
from saferleeds.demo.generator import generate
from tests.analytics.test_indicators import (
    build_indicator_store,
    geography,
    partner_recount,
    police_recount,
)

CORE = [
    "id",
    "label",
    "area",
    "period",
    "value",
    "rate_per_1000",
    "comparison_value",
    "change_pct",
    "p_value",
    "significant",
    "harm",
]


def make_app(*, with_import_group: bool = True) -> typer.Typer:
    app = typer.Typer(no_args_is_help=True)
    if with_import_group:
        app.add_typer(typer.Typer(no_args_is_help=True), name="import")
    register(app)
    return app


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli-extract")
    generate(out, seed=4, scale=1.0)
    return out


@pytest.fixture(scope="module")
def full_store(
    police_store_path: Path, extract: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return build_indicator_store(
        police_store_path,
        tmp_path_factory.mktemp("cli-store") / "analytics.duckdb",
        extract,
    )


@pytest.fixture
def data_dir(tmp_path: Path, full_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(full_store, tmp_path / "analytics.duckdb")
    monkeypatch.setenv("SAFERLEEDS_DATA_DIR", str(tmp_path))
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(make_app(), list(args))


def test_json_has_the_documented_keys_and_recounted_values(
    data_dir: Path, shipped_rows: list[dict[str, str]], extract: Path
) -> None:
    r = run(
        "indicators",
        "--from",
        "2018-07",
        "--to",
        "2018-07",
        "--compare",
        "previous-year",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [row["id"] for row in rows][:3] == [
        "feel_safe",
        "confidence",
        "total_recorded_crime",
    ]
    for row in rows:
        assert list(row)[: len(CORE)] == CORE
        assert row["area"] == "E08000035" and row["period"] == "2018-07"
    by = {row["id"]: row for row in rows}
    leeds = set(geography())
    now = police_recount(shipped_rows, "2018-07", leeds)
    then = police_recount(shipped_rows, "2017-07", leeds)
    crime = by["total_recorded_crime"]
    n1, n2 = now["total_recorded_crime"], then["total_recorded_crime"]
    assert (crime["value"], crime["comparison_value"]) == (n1, n2)
    assert crime["rate_per_1000"] == pytest.approx(1000 * n1 / 751_485)
    assert crime["change_pct"] == pytest.approx(100 * (n1 - n2) / n2)
    assert crime["p_value"] == pytest.approx(
        binomtest(n1, n1 + n2, 0.5).pvalue, abs=1e-12
    )
    assert crime["significant"] is True
    # Harm: count x shipped ONS CSS category weight, summed over categories.
    from saferleeds.analytics.indicators.harm import SHIPPED_WEIGHTS, load_harm_weights

    weights = load_harm_weights(SHIPPED_WEIGHTS).weights
    assert crime["harm"] == pytest.approx(
        sum(now.get(f"type:{t}", 0) * float(w) for t, w in weights.items())
    )
    hate = by["hate_incidents"]
    assert (
        hate["value"] == partner_recount(extract, {"2018-07"}, leeds)["hate_incidents"]
    )
    assert by["feel_safe"]["rate_per_1000"] is None
    assert 0 < by["feel_safe"]["value"] < 100
    assert by["reoffending"]["value"] is None
    assert "no data yet" in by["reoffending"]["note"]


def test_by_msoa_csv_and_table(data_dir: Path) -> None:
    r = run(
        "indicators",
        "--from",
        "2018-07",
        "--by",
        "msoa",
        "--indicator",
        "asb",
        "--format",
        "csv",
    )
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 107
    assert list(rows[0])[: len(CORE)] == CORE
    assert [int(x["rank"]) for x in rows] == list(range(1, 108))
    assert sum(int(x["value"]) for x in rows) == 1861
    table = run("indicators", "--from", "2018-07", "--compare", "previous-year")
    assert table.exit_code == 0, table.output
    assert "Key indicators, 2018-07" in table.stdout and "asb" in table.stdout


@pytest.mark.parametrize(
    ("args", "label"),
    [
        (["--from", "2018-Q3"], "2018 Q3"),
        (["--from", "FY2017/18"], "FY 2017/18"),
        (["--from", "R12-2018-07"], "12 months to 2018-07"),
        (["--from", "2017-07..2018-07"], "2017-07 to 2018-07"),
        (["--from", "2017-Q3", "--to", "2018-07"], "2017-07 to 2018-07"),
    ],
)
def test_from_takes_the_period_syntax_of_the_page(
    data_dir: Path, args: list[str], label: str
) -> None:
    from saferleeds.analytics.indicators import parse_period

    r = run(
        "indicators", *args, "--indicator", "total_recorded_crime", "--format", "json"
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows[0]["period"] == label
    # The same number as the page's parser gives for the same text.
    page = parse_period(args[1] if len(args) == 2 else "2017-07..2018-07")
    assert page.label == label


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2018-Q5"],
        ["--from", "FY2017/19"],
        ["--area", "Nowhere"],
        ["--from", "2018-13"],
        ["--compare", "last-week"],
        ["--by", "county"],
        ["--format", "xml"],
        ["--from", "2018-07", "--to", "2018-01"],
    ],
)
def test_bad_options_exit_2(data_dir: Path, args: list[str]) -> None:
    r = run("indicators", *args)
    assert r.exit_code == 2, r.output


def test_import_partner_extract_and_survey(
    police_store_path: Path,
    extract: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copy(police_store_path, tmp_path / "analytics.duckdb")
    monkeypatch.setenv("SAFERLEEDS_DATA_DIR", str(tmp_path))
    before = run("indicators", "--from", "2018-07", "--format", "json")
    hate = {row["id"]: row for row in json.loads(before.stdout)}["hate_incidents"]
    assert hate["value"] is None  # no partner extract yet
    r = run("import", "partner-extract", str(extract), "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["exit_code"] == 0
    assert {f["source"]: f["loaded"] for f in report["files"]} == {
        "offence": 5000,
        "domestic_abuse": 800,
        "hate_report": 300,
        "asb_complaint": 1000,
    }
    assert all(f["period"] == ["2017-01", "2018-12"] for f in report["files"])
    again = run("import", "partner-extract", str(extract))
    assert again.exit_code == 0
    s = run("import", "survey", str(SAMPLE_SURVEY))
    assert s.exit_code == 0, s.output
    after = {
        row["id"]: row
        for row in json.loads(
            run("indicators", "--from", "2018-07", "--format", "json").stdout
        )
    }
    leeds = set(geography())
    assert (
        after["hate_incidents"]["value"]
        == partner_recount(extract, {"2018-07"}, leeds)["hate_incidents"]
    )
    assert after["feel_safe"]["value"] is not None
    missing = run("import", "partner-extract", str(tmp_path / "nope"))
    assert missing.exit_code == 2
    assert run("import", "survey", str(tmp_path / "nope.csv")).exit_code == 2


def test_harm_weights_commands(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = run("harm-weights", "show")
    assert shown.exit_code == 0 and "derived" in shown.output
    assert "266.7614" in shown.output  # violence and sexual offences, ONS CSS
    weights = tmp_path / "code-weights.csv"
    weights.write_text("offence_code,weight\n34A,500\n34B,100\n", encoding="utf-8")
    out = tmp_path / "derived.csv"
    r = run("harm-weights", "derive", "--code-weights", str(weights), "--out", str(out))
    assert r.exit_code == 3  # most categories have no weighted code: still blocked
    assert out.is_file() and "blocked" in out.read_text(encoding="utf-8")


def test_register_creates_an_import_group_when_missing() -> None:
    app = make_app(with_import_group=False)
    r = CliRunner().invoke(app, ["import", "--help"])
    assert r.exit_code == 0
    assert "partner-extract" in r.output and "survey" in r.output


def test_harm_weights_derive_reads_a_cchi_table(tmp_path: Path) -> None:
    from tests.conftest import SHARED

    cchi = SHARED / "data" / "harm" / "cchi-2020.csv"
    if not cchi.is_file():
        pytest.skip("CCHI 2020 table is in ../shared only")
    out = tmp_path / "cchi-weights.csv"
    r = run(
        "harm-weights", "derive", "--code-weights", str(cchi), "--source", "CCHI 2020",
        "--out", str(out),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "Robbery,365.0000,derived,CCHI 2020" in text
