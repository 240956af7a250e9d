"""The pseudonymised analytical extract keyed by resolved person, and its figures.

One row per fact an analyst counts people by, with no identities: ``person`` (the
resolved person's keyed pseudonym, :mod:`.pseudonym`), ``kind`` (``record``: an agency
holds a record of the person; ``victim``: an incident an agency recorded names them
as its victim), ``agency`` (the agency's code) and ``month`` (the first day of the
month the record was received or the incident happened). No name, date of birth,
postcode, reference or person id: whoever holds the extract can count people but not
say who they are, and cannot join it to an extract made under another key.

Figures (:func:`people_known_to`, :func:`repeat_victims_across_agencies`) are DuckDB
queries over the extract, as a file or in the analytics store (``linked_person_event``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final, Literal

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from saferleeds.analytics.linkage._input import LinkageError
from saferleeds.analytics.linkage.pseudonym import PseudonymKey, pseudonym

__all__ = [
    "EXTRACT_TABLE",
    "KINDS",
    "PERIODS",
    "Event",
    "Period",
    "people_known_to",
    "pseudonymised_extract",
    "read_extract",
    "repeat_victims_across_agencies",
    "store_extract",
    "write_extract",
]

EXTRACT_TABLE: Final = "linked_person_event"
"""The analytics store's table holding the latest extract (replaced whole each time,
so no pseudonym made under a retired key stays beside the new ones)."""
KINDS: Final = ("record", "victim")
PERIODS: Final = ("month", "quarter", "year")
Period = Literal["month", "quarter", "year"]

SCHEMA: Final = pa.schema(
    [
        ("person", pa.string()),
        ("kind", pa.string()),
        ("agency", pa.string()),
        ("month", pa.date32()),
    ]
)


@dataclass(frozen=True)
class Event:
    """One fact about a resolved person, before pseudonymisation.

    Attributes:
        person_id: The resolved person's identifier (never leaves this module).
        kind: ``record`` or ``victim``.
        agency: The agency's code.
        on: The day; kept as its month only.
    """

    person_id: int | str
    kind: str
    agency: str
    on: date


def pseudonymised_extract(events: Iterable[Event], key: PseudonymKey) -> pa.Table:
    """The extract: each event keyed by its person's pseudonym under ``key``.

    Identical rows (two incidents in one month by one agency) are kept: a repeat
    victim is counted by their incidents.

    Args:
        events: The facts, each with its person's identifier.
        key: The partnership's current pseudonym key.

    Returns:
        An Arrow table of :data:`SCHEMA` (``person, kind, agency, month``), sorted.

    Raises:
        LinkageError: An event of an unknown kind.
    """
    cache: dict[str, str] = {}
    rows: list[tuple[str, str, str, date]] = []
    for e in events:
        if e.kind not in KINDS:
            raise LinkageError(f"unknown event kind {e.kind!r}")
        pid = str(e.person_id)
        if pid not in cache:
            cache[pid] = pseudonym(pid, key)
        rows.append((cache[pid], e.kind, e.agency, e.on.replace(day=1)))
    rows.sort()
    return pa.table(
        {
            "person": pa.array([r[0] for r in rows], pa.string()),
            "kind": pa.array([r[1] for r in rows], pa.string()),
            "agency": pa.array([r[2] for r in rows], pa.string()),
            "month": pa.array([r[3] for r in rows], pa.date32()),
        },
        schema=SCHEMA,
    )


def write_extract(table: pa.Table, path: Path) -> None:
    """Write the extract as Parquet (``.parquet``) or CSV (``.csv``).

    Raises:
        LinkageError: Another file suffix.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        pq.write_table(table, path)
    elif suffix == ".csv":
        pa_csv.write_csv(table, path)
    else:
        raise LinkageError(f"{path}: write a .parquet or a .csv file, not {suffix!r}")


def read_extract(path: Path) -> pa.Table:
    """Read an extract written by :func:`write_extract`.

    Raises:
        LinkageError: Another suffix, or a file without the extract's columns.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = pq.read_table(path)
    elif suffix == ".csv":
        table = pa_csv.read_csv(
            path,
            convert_options=pa_csv.ConvertOptions(
                column_types={
                    n: t for n, t in zip(SCHEMA.names, SCHEMA.types, strict=True)
                }
            ),
        )
    else:
        raise LinkageError(f"{path}: read a .parquet or a .csv file, not {suffix!r}")
    missing = [n for n in SCHEMA.names if n not in table.column_names]
    if missing:
        raise LinkageError(f"{path}: not an extract (no column {', '.join(missing)})")
    return table.select(SCHEMA.names).cast(SCHEMA)


def store_extract(con: duckdb.DuckDBPyConnection, table: pa.Table) -> int:
    """Replace the analytics store's extract (:data:`EXTRACT_TABLE`) with ``table``.

    Returns:
        The rows stored.
    """
    con.execute("BEGIN")
    try:
        con.execute(f"DROP TABLE IF EXISTS {EXTRACT_TABLE}")
        con.register("_extract_in", table)
        con.execute(f"CREATE TABLE {EXTRACT_TABLE} AS SELECT * FROM _extract_in")
        con.unregister("_extract_in")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return int(table.num_rows)


def _relation(con: duckdb.DuckDBPyConnection, table: pa.Table | None) -> str:
    if table is None:
        return EXTRACT_TABLE
    con.register("_extract_view", table)
    return "_extract_view"


def people_known_to(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table | None = None,
    *,
    agencies: int = 2,
) -> int:
    """People of whom ``agencies`` or more different agencies hold a record.

    Args:
        con: A DuckDB connection (the analytics store's, or any for ``table``).
        table: An extract; default the store's :data:`EXTRACT_TABLE`.
        agencies: The least number of agencies.
    """
    source = _relation(con, table)
    # fetchall, not fetchone: DuckDB 2 refuses the next query on a connection whose
    # last result was not read to the end.
    rows = con.execute(
        f"""
        SELECT count(*) FROM (
            SELECT person FROM {source} WHERE kind = 'record'
            GROUP BY person HAVING count(DISTINCT agency) >= ?
        )
        """,
        [agencies],
    ).fetchall()
    return int(rows[0][0]) if rows else 0


def repeat_victims_across_agencies(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table | None = None,
    *,
    period: Period = "quarter",
) -> list[tuple[date, int]]:
    """Repeat victims across agencies, by period: people named as the victim of two
    or more incidents in the period, recorded by two or more different agencies
    (each agency alone may see a single incident; together they see a pattern).

    Args:
        con: A DuckDB connection.
        table: An extract; default the store's :data:`EXTRACT_TABLE`.
        period: ``month``, ``quarter`` or ``year``.

    Returns:
        ``(first day of the period, people)`` for each period with any victimisation,
        oldest first (periods with victims but no repeat across agencies count 0).

    Raises:
        LinkageError: An unknown period.
    """
    if period not in PERIODS:
        raise LinkageError(f"the period is month, quarter or year, not {period!r}")
    source = _relation(con, table)
    rows = con.execute(
        f"""
        WITH v AS (
            SELECT person, agency, date_trunc('{period}', month)::DATE AS period
            FROM {source} WHERE kind = 'victim'
        ),
        per AS (
            SELECT period, person FROM v GROUP BY period, person
            HAVING count(*) >= 2 AND count(DISTINCT agency) >= 2
        )
        SELECT p.period, count(per.person)
        FROM (SELECT DISTINCT period FROM v) p
        LEFT JOIN per ON per.period = p.period
        GROUP BY p.period ORDER BY p.period
        """
    ).fetchall()
    return [(d, int(n)) for d, n in rows]
