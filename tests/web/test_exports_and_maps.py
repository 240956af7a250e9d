"""Spreadsheet exports neutralise formulas; maps cover every area of the partnership."""

from __future__ import annotations

import csv
import io

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from saferleeds.places.geometry import area_shapes
from saferleeds.web.exports import FORMULA_TRIGGERS, to_csv, to_xlsx
from saferleeds.web.maps import choropleth, class_breaks

risky = st.sampled_from(FORMULA_TRIGGERS).flatmap(
    lambda c: st.text(max_size=20).map(lambda t: c + t)
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(risky, st.text(max_size=20)), min_size=1, max_size=5))
def test_csv_and_xlsx_neutralise_every_formula(cells: list[str]) -> None:
    header = [f"c{i}" for i in range(len(cells))]
    csv_rows = list(
        csv.reader(io.StringIO(to_csv(header, [cells]).decode("utf-8-sig"), newline=""))
    )
    wb = load_workbook(io.BytesIO(to_xlsx("Indicators", header, [cells])))
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible"]
    xlsx_row = [c.value or "" for c in next(wb.active.iter_rows(min_row=2, max_row=2))]
    # CSV keeps every character: risky cells gain exactly one leading apostrophe.
    for original, value in zip(cells, csv_rows[1], strict=True):
        assert value == (
            "'" + original if original.startswith(FORMULA_TRIGGERS) else original
        )
    # No spreadsheet cell can start a formula (XLSX drops characters XML cannot hold).
    for value in [*csv_rows[1], *xlsx_row]:
        assert not str(value).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_numbers_stay_numbers_in_xlsx() -> None:
    wb = load_workbook(io.BytesIO(to_xlsx("S", ["n"], [[-12.5]])))
    assert wb.active["A2"].value == -12.5


def test_msoa_shapes_are_unions_of_their_lsoas() -> None:
    msoas, lsoas = area_shapes("msoa"), area_shapes("lsoa")
    assert len(msoas) == 107 and len(lsoas) == 482
    district = shapely.union_all([g for _, g in lsoas.values()])
    total = sum(g.area for _, g in msoas.values())
    assert abs(total - district.area) / district.area < 0.01  # simplification only


def test_choropleth_draws_every_area_and_escapes_names() -> None:
    shapes = area_shapes("msoa")
    values = {code: float(i) for i, code in enumerate(sorted(shapes))}
    values[sorted(shapes)[0]] = None
    svg = str(choropleth(shapes, values, title="<b>Rate</b>", unit="per 1,000"))
    assert svg.count("<path") == 107
    assert "&lt;b&gt;Rate&lt;/b&gt;" in svg and "<b>" not in svg
    assert "no data" in svg


def test_one_area_gets_one_legend_band_not_five_identical_ones() -> None:
    import re

    shapes = area_shapes("msoa")
    one = dict(sorted(shapes.items())[:1])
    svg = str(choropleth(one, {next(iter(one)): 24.8}, title="t", unit="per 1,000"))
    assert svg.count("<path") == 1
    legend = re.findall(r'font-size="13">([^<]*)</text>', svg)
    assert legend == ["24.8", "no data"]
    assert " to " not in "".join(legend)
    # Areas all alike, and two distinct values, also collapse to distinct bands.
    three = dict(sorted(shapes.items())[:3])
    svg = str(choropleth(three, dict.fromkeys(three, 5.0), title="t", unit="u"))
    assert re.findall(r'font-size="13">([^<]*)</text>', svg) == ["5.0", "no data"]
    vals = dict(zip(three, [1.0, 1.0, 2.0], strict=True))
    svg = str(choropleth(three, vals, title="t", unit="u"))
    legend = re.findall(r'font-size="13">([^<]*)</text>', svg)
    assert legend == ["1.0", "1.0 to 2.0", "no data"]
    assert len(set(re.findall(r'<path d="[^"]*" fill="(#[0-9a-f]+)"', svg))) == 2
    # Small rates keep enough decimals to tell the bounds apart.
    vals = dict(zip(three, [0.012, 0.014, 0.016], strict=True))
    legend = re.findall(
        r'font-size="13">([^<]*)</text>',
        str(choropleth(three, vals, title="t", unit="u")),
    )
    assert legend[:3] == ["0.012", "0.012 to 0.014", "0.014 to 0.016"]


def test_quantile_breaks() -> None:
    assert class_breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], k=5) == [2, 4, 6, 8, 10]
    assert class_breaks([]) == []


@pytest.mark.parametrize("cell", ["\x0b=1+1", "\x01@SUM(A1)", "\x00=cmd"])
def test_a_formula_hidden_behind_a_control_character_is_still_neutralised(
    cell: str,
) -> None:
    wb = load_workbook(io.BytesIO(to_xlsx("S", ["c"], [[cell]])))
    assert str(wb.active["A2"].value).startswith("'")
