"""`saferleeds link load`: a partner's extract kept as its agency records (issue #13).

The whole file or nothing, loading it again changes nothing, bad input is one line
naming file, line and column (exit 2, no traceback), the collection is audited, and
``--match`` matches the new records against the people already resolved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from saferleeds.audit.models import AuditEntry
from saferleeds.cli.main import app
from saferleeds.linkage.actions import do_run_linkage
from saferleeds.linkage.models import AgencyRecord, LinkRun
from tests.conftest import REPO
from tests.linkage.conftest import Population

SAMPLES = REPO / "tests" / "data" / "linkage"
MAPS = [
    "--map", "forename=first_name", "--map", "surname=surname",
    "--map", "dob=date_of_birth", "--map", "postcode=postcode",
]  # fmt: skip
runner = CliRunner()

GOOD = (
    "ref,first_name,surname,date_of_birth,postcode,sex\n"
    "H-1,Amelia,Smith,1984-03-07,LS8 3AB,F\n"
    "H-2,Oliver,Jones,07/03/1990,LS7 4DE,male\n"
    "H-3,Aisha,Khan,19750102,,\n"
)


def _load(path: Path, *extra: str, agency: str = "ccg") -> Any:
    return runner.invoke(
        app,
        [
            "link", "load", str(path), "--agency", agency, "--id-column", "ref",
            *MAPS, "--map", "sex=sex", *extra,
        ],
    )  # fmt: skip


@pytest.mark.django_db
def test_load_keeps_the_file_once(personas: Any, tmp_path: Path) -> None:
    path = tmp_path / "health.csv"
    path.write_text(GOOD, encoding="utf-8")
    first = _load(path)
    assert first.exit_code == 0, first.output
    assert "3 new records kept for ccg (batch ccg-health)" in first.output
    held = {r.reference: r for r in AgencyRecord.objects.filter(agency__code="ccg")}
    assert set(held) == {"H-1", "H-2", "H-3"}
    assert str(held["H-2"].date_of_birth) == "1990-03-07"
    assert str(held["H-3"].date_of_birth) == "1975-01-02"
    assert (held["H-1"].sex, held["H-2"].sex, held["H-3"].sex) == ("F", "M", "U")
    assert held["H-1"].batch == "ccg-health" and held["H-1"].person_id is None
    logged = AuditEntry.objects.filter(
        event="linkage.agency_record.receive", operation="collection"
    )
    assert sorted(int(e.record_id) for e in logged) == sorted(
        r.pk for r in held.values()
    )
    # Again: nothing new, nothing logged.
    before = AuditEntry.objects.count()
    again = _load(path)
    assert again.exit_code == 0, again.output
    assert "0 new records" in again.output and "3 held already" in again.output
    assert AgencyRecord.objects.filter(agency__code="ccg").count() == 3
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_a_changed_record_refuses_the_whole_file(personas: Any, tmp_path: Path) -> None:
    path = tmp_path / "health.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert _load(path).exit_code == 0
    path.write_text(GOOD.replace("Oliver", "Olly") + "H-4,New,Person,,,\n")
    changed = _load(path)
    assert changed.exit_code == 2
    assert f"{path}: line 3: reference H-2 is held already with another forename" in (
        " ".join(changed.stderr.split())
    )
    assert not AgencyRecord.objects.filter(reference="H-4").exists()
    assert "Traceback" not in changed.output


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("missing_column.csv", "{path}:1: postcode: no such column"),
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
def test_bad_input_is_one_clear_line(sample: str, expected: str) -> None:
    # Checked before the database is touched: no test database needed.
    path = SAMPLES / sample
    result = runner.invoke(
        app,
        [
            "link", "load", str(path), "--agency", "ccg", "--id-column", "record_id",
            *MAPS,
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert message.startswith("error: " + expected.format(path=path)), message
    assert "Traceback" not in result.output


def test_a_day_not_on_the_calendar_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(GOOD.replace("1984-03-07", "1984-02-31"), encoding="utf-8")
    result = _load(path)
    assert result.exit_code == 2
    assert f"{path}:2: date_of_birth: '1984-02-31' is not a day on the calendar" in (
        " ".join(result.stderr.split())
    )


@pytest.mark.django_db
def test_unknown_agency_and_wrong_user_are_refused(
    personas: Any, tmp_path: Path
) -> None:
    path = tmp_path / "health.csv"
    path.write_text(GOOD, encoding="utf-8")
    unknown = _load(path, agency="nope")
    assert unknown.exit_code == 2 and "no agency with the code 'nope'" in unknown.stderr
    # A practitioner of another agency may not load the health service's records.
    other = _load(path, "--as", "pete.practitioner")
    assert other.exit_code == 2 and "case coordinators of the agency" in other.stderr
    assert not AgencyRecord.objects.filter(agency__code="ccg").exists()


@pytest.mark.django_db
def test_match_links_a_new_extract_to_the_people_held(
    population: Population, tmp_path: Path
) -> None:
    no_model = _load(tmp_path / "x.csv", "--match")
    assert no_model.exit_code == 2  # the file does not exist: named, nothing run
    do_run_linkage(actor=None)
    police = AgencyRecord.objects.filter(agency__code="wyp").order_by("pk")[:5]
    lines = ["ref,first_name,surname,date_of_birth,postcode,sex"]
    for n, r in enumerate(police):
        dob = r.date_of_birth.isoformat() if r.date_of_birth else ""
        lines.append(f"N-{n},{r.forename},{r.surname},{dob},{r.postcode},{r.sex}")
    path = tmp_path / "nhs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = _load(path, "--match")
    assert loaded.exit_code == 0, loaded.output
    assert "Matched: 5 new records" in loaded.output
    assert LinkRun.objects.filter(kind="incremental", batch="ccg-nhs").exists()
    new = AgencyRecord.objects.filter(agency__code="ccg")
    assert all(r.person_id is not None for r in new)
    # Each new record joined the person of the police record it copies.
    linked = sum(
        new.get(reference=f"N-{n}").person_id == r.person_id
        for n, r in enumerate(police)
    )
    assert linked >= 4
