"""`saferleeds asb stats` after `saferleeds demo load`, checked against a recount of the
applications in the database, and the ASB demo seeder being safe to repeat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import manage_shell, saferleeds

# Its commands run in processes of their own that use Django's database.
pytestmark = pytest.mark.database_child

RECOUNT = """
import json
from datetime import date
from saferleeds.asb.models import AsbCaseReview, AsbRecommendation
first, last = date({y}, 4, 1), date({y} + 1, 3, 31)
rs = list(AsbCaseReview.objects.all())
inside = lambda d: d is not None and first <= d <= last
print(json.dumps({{
    "applications": sum(inside(r.received_on) for r in rs),
    "thresholds_met": sum(inside(r.decision_on) and r.threshold_met is True for r in rs),
    "thresholds_not_met": sum(inside(r.decision_on) and r.threshold_met is False for r in rs),
    "reviews_held": sum(inside(r.review_held_on) for r in rs),
    "recommendations": AsbRecommendation.objects.filter(
        review__review_held_on__gte=first, review__review_held_on__lte=last).count(),
}}))
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("asb")
    r = saferleeds(d, "demo", "load")
    assert r.returncode == 0, r.stderr
    return d


def _year(data: Path) -> int:
    out = manage_shell(
        data,
        "from saferleeds.asb.models import AsbCaseReview;"
        "print(AsbCaseReview.objects.order_by('received_on').first().received_on)",
    )
    received = out.strip().splitlines()[-1]
    y, m = int(received[:4]), int(received[5:7])
    return y if m >= 4 else y - 1


def test_stats_json_matches_a_recount(data: Path) -> None:
    year = _year(data)
    r = saferleeds(data, "asb", "stats", "--year", str(year), "--format", "json")
    assert r.returncode == 0, r.stderr
    stats = json.loads(r.stdout)
    recount = json.loads(
        manage_shell(data, RECOUNT.format(y=year)).strip().splitlines()[-1]
    )
    for key, value in recount.items():
        assert stats[key] == value, key
    # The demo: one met and reviewed, one not met, one awaiting a decision.
    assert stats["applications"] >= 3 and stats["awaiting_decision"] >= 1
    assert stats["recommendations"] >= 1
    assert sum(stats["applications_by_month"].values()) == stats["applications"]
    empty = saferleeds(data, "asb", "stats", "--year", "2015", "--format", "json")
    assert json.loads(empty.stdout)["applications"] == 0


def test_stats_table_csv_and_errors(data: Path) -> None:
    year = _year(data)
    table = saferleeds(data, "asb", "stats", "--year", str(year))
    assert table.returncode == 0 and "Applications received" in table.stdout
    as_csv = saferleeds(data, "asb", "stats", "--year", str(year), "--format", "csv")
    assert as_csv.stdout.splitlines()[0] == "measure,period,count"
    bad = saferleeds(data, "asb", "stats", "--format", "xml")
    assert bad.returncode == 2 and "error" in bad.stderr
    early = saferleeds(data, "asb", "stats", "--year", "2013")
    assert early.returncode == 2


def test_demo_seeder_is_safe_to_repeat(data: Path) -> None:
    count = (
        "from saferleeds.asb.models import AsbComplaint, AsbCaseReview;"
        "print(AsbComplaint.objects.count(), AsbCaseReview.objects.count())"
    )
    before = manage_shell(data, count).strip().splitlines()[-1]
    again = manage_shell(
        data, "from saferleeds.demo.casework.asb import seed; print(seed())"
    )
    assert again.strip().splitlines()[-1] == "0"
    assert manage_shell(data, count).strip().splitlines()[-1] == before
    statuses = manage_shell(
        data,
        "from saferleeds.asb.models import AsbCaseReview;"
        "print(sorted(AsbCaseReview.objects.values_list('status', flat=True)))",
    )
    assert "['closed', 'closed', 'received']" in statuses
