"""`saferleeds marac figures` on the demo data: its numbers against a count made
independently in the database, the table output, and its errors."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.cli.test_cli import manage_shell, saferleeds

# Its commands run in processes of their own that use Django's database.
pytestmark = pytest.mark.database_child


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo loaded (its MARAC history included)."""
    data = tmp_path_factory.mktemp("marac-cli")
    loaded = saferleeds(data, "demo", "load")
    assert loaded.returncode == 0, loaded.stderr
    return data


# The demo's MARAC history is in the two years before the load (saferleeds.demo.clock):
# the year to today holds first referrals and repeats.
TO = timezone.localdate()
FROM = TO - timedelta(days=364)

COUNT = """
import json
from saferleeds.marac.models import MaracReferral
rows = [r for r in MaracReferral.objects.all()
        if r.status != 'withdrawn' and '<FROM>' <= r.referred_on.isoformat() <= '<TO>']
by = {}
for r in rows:
    by[r.referring_agency.name] = by.get(r.referring_agency.name, 0) + 1
print(json.dumps({"n": len(rows), "repeats": sum(r.is_repeat for r in rows), "by": by}))
""".replace("<FROM>", FROM.isoformat()).replace("<TO>", TO.isoformat())


def test_figures_json_matches_an_independent_count(demo_dir: Path) -> None:
    r = saferleeds(
        demo_dir,
        "marac",
        "figures",
        "--from",
        FROM.isoformat(),
        "--to",
        TO.isoformat(),
        "--format",
        "json",
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    want = json.loads(manage_shell(demo_dir, COUNT).strip().splitlines()[-1])
    assert want["n"] > 0 and want["repeats"] > 0  # the demo has history to count
    assert got["referrals"] == want["n"] and got["repeats"] == want["repeats"]
    assert {a["agency"]: a["referrals"] for a in got["by_agency"]} == want["by"]
    assert got["repeat_rate"] == pytest.approx(want["repeats"] / want["n"])
    assert got["days"] == 365 and got["annualised"] is False
    assert got["per_10k_women"] == pytest.approx(want["n"] / 318_000 * 10_000)
    assert got["expected_per_10k_per_year"] == 40
    assert "16+" in got["population_source"]


def test_figures_table_and_errors(demo_dir: Path) -> None:
    r = saferleeds(
        demo_dir,
        "marac",
        "figures",
        "--from",
        (TO - timedelta(days=182)).isoformat(),
        "--to",
        TO.isoformat(),
    )
    assert r.returncode == 0, r.stderr
    assert "Repeat rate" in r.stdout and "(annualised)" in r.stdout
    assert "365.25 / 183 days" in r.stdout
    bad = saferleeds(
        demo_dir, "marac", "figures", "--from", "2018-13-01", "--to", "2018-12-31"
    )
    assert bad.returncode == 2 and "--from must be a date" in bad.stderr
    back = saferleeds(
        demo_dir, "marac", "figures", "--from", "2018-02-01", "--to", "2018-01-01"
    )
    assert back.returncode == 2 and "before --from" in back.stderr
    fmt = saferleeds(
        demo_dir,
        "marac",
        "figures",
        "--from",
        "2018-01-01",
        "--to",
        "2018-02-01",
        "--format",
        "yaml",
    )
    assert fmt.returncode == 2 and "--format must be table or json" in fmt.stderr


DEMO_STATE = """
import json
from django.contrib.auth.models import User
from django.utils import timezone
from saferleeds.partners.policy import actor_for
from saferleeds.marac.queries import repeat_flags
from saferleeds.marac.models import DashAssessment, MaracMeeting, MaracReferral, MaracResearch
from saferleeds.safeguarding.models import CaseTask
today = timezone.localdate()
upcoming = MaracMeeting.objects.filter(status="scheduled", held_on__gt=today).first()
held = MaracMeeting.objects.filter(status="held", held_on__lt=today, held_on__gte=today.replace(year=today.year - 1)).first()
carol = actor_for(User.objects.get(username="carol.coordinator"))
print(json.dumps({
    "referrals": MaracReferral.objects.count(),
    "dash": DashAssessment.objects.count(),
    "upcoming_listed": upcoming.referrals.filter(status="listed").count() if upcoming else 0,
    "upcoming_research": MaracResearch.objects.filter(referral__meeting=upcoming).count(),
    "held_heard": held.referrals.filter(status="heard").count() if held else 0,
    "overdue": CaseTask.objects.filter(marac_referral__isnull=False, completed_on__isnull=True, due_on__lt=today).count(),
    "done_recently": CaseTask.objects.filter(marac_referral__meeting=held, completed_on__isnull=False).count(),
    "awaiting": MaracReferral.objects.filter(status="referred").count(),
    "flags": len(repeat_flags(carol)),
}))
"""


def test_demo_gives_the_coordinator_a_meeting_to_run_and_is_safe_to_repeat(
    demo_dir: Path,
) -> None:
    state = json.loads(manage_shell(demo_dir, DEMO_STATE).strip().splitlines()[-1])
    assert state["upcoming_listed"] == 2 and state["upcoming_research"] == 1
    assert state["held_heard"] == 2 and state["done_recently"] == 2
    assert state["overdue"] >= 2 and state["awaiting"] == 1 and state["flags"] == 1
    again = saferleeds(demo_dir, "demo", "load")
    assert again.returncode == 0, again.stderr
    after = json.loads(manage_shell(demo_dir, DEMO_STATE).strip().splitlines()[-1])
    assert after["referrals"] == state["referrals"] and after["dash"] == state["dash"]
