"""`saferleeds jsa build`: the document, its numbers against `saferleeds indicators`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from saferleeds.cli.indicators import register as register_indicators
from saferleeds.cli.jsa import register
from tests.analytics.test_jsa import make_store


def make_app() -> typer.Typer:
    app = typer.Typer(no_args_is_help=True)
    app.add_typer(typer.Typer(no_args_is_help=True), name="import")
    register_indicators(app)
    register(app)
    return app


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("jsa-cli")
    make_store(d / "analytics.duckdb")
    return d


@pytest.fixture
def data_dir(planted: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAFERLEEDS_DATA_DIR", str(planted))
    return planted


def run(*args: str) -> Result:
    return CliRunner().invoke(make_app(), list(args))


def test_html_numbers_equal_the_indicators_cli(data_dir: Path, tmp_path: Path) -> None:
    r = run(
        "indicators",
        "--from",
        "2017-04",
        "--to",
        "2018-03",
        "--compare",
        "previous-year",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    rows = {row["id"]: row for row in json.loads(r.stdout)}
    b = run("jsa", "build", "--year", "2017/18", "--out", str(tmp_path))
    assert b.exit_code == 0, b.output
    html = (tmp_path / "jsa-2017-18.html").read_text(encoding="utf-8")
    for ind_id in ("total_recorded_crime", "asb", "violence_sexual"):
        row = rows[ind_id]
        cells = (
            f"<td class='n'>{row['value']:,}</td>"
            f"<td class='n'>{row['rate_per_1000']:,.2f}</td>"
            f"<td class='n'>{row['comparison_value']:,}</td>"
            f"<td class='n'>{row['change_pct']:+.1f}%</td>"
        )
        assert cells in html, ind_id
    again = tmp_path / "again"
    run(
        "jsa", "build", "--year", "2017/18", "--compare", "2016/17", "--out", str(again)
    )
    assert (again / "jsa-2017-18.html").read_bytes() == (
        tmp_path / "jsa-2017-18.html"
    ).read_bytes()


def test_year_without_data_exits_2(data_dir: Path, tmp_path: Path) -> None:
    r = run("jsa", "build", "--year", "2020/21", "--out", str(tmp_path))
    assert r.exit_code == 2
    assert "no data held for FY 2020/21" in r.stderr
    assert not list(tmp_path.iterdir())
    assert (
        run("jsa", "build", "--year", "2018-07", "--out", str(tmp_path)).exit_code == 2
    )
    bad = run("jsa", "build", "--year", "2017/18", "--format", "doc", "--out", "x")
    assert bad.exit_code == 2


def test_pdf(data_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    r = run(
        "jsa", "build", "--year", "2017/18", "--format", "pdf", "--out", str(tmp_path)
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "jsa-2017-18.pdf").read_bytes().startswith(b"%PDF")
