"""One Spark session for every Spark test of the analytics (a JVM start costs 10-20 s).

The store: Leeds geography, the two shipped police.uk months, a generated partner
extract and the sample survey. Its tables are exported to Parquet once by the same
function ``--engine spark`` uses, and registered as Spark views under their names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark_store(
    police_store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The store (``analytics.duckdb``) and its tables as Parquet: ``(store, folder)``."""
    from saferleeds.analytics.spark import export_parquet
    from saferleeds.analytics.store import open_store
    from saferleeds.demo.generator import generate
    from tests.analytics.test_indicators import build_indicator_store

    tmp = tmp_path_factory.mktemp("spark")
    generate(tmp / "extract", seed=4, scale=1.0)
    path = build_indicator_store(
        police_store_path, tmp / "analytics.duckdb", tmp / "extract"
    )
    with open_store(path, read_only=True) as store:
        export_parquet(store, tmp / "parquet")
    return path, tmp / "parquet"


@pytest.fixture(scope="session")
def spark_session(spark_store: tuple[Path, Path]) -> Iterator[Any]:
    """The shared local session, with the store's tables registered as views."""
    from saferleeds.analytics.spark import (
        local_spark,
        register_parquet,
        spark_unavailable_reason,
    )

    reason = spark_unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    # Two cores at most: other test processes share the machine.
    os.environ.setdefault("SAFERLEEDS_SPARK_MASTER", "local[2]")
    session = local_spark(app="saferleeds-tests")
    register_parquet(session, str(spark_store[1]))
    yield session
    session.stop()
