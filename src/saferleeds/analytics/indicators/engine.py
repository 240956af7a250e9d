"""Where indicator queries run: DuckDB (the default) or Apache Spark.

Indicator queries are written once, in DuckDB's SQL dialect, by
:mod:`saferleeds.analytics.indicators.compute`. :class:`DuckDBEngine` runs them as
written; :class:`SparkEngine` transpiles them to Spark SQL with sqlglot first. Both
return plain Python rows, so everything after the query is shared code.
"""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import duckdb
import sqlglot
from sqlglot import exp

from saferleeds.analytics.store import Store

DIALECT = "duckdb"


class Engine(Protocol):
    """Runs indicator SQL (written in DuckDB's dialect) and returns rows."""

    name: str

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Run one query; return its rows as tuples."""
        ...

    def has_table(self, table: str) -> bool:
        """Whether the table (or view) exists."""
        ...


class DuckDBEngine:
    """Runs indicator SQL on a DuckDB connection (the analytics store)."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._tables: frozenset[str] | None = None

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Run the query as written."""
        return list(self.con.execute(sql).fetchall())

    def has_table(self, table: str) -> bool:
        """Look the table up in DuckDB's catalogue.

        The catalogue's names are read once per engine (one statement, where a query
        of the indicators asks about several tables): an engine serves one call of
        the indicator functions (:func:`as_engine` makes a new one per call), which
        creates no table.
        """
        if self._tables is None:
            self._tables = frozenset(
                r[0]
                for r in self.con.execute(
                    "SELECT table_name FROM duckdb_tables() UNION "
                    "SELECT view_name FROM duckdb_views() WHERE NOT internal"
                ).fetchall()
            )
        return table in self._tables


@functools.lru_cache(maxsize=256)
def to_spark_sql(sql: str) -> str:
    """Transpile DuckDB SQL to Spark SQL with sqlglot (cached per query text)."""
    out = sqlglot.transpile(sql, read=DIALECT, write="spark")
    if len(out) != 1:
        raise ValueError("one statement per query")
    return out[0]


class SparkEngine:
    """Runs indicator SQL on a Spark session, transpiled from DuckDB's dialect.

    The session must have the store's tables registered under the same names (as
    tables or temporary views): ``police_street``, ``area_lsoa``,
    ``area_neighbourhood`` and, where loaded, ``partner_incident``,
    ``partner_extract_load`` and ``survey_response``.
    """

    name = "spark"

    def __init__(self, session: Any) -> None:
        self.session = session

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Transpile and run the query; collect the rows."""
        return [tuple(r) for r in self.session.sql(to_spark_sql(sql)).collect()]

    def has_table(self, table: str) -> bool:
        """Look the table up in Spark's catalogue."""
        return bool(self.session.catalog.tableExists(table))


def as_engine(source: Store | duckdb.DuckDBPyConnection | Engine) -> Engine:
    """Return an engine for a store, a DuckDB connection, or an engine."""
    if isinstance(source, Store):
        return DuckDBEngine(source.con)
    if isinstance(source, duckdb.DuckDBPyConnection):
        return DuckDBEngine(source)
    return source


def lit(value: str | int | Decimal | date | None) -> str:
    """A SQL literal for a Python value, quoted safely for both dialects."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, Decimal):
        # A typed decimal literal: exact in both engines, so sums agree to the digit.
        return f"CAST('{value}' AS DECIMAL(18, 4))"
    if isinstance(value, int):
        return str(value)
    return str(exp.Literal.string(value).sql(dialect=DIALECT))
