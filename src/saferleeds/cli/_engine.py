"""``--engine duckdb|spark`` for commands whose queries run on either engine.

With ``--engine spark`` the store's tables are exported to Parquet in a temporary
folder (or read from ``--spark-data``, a folder or URL written by ``saferleeds store
export-parquet``), registered as Spark views under the store's names, and the same
SQL runs on Spark: in local mode, or on a cluster when the command is started by
``spark-submit`` (see docs/operations.md).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer

from saferleeds import config

ENGINES = ("duckdb", "spark")

EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="duckdb (the analytics store, default) or spark (local Spark, or the "
        "cluster when started by spark-submit).",
    ),
]
SparkDataOption = Annotated[
    str | None,
    typer.Option(
        "--spark-data",
        help="With --engine spark: a folder or URL (hdfs://, s3a://) holding the "
        "store's tables as Parquet (saferleeds store export-parquet); default: "
        "exported from the store to a temporary folder.",
    ),
]


@contextmanager
def query_source(
    engine: str, spark_data: str | None, fail: Callable[[str], NoReturn]
) -> Iterator[Any]:
    """The source the analytics query: the open store, or a Spark engine over it.

    Args:
        engine: ``"duckdb"`` or ``"spark"``.
        spark_data: With Spark, Parquet tables to read instead of exporting the store.
        fail: The command's error function (prints ``error: ...``, exits 2).

    Yields:
        A :class:`~saferleeds.analytics.store.Store` (DuckDB) or a
        :class:`~saferleeds.analytics.indicators.SparkEngine`.
    """
    from saferleeds.analytics.store import open_store

    if engine not in ENGINES:
        fail(f"--engine must be duckdb or spark, not {engine!r}")
    if spark_data is not None and engine != "spark":
        fail("--spark-data needs --engine spark")
    if engine == "duckdb":
        with open_store(config.analytics_path(), read_only=True) as store:
            yield store
        return
    from saferleeds.analytics.indicators import SparkEngine
    from saferleeds.analytics.spark import (
        SparkUnavailable,
        export_parquet,
        local_spark,
        register_parquet,
        spark_unavailable_reason,
    )

    reason = spark_unavailable_reason()
    if reason is not None:
        fail(f"--engine spark: {reason}")
    with tempfile.TemporaryDirectory(prefix="saferleeds-spark-") as tmp:
        folder = spark_data
        if folder is None:
            with open_store(config.analytics_path(), read_only=True) as store:
                export_parquet(store, tmp)
            folder = tmp
        try:
            session = local_spark()
            register_parquet(session, folder)
        except SparkUnavailable as exc:
            fail(f"--engine spark: {exc}")
        yield SparkEngine(session)
