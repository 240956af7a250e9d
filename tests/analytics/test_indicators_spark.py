"""One code path, two engines: the indicator queries on Spark give DuckDB's numbers.

The store's tables are exported to Parquet and registered as Spark views under the same
names; the same functions then run with a ``SparkEngine`` (SQL transpiled by sqlglot)
and with DuckDB, and every result must be identical, to the last digit.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip(
        "Java is not installed: PySpark needs a JVM to run Spark in local mode",
        allow_module_level=True,
    )

from saferleeds.analytics.indicators import (  # noqa: E402
    SparkEngine,
    compute_indicators,
    indicator_series,
    month_period,
    monthly_values,
)
from saferleeds.analytics.indicators.engine import to_spark_sql  # noqa: E402
from saferleeds.analytics.store import Store, open_store  # noqa: E402
from saferleeds.demo.generator import generate  # noqa: E402
from tests.analytics.test_indicators import (  # noqa: E402
    TEST_WEIGHTS,
    build_indicator_store,
)

TABLES = (
    "police_street",
    "area_lsoa",
    "area_neighbourhood",
    "partner_incident",
    "partner_extract_load",
    "survey_response",
)


@pytest.fixture(scope="module")
def duck(
    police_store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("spark")
    generate(tmp / "extract", seed=4, scale=1.0)
    path = build_indicator_store(
        police_store_path, tmp / "analytics.duckdb", tmp / "extract"
    )
    with open_store(path, read_only=True) as store:
        for t in TABLES:
            store.execute(f"COPY {t} TO '{tmp / t}.parquet' (FORMAT parquet)")
        yield store


@pytest.fixture(scope="module")
def spark(duck: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark's notice about pandas versions
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master("local[1]")
            .appName("saferleeds-indicators-test")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.adaptive.enabled", "false")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    folder = Path(str(duck.path)).parent
    for t in TABLES:
        session.read.parquet(str(folder / f"{t}.parquet")).createOrReplaceTempView(t)
    yield SparkEngine(session)
    session.stop()


def test_spark_sql_is_transpiled_not_copied() -> None:
    sql = "SELECT count(*) FILTER (WHERE x) FROM t WHERE month >= DATE '2018-07-01'"
    spark_sql = to_spark_sql(sql)
    assert "CAST('2018-07-01' AS DATE)" in spark_sql and spark_sql != sql


def test_district_indicators_identical(duck: Store, spark: SparkEngine) -> None:
    kwargs: dict[str, Any] = {"compare": "previous-year", "harm_weights": TEST_WEIGHTS}
    for area in (None, "Boggart Hill (Seacroft)"):
        on_duckdb = compute_indicators(duck, month_period(2018, 7), area=area, **kwargs)
        on_spark = compute_indicators(spark, month_period(2018, 7), area=area, **kwargs)
        assert on_spark == on_duckdb
        assert [r.to_dict() for r in on_spark] == [r.to_dict() for r in on_duckdb]
    crime = next(r for r in on_duckdb if r.id == "total_recorded_crime")
    assert crime.harm is not None  # the decimal harm sums were compared too


def test_msoa_ranking_identical(duck: Store, spark: SparkEngine) -> None:
    kwargs: dict[str, Any] = {
        "compare": "previous-year",
        "by": "msoa",
        "harm_weights": TEST_WEIGHTS,
        "indicators": ["total_recorded_crime", "asb", "hate_incidents", "feel_safe"],
    }
    on_duckdb = compute_indicators(duck, month_period(2018, 7), **kwargs)
    on_spark = compute_indicators(spark, month_period(2018, 7), **kwargs)
    assert len(on_duckdb) > 300
    assert on_spark == on_duckdb


def test_monthly_values_and_series_identical(duck: Store, spark: SparkEngine) -> None:
    args = (date(2017, 1, 1), date(2018, 12, 1))
    on_duckdb = monthly_values(duck, *args, harm_weights=TEST_WEIGHTS)
    on_spark = monthly_values(spark, *args, harm_weights=TEST_WEIGHTS)
    assert len(on_duckdb) == 7 * 107 * 24  # 7 count indicators
    assert on_spark == on_duckdb
    assert indicator_series(spark, "feel_safe", *args) == indicator_series(
        duck, "feel_safe", *args
    )
