"""The police.uk importer on real files: counts, keys, quarantine, unusable files, crashes."""

from __future__ import annotations

import collections
import csv
import gzip
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from saferleeds.analytics.store import open_store
from saferleeds.importers.police import import_police
from saferleeds.importers.police.samples.make_samples import EXPECTED_BAD
from tests.conftest import SAMPLES, SHIPPED_POLICE, read_police_csv

ASB = "Anti-social behaviour"


def test_real_months_import_every_row_and_counts_match_an_independent_recount(
    police_store_path: Path, shipped_rows: list[dict[str, str]]
) -> None:
    with open_store(police_store_path, read_only=True) as s:
        assert (
            s.scalar("SELECT count(*) FROM police_street") == len(shipped_rows) == 60172
        )
        by_type = dict(
            s.execute(
                "SELECT crime_type, count(*) FROM police_street GROUP BY 1"
            ).fetchall()
        )
        by_month = dict(
            s.execute(
                "SELECT strftime(month, '%Y-%m'), count(*) FROM police_street GROUP BY 1"
            ).fetchall()
        )
        unlocated = s.scalar(
            "SELECT count(*) FROM police_street WHERE NOT has_location"
        )
        outside = s.scalar(
            "SELECT count(*) FROM police_street WHERE lsoa_code NOT IN "
            "(SELECT lsoa_code FROM area_lsoa)"
        )
    assert by_type == collections.Counter(r["Crime type"] for r in shipped_rows)
    assert by_month == collections.Counter(r["Month"] for r in shipped_rows)
    # Rows with no location, and rows snapped outside Leeds, are kept, not dropped.
    assert unlocated == sum(1 for r in shipped_rows if not r["Longitude"]) == 2424
    assert outside == sum(
        1
        for r in shipped_rows
        if r["LSOA code"] and not r["LSOA name"].startswith("Leeds")
    )
    assert outside > 0


def test_identical_asb_rows_are_separate_incidents(
    police_store_path: Path, shipped_rows: list[dict[str, str]]
) -> None:
    twins = collections.Counter(
        tuple(r.values()) for r in shipped_rows if r["Crime type"] == ASB
    )
    assert max(twins.values()) > 1, "the real files hold identical ASB rows"
    with open_store(police_store_path, read_only=True) as s:
        assert s.scalar(
            f"SELECT count(*) FROM police_street WHERE crime_type = '{ASB}'"
        ) == sum(twins.values())
        assert s.scalar("SELECT count(DISTINCT row_key) FROM police_street") == len(
            shipped_rows
        )


def test_source_line_points_at_the_row(police_store_path: Path) -> None:
    path = SHIPPED_POLICE / "2018-07-west-yorkshire-street.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    with open_store(police_store_path, read_only=True) as s:
        sample = s.execute(
            "SELECT source_line, crime_id, crime_type, location FROM police_street "
            "WHERE source_file LIKE '%2018-07%' USING SAMPLE 200 ROWS"
        ).fetchall()
    for line, crime_id, crime_type, location in sample:
        row = next(csv.reader([lines[line - 1]]))
        assert row[0] == (crime_id or "")
        assert row[9] == crime_type
        assert row[6] == (location or "")


def test_reimport_adds_nothing_whether_file_folder_or_zip(
    empty_store: object, tmp_path: Path
) -> None:
    files = sorted(SHIPPED_POLICE.glob("*.csv.gz"))
    first = import_police(empty_store, files)  # type: ignore[arg-type]
    assert first.exit_code == 0 and first.added == 60172
    again = import_police(empty_store, [SHIPPED_POLICE])  # type: ignore[arg-type]
    assert again.added == 0 and again.exit_code == 0
    # The same months as a data.police.uk archive: YYYY-MM/YYYY-MM-force-street.csv
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            month = f.name[:7]
            z.writestr(
                f"{month}/{f.name.removesuffix('.gz')}", gzip.decompress(f.read_bytes())
            )
            z.writestr(f"{month}/{month}-west-yorkshire-outcomes.csv", "not imported")
            z.writestr(f"{month}/{month}-cleveland-street.csv", "other force, filtered")
    zipped = import_police(empty_store, [archive], forces=["west-yorkshire"])  # type: ignore[arg-type]
    assert [Path(r.path).name for r in zipped.files] == [
        "2017-07-west-yorkshire-street.csv",
        "2018-07-west-yorkshire-street.csv",
    ]
    assert zipped.added == 0 and zipped.exit_code == 0
    assert empty_store.scalar("SELECT count(*) FROM police_street") == 60172  # type: ignore[attr-defined]


