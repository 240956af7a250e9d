"""Harm weights per police.uk category from the ONS Crime Severity Score (issue #16.7).

The shipped table is re-derived here independently with pandas from the two shipped
source files, and the user-supplied Cambridge Crime Harm Index path is checked against a
brute-force median per offence code.
"""

from __future__ import annotations

import csv
import statistics
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from saferleeds.analytics.indicators.harm import (
    DERIVED,
    SHIPPED_CODE_WEIGHTS,
    SHIPPED_PRC,
    SHIPPED_WEIGHTS,
    HarmWeightsError,
    code_table_format,
    default_harm_weights,
    derive_category_weights,
    harm_weights_from_code_table,
    load_harm_weights,
    read_code_weights,
)
from tests.conftest import SHARED

CCHI = SHARED / "data" / "harm" / "cchi-2020.csv"


def _pandas_category_weights(code_col: str, weight_col: pd.Series) -> pd.Series:
    """Independent count-weighted mean weight per police.uk category."""
    prc = pd.read_csv(SHIPPED_PRC, dtype={"Offence_Code": str})
    prc = prc[
        (prc["Force_Name"] == "West Yorkshire") & (prc["Financial_Year"] == "2017/18")
    ]
    # The Home Office's combined homicide code: weighted when every part has one
    # weight (ONS); CCHI 2020 lacks codes 4.1, 4.10 and 4.2, so it stays unweighted.
    w = weight_col.to_dict()
    combined = "1/4.1/4.10/4.2"
    if all(c in w for c in combined.split("/")):
        parts = {w[c] for c in combined.split("/")}
        if len(parts) == 1:
            w[combined] = parts.pop()
    prc = prc.assign(w=prc[code_col].map(w)).dropna(subset=["w"])
    prc = prc.assign(nw=prc["Number_of_Offences"] * prc["w"])
    g = prc.groupby(prc["Policeuk_Cat"].str.lower())[["nw", "Number_of_Offences"]].sum()
    return g["nw"] / g["Number_of_Offences"]


def test_shipped_table_equals_an_independent_pandas_derivation() -> None:
    ons = pd.read_csv(SHIPPED_CODE_WEIGHTS, dtype={"offence_code": str})
    expected = _pandas_category_weights(
        "Offence_Code", ons.set_index("offence_code")["weight"]
    )
    shipped = load_harm_weights(SHIPPED_WEIGHTS)
    assert shipped.status == DERIVED and shipped.available
    assert len(shipped.weights) == 13 == len(expected)
    for category, weight in shipped.weights.items():
        assert float(weight) == pytest.approx(expected[category.lower()], abs=1e-4)
    # Coverage is complete: every West Yorkshire code, the combined homicide code too.
    with SHIPPED_WEIGHTS.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["coverage"] for r in rows} == {"1.0000"}
    assert not any(r["unmatched_codes"] for r in rows)
    # Figures a reader can check by hand: shoplifting is a single code (46).
    assert shipped.weights["Shoplifting"] == Decimal("11.8555")
    assert shipped.weights["Robbery"] > shipped.weights["Burglary"] > Decimal(300)


def test_combined_code_takes_its_parts_shared_weight_only() -> None:
    vso = "Violence and sexual offences"
    same = {c: Decimal(1000) for c in ("1", "4.1", "4.10", "4.2")}
    d = {x.category: x for x in derive_category_weights(same, SHIPPED_PRC)}
    assert (
        d[vso].weight == Decimal(1000)
        and "1/4.1/4.10/4.2" not in d[vso].unmatched_codes
    )
    differ = {**same, "4.2": Decimal(5)}
    d = {x.category: x for x in derive_category_weights(differ, SHIPPED_PRC)}
    assert "1/4.1/4.10/4.2" in d[vso].unmatched_codes


