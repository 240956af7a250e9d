"""Overview and summary numbers against an independent recount of the same rows."""

from __future__ import annotations

import collections
import csv
from pathlib import Path

import pytest

from saferleeds.analytics import crime_overview, msoa_choices, open_store, summarise
from saferleeds.analytics.areas import UnknownArea
from saferleeds.partnership import current

ASB = "Anti-social behaviour"


@pytest.fixture(scope="module")
def lsoa_to_msoa() -> dict[str, str]:
    with current().lsoa_population.open(encoding="utf-8", newline="") as f:
        return {r["lsoa11cd"]: r["msoa11cd"] for r in csv.DictReader(f)}


def test_district_overview_matches_recount(
    police_store_path: Path,
    shipped_rows: list[dict[str, str]],
    lsoa_to_msoa: dict[str, str],
) -> None:
    leeds = [r for r in shipped_rows if r["LSOA code"] in lsoa_to_msoa]
    with open_store(police_store_path, read_only=True) as s:
        o = crime_overview(s)
    assert o.area_code == "E08000035"
    assert o.crimes == sum(1 for r in leeds if r["Crime type"] != ASB)
    assert o.asb == sum(1 for r in leeds if r["Crime type"] == ASB)
    assert {t.crime_type: t.count for t in o.by_type} == collections.Counter(
        r["Crime type"] for r in leeds
    )
    held = {m: (c, a) for m, c, a in o.by_month if c is not None}
    for month in ("2017-07", "2018-07"):
        rows = [r for r in leeds if r["Month"] == month]
        assert held[month] == (
            sum(1 for r in rows if r["Crime type"] != ASB),
            sum(1 for r in rows if r["Crime type"] == ASB),
        )
    # The eleven months between the two files were never imported: no data, not zero.
    assert [m for m, c, _ in o.by_month if c is None] == [
        f"2017-{m:02d}" for m in range(8, 13)
    ] + [f"2018-{m:02d}" for m in range(1, 7)]
    assert o.population == 751485  # Census 2011 usual residents of the 482 LSOAs
    assert sum(t.share for t in o.by_type if not t.is_asb) == pytest.approx(1.0)


def test_msoa_overviews_partition_the_district(
    police_store_path: Path,
    shipped_rows: list[dict[str, str]],
    lsoa_to_msoa: dict[str, str],
) -> None:
    by_msoa = collections.Counter(
        lsoa_to_msoa[r["LSOA code"]]
        for r in shipped_rows
        if r["LSOA code"] in lsoa_to_msoa and r["Crime type"] != ASB
    )
    with open_store(police_store_path, read_only=True) as s:
        choices = msoa_choices(s)
        assert len(choices) == len(set(lsoa_to_msoa.values())) == 107
        totals = {code: crime_overview(s, code).crimes for code, _ in choices}
        district = crime_overview(s).crimes
    assert totals == {code: by_msoa.get(code, 0) for code, _ in choices}
    assert sum(totals.values()) == district


def test_summary_and_areas(
    police_store_path: Path, shipped_rows: list[dict[str, str]]
) -> None:
    with open_store(police_store_path, read_only=True) as s:
        everything = summarise(s)
        hood = summarise(s, current().priority_neighbourhoods[0].name)
        lsoa = summarise(s, current().priority_neighbourhoods[0].lsoas[0])
        with pytest.raises(UnknownArea):
            summarise(s, "E01999999")
    assert everything["crimes"] + everything["asb"] == len(shipped_rows)
    codes = set(current().priority_neighbourhoods[0].lsoas)
    assert hood["crimes"] + hood["asb"] == sum(
        1 for r in shipped_rows if r["LSOA code"] in codes
    )
    assert 0 < lsoa["crimes"] + lsoa["asb"] < hood["crimes"] + hood["asb"]


def test_empty_store_has_no_months(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.duckdb") as s:
        o = crime_overview(s)
        assert o.by_month == [] and o.crimes == 0
