"""Hotspot grid counts on Spark equal DuckDB's, cell for cell; ``--engine spark`` on the CLI.

The counts are also checked against an independent path: every record read one by
one (:func:`read_points`, projected per record) and binned by :meth:`Grid.counts`.
The Spark session is the shared one of ``tests/analytics/conftest.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from saferleeds.analytics.spark import spark_unavailable_reason

if spark_unavailable_reason() is not None:
    pytest.skip(str(spark_unavailable_reason()), allow_module_level=True)

from typer.testing import CliRunner  # noqa: E402

from saferleeds.analytics.hotspots import (  # noqa: E402
    grid_counts,
    read_points,
    study_grid,
)
from saferleeds.analytics.indicators import (  # noqa: E402
    SparkEngine,
    compute_indicators,
    month_period,
)
from saferleeds.analytics.spark import SPARK_TABLES, register_parquet  # noqa: E402
from saferleeds.analytics.store import Store, open_store  # noqa: E402
from saferleeds.cli import app  # noqa: E402
from saferleeds.partnership import current  # noqa: E402

JULY_2018 = date(2018, 7, 1)


@pytest.fixture(scope="module")
def duck(spark_store: tuple[Path, Path]) -> Iterator[Store]:
    with open_store(spark_store[0], read_only=True) as store:
        yield store


@pytest.fixture(scope="module")
def spark(spark_session: Any) -> SparkEngine:
    return SparkEngine(spark_session)


@pytest.mark.parametrize(
    ("cell", "selection"),
    [
        (250.0, {"start": JULY_2018, "end": JULY_2018}),
        (100.0, {"crime_type": ["Burglary", "Vehicle crime"], "start": None}),
    ],
)
def test_grid_counts_identical(
    duck: Store, spark: SparkEngine, cell: float, selection: dict[str, Any]
) -> None:
    grid = study_grid(cell)
    area = current().district_code
    on_duckdb = grid_counts(duck, grid, area=area, **selection)
    on_spark = grid_counts(spark, grid, area=area, **selection)
    assert on_duckdb.engine == "duckdb" and on_spark.engine == "spark"
    assert np.array_equal(on_spark.counts, on_duckdb.counts)
    assert (on_spark.records, on_spark.off_grid) == (
        on_duckdb.records,
        on_duckdb.off_grid,
    )
    # Independently: every record projected on its own and binned.
    points = read_points(duck, area=area, **selection)
    assert on_duckdb.records == len(points) > 1000
    assert np.array_equal(
        on_duckdb.counts, grid.counts(points.easting, points.northing)
    )
    assert on_duckdb.active_counts().sum() > 0.95 * len(points)


def test_cli_engine_spark_gives_duckdb_numbers(
    spark_store: tuple[Path, Path],
    spark_session: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_path, parquet = spark_store
    monkeypatch.setenv("SAFERLEEDS_DATA_DIR", str(store_path.parent))
    runner = CliRunner()
    counts = ["hotspots", "counts", "--from", "2018-07", "--format", "json"]
    on_duckdb = runner.invoke(app, counts)
    assert on_duckdb.exit_code == 0, on_duckdb.output
    # Read from the exported folder, as a cluster run reads its copy of it.
    on_spark = runner.invoke(
        app, [*counts, "--engine", "spark", "--spark-data", str(parquet)]
    )
    assert on_spark.exit_code == 0, on_spark.output
    a, b = json.loads(on_duckdb.stdout), json.loads(on_spark.stdout)
    assert (a["engine"], b["engine"]) == ("duckdb", "spark")
    assert a["cells"] == b["cells"] and a["records"] == b["records"] > 1000
    gistar = ["hotspots", "gistar", "--from", "2018-07", "--cell", "500"]
    gistar += ["--permutations", "99", "--format", "json"]
    on_duckdb = runner.invoke(app, gistar)
    on_spark = runner.invoke(
        app, [*gistar, "--engine", "spark", "--spark-data", str(parquet)]
    )
    assert on_duckdb.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    assert json.loads(on_spark.stdout) == json.loads(on_duckdb.stdout)

    ind = ["indicators", "--from", "2018-07", "--compare", "previous-year", "--by"]
    ind += ["msoa", "--indicator", "total_recorded_crime", "--format", "json"]
    on_duckdb = runner.invoke(app, ind)
    assert on_duckdb.exit_code == 0, on_duckdb.output
    # Exported from the store to a temporary folder by the command itself.
    on_spark = runner.invoke(app, [*ind, "--engine", "spark"])
    assert on_spark.exit_code == 0, on_spark.output
    rows = json.loads(on_spark.stdout)
    assert rows == json.loads(on_duckdb.stdout) and len(rows) == 107
    with open_store(store_path, read_only=True) as store:
        lib = compute_indicators(
            store,
            month_period(2018, 7),
            compare="previous-year",
            by="msoa",
            indicators=["total_recorded_crime"],
        )
    assert rows == json.loads(json.dumps([r.to_dict() for r in lib]))
    # The command's temporary folder is gone: point the shared views back.
    register_parquet(spark_session, str(parquet))


def test_cli_engine_spark_without_java_is_a_clear_error(
    spark_store: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFERLEEDS_DATA_DIR", str(spark_store[0].parent))
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    runner = CliRunner()
    for args in (
        ["hotspots", "counts", "--engine", "spark"],
        ["indicators", "--engine", "spark"],
    ):
        r = runner.invoke(app, args)
        assert r.exit_code == 2, r.output
        assert "no Java runtime found" in r.stderr and "Traceback" not in r.output
        assert r.exception is None or isinstance(r.exception, SystemExit)
    bad = runner.invoke(app, ["hotspots", "counts", "--engine", "hadoop"])
    assert bad.exit_code == 2 and "--engine must be duckdb or spark" in bad.stderr


def test_store_export_parquet_writes_the_tables(
    spark_store: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    monkeypatch.setenv("SAFERLEEDS_DATA_DIR", str(spark_store[0].parent))
    r = CliRunner().invoke(app, ["store", "export-parquet", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "police_street" in r.stderr
    with open_store(spark_store[0], read_only=True) as store:
        held = store.execute("SELECT count(*) FROM police_street").fetchone()
    exported = (
        duckdb.connect()
        .execute(f"SELECT count(*) FROM '{tmp_path / 'out' / 'police_street.parquet'}'")
        .fetchone()
    )
    assert exported == held
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{t}.parquet" for t in SPARK_TABLES
    )
