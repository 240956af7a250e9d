"""The synthetic national archive, the national geography, and force-area indicators
(issue #17: national scale).

A small national store (every force, two months, built by the import) is checked
against brute-force counts of its records: each force area's indicators, the files
kept per month and force, and the rollup.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from saferleeds.analytics.areas import UnknownArea, area_filter
from saferleeds.analytics.geography import (
    NATIONAL_COLUMNS,
    GeographyFileError,
    geography_outdated,
    load_geography,
    load_national_geography,
)
from saferleeds.analytics.indicators import (
    compute_indicators,
    dashboard,
    month_period,
    resolve_area,
)
from saferleeds.analytics.police_reference import ASB
from saferleeds.analytics.store import open_store
from saferleeds.cli.indicators import register
from saferleeds.importers.police import import_police
from saferleeds.importers.police.national import (
    LSOAS_PER_MSOA,
    MIN_LSOAS,
    month_writer,
    plan,
    read_forces,
    write_geography,
)
from saferleeds.partnership import current

MONTHS = ("2018-06", "2018-07")


def test_the_plan_shares_rows_and_lsoas_by_recorded_crime() -> None:
    forces = read_forces()
    assert len(forces) == 44  # 43 territorial forces and British Transport Police
    assert sum(1 for f in forces if f.country == "W") == 4
    national = plan(500_000)
    assert abs(national.rows_per_month - 500_000) <= len(forces)
    by = {f.slug: f for f in forces}
    # The Metropolitan Police's share against West Yorkshire's, as recorded in 2017/18.
    ratio = national.rows["metropolitan"] / national.rows["west-yorkshire"]
    assert ratio == pytest.approx(
        by["metropolitan"].weight / by["west-yorkshire"].weight, rel=1e-3
    )
    assert "btp" not in national.lsoas and len(national.lsoas) == 43
    assert min(national.lsoas.values()) >= MIN_LSOAS


@pytest.fixture(scope="module")
def national(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, dict[str, int]]:
    """A national store of two months of every force, built by the import."""
    return build_national_store(tmp_path_factory.mktemp("national"))


def build_national_store(folder: Path) -> tuple[Path, Path, dict[str, int]]:
    """Two months of every force (6,000 rows a month) imported into a store with the
    national geography: the store, the geography file, and rows written per month."""
    folder.mkdir(parents=True, exist_ok=True)
    nat = plan(6_000)
    geo = folder / "national-lsoa.csv"
    write_geography(nat, geo)
    db = folder / "analytics.duckdb"
    written: Counter[str] = Counter()
    with open_store(db) as store, month_writer(nat, geo) as writer:
        assert load_national_geography(store, geo) == sum(nat.lsoas.values())
        for month in MONTHS:
            files = writer.write(month, folder)
            for f in files:
                with f.open(encoding="utf-8", newline="") as fh:
                    written[month] += sum(1 for _ in csv.reader(fh)) - 1
            report = import_police(store, files)
            assert report.exit_code == 0, [r.problems[:2] for r in report.files]
            assert report.added == written[month]
    return db, geo, dict(written)


def test_the_geography_file_is_well_formed(
    national: tuple[Path, Path, dict[str, int]],
) -> None:
    _, geo, _ = national
    with geo.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == NATIONAL_COLUMNS
    assert len({r["lsoa_code"] for r in rows}) == len(rows)
    msoas = Counter(r["msoa_code"] for r in rows)
    assert max(msoas.values()) == LSOAS_PER_MSOA
    # An MSOA lies in one district and one force.
    assert all(
        len(
            {(r["district_code"], r["force_name"]) for r in rows if r["msoa_code"] == m}
        )
        == 1
        for m in list(msoas)[:200]
    )
    assert {r["lsoa_code"][0] for r in rows if r["force_name"] == "Gwent Police"} == {
        "W"
    }


def test_every_force_month_is_its_own_file_and_btp_falls_within_the_forces(
    national: tuple[Path, Path, dict[str, int]],
) -> None:
    db, _, written = national
    with open_store(db, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM police_part") == 44 * len(MONTHS)
        assert store.scalar("SELECT count(*) FROM police_street") == sum(
            written.values()
        )
        btp = store.execute(
            "SELECT count(DISTINCT falls_within) FROM police_street "
            "WHERE reported_by = 'British Transport Police'"
        ).fetchone()[0]
        assert btp > 20
        # Every record with an LSOA lies in the force area it falls within.
        assert (
            store.scalar(
                "SELECT count(*) FROM police_street p JOIN area_lsoa a "
                "USING (lsoa_code) WHERE a.force_name <> p.falls_within"
            )
            == 0
        )


def test_each_force_areas_indicators_equal_a_count_of_its_records(
    national: tuple[Path, Path, dict[str, int]],
) -> None:
    db, _, _ = national
    period = month_period(2018, 7)
    with open_store(db, read_only=True) as store:
        forces = [
            r[0]
            for r in store.execute(
                "SELECT DISTINCT force_name FROM area_lsoa ORDER BY 1"
            ).fetchall()
        ]
        assert len(forces) == 43
        brute = {
            (f, m.isoformat()[:7]): (c, a)
            for f, m, c, a in store.execute(
                "SELECT falls_within, month, count(*) FILTER (crime_type <> ?), "
                "count(*) FILTER (crime_type = ?) FROM police_street "
                "WHERE lsoa_code IS NOT NULL GROUP BY ALL",
                [ASB, ASB],
            ).fetchall()
        }
        for force in forces:
            got = {
                r.id: (r.value, r.comparison_value)
                for r in compute_indicators(
                    store, period, area=force, compare="previous-period"
                )
            }
            now, before = brute[(force, "2018-07")], brute[(force, "2018-06")]
            assert got["total_recorded_crime"] == (now[0], before[0]), force
            assert got["asb"] == (now[1], before[1]), force
        # By any letter case; the dashboard ranks the force's MSOAs.
        area = resolve_area(store, "metropolitan police service")
        assert (area.level, area.name) == ("force", "Metropolitan Police Service")
        dash = dashboard(store, period, area="Metropolitan Police Service")
        msoas = store.scalar(
            "SELECT count(DISTINCT msoa_code) FROM area_lsoa "
            "WHERE force_name = 'Metropolitan Police Service'"
        )
        ranked = {r.area for r in dash.ranking}
        assert len(ranked) == msoas
        # The records' filter of the place pages names the same area.
        f = area_filter(store, "Gwent Police")
        gwent = store.execute(
            f"SELECT count(*) FROM police_street WHERE {f.sql}", f.params
        ).fetchone()[0]
        assert gwent == sum(
            v[0] + v[1] for k, v in brute.items() if k[0] == "Gwent Police"
        )
        with pytest.raises(UnknownArea):
            resolve_area(store, "Atlantis Police")


def test_the_partnerships_geography_is_not_loaded_over_a_national_one(
    national: tuple[Path, Path, dict[str, int]], tmp_path: Path
) -> None:
    db, _, _ = national
    copy = tmp_path / "analytics.duckdb"
    with open_store(db, read_only=True) as store:
        shutil.copy(store.file or db, copy)
    with open_store(copy) as store:
        # No ward, yet not outdated: an import keeps the national geography.
        assert not geography_outdated(store, current())
        # Asked for, the partnership's replaces it, and is then the store's.
        load_geography(store, current())
        assert store.scalar("SELECT count(DISTINCT district_code) FROM area_lsoa") == 1
        store.execute("UPDATE area_lsoa SET ward_code = NULL")
        assert geography_outdated(store, current())


def test_the_indicators_command_takes_a_force_area(
    national: tuple[Path, Path, dict[str, int]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, _, _ = national
    with open_store(db, read_only=True) as store:
        # The copy reads the records where they were written (see part_entries).
        shutil.copy(store.file or db, tmp_path / "analytics.duckdb")
    monkeypatch.setenv("SAFERLEEDS_DATA_DIR", str(tmp_path))
    app = typer.Typer(no_args_is_help=True)
    app.add_typer(typer.Typer(no_args_is_help=True), name="import")
    register(app)
    r = CliRunner().invoke(
        app, ["indicators", "--area", "Kent Police", "--by", "msoa", "--format", "csv"]
    )
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(r.stdout.splitlines()))
    assert rows and all(row["area"].startswith("E02") for row in rows)
    r = CliRunner().invoke(app, ["indicators", "--area", "Kent"])
    assert r.exit_code == 2 and "unknown area" in r.output


def _geo_file(
    tmp_path: Path, rows: list[list[str]], header: list[str] | None = None
) -> Path:
    path = tmp_path / "geo.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header or list(NATIONAL_COLUMNS))
        w.writerows(rows)
    return path


GOOD_ROW = [
    "E01000001",
    "A 001A",
    "E02000001",
    "A 001",
    "E06000001",
    "A",
    "A Police",
    "1500",
]


@pytest.mark.parametrize(
    ("rows", "header", "expected"),
    [
        (
            [GOOD_ROW],
            list(NATIONAL_COLUMNS[:-2]) + ["population"],
            "line 1: missing column force_name",
        ),
        ([GOOD_ROW, [*GOOD_ROW[:6], "", "10"]], None, "line 3: force_name: empty"),
        ([GOOD_ROW, GOOD_ROW], None, "line 3: lsoa_code: E01000001 also on line 2"),
        ([[*GOOD_ROW[:7], "many"]], None, "line 2: population: not a whole number"),
        ([], None, "no LSOA rows"),
    ],
)
def test_a_bad_geography_file_names_file_line_and_field_and_loads_nothing(
    tmp_path: Path, rows: list[list[str]], header: list[str] | None, expected: str
) -> None:
    path = _geo_file(tmp_path, rows, header)
    with open_store(tmp_path / "analytics.duckdb") as store:
        load_geography(store, current())
        before = store.scalar("SELECT count(*) FROM area_lsoa")
        with pytest.raises(GeographyFileError) as exc:
            load_national_geography(store, path)
        assert str(path) in str(exc.value) and expected in str(exc.value)
        assert store.scalar("SELECT count(*) FROM area_lsoa") == before
