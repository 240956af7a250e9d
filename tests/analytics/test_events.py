"""Dated point events: load, validate, re-load safely, read back."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from saferleeds.analytics.events import EventFileError, load_events, read_events
from saferleeds.analytics.store import open_store
from saferleeds.demo.generator import generate


def test_load_generator_offences_and_read_back(tmp_path: Path) -> None:
    generate(tmp_path / "syn", seed=2, scale=0.2)
    src = tmp_path / "syn" / "offences.csv"
    with src.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open_store(tmp_path / "a.duckdb") as s:
        assert load_events(s, src).rows == len(rows)
        assert load_events(s, src).rows == len(rows)  # re-load replaces, never doubles
        assert len(read_events(s)) == len(rows)
        burglary = read_events(s, crime_type="Burglary", start=date(2018, 1, 1))
        want = [
            r
            for r in rows
            if r["crime_type"] == "Burglary" and r["date"] >= "2018-01-01"
        ]
        assert len(burglary) == len(want) > 0
        assert list(burglary.day.astype(str)) == sorted(r["date"] for r in want)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("O1,2018-13-01,Burglary,53.8,-1.5", ":2: date: not YYYY-MM-DD"),
        ("O1,2018-01-01,Burglary,north,-1.5", ":2: latitude/longitude: not numbers"),
        (
            "O1,2018-01-01,Burglary,63.0,-1.5",
            ":2: latitude/longitude: outside Great Britain",
        ),
    ],
)
def test_bad_rows_stop_the_load_naming_line_and_field(
    tmp_path: Path, row: str, message: str
) -> None:
    f = tmp_path / "e.csv"
    f.write_text("offence_id,date,crime_type,latitude,longitude\n" + row + "\n")
    with open_store(tmp_path / "a.duckdb") as s:
        with pytest.raises(EventFileError, match=message):
            load_events(s, f)
        assert len(read_events(s)) == 0


def test_missing_column(tmp_path: Path) -> None:
    f = tmp_path / "e.csv"
    f.write_text("id,date\n1,2018-01-01\n")
    with (
        open_store(tmp_path / "a.duckdb") as s,
        pytest.raises(EventFileError, match="header"),
    ):
        load_events(s, f)