@pytest.mark.skipif(not CCHI.is_file(), reason="CCHI 2020 table is in ../shared only")
def test_cchi_table_is_read_as_median_days_per_code() -> None:
    assert code_table_format(CCHI) == "cchi"
    got = read_code_weights(CCHI)
    days: dict[str, list[float]] = {}
    with CCHI.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            days.setdefault(r["offence_code"], []).append(float(r["cchi_days"]))
    assert set(got) == set(days)
    for code, values in days.items():
        assert float(got[code]) == pytest.approx(statistics.median(values))
    w = harm_weights_from_code_table(CCHI)
    assert "cchi" in w.source and w.available
    # Robbery's codes all sit at 365 days in CCHI 2020.
    assert w.weights["Robbery"] == Decimal("365.0000")
    cchi = pd.Series({k: statistics.median(v) for k, v in days.items()})
    expected = _pandas_category_weights("Offence_Code", cchi)
    for category, weight in w.weights.items():
        assert float(weight) == pytest.approx(expected[category.lower()], abs=1e-4)


def test_setting_points_at_a_user_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "mine.csv"
    codes = {r["Offence_Code"] for r in csv.DictReader(SHIPPED_PRC.open())}
    table.write_text(
        "offence_code,weight\n" + "".join(f"{c},2\n" for c in sorted(codes)),
        encoding="utf-8",
    )
    monkeypatch.setenv("SAFERLEEDS_HARM_CODE_WEIGHTS", str(table))
    w = default_harm_weights()
    assert w.available and set(w.weights.values()) == {Decimal("2.0000")}
    assert "mine.csv" in w.source
    monkeypatch.setenv("SAFERLEEDS_HARM_CODE_WEIGHTS", str(tmp_path / "missing.csv"))
    with pytest.raises(HarmWeightsError, match="not found"):
        default_harm_weights()
    bad = tmp_path / "bad.csv"
    bad.write_text("code,value\n1,2\n", encoding="utf-8")
    with pytest.raises(HarmWeightsError, match="needs columns"):
        harm_weights_from_code_table(bad)


def test_harm_weighted_lsoa_gi_star_matches_a_brute_force_calc(
    police_store_path: Path, shipped_rows: list[dict[str, str]]
) -> None:
    import numpy as np

    from saferleeds.analytics.hotspots import lsoa_boundaries, lsoa_gi_star, lsoa_harm
    from saferleeds.analytics.hotspots.gistar import polygon_queen_weights
    from saferleeds.analytics.store import open_store

    weights = load_harm_weights(SHIPPED_WEIGHTS).weights
    with open_store(police_store_path, read_only=True) as store:
        harm = lsoa_harm(store, weights)
    # Independent recount of harm per LSOA from the raw rows.
    expected: dict[str, float] = dict.fromkeys(harm, 0.0)
    for r in shipped_rows:
        if r["LSOA code"] in expected and r["Crime type"] in weights:
            expected[r["LSOA code"]] += float(weights[r["Crime type"]])
    assert harm == pytest.approx(expected)
    assert sum(harm.values()) > 0
    result = lsoa_gi_star(harm, permutations=0, p_source="analytic")
    # Ord & Getis (1995) z by brute force with binary weights plus self.
    shapes = lsoa_boundaries()
    codes = list(shapes)
    w = polygon_queen_weights([shapes[c] for c in codes]).toarray()
    np.fill_diagonal(w, 1.0)
    x = np.array([harm.get(c, 0.0) for c in codes])
    n = x.size
    xbar = x.mean()
    s = np.sqrt((x**2).mean() - xbar**2)
    wi = w.sum(axis=1)
    z = (w @ x - xbar * wi) / (s * np.sqrt((n * (w**2).sum(axis=1) - wi**2) / (n - 1)))
    assert list(result.ids) == codes
    np.testing.assert_allclose(result.z, z, rtol=1e-9, atol=1e-9)
    # Harm ranks places differently from counts: not just a rescaled count.
    with open_store(police_store_path, read_only=True) as store:
        from saferleeds.analytics.hotspots import lsoa_counts

        counts = lsoa_counts(store)
    assert max(harm, key=harm.__getitem__) != max(counts, key=counts.__getitem__) or (
        sorted(harm, key=harm.__getitem__)[-10:]
        != sorted(counts, key=counts.__getitem__)[-10:]
    )
