"""`saferleeds link pairs` on the bad sample files in tests/data/linkage/ (issue #13):
each is one line ``error: FILE[:LINE]: [COLUMN: ]reason`` on stderr, exit 2, nothing
on stdout and no traceback; dates in three formats are normalised and linked.

An unparseable date of birth is an error for the whole file (exit 2), not a
quarantined row: a model trained on a file with rows silently dropped would score
the rest differently, so the partner fixes the extract and runs it again.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saferleeds.cli import app
from tests.conftest import REPO

SAMPLES = REPO / "tests" / "data" / "linkage"
MAPS = [
    "--map",
    "forename=first_name",
    "--map",
    "surname=surname",
    "--map",
    "dob=date_of_birth",
    "--map",
    "postcode=postcode",
]
runner = CliRunner()


def _run(path: Path, *extra: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["link", "pairs", str(path), "--id-column", "record_id", *MAPS, *extra]
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (
            "missing_column.csv",
            "{path}:1: postcode: no such column (the columns are record_id, "
            "first_name, surname, date_of_birth)",
        ),
        ("empty.csv", "{path}: the file is empty (no header line)"),
        ("header_only.csv", "{path}:2: the file has a header but no records"),
        (
            "bad_date.csv",
            "{path}:4: date_of_birth: '7th March 1984' is not a date in "
            "YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD",
        ),
        ("not_utf8.csv", "{path}:3: first_name: not UTF-8 text (byte e9)"),
    ],
)
def test_bad_file_is_one_clear_line(sample: str, expected: str) -> None:
    path = SAMPLES / sample
    code, out, err = _run(path)
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    assert err.strip().splitlines() == [f"error: {expected.format(path=path)}"]


def test_bad_second_file_is_named(tmp_path: Path) -> None:
    good = SAMPLES / "three_date_formats.csv"
    bad = SAMPLES / "not_utf8.csv"
    result = runner.invoke(
        app,
        ["link", "pairs", str(good), str(bad), "--id-column", "record_id", *MAPS],
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {bad}:3: first_name: not UTF-8 text (byte e9)"
    )


def test_three_date_formats_are_one_date() -> None:
    """Amelia's three records give her date of birth as 1984-03-07, 07/03/1984 and
    19840307 (and her postcode with and without its space): all three pairs link,
    as do the other people entered twice or three times, and nobody else."""
    code, out, err = _run(SAMPLES / "three_date_formats.csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    found = {(r["id_l"], r["id_r"]) for r in rows}
    people: dict[str, list[str]] = {}
    with (SAMPLES / "three_date_formats.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            people.setdefault(r["record_id"][0], []).append(r["record_id"])
    truth = {
        (a, b)
        for ids in people.values()
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
    }
    assert {("A1", "A2"), ("A1", "A3"), ("A2", "A3")} <= found
    assert found == truth


def test_few_fields_do_not_crash_training() -> None:
    """Names alone (the swapped-name level reads both, so blocking on surname leaves
    EM nothing to estimate) or one field: the model keeps Splink's starting m and
    the command still answers."""
    path = SAMPLES / "three_date_formats.csv"
    for maps in (
        ["--map", "forename=first_name", "--map", "surname=surname"],
        ["--map", "surname=surname"],
        ["--map", "dob=date_of_birth"],
    ):
        result = runner.invoke(
            app, ["link", "pairs", str(path), "--id-column", "record_id", *maps]
        )
        assert result.exit_code == 0, result.stderr
        assert result.stdout.splitlines()[0] == "id_l,id_r,match_probability"
