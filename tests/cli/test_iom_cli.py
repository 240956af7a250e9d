"""`saferleeds iom candidates` and `saferleeds iom cohort`: the IOM page's reading as a
user on the command line, logged; one-line errors without a traceback."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from typer.testing import CliRunner

from saferleeds.audit.models import AuditEntry
from saferleeds.cli import app
from saferleeds.iom.access_pages import read_iom_home
from saferleeds.iom.actions import do_adopt_iom_member, do_create_iom_meeting
from saferleeds.partners.policy import actor_for
from tests.iom.conftest import offenders  # noqa: F401
from tests.offending.conftest import imported, known_people  # noqa: F401

runner = CliRunner()


def _fails(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr and result.stdout == ""
    message = " ".join(result.stderr.split())
    assert message.startswith("error: "), message
    assert expected in message, message


@pytest.mark.django_db
def test_candidates_are_the_pages_with_their_parts(offenders: dict[str, Any]) -> None:  # noqa: F811
    done = runner.invoke(
        app, ["iom", "candidates", "--as", "pete.practitioner", "--format", "json"]
    )
    assert done.exit_code == 0, done.stderr
    payload = json.loads(done.stdout)
    # Logged: the listed people's offences, as the page logs them; no IOM member read.
    logged = AuditEntry.objects.filter(actor_username="pete.practitioner")
    assert set(logged.values_list("event", flat=True)) == {"iom.candidates"}
    assert logged.filter(subject_person_id=offenders["P001"].pk).exists()
    pete = actor_for(User.objects.get(username="pete.practitioner"), purpose="test")
    page = read_iom_home(pete)
    assert payload["total"] == page.candidates_total >= 1
    assert [c["person_id"] for c in payload["candidates"]] == [
        c.person_id for c in page.candidates
    ]
    first = payload["candidates"][0]
    assert first["person_id"] == offenders["P001"].pk and first["rank"] == 1
    assert first["name"] == "GivenP001 FamilyP001"
    assert first["score"] == pytest.approx(
        first["recency"] + first["frequency"] + first["gravity"], abs=0.02
    )
    assert first["score"] >= payload["threshold"]
    # --limit and the text table.
    limited = runner.invoke(
        app, ["iom", "candidates", "--as", "pete.practitioner", "--limit", "1"]
    )
    assert limited.exit_code == 0, limited.stderr
    assert "GivenP001 FamilyP001" in limited.stdout
    assert f"1 of {payload['total']} candidates shown" in limited.stderr


@pytest.mark.django_db
def test_the_cohort_lists_members_and_the_next_review(
    offenders: dict[str, Any],  # noqa: F811
) -> None:
    pete = actor_for(User.objects.get(username="pete.practitioner"), purpose="test")
    today = timezone.localdate()
    empty = runner.invoke(app, ["iom", "cohort", "--as", "pete.practitioner"])
    assert empty.exit_code == 0, empty.stderr
    assert "0 active members" in empty.stdout
    assert "No cohort review is scheduled" in empty.stderr

    meeting = do_create_iom_meeting(actor=pete, held_on=today, chair="DI Shaw")
    member = do_adopt_iom_member(
        offenders["P001"].pk,
        actor=pete,
        cohort="fixed",
        reason="Prolific burglar",
        decided_on=today,
        meeting_id=meeting.pk,
    )
    done = runner.invoke(
        app, ["iom", "cohort", "--as", "pete.practitioner", "--format", "json"]
    )
    assert done.exit_code == 0, done.stderr
    payload = json.loads(done.stdout)
    [row] = payload["members"]
    assert (row["member_id"], row["person_id"], row["cohort"]) == (
        member.pk,
        offenders["P001"].pk,
        "fixed",
    )
    assert row["last_decision"] == today.isoformat() and row["score"]["score"] > 0
    assert payload["next_review"] == {
        "meeting_id": meeting.pk,
        "held_on": today.isoformat(),
    }
    assert AuditEntry.objects.filter(
        actor_username="pete.practitioner",
        event="iom.home",
        record_id=str(member.pk),
    ).exists()
    # Adopted people are no longer candidates.
    candidates = json.loads(
        runner.invoke(
            app, ["iom", "candidates", "--as", "pete.practitioner", "--format", "json"]
        ).stdout
    )
    assert offenders["P001"].pk not in {
        c["person_id"] for c in candidates["candidates"]
    }
    text = runner.invoke(app, ["iom", "cohort", "--as", "pete.practitioner"])
    assert "GivenP001 FamilyP001" in text.stdout and "Fixed" in text.stdout


@pytest.mark.django_db
def test_errors_are_one_line(offenders: dict[str, Any]) -> None:  # noqa: F811
    _fails(["iom", "candidates"], "pass --as USERNAME")
    _fails(["iom", "cohort", "--as", "nobody"], "--as: no active user 'nobody'")
    _fails(
        ["iom", "candidates", "--as", "aisha.analyst"],
        "aisha.analyst may not open IOM records",
    )
    _fails(
        ["iom", "candidates", "--as", "pete.practitioner", "--format", "xml"],
        "--format must be text or json",
    )
    _fails(
        ["iom", "candidates", "--as", "pete.practitioner", "--limit", "0"],
        "--limit must be at least 1",
    )
