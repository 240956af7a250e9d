"""`saferleeds link pairs`: pairs out as CSV and JSON lines, errors as one line, exit 2."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from saferleeds.cli import app
from tests.cli.test_cli import saferleeds
from tests.conftest import SHARED

FEBRL = SHARED / "data" / "linkage" / "febrl"
MAPS = [
    "--map",
    "forename=given_name",
    "--map",
    "surname=surname",
    "--map",
    "dob=date_of_birth",
    "--map",
    "postcode=postcode",
    "--map",
    "address=address_1",
    "--map",
    "town=suburb",
    "--map",
    "identifier=soc_sec_id",
]
runner = CliRunner()


def _entity(rec_id: str) -> str:
    m = re.match(r"rec-(\d+)-", rec_id)
    assert m
    return m.group(1)


@pytest.mark.skipif(
    not (FEBRL / "dataset1.csv").exists(), reason=f"FEBRL files not in {FEBRL}"
)
def test_pairs_csv_and_json_on_febrl1() -> None:
    args = ["link", "pairs", str(FEBRL / "dataset1.csv"), "--id-column", "rec_id"]
    result = runner.invoke(app, [*args, *MAPS])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["id_l", "id_r", "match_probability"]
    assert len(rows) >= 490
    assert sum(_entity(r["id_l"]) == _entity(r["id_r"]) for r in rows) >= 490
    assert all(r["id_l"] < r["id_r"] for r in rows)
    assert all(0.5 <= float(r["match_probability"]) <= 1 for r in rows)
    assert f"{len(rows):,} pairs" in result.stderr

    strict = runner.invoke(
        app, [*args, *MAPS, "--format", "json", "--threshold", "0.99"]
    )
    assert strict.exit_code == 0, strict.stderr
    lines = [json.loads(line) for line in strict.stdout.splitlines()]
    assert lines and all(set(o) == {"id_l", "id_r", "match_probability"} for o in lines)
    assert all(o["match_probability"] >= 0.99 for o in lines)
    assert {(o["id_l"], o["id_r"]) for o in lines} <= {
        (r["id_l"], r["id_r"]) for r in rows
    }


def _fails(args: list[str], expected: str) -> None:
    result = runner.invoke(app, ["link", "pairs", *args])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and result.stdout == ""
    message = " ".join(result.stderr.split())
    assert message.startswith("error: "), message
    assert expected in message, message


def test_user_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    good = tmp_path / "people.csv"
    good.write_text("id,surname,dob\n1,smith,1990-01-02\n2,smyth,01/02/1990\n")
    _fails(
        [str(good), "--id-column", "id", "--map", "surname=name"],
        f"{good}:1: name: no such column",
    )
    _fails(
        [str(good), "--id-column", "id", "--map", "name=surname"],
        "unknown field 'name'",
    )
    _fails([str(good), "--id-column", "id", "--map", "surname"], "FIELD=COLUMN")
    _fails(
        [
            str(good),
            "--id-column",
            "id",
            "--map",
            "surname=surname",
            "--threshold",
            "1.5",
        ],
        "--threshold",
    )
    _fails(
        [str(good), "--id-column", "id", "--map", "surname=surname", "--engine", "x"],
        "--engine",
    )
    _fails(
        [str(good), "--id-column", "id", "--map", "surname=surname", "--format", "xml"],
        "--format",
    )
    _fails(
        [
            str(tmp_path / "missing.csv"),
            "--id-column",
            "id",
            "--map",
            "surname=surname",
        ],
        "No such file",
    )
    _fails(
        [
            str(good),
            str(good),
            str(good),
            "--id-column",
            "id",
            "--map",
            "surname=surname",
        ],
        "one file",
    )

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _fails(
        [str(empty), "--id-column", "id", "--map", "surname=surname"],
        f"{empty}: the file is empty",
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"id,surname\n1,smith\n2,m\xfcller\n")
    _fails(
        [str(latin), "--id-column", "id", "--map", "surname=surname"],
        f"{latin}:3: surname: not UTF-8",
    )
    bad_date = tmp_path / "dates.csv"
    bad_date.write_text("id,surname,dob\n1,smith,1990-01-02\n2,smyth,1990.01.02\n")
    _fails(
        [str(bad_date), "--id-column", "id", "--map", "dob=dob"],
        f"{bad_date}:3: dob: '1990.01.02' is not a date",
    )


def test_through_the_installed_command(tmp_path: Path) -> None:
    """The real entry point (a subprocess): a bad file is one line and exit 2."""
    bad = tmp_path / "bad.csv"
    bad.write_text("id,surname\n1,smith\n1,smyth\n")
    r = saferleeds(
        tmp_path,
        "link",
        "pairs",
        str(bad),
        "--id-column",
        "id",
        "--map",
        "surname=surname",
    )
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"error: {bad}:3: id: identifier '1' repeats line 2"
    ]
