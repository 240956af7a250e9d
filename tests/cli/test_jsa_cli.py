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

# The build reads the partnership's entered scores, scan and recommendations.
pytestmark = pytest.mark.django_db


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


def test_entered_inputs_are_used(
    data_dir: Path, tmp_path: Path, personas: dict[str, object]
) -> None:
    from django.contrib.auth.models import User

    from saferleeds.governance.actions import (
        do_add_horizon_item,
        do_save_priority_score,
    )
    from saferleeds.partners.policy import actor_for

    analyst = actor_for(User.objects.get(username="aisha.analyst"), purpose="test")
    do_save_priority_score(
        2017,
        "Burglary",
        method="grid",
        harm=4,
        likelihood=4,
        organisational_position=None,
        confidence="High",
        actor=analyst,
    )
    do_add_horizon_item(2017, heading="legal", text="A new duty", actor=analyst)
    for out in (tmp_path / "a", tmp_path / "b"):
        b = run("jsa", "build", "--year", "2017/18", "--out", str(out))
        assert b.exit_code == 0, b.output
    html = (tmp_path / "a" / "jsa-2017-18.html").read_text(encoding="utf-8")
    assert html == (tmp_path / "b" / "jsa-2017-18.html").read_text(encoding="utf-8")
    assert "Scored by" in html and "A new duty" in html
