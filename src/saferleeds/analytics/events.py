"""Dated point events for place analysis: near repeats, forecasts, hotspots by day.

police.uk records are monthly and snapped; partner offence extracts carry the day and a
point. This table holds those points pseudonymised: date, crime type, coordinates and
LSOA, never a person. Loading a file again replaces its rows (keyed on event id), so
re-runs are safe.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

from saferleeds.analytics.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS point_event (
    event_key VARCHAR PRIMARY KEY,
    source VARCHAR NOT NULL,
    day DATE NOT NULL,
    crime_type VARCHAR NOT NULL,
    longitude DOUBLE NOT NULL,
    latitude DOUBLE NOT NULL,
    lsoa_code VARCHAR
);
"""

REQUIRED = ("offence_id", "date", "crime_type", "latitude", "longitude")


class EventFileError(ValueError):
    """A file that cannot be loaded, naming the file, line and field."""


@dataclass(frozen=True)
class EventLoad:
    """What loading an events file did."""

    path: str
    rows: int


@dataclass(frozen=True)
class Events:
    """Events as arrays, for the analytics functions."""

    day: npt.NDArray[np.datetime64]
    crime_type: npt.NDArray[np.str_]
    longitude: npt.NDArray[np.float64]
    latitude: npt.NDArray[np.float64]
    lsoa_code: npt.NDArray[np.str_]

    def __len__(self) -> int:
        return int(self.day.shape[0])


def ensure_events_table(store: Store) -> None:
    """Create the table if missing (safe to repeat; a no-op on a read-only store that
    already has it, where DuckDB refuses even CREATE ... IF NOT EXISTS)."""
    exists = store.scalar(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'point_event'"
    )
    if not exists:
        store.con.execute(SCHEMA)


def load_events(
    store: Store, path: Path, *, source: str = "partner-offences"
) -> EventLoad:
    """Load a CSV of dated offences (``offence_id, date, crime_type, latitude, longitude``
    and optionally ``lsoa_code``), such as the synthetic generator's ``offences.csv``.

    The whole file is validated first; any bad row stops the load with
    ``file:line: field: reason`` and nothing is written.

    Raises:
        EventFileError: On a missing column or a bad row.
    """
    rows: list[tuple[str, str, date, str, float, float, str | None]] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise EventFileError(f"{path}:1: header: missing {', '.join(missing)}")
        for line, r in enumerate(reader, start=2):
            try:
                day = date.fromisoformat(r["date"])
            except ValueError as exc:
                raise EventFileError(f"{path}:{line}: date: not YYYY-MM-DD") from exc
            try:
                lat, lon = float(r["latitude"]), float(r["longitude"])
            except ValueError as exc:
                raise EventFileError(
                    f"{path}:{line}: latitude/longitude: not numbers"
                ) from exc
            if not (49.8 <= lat <= 60.9 and -8.7 <= lon <= 1.8):
                raise EventFileError(
                    f"{path}:{line}: latitude/longitude: outside Great Britain"
                )
            rows.append(
                (
                    f"{source}:{r['offence_id']}",
                    source,
                    day,
                    r["crime_type"],
                    lon,
                    lat,
                    r.get("lsoa_code") or None,
                )
            )
    ensure_events_table(store)
    con = store.con
    con.execute("BEGIN")
    try:
        con.execute("DELETE FROM point_event WHERE source = ?", [source])
        con.executemany("INSERT INTO point_event VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return EventLoad(str(path), len(rows))


def read_events(
    store: Store,
    *,
    crime_type: str | None = None,
    start: date | None = None,
    end: date | None = None,
    lsoas: list[str] | None = None,
) -> Events:
    """Events in the store, optionally by crime type, inclusive date range and LSOAs."""
    ensure_events_table(store)
    where: list[str] = ["TRUE"]
    params: list[object] = []
    if crime_type:
        where.append("crime_type = ?")
        params.append(crime_type)
    if start:
        where.append("day >= ?")
        params.append(start)
    if end:
        where.append("day <= ?")
        params.append(end)
    if lsoas is not None:
        where.append("list_contains(?, lsoa_code)")
        params.append(lsoas)
    rows = store.execute(
        "SELECT day, crime_type, longitude, latitude, coalesce(lsoa_code, '') "
        f"FROM point_event WHERE {' AND '.join(where)} ORDER BY day, event_key",
        params,
    ).fetchall()
    cols: list[tuple[object, ...]] = (
        list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    )
    return Events(
        day=np.array(cols[0], dtype="datetime64[D]"),
        crime_type=np.array(cols[1], dtype=str),
        longitude=np.array(cols[2], dtype=float),
        latitude=np.array(cols[3], dtype=float),
        lsoa_code=np.array(cols[4], dtype=str),
    )