def test_bad_rows_are_quarantined_with_file_line_field_and_good_rows_commit(
    empty_store: object,
) -> None:
    path = SAMPLES / "bad" / "2018-07-damaged-street.csv"
    report = import_police(empty_store, [path])  # type: ignore[arg-type]
    assert report.exit_code == 3
    (res,) = report.files
    assert res.rows_read == 30
    assert res.quarantined == len(EXPECTED_BAD)
    assert res.added == 30 - len(EXPECTED_BAD)
    found = {
        (line, field)
        for line, field in empty_store.execute(  # type: ignore[attr-defined]
            "SELECT line, field FROM police_quarantine"
        ).fetchall()
    }
    assert found == set(EXPECTED_BAD)
    for problem in res.problems:
        assert problem.startswith(f"{path}:")
    assert any(
        p.startswith(f"{path}:4: Month: ") and "2018-13" in p for p in res.problems
    )
    # Re-running quarantines nothing twice and adds nothing.
    again = import_police(empty_store, [path])  # type: ignore[arg-type]
    assert again.exit_code == 3 and again.added == 0
    assert empty_store.scalar("SELECT count(*) FROM police_quarantine") == len(  # type: ignore[attr-defined]
        found
    )


def test_rows_after_a_structurally_broken_row_keep_their_line_numbers(
    empty_store: object,
) -> None:
    path = SAMPLES / "bad" / "2018-07-damaged-street.csv"
    import_police(empty_store, [path])  # type: ignore[arg-type]
    rows = read_police_csv(path)  # csv module: row i is line i + 2
    with path.open(encoding="utf-8", newline="") as f:
        physical = list(csv.reader(f))
    got = empty_store.execute(  # type: ignore[attr-defined]
        "SELECT source_line, crime_id FROM police_street WHERE source_line > 22"
    ).fetchall()
    assert got, "rows after the broken lines 20 and 22 were imported"
    for line, crime_id in got:
        assert physical[line - 1][0] == crime_id
    assert len(rows) == 30


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        (
            "2018-07-west-yorkshire-outcomes.csv",
            "header: not a data.police.uk street-level CSV",
        ),
        ("not-a-csv.csv", "not text"),
        ("empty.csv", "empty file"),
        ("missing.csv", "no such file"),
    ],
)
def test_unusable_file_commits_nothing_and_names_file_and_problem(
    empty_store: object, name: str, problem: str
) -> None:
    good = SAMPLES / "good" / "2018-07-sample-street.csv"
    bad = SAMPLES / "unusable" / name
    report = import_police(empty_store, [bad, good])  # type: ignore[arg-type]
    assert report.exit_code == 2
    bad_res, good_res = report.files
    assert bad_res.path == str(bad) and problem in (bad_res.unusable or "")
    assert bad_res.added == 0
    # Each file is its own transaction: the good one still commits whole.
    assert good_res.unusable is None and good_res.added == len(read_police_csv(good))
    assert empty_store.scalar("SELECT count(*) FROM police_street") == good_res.added  # type: ignore[attr-defined]
    assert empty_store.scalar("SELECT count(*) FROM import_run") == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("encoding", ["utf8bom", "cp1252", "utf16"])
def test_encodings_import_the_same_content(tmp_path: Path, encoding: str) -> None:
    def load(name: str) -> list[tuple[object, ...]]:
        with open_store(tmp_path / f"{name}.duckdb") as s:
            r = import_police(s, [SAMPLES / "encodings" / f"2018-07-{name}-street.csv"])
            assert r.exit_code == 0, r.files[0].unusable
            return s.execute(
                "SELECT row_key, location, crime_type, latitude FROM police_street ORDER BY 1"
            ).fetchall()

    reference = load("utf8")
    assert any("Café Row (£1 shop)" in (row[1] or "") for row in reference)
    assert load(encoding) == reference


def test_republished_month_updates_outcome_instead_of_adding(
    empty_store: object, tmp_path: Path
) -> None:
    good = SAMPLES / "good" / "2018-07-sample-street.csv"
    import_police(empty_store, [good])  # type: ignore[arg-type]
    rows = list(csv.reader(io.StringIO(good.read_text(encoding="utf-8"))))
    target = rows[1][0]
    rows[1][10] = "Offender sent to prison"
    updated = tmp_path / "2018-07-west-yorkshire-street.csv"
    with updated.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    report = import_police(empty_store, [updated])  # type: ignore[arg-type]
    assert report.files[0].added == 0 and report.files[0].updated == 1
    assert (
        empty_store.scalar(  # type: ignore[attr-defined]
            "SELECT last_outcome FROM police_street WHERE crime_id = ?", [target]
        )
        == "Offender sent to prison"
    )


