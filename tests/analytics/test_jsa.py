"""The Joint Strategic Assessment against the indicators it is built from.

A small store: Leeds geography and synthetic police.uk rows for FY 2016/17 and 2017/18
with a planted significant rise (violence and sexual offences, 100 -> 125 a month) and
a planted change that is not significant (ASB, 600 -> 612 a year, alternating months).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from scipy.stats import binomtest

from saferleeds.analytics.geography import load_geography
from saferleeds.analytics.indicators import compute_indicators, financial_year
from saferleeds.analytics.indicators.harm import HarmWeights
from saferleeds.analytics.jsa import NoData, build_assessment, parse_year
from saferleeds.analytics.jsa_html import render_html, write_pdf
from saferleeds.analytics.police_reference import ASB, CRIME_TYPES
from saferleeds.analytics.store import Store, open_store
from saferleeds.partnership import current
from tests.conftest import SHARED

VSO = "Violence and sexual offences"
IMD = SHARED / "data" / "deprivation" / "imd2019-england-lsoa11.csv"


def plant(store: Store) -> None:
    """Insert 24 months of synthetic police.uk rows (April 2016 - March 2018)."""
    lsoas = [
        r[0]
        for r in store.execute(
            "SELECT lsoa_code FROM area_lsoa ORDER BY lsoa_code"
        ).fetchall()
    ]
    rows = []
    for i in range(24):
        y, m = divmod(3 + i, 12)
        month = f"{2016 + y}-{m + 1:02d}-01"
        second = i >= 12
        per_type = {
            VSO: 125 if second else 100,
            "Burglary": 60,
            "Anti-social behaviour": (56 if i % 2 else 46)
            if second
            else (55 if i % 2 else 45),
        }
        for ctype, n in sorted(per_type.items()):
            for k in range(n):
                lsoa = lsoas[(k * 7 + i) % 40]  # concentrated in 40 LSOAs
                rows.append((f"{month}-{ctype}-{k}", month, lsoa, ctype, len(rows) + 1))
    store.con.executemany(
        "INSERT INTO police_street (row_key, crime_id, month, reported_by, "
        "falls_within, lsoa_code, crime_type, has_location, source_file, "
        "source_line, import_id) VALUES (?, NULL, ?, 'West Yorkshire Police', "
        "'West Yorkshire Police', ?, ?, true, 'planted', ?, 1)",
        rows,
    )


def make_store(path: Path) -> Path:
    with open_store(path) as store:
        load_geography(store, current())
        plant(store)
    return path


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_store(tmp_path_factory.mktemp("jsa") / "analytics.duckdb")


@pytest.fixture(scope="module")
def store(store_path: Path) -> Iterator[Store]:
    with open_store(store_path, read_only=True) as s:
        yield s


def test_numbers_equal_the_indicators_for_the_same_year(store: Store) -> None:
    a = build_assessment(store, parse_year("2017/18"))
    direct = {
        r.id: r
        for r in compute_indicators(
            store, financial_year(2017), compare="previous-year"
        )
    }
    seen = 0
    for ch in a.chapters:
        for r in ch.indicators:
            assert r == direct[r.id], r.id
            seen += 1
    assert seen == 10
    vso = direct["violence_sexual"]
    assert (vso.value, vso.comparison_value) == (1500, 1200)
    assert vso.p_value == pytest.approx(binomtest(1500, 2700, 0.5).pvalue, abs=1e-12)
    assert a.context.population == 751_485 and a.context.lsoas == 482


def test_ward_table_sums_the_wards_lsoas(store: Store) -> None:
    """The context chapter's ward table: each ward's count is the brute-force count of
    the planted rows in its LSOAs (read from the shipped lookup here)."""
    import csv

    lookup_path = current().ward_lookup
    assert lookup_path is not None
    with lookup_path.open(encoding="utf-8", newline="") as f:
        ward_of = {r["lsoa11cd"]: r["ward_code"] for r in csv.DictReader(f)}
    expected: dict[str, int] = dict.fromkeys(ward_of.values(), 0)
    for lsoa, n in store.execute(
        "SELECT lsoa_code, count(*) FROM police_street WHERE crime_type <> ? "
        "AND month BETWEEN DATE '2017-04-01' AND DATE '2018-03-01' GROUP BY 1",
        [ASB],
    ).fetchall():
        expected[ward_of[lsoa]] += n
    a = build_assessment(store, parse_year("2017/18"))
    assert len(a.context.wards) == 33
    assert {r.area: r.value for r in a.context.wards} == expected
    rates = [r.rate_per_1000 or 0 for r in a.context.wards]
    assert rates == sorted(rates, reverse=True)
    html = render_html(a)
    context = html.split('id="context"', 1)[1].split("<h2", 1)[0]
    assert "and 33 electoral wards" in context
    assert context.count("<td>E0500") == 33


def test_planted_significant_rise_in_summary_and_not_the_other(store: Store) -> None:
    a = build_assessment(store, parse_year("2017/18"))
    changes = {f.indicator for f in a.summary if f.kind == "change"}
    assert changes == {"violence_sexual", "total_recorded_crime"}
    assert "asb" not in {f.indicator for f in a.summary}
    assert "asb" in {r.id for r in a.not_significant}
    html = render_html(a)
    summary = html.split('id="summary"', 1)[1].split('id="context"', 1)[0]
    assert "Volume of violent and sexual offences recorded rose from 1,200" in summary
    assert "p &lt; 0.001" in summary
    asb = [p for p in summary.split("<p") if "anti-social behaviour" in p.lower()]
    assert all("finding" not in p for p in asb)


def test_html_is_byte_identical_and_self_contained(store: Store) -> None:
    a1 = render_html(build_assessment(store, parse_year("2017/18"), imd_path=IMD))
    a2 = render_html(build_assessment(store, parse_year("2017/18"), imd_path=IMD))
    assert a1 == a2
    assert "http://" not in a1.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in a1 and "<script" not in a1
    assert a1.count("<svg") >= 4 and a1.count("<table") > a1.count("<svg")
    for heading in (
        "Executive summary",
        "Keeping people safe from harm",
        "Preventing &amp; reducing offending",
        "Creating safer, stronger communities",
        "Methods annex",
        "IMD decile",
    ):
        assert heading in a1


def test_harm_weighted_volume(store: Store) -> None:
    w = HarmWeights(
        {t: Decimal(1) for t in CRIME_TYPES if t != ASB}
        | {VSO: Decimal("10"), "Burglary": Decimal("2")},
        "illustrative",
        "test",
        "test weights",
    )
    a = build_assessment(store, parse_year("2017/18"), harm_weights=w)
    rows = {r.category: r for r in a.harm.rows}
    assert rows[VSO].harm == 15000 and rows[VSO].comparison_harm == 12000
    assert rows["Burglary"].harm == 1440 and a.harm.police_months == 12


def test_year_without_data_is_an_error(store: Store) -> None:
    with pytest.raises(NoData, match="FY 2019/20"):
        build_assessment(store, parse_year("2019/20"))
    with pytest.raises(ValueError, match="financial year"):
        parse_year("2018-07")


def test_pdf_renders(store: Store, tmp_path: Path) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    html = render_html(build_assessment(store, parse_year("2017/18"), imd_path=IMD))
    pdf = tmp_path / "jsa.pdf"
    write_pdf(html, pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = weasyprint.HTML(string=html).render().pages
    assert len(pages) >= 6  # contents + summary, context, 3 chapters, harm, methods
