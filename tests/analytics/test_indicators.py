"""The key indicators against independent recounts of the same rows.

Police counts are recounted with Python's csv module over the shipped police.uk files
(``shipped_rows``), partner counts over the generator's CSVs, survey shares over the
shipped sample survey; populations come from the geography CSV read here.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot
from scipy.stats import binomtest
from sqlglot import exp

from saferleeds.analytics.areas import UnknownArea
from saferleeds.analytics.indicators import (
    INDICATORS,
    compute_indicators,
    dashboard,
    financial_year,
    indicator_series,
    month_period,
    monthly_values,
    parse_period,
    quarter,
)
from saferleeds.analytics.indicators.harm import (
    BLOCKED,
    DERIVED,
    ILLUSTRATIVE,
    SHIPPED_WEIGHTS,
    HarmWeights,
    derive_category_weights,
    load_harm_weights,
    write_category_weights,
)
from saferleeds.analytics.indicators.registry import DIMENSIONS
from saferleeds.analytics.indicators.stats import wilson_interval
from saferleeds.analytics.indicators.survey import SAMPLE_SURVEY, load_survey
from saferleeds.analytics.partner_extract import load_partner_extract
from saferleeds.analytics.police_reference import ASB, CRIME_TYPES
from saferleeds.analytics.store import Store, open_store
from saferleeds.demo.generator import generate
from tests.conftest import PACKAGE

GEOGRAPHY = PACKAGE / "data" / "geography" / "leeds-lsoa-2011-census-population.csv"
PRC = PACKAGE / "data" / "harm" / "prc-west-yorkshire-201718.csv"
VSO = "Violence and sexual offences"
LEEDS = "E08000035"

# Distinct made-up weights, so a wrong category mapping shows in the totals.
TEST_WEIGHTS = HarmWeights(
    {
        t: Decimal(i + 1) + Decimal("0.25")
        for i, t in enumerate(CRIME_TYPES)
        if t != ASB
    },
    ILLUSTRATIVE,
    "test",
    "test weights",
)


# --- fixtures --------------------------------------------------------------------------


def geography() -> dict[str, tuple[str, int]]:
    """LSOA -> (MSOA, population), read independently of the store."""
    with GEOGRAPHY.open(encoding="utf-8-sig", newline="") as f:
        return {
            r["lsoa11cd"]: (r["msoa11cd"], int(r["usual_residents"]))
            for r in csv.DictReader(f)
            if r["lad_code"] == LEEDS
        }


def build_indicator_store(police_store: Path, dest: Path, extract: Path) -> Path:
    """Copy the police store and load a partner extract and the sample survey."""
    shutil.copy(police_store, dest)
    with open_store(dest) as store:
        report = load_partner_extract(store, extract)
        assert report.exit_code == 0, [f.problems[:3] for f in report.files]
        survey = load_survey(store, SAMPLE_SURVEY)
        assert survey.exit_code == 0, survey.problems[:3]
    return dest


@pytest.fixture(scope="module")
def extract_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extract")
    generate(out, seed=4, scale=1.0)
    return out


@pytest.fixture(scope="module")
def store_path(
    police_store_path: Path, extract_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return build_indicator_store(
        police_store_path,
        tmp_path_factory.mktemp("ind") / "analytics.duckdb",
        extract_dir,
    )


@pytest.fixture(scope="module")
def store(store_path: Path) -> Iterator[Store]:
    with open_store(store_path, read_only=True) as s:
        yield s


def police_recount(
    rows: list[dict[str, str]], month: str, lsoas: set[str]
) -> Counter[str]:
    """Indicator counts for one month over the given LSOAs, from the raw CSV rows."""
    c: Counter[str] = Counter()
    for r in rows:
        if r["Month"] != month or r["LSOA code"] not in lsoas:
            continue
        t = r["Crime type"]
        c["asb" if t == ASB else "total_recorded_crime"] += 1
        if t == VSO:
            c["violence_sexual"] += 1
        c[f"type:{t}"] += 1
    return c


def read_extract(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def partner_recount(extract: Path, months: set[str], lsoas: set[str]) -> Counter[str]:
    """Partner indicator counts for the months (YYYY-MM) over the LSOAs."""
    c: Counter[str] = Counter()
    for r in read_extract(extract / "hate_reports.csv"):
        if r["date"][:7] in months and r["lsoa_code"] in lsoas:
            c["hate_incidents"] += 1
    for r in read_extract(extract / "da_incidents.csv"):
        if r["date"][:7] in months and r["lsoa_code"] in lsoas:
            c["domestic_abuse"] += 1
            c["drug_related"] += r["drug_related"] == "1"
            c["alcohol_related"] += r["alcohol_related"] == "1"
    for r in read_extract(extract / "offences.csv"):
        if r["date"][:7] in months and r["lsoa_code"] in lsoas:
            c["drug_related"] += r["drug_related"] == "1"
            c["alcohol_related"] += r["alcohol_related"] == "1"
    return c


def by_id(results: list) -> dict:  # type: ignore[type-arg]
    return {r.id: r for r in results}


# --- the registry ----------------------------------------------------------------------


def test_registry_defines_the_strategy_indicators_once() -> None:
    ids = [i.id for i in INDICATORS]
    assert len(ids) == len(set(ids)) == 10
    assert ids == [
        "feel_safe",
        "confidence",
        "total_recorded_crime",
        "asb",
        "hate_incidents",
        "domestic_abuse",
        "violence_sexual",
        "drug_related",
        "alcohol_related",
        "reoffending",
    ]
    for ind in INDICATORS:
        assert ind.label and ind.counts and ind.unit in ("count", "percent")
        if ind.is_count:
            # Predicates use only the source table's declared dimension columns.
            cols = {
                c.name
                for c in sqlglot.parse_one(str(ind.where), read="duckdb").find_all(
                    exp.Column
                )
            }
            assert cols <= set(DIMENSIONS[ind.source]), (ind.id, cols)
        if ind.source == "survey":
            assert ind.question and ind.higher_is_better
    assert [i.id for i in INDICATORS if i.harm] == [
        "total_recorded_crime",
        "violence_sexual",
    ]


# --- police.uk indicators --------------------------------------------------------------


def test_district_counts_rates_and_tests_match_recount(
    store: Store, shipped_rows: list[dict[str, str]]
) -> None:
    geo = geography()
    leeds = set(geo)
    population = sum(p for _, p in geo.values())
    now = police_recount(shipped_rows, "2018-07", leeds)
    then = police_recount(shipped_rows, "2017-07", leeds)
    results = by_id(
        compute_indicators(store, month_period(2018, 7), compare="previous-year")
    )
    for ind_id in ("total_recorded_crime", "asb", "violence_sexual"):
        r = results[ind_id]
        assert (r.area, r.area_name, r.period) == (LEEDS, "Leeds", "2018-07")
        assert r.value == now[ind_id], ind_id
        assert r.comparison_value == then[ind_id]
        assert r.comparison_period == "2017-07"
        assert r.population == population == 751_485
        assert r.rate_per_1000 == pytest.approx(1000 * now[ind_id] / population)
        assert r.change == now[ind_id] - then[ind_id]
        assert r.change_pct == pytest.approx(100 * (now[ind_id] / then[ind_id] - 1))
        expected_p = binomtest(now[ind_id], now[ind_id] + then[ind_id], 0.5).pvalue
        assert r.p_value == pytest.approx(expected_p, abs=1e-12)
        assert r.significant == (expected_p < 0.05)
    assert now["total_recorded_crime"] == 8865  # a fixed point in the real data
    assert results["total_recorded_crime"].verdict == "significant rise"
    assert results["violence_sexual"].verdict == "significant rise"


def test_msoa_and_lsoa_breakdowns_match_recount(
    store: Store, shipped_rows: list[dict[str, str]]
) -> None:
    geo = geography()
    by_msoa: dict[str, set[str]] = defaultdict(set)
    for lsoa, (msoa, _) in geo.items():
        by_msoa[msoa].add(lsoa)
    results = compute_indicators(
        store, month_period(2018, 7), by="msoa", indicators=["total_recorded_crime"]
    )
    assert len(results) == len(by_msoa) == 107
    for r in results:
        lsoas = by_msoa[r.area]
        assert (
            r.value
            == police_recount(shipped_rows, "2018-07", lsoas)["total_recorded_crime"]
        )
        pop = sum(geo[lsoa][1] for lsoa in lsoas)
        assert r.population == pop
        assert r.rate_per_1000 == pytest.approx(1000 * r.value / pop)
    # Ranked: 1 is the highest rate; ranks are 1..n with no gaps.
    assert [r.rank for r in results] == list(range(1, 108))
    rates = [r.rate_per_1000 for r in results]
    assert rates == sorted(rates, reverse=True)
    assert sum(r.value for r in results) == 8865

    some_msoa = sorted(by_msoa)[0]
    lsoa_rows = compute_indicators(
        store,
        month_period(2018, 7),
        area=some_msoa,
        by="lsoa",
        indicators=["asb"],
    )
    assert {r.area for r in lsoa_rows} == by_msoa[some_msoa]
    for r in lsoa_rows:
        assert r.value == police_recount(shipped_rows, "2018-07", {r.area})["asb"]
        assert r.population == geo[r.area][1]


def test_single_lsoa_and_neighbourhood(
    store: Store, shipped_rows: list[dict[str, str]]
) -> None:
    geo = geography()
    lsoa = "E01011264"
    r = by_id(compute_indicators(store, month_period(2017, 7), area=lsoa))
    assert (
        r["total_recorded_crime"].value
        == police_recount(shipped_rows, "2017-07", {lsoa})["total_recorded_crime"]
    )
    assert r["total_recorded_crime"].population == geo[lsoa][1]
    hood = "Boggart Hill (Seacroft)"
    lsoas = {"E01011720", "E01011661"}  # as configured in leeds.toml
    n = by_id(compute_indicators(store, month_period(2018, 7), area=hood))
    assert n["asb"].value == police_recount(shipped_rows, "2018-07", lsoas)["asb"]
    assert n["asb"].population == sum(geo[x][1] for x in lsoas)
    assert n["asb"].area == n["asb"].area_name == hood
    with pytest.raises(UnknownArea):
        compute_indicators(store, month_period(2018, 7), area="E02999999")


def test_months_not_held_have_no_value_not_zero(store: Store) -> None:
    r = by_id(compute_indicators(store, month_period(2018, 6)))
    assert r["total_recorded_crime"].value is None
    assert "no police.uk data held for 2018-06" in r["total_recorded_crime"].note
    # July 2018 vs June 2018: no June data, so no test.
    r = by_id(
        compute_indicators(store, month_period(2018, 7), compare="previous-period")
    )
    crime = r["total_recorded_crime"]
    assert crime.value == 8865 and crime.comparison_value is None
    assert crime.p_value is None and crime.verdict == "no comparison data"
    fy = by_id(compute_indicators(store, financial_year(2017)))
    assert fy["asb"].value is None
    assert "held for only 1 of 12 months of FY 2017/18" in fy["asb"].note


def test_harm_totals(store: Store, shipped_rows: list[dict[str, str]]) -> None:
    # Shipped weights are derived (ONS CSS): harm figures, labelled approximate.
    shipped = by_id(compute_indicators(store, month_period(2018, 7)))
    assert shipped["total_recorded_crime"].harm is not None
    assert "approximate" in str(shipped["total_recorded_crime"].harm_note)
    assert shipped["asb"].harm is None and shipped["asb"].harm_note is None
    # With weights: harm = sum over categories of count x weight, exactly.
    now = police_recount(shipped_rows, "2018-07", set(geography()))
    expected = sum(
        (now[f"type:{t}"] * w for t, w in TEST_WEIGHTS.weights.items()), Decimal(0)
    )
    r = by_id(
        compute_indicators(
            store, month_period(2018, 7), harm_weights=TEST_WEIGHTS, compare=None
        )
    )
    assert r["total_recorded_crime"].harm == float(expected)
    assert r["violence_sexual"].harm == float(
        now[f"type:{VSO}"] * TEST_WEIGHTS.weights[VSO]
    )
    assert r["asb"].harm is None
    assert r["total_recorded_crime"].harm_note == "test weights"


def test_shipped_harm_table_is_derived_from_ons_css() -> None:
    w = load_harm_weights(SHIPPED_WEIGHTS)
    assert w.status == DERIVED and w.available
    assert "Crime Severity Score" in w.source and "approximate" in w.note


def test_derive_category_weights_is_the_count_weighted_mean(tmp_path: Path) -> None:
    # Made-up code weights (a test of the arithmetic, not real weights).
    code_weights = {"34A": Decimal(500), "34B": Decimal(100), "8N": Decimal(50)}
    derived = {d.category: d for d in derive_category_weights(code_weights, PRC)}
    # Independent recount of the West Yorkshire 2017/18 robbery codes.
    n: Counter[str] = Counter()
    with PRC.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["Policeuk_Cat"] == "Robbery":
                n[row["Offence_Code"]] += int(row["Number_of_Offences"])
    assert set(n) == {"34A", "34B"}
    robbery = derived["Robbery"]
    expected = (500 * n["34A"] + 100 * n["34B"]) / (n["34A"] + n["34B"])
    assert float(robbery.weight) == pytest.approx(expected, abs=1e-4)  # type: ignore[arg-type]
    assert robbery.coverage == 1.0 and robbery.offences == 3138
    vso = derived[VSO]
    assert vso.weight == Decimal(50) and 0 < vso.coverage < 1
    assert "8N" not in vso.unmatched_codes and vso.unmatched_codes
    assert derived["Burglary"].weight is None and derived["Burglary"].coverage == 0
    # Incomplete: written as blocked. Complete: written as derived and usable.
    out = tmp_path / "w.csv"
    write_category_weights(list(derived.values()), out, source="t", note="n")
    assert load_harm_weights(out).status == BLOCKED
    full = {
        row_code: Decimal(1)
        for row_code in {
            r["Offence_Code"] for r in csv.DictReader(PRC.open(encoding="utf-8"))
        }
    }
    write_category_weights(
        derive_category_weights(full, PRC), out, source="t", note="n"
    )
    loaded = load_harm_weights(out)
    assert loaded.status == DERIVED and loaded.available
    assert set(loaded.weights.values()) == {Decimal("1.0000")}


# --- partner indicators ----------------------------------------------------------------


def test_partner_indicators_match_the_generator_csvs(
    store: Store, extract_dir: Path
) -> None:
    leeds = set(geography())
    results = by_id(
        compute_indicators(store, month_period(2018, 7), compare="previous-year")
    )
    now = partner_recount(extract_dir, {"2018-07"}, leeds)
    then = partner_recount(extract_dir, {"2017-07"}, leeds)
    for ind_id in (
        "hate_incidents",
        "domestic_abuse",
        "drug_related",
        "alcohol_related",
    ):
        r = results[ind_id]
        assert (r.value, r.comparison_value) == (now[ind_id], then[ind_id]), ind_id
        expected = binomtest(now[ind_id], now[ind_id] + then[ind_id], 0.5).pvalue
        assert r.p_value == pytest.approx(expected, abs=1e-12)
    fy = by_id(
        compute_indicators(store, financial_year(2017), compare="previous-period")
    )
    months = {f"{m:%Y-%m}" for m in financial_year(2017).months}
    assert (
        fy["hate_incidents"].value
        == partner_recount(extract_dir, months, leeds)["hate_incidents"]
    )
    # FY 2016/17 is only partly covered by the extract (from January 2017).
    assert fy["hate_incidents"].comparison_value is None
    q = by_id(compute_indicators(store, quarter(2018, 4)))
    months_q = {"2018-10", "2018-11", "2018-12"}
    assert (
        q["domestic_abuse"].value
        == partner_recount(extract_dir, months_q, leeds)["domestic_abuse"]
    )
    assert (
        by_id(compute_indicators(store, month_period(2019, 1)))["domestic_abuse"].value
        is None
    )


def test_partner_extract_keeps_no_personal_data(
    store: Store, extract_dir: Path
) -> None:
    cols = [
        r[0]
        for r in store.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'partner_incident'"
        ).fetchall()
    ]
    assert cols == [
        "incident_key",
        "source",
        "agency",
        "month",
        "category",
        "lsoa_code",
        "alcohol",
        "drug",
        "domestic",
        "hate",
        "load_id",
    ]
    people = read_extract(extract_dir / "people.csv")
    names = {p["surname"] for p in people} | {p["record_id"] for p in people}
    stored = {
        v
        for row in store.execute(
            "SELECT incident_key, source, agency, category FROM partner_incident"
        ).fetchall()
        for v in row
        if v
    }
    assert not (names & stored)
    assert store.scalar("SELECT count(DISTINCT day(month)) FROM partner_incident") == 1


def test_partner_load_is_idempotent_and_rejects_bad_rows(
    police_store_path: Path, extract_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "a.duckdb"
    shutil.copy(police_store_path, path)
    bad = tmp_path / "bad"
    bad.mkdir()
    rows = read_extract(extract_dir / "offences.csv")[:5]
    rows[1]["date"] = "2018-02-30"
    rows[2]["lsoa_code"] = "Leeds 001A"
    rows[3]["drug_related"] = "maybe"
    rows[4]["crime_type"] = "Jaywalking"
    with (bad / "offences.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open_store(path) as st:
        first = load_partner_extract(st, extract_dir)
        again = load_partner_extract(st, extract_dir)
        total = sum(f.rows_read for f in first.files)
        assert first.loaded == again.loaded == total
        assert st.scalar("SELECT count(*) FROM partner_incident") == total
        report = load_partner_extract(st, bad)
        assert report.exit_code == 3
        (f,) = report.files
        assert (f.rows_read, f.loaded, f.rejected) == (5, 1, 4)
        assert f.problems == [
            f"{bad / 'offences.csv'}:3: date: not a date YYYY-MM-DD: 2018-02-30",
            f"{bad / 'offences.csv'}:4: lsoa_code: not an LSOA code: Leeds 001A",
            f"{bad / 'offences.csv'}:5: drug_related: not 0/1: maybe",
            f"{bad / 'offences.csv'}:6: crime_type: not a police.uk category: Jaywalking",
        ]
        assert st.scalar("SELECT count(*) FROM partner_incident") == total
        nothing = load_partner_extract(st, tmp_path / "missing")
        assert nothing.exit_code == 2 and nothing.unusable


# --- survey indicators -----------------------------------------------------------------


def survey_recount(
    month: str, question: str, keep: set[str] | None = None
) -> tuple[float, float, float, int]:
    """(sum w, sum w positive, sum w^2, n) for a month and question from the CSV."""
    positive = {"very safe", "fairly safe", "strongly agree", "tend to agree", "yes"}
    excluded = {"don't know", "refused"}
    sw = swp = sw2 = 0.0
    n = 0
    with SAMPLE_SURVEY.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["month"] != month or r["question"] != question:
                continue
            if (
                keep is not None
                and r["lsoa_code"] not in keep
                and r["area"] not in keep
            ):
                continue
            if r["answer"].lower() in excluded:
                continue
            w = float(r["weight"] or 1)
            sw += w
            sw2 += w * w
            swp += w if r["answer"].lower() in positive else 0.0
            n += 1
    return sw, swp, sw2, n


def test_survey_shares_and_intervals_match_recount(store: Store) -> None:
    r = by_id(compute_indicators(store, month_period(2018, 7), compare="previous-year"))
    for ind_id in ("feel_safe", "confidence"):
        sw, swp, sw2, n = survey_recount("2018-07", ind_id)
        p = swp / sw
        n_eff = sw * sw / sw2
        lo, hi = wilson_interval(p, n_eff)
        got = r[ind_id]
        assert got.unit == "percent" and got.rate_per_1000 is None
        assert got.value == pytest.approx(100 * p, abs=1e-9)
        assert got.respondents == n
        assert got.effective_n == pytest.approx(n_eff)
        assert (got.ci_low, got.ci_high) == pytest.approx((100 * lo, 100 * hi))
        assert got.ci_low < got.value < got.ci_high
        assert got.change == pytest.approx(got.value - got.comparison_value)
        assert got.change_pct is None and got.p_value is not None
    # The planted fall in feeling safe (8 points over four waves) is detected.
    assert r["feel_safe"].verdict == "significant fall"
    # An MSOA: answers placed in its LSOAs or at MSOA level only. Take the MSOA with
    # the most MSOA-only answers in July 2018, so both kinds are counted.
    geo = geography()
    with SAMPLE_SURVEY.open(encoding="utf-8", newline="") as f:
        area_only = Counter(
            r["area"]
            for r in csv.DictReader(f)
            if r["month"] == "2018-07" and r["question"] == "feel_safe" and r["area"]
        )
    msoa = area_only.most_common(1)[0][0]
    keep = {lsoa for lsoa, (m, _) in geo.items() if m == msoa} | {msoa}
    sw, swp, _, n = survey_recount("2018-07", "feel_safe", keep)
    assert n > area_only[msoa] >= 1
    m = by_id(compute_indicators(store, month_period(2018, 7), area=msoa))
    assert m["feel_safe"].value == pytest.approx(100 * swp / sw)
    assert m["feel_safe"].respondents == n
    assert "treat with caution" in str(m["feel_safe"].note)
    # An LSOA never gets MSOA-only answers.
    lsoa = sorted(x for x, (mm, _) in geo.items() if mm == msoa)[0]
    _, _, _, n_lsoa = survey_recount("2018-07", "feel_safe", {lsoa})
    got = by_id(compute_indicators(store, month_period(2018, 7), area=lsoa))
    assert (got["feel_safe"].respondents or 0) == n_lsoa
    none = by_id(compute_indicators(store, month_period(2018, 8)))
    assert none["feel_safe"].value is None
    assert "no survey fieldwork in 2018-08" in none["feel_safe"].note


def test_survey_loader_rejects_bad_rows(empty_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "respondent_id,month,lsoa_code,area,question,answer,weight\n"
        "A,2018-07,E01011264,,feel_safe,Very safe,2\n"
        "B,2018-13,E01011264,,feel_safe,Very safe,\n"
        "C,2018-07,E01999999,,feel_safe,Very safe,\n"
        "D,2018-07,,E02002330,feel_safe,Sort of,\n"
        "E,2018-07,,E02002330,feel_safe,No,-1\n"
        "F,2018-07,,E08000035,confidence,Tend to agree,\n",
        encoding="utf-8",
    )
    report = load_survey(empty_store, path)
    assert (report.rows_read, report.loaded, report.exit_code) == (6, 2, 3)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in report.problems] == [
        "3",
        "4",
        "5",
        "6",
    ]
    assert "unknown answer 'Sort of'" in report.problems[2]
    again = load_survey(empty_store, path)
    assert again.loaded == 2
    assert empty_store.scalar("SELECT count(*) FROM survey_response") == 2


def test_reoffending_has_no_data_yet(store: Store) -> None:
    r = by_id(compute_indicators(store, month_period(2018, 7), compare="previous-year"))
    re = r["reoffending"]
    assert re.value is None and re.p_value is None and re.harm is None
    assert "no data yet" in str(re.note)


# --- series, monthly values, dashboard -------------------------------------------------


def test_monthly_series_and_control_limits(store: Store, extract_dir: Path) -> None:
    leeds = set(geography())
    series = indicator_series(
        store, "hate_incidents", date(2017, 1, 1), date(2018, 12, 1)
    )
    counts = [
        partner_recount(extract_dir, {f"{p.month:%Y-%m}"}, leeds)["hate_incidents"]
        for p in series.points
    ]
    assert [p.value for p in series.points] == counts
    assert len(counts) == 24
    mean = sum(counts) / 24
    assert series.c_chart is not None and series.xmr is not None
    assert series.c_chart.centre == pytest.approx(mean)
    assert series.c_chart.upper == pytest.approx(mean + 3 * mean**0.5)
    mr = sum(abs(b - a) for a, b in zip(counts, counts[1:], strict=False)) / 23
    assert series.xmr.upper == pytest.approx(mean + 2.66 * mr)
    flagged = {s.month for s in series.xmr.signals}
    assert {p.month for p in series.points if p.signals} == flagged
    # Police series: only the two held months have values.
    police = indicator_series(store, "asb", date(2017, 6, 1), date(2018, 8, 1))
    held = [p for p in police.points if p.value is not None]
    assert [p.month for p in held] == [date(2017, 7, 1), date(2018, 7, 1)]
    assert police.xmr is not None and police.xmr.points == 2


def test_monthly_values_by_msoa(
    store: Store, shipped_rows: list[dict[str, str]]
) -> None:
    values = monthly_values(
        store,
        date(2018, 6, 1),
        date(2018, 7, 1),
        indicators=["total_recorded_crime", "violence_sexual"],
        harm_weights=TEST_WEIGHTS,
    )
    assert len(values) == 2 * 107 * 2
    geo = geography()
    lsoas_of: dict[str, set[str]] = defaultdict(set)
    for lsoa, (msoa, _) in geo.items():
        lsoas_of[msoa].add(lsoa)
    for v in values:
        if v.month == date(2018, 6, 1):
            assert v.value is None and v.harm is None  # not held
            continue
        recount = police_recount(shipped_rows, "2018-07", lsoas_of[v.area])
        assert v.value == recount[v.id]
        if v.id == "violence_sexual":
            assert v.harm == float(recount[v.id] * TEST_WEIGHTS.weights[VSO])


def test_dashboard_brings_it_together(store: Store) -> None:
    d = dashboard(store, harm_weights=TEST_WEIGHTS)
    assert d.period.label == "2018-07" and d.comparison_period
    assert d.comparison_period.label == "2017-07"
    assert [r.id for r in d.results] == [i.id for i in INDICATORS]
    assert set(d.series) == {i.id for i in INDICATORS} - {"reoffending"}
    assert len(d.series["hate_incidents"].points) == 24
    ranked = [r for r in d.ranking if r.id == "total_recorded_crime"]
    assert len(ranked) == 107 and ranked[0].rank == 1
    assert d.harm_status == ILLUSTRATIVE
    assert by_id(d.results)["total_recorded_crime"].value == 8865


def test_to_dict_core_keys_first(store: Store) -> None:
    r = compute_indicators(store, parse_period("2018-07"), indicators=["asb"])[0]
    d = r.to_dict()
    assert list(d)[:11] == [
        "id",
        "label",
        "area",
        "period",
        "value",
        "rate_per_1000",
        "comparison_value",
        "change_pct",
        "p_value",
        "significant",
        "harm",
    ]
    assert d["period_start"] == "2018-07"
    assert replace(r, value=None).to_dict()["value"] is None
