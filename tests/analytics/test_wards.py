"""Electoral wards as an area level (issue #15 item 6), against independent recounts.

The ward of each LSOA is read here from the shipped lookup with the csv module, and the
police.uk rows are the shipped files read by ``shipped_rows``: a ward's count must be
the brute-force count of the rows in its LSOAs.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from saferleeds.analytics.areas import UnknownArea, area_filter
from saferleeds.analytics.geography import (
    WardLookupError,
    geography_outdated,
    read_ward_lookup,
)
from saferleeds.analytics.indicators import compute_indicators, month_period
from saferleeds.analytics.indicators.compute import resolve_area
from saferleeds.analytics.store import open_store
from saferleeds.partnership import current
from tests.conftest import PACKAGE

LOOKUP = PACKAGE / "data" / "geography" / "leeds-lsoa11-ward.csv"
BOUNDARIES = PACKAGE / "data" / "geography" / "leeds-wards-2013-bgc.geojson"
JULY_2018 = month_period(2018, 7)


def wards() -> dict[str, tuple[str, set[str]]]:
    """ward code -> (name, LSOA codes), read independently of the code under test."""
    out: dict[str, tuple[str, set[str]]] = {}
    with LOOKUP.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            assert r["ward_vintage"] == "WD17"
            out.setdefault(r["ward_code"], (r["ward_name"], set()))[1].add(
                r["lsoa11cd"]
            )
    return out


def test_the_33_wards_cover_the_482_lsoas_and_have_boundaries() -> None:
    w = wards()
    assert len(w) == 33
    assert sum(len(lsoas) for _, lsoas in w.values()) == 482
    shapes = json.loads(BOUNDARIES.read_text(encoding="utf-8"))["features"]
    assert {(f["properties"]["code"], f["properties"]["name"]) for f in shapes} == {
        (code, name) for code, (name, _) in w.items()
    }


def test_every_ward_is_in_the_store(police_store_path: Path) -> None:
    with open_store(police_store_path, read_only=True) as store:
        held = store.execute(
            "SELECT ward_code, min(ward_name), count(*) FROM area_lsoa GROUP BY 1"
        ).fetchall()
        assert not geography_outdated(store, current())
    assert {c: (n, k) for c, n, k in held} == {
        c: (n, len(lsoas)) for c, (n, lsoas) in wards().items()
    }


def test_ward_counts_equal_the_sum_over_their_lsoas(
    police_store_path: Path, shipped_rows: list[dict[str, str]]
) -> None:
    for indicator, is_asb in (("total_recorded_crime", False), ("asb", True)):
        per_lsoa = Counter(
            r["LSOA code"]
            for r in shipped_rows
            if r["Month"] == "2018-07"
            and (r["Crime type"] == "Anti-social behaviour") == is_asb
        )
        with open_store(police_store_path, read_only=True) as store:
            results = compute_indicators(
                store, JULY_2018, by="ward", indicators=[indicator]
            )
        got = {r.area: r.value for r in results}
        w = wards()
        assert len(got) == 33
        for code, (_, lsoas) in w.items():
            assert got[code] == sum(per_lsoa[x] for x in lsoas), (indicator, code)
        # The district is the sum of its wards.
        everything = sum(per_lsoa[x] for _, ls in w.values() for x in ls)
        assert sum(v or 0 for v in got.values()) == everything


def test_one_ward_asked_by_code_or_name(
    police_store_path: Path, shipped_rows: list[dict[str, str]]
) -> None:
    code, (name, lsoas) = sorted(wards().items())[0]
    expected = sum(
        1
        for r in shipped_rows
        if r["Month"] == "2018-07"
        and r["LSOA code"] in lsoas
        and r["Crime type"] != "Anti-social behaviour"
    )
    with open_store(police_store_path, read_only=True) as store:
        by_code = compute_indicators(
            store, JULY_2018, area=code, indicators=["total_recorded_crime"]
        )
        by_name = compute_indicators(
            store, JULY_2018, area=name.upper(), indicators=["total_recorded_crime"]
        )
        resolved = resolve_area(store, name)
        flt = area_filter(store, name.lower())
        filtered = store.scalar(
            "SELECT count(*) FROM police_street WHERE month = DATE '2018-07-01' "
            f"AND crime_type <> 'Anti-social behaviour' AND {flt.sql}",
            flt.params,
        )
    assert resolved.level == "ward" and resolved.code == code
    assert by_code[0].value == by_name[0].value == expected == filtered
    assert by_code[0].area_name == name and flt.name == name


def test_an_unknown_ward_name_is_a_clear_error(police_store_path: Path) -> None:
    with open_store(police_store_path, read_only=True) as store:
        with pytest.raises(UnknownArea, match="Harehills and Gipton"):
            resolve_area(store, "Harehills and Gipton")
        with pytest.raises(UnknownArea, match="ward's name"):
            area_filter(store, "E05999999")


def test_cli_by_ward_and_unknown_ward(police_store_path: Path, tmp_path: Path) -> None:
    shutil.copyfile(police_store_path, tmp_path / "analytics.duckdb")
    env = {**os.environ, "SAFERLEEDS_ENV": "test", "SAFERLEEDS_DATA_DIR": str(tmp_path)}
    cmd = [sys.executable, "-m", "saferleeds.cli", "indicators", "--from", "2018-07"]
    ok = subprocess.run(
        [*cmd, "--area", "Gipton and Harehills", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ok.returncode == 0, ok.stderr
    rows = json.loads(ok.stdout)
    assert rows and rows[0]["area_name"] == "Gipton and Harehills"
    bad = subprocess.run(
        [*cmd, "--area", "Nowhere Ward", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert bad.returncode == 2
    assert "unknown area 'Nowhere Ward'" in bad.stderr and "Traceback" not in bad.stderr
    assert bad.stdout == ""


def test_a_bad_lookup_names_file_and_line(tmp_path: Path) -> None:
    from dataclasses import replace

    bad = tmp_path / "wards.csv"
    bad.write_text(
        "lsoa11cd,ward_code,ward_name\nE01011264,E05001437,Otley\nE01011265,,x\n",
        encoding="utf-8",
    )
    with pytest.raises(WardLookupError, match=r"wards.csv: line 3: ward_code is empty"):
        read_ward_lookup(replace(current(), ward_lookup=bad))
