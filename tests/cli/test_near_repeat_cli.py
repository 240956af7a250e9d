"""`saferleeds near-repeat --input FILE.csv` as an analyst runs it on their own file:
the Near Repeat Calculator's example in both modes, JSON arrays, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from saferleeds.analytics.nearrepeat import (
    nrc_bands,
    observed_table,
    read_event_file,
    spatial_bands,
    temporal_bands,
)
from tests.cli.test_cli import saferleeds

NR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "nearrepeat"
CHICAGO = NR / "chicago_be_month1.csv"
needs_shared = pytest.mark.skipif(
    not CHICAGO.exists(), reason=f"shared near-repeat oracle not found under {NR}"
)
NRC_OBSERVED = [
    [28, 5, 5, 2],
    [44, 13, 8, 4],
    [97, 56, 19, 16],
    [77, 67, 45, 20],
    [182194, 146149, 95237, 45879],
]


@needs_shared
@pytest.mark.parametrize("compat", ["exact", "nrc"])
def test_nrc_example_file_in_both_modes(tmp_path: Path, compat: str) -> None:
    r = saferleeds(
        tmp_path, "near-repeat", "--input", str(CHICAGO), "--compat", compat,
        "--permutations", "19", "--format", "json",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["observed"] == NRC_OBSERVED
    assert got["events"] == 970 and got["compat"] == compat
    assert got["from"] == "2015-12-31" and got["to"] == "2016-01-31"
    for key in ("observed", "expected", "knox_ratio", "p_value"):
        assert len(got[key]) == 5 and all(len(row) == 4 for row in got[key]), key
    assert got["spatial_labels"][0] == ("0 m" if compat == "nrc" else "[0, 1) m")
    assert got["precision"] == ("single" if compat == "nrc" else "double")
    # Every marked cell clears both thresholds; the NRC marks the first week <200 m.
    for cell in got["significant"]:
        i, j = cell["row"], cell["column"]
        assert got["knox_ratio"][i][j] >= 1.2 and got["p_value"][i][j] <= 0.05
    assert {(c["row"], c["column"]) for c in got["significant"]} == {
        (0, 0),
        (1, 0),
        (2, 0),
    }


def test_modes_differ_where_the_nrc_does(tmp_path: Path) -> None:
    f = tmp_path / "events.csv"
    f.write_text(
        "x,y,date\n"
        "350000,580000,2020-01-01\n"
        "350000.56,580000,2020-01-02\n"  # 0.56 m from the first
        "350399.99,580000,2020-01-03\n"  # 399.99 m: 400.0 in float32
        "360000,590000,2020-03-01\n"
    )
    runs = {}
    for compat in ("exact", "nrc"):
        r = saferleeds(
            tmp_path, "near-repeat", "--input", str(f), "--compat", compat,
            "--space", "100x4", "--time", "7x1", "--permutations", "9",
            "--format", "json",
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        runs[compat] = json.loads(r.stdout)["observed"]
    ev = read_event_file(f)
    assert runs["exact"] == observed_table(
        ev.x, ev.y, ev.day, spatial_bands(100, 4), temporal_bands(7, 1)
    )
    assert runs["nrc"] == observed_table(
        ev.x, ev.y, ev.day, nrc_bands(100, 4), temporal_bands(7, 1), precision="single"
    )
    assert runs["exact"][0][0] == 1 and runs["nrc"][0][0] == 0  # 0.56 m pair
    assert runs["exact"][4][0] == 2 and runs["nrc"][5][0] == 1  # 399.99 m pairs


def test_longitude_latitude_table_and_thresholds(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    f = tmp_path / "ll.csv"
    lines = ["longitude,latitude,date"]
    for k in range(60):
        lines.append(
            f"{-1.55 + rng.uniform(0, 0.01):.6f},{53.8 + rng.uniform(0, 0.01):.6f},"
            f"2020-{1 + k % 6:02d}-{1 + k % 28:02d}"
        )
    f.write_text("\n".join(lines) + "\n")
    r = saferleeds(tmp_path, "near-repeat", "--input", str(f), "--permutations", "9")
    assert r.returncode == 0, r.stderr
    assert "60 events 2020-01-01 to 2020-06-" in r.stdout
    assert "ratio >= 1.2 and p <= 0.05" in r.stdout
    r = saferleeds(
        tmp_path, "near-repeat", "--input", str(f), "--permutations", "9",
        "--min-ratio", "1.5", "--alpha", "0.1",
    )  # fmt: skip
    assert r.returncode == 0 and "ratio >= 1.5 and p <= 0.1" in r.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x,y,date\n1,2,2020-01-01\n3,4,2020-13-01\n", ":3: date: '2020-13-01'"),
        ("x,y,date\n1,2,2020-01-01\n3,abc,2020-01-02\n", ":3: y: 'abc' is not a number"),
        ("x,y,when\n1,2,2020-01-01\n", ":1: missing column date"),
        ("x,y,date\n1,2,2020-01-01\n", "1 event(s)"),
        ("", "empty"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_naming_file_line_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    f = tmp_path / "mine.csv"
    f.write_text(text)
    r = saferleeds(tmp_path, "near-repeat", "--input", str(f))
    assert r.returncode == 2, r.stdout
    assert "error" in r.stderr and "mine.csv" in r.stderr and expected in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_options_are_refused(tmp_path: Path) -> None:
    for args in (
        ("--input", str(tmp_path / "absent.csv")),
        ("--input", str(CHICAGO), "--compat", "arcgis"),
        ("--input", str(CHICAGO), "--crime-type", "Burglary"),
        ("--input", str(CHICAGO), "--alpha", "0"),
    ):
        r = saferleeds(tmp_path, "near-repeat", *args)
        assert r.returncode == 2 and "error" in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
