"""Apache Spark for the analytics: one session maker and the store's tables as Parquet.

Spark runs the same SQL as DuckDB (written once in DuckDB's dialect and transpiled by
sqlglot, see :mod:`saferleeds.analytics.indicators.engine`); it reads the store's
tables as Parquet files registered as views under the same names. Three ways to run:

* tests and ``--engine spark`` on one machine: :func:`local_spark` starts Spark in
  local mode (a JVM in this process's child, all cores);
* on a cluster: ``spark-submit`` starts the driver and its JVM; :func:`local_spark`
  then attaches to that session and leaves the master as ``spark-submit`` set it;
* record linkage (Splink) uses the same session, with Splink's jar added.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from saferleeds.analytics.store import Store

# The tables the indicator and hotspot queries read, in the store's names.
SPARK_TABLES = (
    "police_street",
    "area_lsoa",
    "area_neighbourhood",
    "partner_incident",
    "partner_extract_load",
    "survey_response",
)


class SparkUnavailable(RuntimeError):
    """Spark cannot run here: PySpark is not installed or no Java runtime is found."""


def spark_unavailable_reason() -> str | None:
    """Why Spark cannot start here, or ``None`` if it should.

    Checked before starting a JVM so a missing Java is a one-line error, not a
    py4j traceback after a long wait.
    """
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (pip install 'saferleeds[spark]')"
    if _submitted():
        return None
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return None
    if shutil.which("java") is None:
        return (
            "no Java runtime found (Spark needs one: install openjdk-17-jre-headless, "
            "as scripts/ensure-system-deps.sh does, or set JAVA_HOME)"
        )
    return None


def _submitted() -> bool:
    """Whether ``spark-submit`` started this process (its JVM is already running).

    PySpark's driver finds the JVM ``spark-submit`` started through these variables;
    then the master, memory and cores are the cluster's, not ours to set.
    """
    return "PYSPARK_GATEWAY_PORT" in os.environ


def local_spark(*, jars: Sequence[str] = (), app: str = "saferleeds") -> Any:
    """The Spark session: the active one, the one ``spark-submit`` made, or a local one.

    Args:
        jars: Jars to load when this call creates the session (Splink's similarity
            functions for linkage). An existing session is returned as it is.
        app: The application name shown by Spark.

    Returns:
        A ``pyspark.sql.SparkSession``. Local mode uses every core
        (``SAFERLEEDS_SPARK_MASTER`` overrides, e.g. ``local[2]``) and 2 GB of driver
        memory (``SAFERLEEDS_SPARK_MEMORY``).

    Raises:
        SparkUnavailable: If PySpark or Java is missing, or the JVM fails to start.
    """
    reason = spark_unavailable_reason()
    if reason is not None:
        raise SparkUnavailable(reason)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # PySpark warns on collect() that it does not yet support pandas 3; the queries
    # here never go through pandas, so the notice would only alarm CLI users.
    warnings.filterwarnings(
        "ignore",
        message="PySpark does not yet fully support pandas",
        category=FutureWarning,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName(app)
    if jars:
        builder = builder.config("spark.jars", ",".join(jars))
    # Same answers everywhere: dates and timestamps read in UTC.
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    if not _submitted():
        builder = (
            builder.master(os.environ.get("SAFERLEEDS_SPARK_MASTER", "local[*]"))
            # A few partitions: local data is small next to Spark's default of 200.
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.default.parallelism", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config(
                "spark.driver.memory", os.environ.get("SAFERLEEDS_SPARK_MEMORY", "2g")
            )
        )
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j/JVM start-up failures have no common class
        raise SparkUnavailable(
            f"Spark could not start ({' '.join(str(exc).split())[:200]})"
        ) from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def export_parquet(
    store: Store, folder: str | Path, tables: Sequence[str] = SPARK_TABLES
) -> list[str]:
    """Write the store's tables as Parquet files ``<folder>/<table>.parquet``.

    The one place the police.uk rows (and the geography, extracts and survey the
    indicators join to) leave DuckDB for Spark; tables the store does not hold are
    skipped.

    Args:
        store: The analytics store.
        folder: Directory to write into (created if missing).
        tables: Table names (default :data:`SPARK_TABLES`).

    Returns:
        The tables written.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    held = {
        str(r[0])
        for r in store.execute(
            "SELECT table_name FROM information_schema.tables"
        ).fetchall()
    }
    written = []
    for table in tables:
        if table not in held:
            continue
        if table == "police_street":
            police_parquet(store, out / f"{table}.parquet")
        else:
            _copy(store, table, out / f"{table}.parquet")
        written.append(table)
    return written


def police_parquet(store: Store, target: Path) -> None:
    """Write the police.uk records (every column of ``police_street``) to ``target``.

    Kept apart so that when the records themselves live in Parquet files this is the
    one function to change (to a copy or a link).
    """
    _copy(store, "police_street", target)


def _copy(store: Store, table: str, target: Path) -> None:
    path = str(target).replace("'", "''")
    store.execute(f"COPY {table} TO '{path}' (FORMAT parquet)")


def register_parquet(
    session: Any, folder: str, tables: Sequence[str] = SPARK_TABLES
) -> list[str]:
    """Register ``<folder>/<table>.parquet`` files as Spark views named as the tables.

    Args:
        session: The Spark session.
        folder: A local directory or a URL Spark reads (``hdfs://``, ``s3a://``).
        tables: Table names to look for (missing files are skipped, as the store
            skips tables it does not hold).

    Returns:
        The tables registered.

    Raises:
        SparkUnavailable: If ``police_street`` cannot be read from the folder.
    """
    registered = []
    base = folder.rstrip("/")
    for table in tables:
        path = f"{base}/{table}.parquet"
        try:
            frame = session.read.parquet(path)
        except Exception as exc:  # AnalysisException: path does not exist
            if table == "police_street":
                raise SparkUnavailable(
                    f"{path}: cannot read the police.uk records as Parquet "
                    f"({' '.join(str(exc).split())[:160]})"
                ) from exc
            # A view left from an earlier folder would answer with stale rows.
            session.catalog.dropTempView(table)
            continue
        frame.createOrReplaceTempView(table)
        registered.append(table)
    return registered