def test_killed_import_loses_nothing_and_duplicates_nothing_when_rerun(
    tmp_path: Path,
) -> None:
    # A file big enough that the import is still running when it is killed.
    big = tmp_path / "2018-07-west-yorkshire-street.csv"
    src = SHIPPED_POLICE / "2018-07-west-yorkshire-street.csv.gz"
    with gzip.open(src, "rt", encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    with big.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for copy in range(12):
            for r in rows:
                w.writerow([f"{r[0][:-4]}{copy:04d}" if r[0] else "", *r[1:]])
    expected = 12 * len(rows)

    def run(data: Path) -> subprocess.Popen[bytes]:
        env = {**os.environ, "SAFERLEEDS_DATA_DIR": str(data)}
        cmd = [sys.executable, "-m", "saferleeds.cli", "import", "police", str(big)]
        return subprocess.Popen(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    # Calibrate: how long a whole import takes on this machine.
    t0 = time.monotonic()
    full = run(tmp_path / "calibrate")
    assert full.wait(timeout=300) == 0, full.stderr.read() if full.stderr else ""
    duration = time.monotonic() - t0

    kills = 0
    for fraction in (0.6, 0.9):
        data = tmp_path / f"kill-{fraction}"
        proc = run(data)
        time.sleep(duration * fraction)
        # The import writes a copy beside the store, swapped in when it is done.
        store_open = any(data.glob(".analytics.duckdb.build-*"))
        if proc.poll() is None and store_open:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        rerun = run(data)
        assert rerun.wait(timeout=300) == 0, rerun.stderr.read() if rerun.stderr else ""
        with open_store(data / "analytics.duckdb", read_only=True) as s:
            assert s.scalar("SELECT count(*) FROM police_street") == expected
            assert (
                s.scalar("SELECT count(DISTINCT row_key) FROM police_street")
                == expected
            )
            assert s.scalar("SELECT count(*) FROM import_run") in (1, 2)
        assert not list(data.glob(".analytics.duckdb.build-*"))  # the killed copy
    assert kills >= 1, (
        "no import was killed while it held the store: make the file bigger"
    )


def test_a_file_read_on_all_cores_keeps_every_line_number(tmp_path: Path) -> None:
    """A file large enough for DuckDB to parse in parallel chunks (ten copies of the
    real July 2018 month, 74 MB) with broken rows far apart: every record keeps the
    line it came from, the repeated Crime ID keeps its first line, and each broken
    line is quarantined under its own number."""
    with gzip.open(
        SHIPPED_POLICE / "2018-07-west-yorkshire-street.csv.gz",
        "rt",
        encoding="utf-8",
        newline="",
    ) as f:
        header, *rows = list(csv.reader(f))
    lines: list[list[str]] = [header]
    for copy in range(10):
        lines += [[f"{r[0]}{copy}" if r[0] else "", *r[1:]] for r in rows]
    # Line numbers are 1-based and count the header: lines[i] is line i + 1.
    too_many, bad_month, repeated = 120_001, 200_001, 290_001
    lines[too_many - 1] = [*lines[too_many - 1], "extra"]
    lines[bad_month - 1][1] = "2018-13"
    first = next(i for i in range(1, 1000) if lines[i][0])
    lines[repeated - 1][0] = lines[first][0]
    path = tmp_path / "2018-07-west-yorkshire-street.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows(lines)
    assert path.stat().st_size > 64_000_000  # several of DuckDB's parse buffers

    (tmp_path / "store").mkdir()
    with open_store(tmp_path / "store" / "analytics.duckdb") as store:
        report = import_police(store, [path])
        assert report.exit_code == 3
        quarantined = {
            line
            for (line,) in store.execute(
                "SELECT DISTINCT line FROM police_quarantine"
            ).fetchall()
        }
        assert quarantined == {too_many, bad_month, repeated}
        assert report.added == len(lines) - 1 - 3
        held = store.execute(
            "SELECT source_line, crime_id, location, crime_type FROM police_street"
        ).fetchall()
    assert len(held) == report.added
    for line, crime_id, location, crime_type in held:
        source = lines[line - 1]
        assert (source[0] or None, source[6], source[9]) == (
            crime_id,
            location,
            crime_type,
        ), line
    assert {line for line, *_ in held}.isdisjoint(quarantined)
