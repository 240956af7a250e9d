"""The `saferleeds` command line as a user runs it: exit codes and JSON output."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, SHIPPED_POLICE


def saferleeds(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAFERLEEDS_DATA_DIR": str(data), "SAFERLEEDS_ENV": "test"}
    return subprocess.run(
        [sys.executable, "-m", "saferleeds.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def manage_shell(data: Path, code: str) -> str:
    """Run Python in `saferleeds manage shell` against the data dir; return its stdout."""
    r = saferleeds(data, "manage", "shell", "-c", code)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_import_exit_codes_and_summary_json(
    tmp_path: Path, shipped_rows: list[dict[str, str]]
) -> None:
    ok = saferleeds(tmp_path, "import", "police", str(SHIPPED_POLICE))
    assert ok.returncode == 0, ok.stderr
    assert "31,635 rows read, 31,635 added" in ok.stderr

    again = saferleeds(tmp_path, "import", "police", str(SHIPPED_POLICE))
    assert again.returncode == 0 and "0 added" in again.stderr

    filtered = saferleeds(tmp_path, "import", "police", str(SAMPLES / "bad"))
    assert filtered.returncode == 2 and "for force west-yorkshire" in filtered.stderr
    bad = saferleeds(
        tmp_path,
        "import",
        "police",
        str(SAMPLES / "bad" / "2018-07-damaged-street.csv"),
    )
    assert bad.returncode == 3
    assert (
        "2018-07-damaged-street.csv:4: Month: not a month YYYY-MM: '2018-13'"
        in bad.stderr
    )

    unusable = saferleeds(
        tmp_path, "import", "police", str(SAMPLES / "unusable" / "not-a-csv.csv")
    )
    assert unusable.returncode == 2
    assert "not-a-csv.csv: not text" in unusable.stderr

    summary = saferleeds(tmp_path, "summary", "--format", "json", "--area", "all")
    assert summary.returncode == 0, summary.stderr
    got = json.loads(summary.stdout)
    assert set(got) == {"area", "crimes", "asb", "by_month", "by_type", "quarantined"}
    assert got["area"] == {"code": None, "name": None}
    asb = sum(1 for r in shipped_rows if r["Crime type"] == "Anti-social behaviour")
    # The damaged sample's 19 good rows are real July 2018 crimes already held (same
    # Crime IDs), so they add nothing; its 11 bad rows are quarantined.
    assert got["asb"] == asb
    assert got["crimes"] == len(shipped_rows) - asb
    assert got["by_month"] == dict(
        collections.Counter(r["Month"] for r in shipped_rows)
    )
    assert sum(got["by_type"].values()) == got["crimes"] + got["asb"]
    assert got["quarantined"] == 11


def test_summary_for_an_area_and_unknown_area(tmp_path: Path) -> None:
    saferleeds(tmp_path, "import", "police", str(SHIPPED_POLICE))
    leeds = json.loads(
        saferleeds(
            tmp_path, "summary", "--format", "json", "--area", "E08000035"
        ).stdout
    )
    assert leeds["by_month"] == {
        "2017-07": 9671,
        "2018-07": 10726,
    }  # shared/data/README.md
    # Without --area: the partnership's district, and the output says so.
    default = saferleeds(tmp_path, "summary", "--format", "json")
    assert default.returncode == 0, default.stderr
    got = json.loads(default.stdout)
    assert got["area"] == {"code": "E08000035", "name": "Leeds"}
    assert got["by_month"] == leeds["by_month"]
    table = saferleeds(tmp_path, "summary")
    assert "police.uk records: Leeds (E08000035)" in table.stdout
    assert "partnership's area" in table.stderr and "--area all" in table.stderr
    everything = json.loads(
        saferleeds(tmp_path, "summary", "--format", "json", "--area", "all").stdout
    )
    assert everything["by_month"] == {"2017-07": 28537, "2018-07": 31635}
    unknown = saferleeds(tmp_path, "summary", "--area", "E02999999")
    assert unknown.returncode == 2 and "unknown area" in unknown.stderr


def test_no_files_found_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    r = saferleeds(tmp_path, "import", "police", str(empty))
    assert r.returncode == 2 and "no street-level files" in r.stderr


def _loaded_line(stderr: str) -> str:
    """The load's summary of what the demo holds (one line, the terminal may wrap it)."""
    text = " ".join(stderr.split())
    start = text.index("Loaded ")
    return text[start : text.index("Record linkage:", start)]


@pytest.mark.database_child  # its command's own process uses the database
def test_demo_load_twice_loses_nothing(tmp_path: Path) -> None:
    # Runs against the configured database: SQLite in tmp_path, or the throw-away
    # PostgreSQL cluster's own database in the PostgreSQL run.
    first = saferleeds(tmp_path, "demo", "load")
    assert first.returncode == 0, first.stderr
    assert (
        "10 demo users" in first.stderr
        and "police.uk: 60,172 rows held" in first.stderr
    )
    # The partner records are linked by the model, and it is measured (issue #13).
    assert "Record linkage: " in first.stderr and "recall " in first.stderr
    # A user changes their password between runs; the second run must keep it.
    manage_shell(
        tmp_path,
        "from django.contrib.auth.models import User; u=User.objects.get(username="
        "'aisha.analyst'); u.set_password('a-new-password-123'); u.save()",
    )
    second = saferleeds(tmp_path, "demo", "load")
    assert second.returncode == 0, second.stderr
    # Nothing new is imported, and the counts held are printed as the first time.
    assert "0 added" in second.stderr
    assert _loaded_line(second.stderr) == _loaded_line(first.stderr)
    kept = manage_shell(
        tmp_path,
        "from django.contrib.auth.models import User; print(User.objects.get("
        "username='aisha.analyst').check_password('a-new-password-123'))",
    )
    assert kept.strip().splitlines()[-1] == "True"


def test_demo_generate_writes_files_and_truth(tmp_path: Path) -> None:
    r = saferleeds(
        tmp_path,
        "demo",
        "generate",
        "--seed",
        "3",
        "--scale",
        "0.2",
        "--out",
        str(tmp_path / "syn"),
    )
    assert r.returncode == 0, r.stderr
    for name in (
        "people.csv",
        "offences.csv",
        "truth/people.csv",
        "truth/network.json",
        "truth/near_repeat.json",
        "truth/hotspots.json",
        "manifest.json",
    ):
        assert (tmp_path / "syn" / name).stat().st_size > 0, name
    assert "offences.csv" in r.stdout and "1,000" in r.stdout  # 5,000 x 0.2


def test_demo_load_scale_loads_more_people(tmp_path: Path) -> None:
    """``demo load --scale N`` (issue #18's 10x-people load test) loads about N times
    the demo's people; a scale that is not positive is refused before anything."""
    import re

    refused = saferleeds(tmp_path, "demo", "load", "--scale", "0")
    assert refused.returncode == 2 and "--scale" in refused.stderr
    # A fresh embedded database: the scale applies to a first load only, and under
    # DATABASE_URL the command would share a database other tests' loads have filled.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "SAFERLEEDS_DATA_DIR": str(tmp_path),
        "SAFERLEEDS_ENV": "test",
    }
    done = subprocess.run(
        [sys.executable, "-m", "saferleeds.cli", "demo", "load", "--scale", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    people = re.search(r"([\d,]+) people", _loaded_line(done.stderr))
    assert people is not None
    # The default load holds 504 people; the personas and casework add a few.
    assert 900 <= int(people.group(1).replace(",", "")) <= 1100
