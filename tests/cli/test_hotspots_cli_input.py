"""`saferleeds hotspots` refuses what it cannot answer and keeps GeoJSON off the terminal.

Category names are case-insensitive; an unknown category or a period with no records
is an error listing what is valid (exit 2, no traceback); `--out` writes GeoJSON to a
file and a terminal gets a summary instead of megabytes of GeoJSON.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli import saferleeds
from tests.conftest import SHIPPED_POLICE


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hotspots-input")
    r = saferleeds(d, "import", "police", str(SHIPPED_POLICE))
    assert r.returncode == 0, r.stderr
    return d


def _lsoa(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return saferleeds(
        data, "hotspots", "gistar", "--level", "lsoa", "--permutations", "0",
        "--format", "json", *args,
    )  # fmt: skip


def test_category_names_are_case_insensitive(data: Path) -> None:
    upper = _lsoa(data, "--crime-type", "Burglary")
    lower = _lsoa(data, "--crime-type", "burglary")
    shout = _lsoa(data, "--crime-type", " BURGLARY ")
    assert upper.returncode == lower.returncode == shout.returncode == 0, lower.stderr
    a, b = json.loads(upper.stdout), json.loads(lower.stdout)
    assert a["records"] == b["records"] > 0
    assert a["units"] == b["units"] == json.loads(shout.stdout)["units"]


@pytest.mark.parametrize(
    "args",
    [
        ("hotspots", "gistar", "--level", "lsoa", "--crime-type", "Not a crime"),
        ("hotspots", "gistar", "--crime-type", "burglary", "--crime-type", "Theft"),
        ("hotspots", "kde", "--crime-type", "Nothing"),
    ],
)
def test_unknown_categories_are_errors_listing_the_valid_ones(
    data: Path, args: tuple[str, ...]
) -> None:
    r = saferleeds(data, *args)
    assert r.returncode == 2, r.stdout[:200]
    assert "unknown --crime-type" in r.stderr
    for valid in ("Burglary", "Vehicle crime", "Anti-social behaviour"):
        assert valid in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ("hotspots", "gistar", "--level", "lsoa", "--from", "2018-01"),
        ("hotspots", "gistar", "--from", "2019-01", "--to", "2019-03"),
        ("hotspots", "kde", "--from", "2018-02"),
    ],
)
def test_empty_periods_are_errors_listing_the_months_held(
    data: Path, args: tuple[str, ...]
) -> None:
    r = saferleeds(data, *args)
    assert r.returncode == 2, r.stdout[:200]
    assert "no located police.uk records" in r.stderr
    assert "months held: 2017-07, 2018-07" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_kde_out_writes_the_file_and_a_summary(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "kde.geojson"
    r = saferleeds(
        data, "hotspots", "kde", "--cell", "1000", "--out", str(target)
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    gj = json.loads(target.read_text())
    assert gj["type"] == "FeatureCollection" and gj["features"]
    assert f"{len(gj['features']):,} cells of 1000 m" in r.stderr
    assert f"Wrote {target}" in r.stderr
    # The same GeoJSON as through a pipe.
    piped = saferleeds(data, "hotspots", "kde", "--cell", "1000")
    assert json.loads(piped.stdout) == gj
    bad = saferleeds(
        data, "hotspots", "kde", "--out", str(target), "--format", "json"
    )  # fmt: skip
    assert bad.returncode == 2 and "--out writes GeoJSON" in bad.stderr
    nowhere = saferleeds(
        data, "hotspots", "gistar", "--permutations", "0", "--out",
        str(tmp_path / "no" / "such" / "dir.geojson"),
    )  # fmt: skip
    assert nowhere.returncode == 2 and "Traceback" not in nowhere.stderr


def test_a_terminal_gets_a_summary_not_geojson(data: Path) -> None:
    main, child = pty.openpty()
    env = {**os.environ, "SAFERLEEDS_DATA_DIR": str(data), "SAFERLEEDS_ENV": "test"}
    proc = subprocess.run(
        [sys.executable, "-m", "saferleeds.cli", "hotspots", "kde", "--cell", "1000"],
        env=env,
        stdout=child,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    shown = b"".join(chunks).decode()
    assert proc.returncode == 0, proc.stderr
    assert "Kernel density" in shown and "--out" in shown
    assert "FeatureCollection" not in shown and len(shown) < 2000
