"""One code path, two engines: the indicator queries on Spark give DuckDB's numbers.

The store's tables are exported to Parquet and registered as Spark views under the same
names (the shared session of ``tests/analytics/conftest.py``); the same functions then
run with a ``SparkEngine`` (SQL transpiled by sqlglot) and with DuckDB, and every
result must be identical, to the last digit.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from saferleeds.analytics.spark import spark_unavailable_reason

if spark_unavailable_reason() is not None:
    pytest.skip(str(spark_unavailable_reason()), allow_module_level=True)

from saferleeds.analytics.indicators import (  # noqa: E402
    SparkEngine,
    compute_indicators,
    indicator_series,
    month_period,
    monthly_values,
)
from saferleeds.analytics.indicators.engine import to_spark_sql  # noqa: E402
from saferleeds.analytics.store import Store, open_store  # noqa: E402
from tests.analytics.test_indicators import TEST_WEIGHTS  # noqa: E402


@pytest.fixture(scope="module")
def duck(spark_store: tuple[Path, Path]) -> Iterator[Store]:
    with open_store(spark_store[0], read_only=True) as store:
        yield store


@pytest.fixture(scope="module")
def spark(spark_session: Any) -> SparkEngine:
    return SparkEngine(spark_session)


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


def test_force_area_indicators_identical_on_a_national_store(
    spark_session: Any, spark_store: tuple[Path, Path], tmp_path: Path
) -> None:
    """A national store's force areas (issue #17): its tables replace the shared
    session's views for this test only."""
    from saferleeds.analytics.spark import export_parquet, register_parquet
    from tests.importers.police.test_national import build_national_store

    db, _, _ = build_national_store(tmp_path / "national")
    with open_store(db, read_only=True) as duck:
        export_parquet(duck, tmp_path / "parquet")
        register_parquet(spark_session, str(tmp_path / "parquet"))
        try:
            spark = SparkEngine(spark_session)
            kwargs: dict[str, Any] = {
                "compare": "previous-period",
                "by": "msoa",
                "harm_weights": TEST_WEIGHTS,
                "indicators": ["total_recorded_crime", "asb", "violence_sexual"],
            }
            for force in ("Gwent Police", "metropolitan police service"):
                on_duckdb = compute_indicators(
                    duck, month_period(2018, 7), area=force, **kwargs
                )
                on_spark = compute_indicators(
                    spark, month_period(2018, 7), area=force, **kwargs
                )
                assert len(on_duckdb) > 3 * 20
                assert on_spark == on_duckdb
        finally:
            register_parquet(spark_session, str(spark_store[1]))
