"""`saferleeds offending import offences|disposals`: good rows commit, bad rows are
quarantined naming file, line and field, and re-running changes nothing."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from saferleeds.analytics.csvfile import CsvInputError
from saferleeds.audit.models import AuditEntry
from saferleeds.cli import app
from saferleeds.importers.offending import read_disposal_extract, read_offence_extract
from saferleeds.offending.actions import do_import_disposals, do_import_offences
from saferleeds.offending.models import Disposal, Offence, QuarantinedRow
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Forbidden, actor_for
from tests.offending.conftest import DISPOSALS, OFFENCES, SAMPLES

runner = CliRunner()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.django_db
def test_good_files_commit_every_row_as_the_agencys(known_people: Any) -> None:
    wyp = Agency.objects.get(code="wyp")
    report = do_import_offences(read_offence_extract(OFFENCES), actor=None, agency=wyp)
    expected = _rows(OFFENCES)
    assert (report.created, report.updated, report.problems) == (len(expected), 0, ())
    assert report.exit_code == 0
    held = {o.reference: o for o in Offence.objects.select_related("person")}
    for row in expected:
        o = held[row["reference"]]
        assert o.agency_id == wyp.pk
        assert o.person == known_people[row["person_ref"]]
        assert str(o.committed_on) == row["offence_date"]
        assert (str(o.proven_on) if o.proven_on else "") == row["proven_date"]
        assert (o.disposal_type, o.role, o.crime_reference) == (
            row["disposal_type"],
            row["role"],
            row["crime_reference"],
        )
    # Every record collected is logged, with its subject, in the same transaction.
    logged = AuditEntry.objects.filter(event="offending.offence.import")
    assert logged.count() == len(expected)
    assert {e.subject_person_id for e in logged} == {
        known_people[r["person_ref"]].pk for r in expected
    }

    nps = Agency.objects.get(code="nps")
    report = do_import_disposals(
        read_disposal_extract(DISPOSALS), actor=None, agency=nps
    )
    assert report.created == len(_rows(DISPOSALS)) == Disposal.objects.count()
    assert set(Disposal.objects.values_list("agency_id", flat=True)) == {nps.pk}


@pytest.mark.django_db
def test_rerunning_is_idempotent_and_a_changed_row_is_updated(
    known_people: Any, tmp_path: Path
) -> None:
    wyp = Agency.objects.get(code="wyp")
    do_import_offences(read_offence_extract(OFFENCES), actor=None, agency=wyp)
    before = (Offence.objects.count(), AuditEntry.objects.count())
    again = do_import_offences(read_offence_extract(OFFENCES), actor=None, agency=wyp)
    assert (again.created, again.updated, again.unchanged) == (0, 0, before[0])
    assert (Offence.objects.count(), AuditEntry.objects.count()) == before
    # A later extract proves the pending offence: the row is updated, not repeated.
    text = OFFENCES.read_text(encoding="utf-8").replace(
        "2018-05-05,,pending", "2018-05-05,2018-09-01,court_non_custodial"
    )
    later = tmp_path / "offences-later.csv"
    later.write_text(text, encoding="utf-8")
    report = do_import_offences(read_offence_extract(later), actor=None, agency=wyp)
    assert (report.created, report.updated) == (0, 1)
    assert Offence.objects.count() == before[0]
    changed = Offence.objects.get(reference="WYP-OF-0012")
    assert str(changed.proven_on) == "2018-09-01"
    assert AuditEntry.objects.filter(
        event="offending.offence.import", operation="alteration"
    ).values_list("record_id", flat=True)[0] == str(changed.pk)


@pytest.mark.django_db
def test_bad_rows_are_quarantined_with_file_line_field(known_people: Any) -> None:
    wyp = Agency.objects.get(code="wyp")
    bad = SAMPLES / "bad-offences-extract.csv"
    report = do_import_offences(read_offence_extract(bad), actor=None, agency=wyp)
    assert report.exit_code == 3 and report.created == 1
    assert [(p.line, p.field) for p in report.problems] == [
        (3, "offence_code"),
        (4, "proven_date"),
        (5, "person_ref"),
        (6, "reference"),
        (7, "offence_date"),
    ]
    assert str(report.problems[0]).startswith(f"{bad}:3: offence_code: 'BURGLARY'")
    assert "the same reference is on line 2" in str(report.problems[3])
    assert "P999" not in str(report.problems[2])  # no values of a bad row are kept
    assert list(Offence.objects.values_list("reference", flat=True)) == ["WYP-OF-0001"]
    held = list(QuarantinedRow.objects.values_list("line", "field"))
    assert held == [(p.line, p.field) for p in report.problems]
    # Re-running replaces the file's quarantine, never piles it up.
    do_import_offences(read_offence_extract(bad), actor=None, agency=wyp)
    assert QuarantinedRow.objects.count() == 5 and Offence.objects.count() == 1

    bad = SAMPLES / "bad-disposals-extract.csv"
    nps = Agency.objects.get(code="nps")
    report = do_import_disposals(read_disposal_extract(bad), actor=None, agency=nps)
    assert [(p.line, p.field) for p in report.problems] == [
        (3, "disposal_type"),
        (4, "disposal_date"),
        (5, "home_lsoa"),
    ]
    assert Disposal.objects.count() == 1


def test_an_unusable_file_is_refused_whole(tmp_path: Path) -> None:
    wrong = tmp_path / "offences.csv"
    wrong.write_text("person_id,offence_date\nP001,2018-01-01\n", encoding="utf-8")
    with pytest.raises(CsvInputError, match="missing columns reference"):
        read_offence_extract(wrong)
    ragged = tmp_path / "disposals.csv"
    ragged.write_text(
        "reference,person_ref,disposal_date,disposal_type\n"
        "D1,P001,2018-01-08,caution\nD2,P002\n",
        encoding="utf-8",
    )
    with pytest.raises(CsvInputError) as caught:
        read_disposal_extract(ragged)
    assert (caught.value.line, caught.value.field) == (3, None)


@pytest.mark.django_db
def test_only_the_system_or_a_system_administrator_imports(known_people: Any) -> None:
    wyp = Agency.objects.get(code="wyp")
    analyst = actor_for(_user("aisha.analyst"))
    with pytest.raises(Forbidden):
        do_import_offences(read_offence_extract(OFFENCES), actor=analyst, agency=wyp)
    admin = actor_for(_user("sam.sysadmin"))
    assert do_import_offences(
        read_offence_extract(OFFENCES), actor=admin, agency=wyp
    ).created


def _user(username: str) -> Any:
    from django.contrib.auth.models import User

    return User.objects.get(username=username)


@pytest.mark.django_db
def test_the_commands(known_people: Any) -> None:
    done = runner.invoke(
        app, ["offending", "import", "offences", str(OFFENCES), "--agency", "WYP"]
    )
    assert done.exit_code == 0, done.stderr
    assert "19 new, 0 updated, 0 unchanged, 0 quarantined (wyp)" in done.stderr
    again = runner.invoke(
        app, ["offending", "import", "offences", str(OFFENCES), "--agency", "wyp"]
    )
    assert again.exit_code == 0 and "0 new, 0 updated, 19 unchanged" in again.stderr
    bad = SAMPLES / "bad-disposals-extract.csv"
    partly = runner.invoke(
        app, ["offending", "import", "disposals", str(bad), "--agency", "nps"]
    )
    assert partly.exit_code == 3
    lines = partly.stderr.splitlines()
    assert lines[0].startswith(f"{bad}:3: disposal_type: 'prison' is not one of")
    assert lines[1].startswith(f"{bad}:4: disposal_date: '22/01/2018'")
    nobody = runner.invoke(
        app, ["offending", "import", "disposals", str(DISPOSALS), "--agency", "xyz"]
    )
    assert nobody.exit_code == 2 and "no agency 'xyz'" in nobody.stderr
    unusable = runner.invoke(
        app, ["offending", "import", "disposals", str(OFFENCES), "--agency", "nps"]
    )
    assert unusable.exit_code == 2
    assert "missing column disposal_date" in unusable.stderr
    assert "nothing imported" in unusable.stderr
