"""The demo's IOM cohort: 20 demo offenders, reviews past and due, pathways, the
comparison with the rest; shared between police and probation; loaded once."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from saferleeds.demo.iom import seed_iom
from saferleeds.demo.offending import seed_offending
from saferleeds.demo.partner_data import seed_partner_data
from saferleeds.iom.access_pages import read_iom_home
from saferleeds.iom.models import IomDecision, IomIntervention, IomMeeting, IomMember
from saferleeds.partners.policy import actor_for


@pytest.mark.django_db
def test_the_demo_has_a_cohort_with_reviews(personas: dict[str, Any]) -> None:
    seed_partner_data()
    seed_offending()
    report = seed_iom()
    assert report.created and report.members == 20
    assert IomMember.objects.filter(status="active").count() == 19
    assert IomMeeting.objects.filter(status="held").count() == 2
    assert IomMeeting.objects.filter(status="scheduled").count() == 1
    assert IomDecision.objects.filter(meeting__isnull=False).count() == 25
    assert IomIntervention.objects.exists()
    # The police see the cohort probation leads, under the cohort agreement.
    pete = actor_for(User.objects.get(username="pete.practitioner"))
    home = read_iom_home(pete)
    assert len(home.members) == 19 and home.next_meeting is not None
    assert home.comparison is not None and home.comparison.group.offenders > 0
    assert not seed_iom().created


@pytest.mark.django_db
def test_the_indicators_card_compares_the_iom_cohort_for_the_executive(
    personas: dict[str, Any],
    client: Any,
    sign_in: Any,
    settings: Any,
    police_store_path: Any,
) -> None:
    """Counts only, for roles that never see the members: "IOM vs not" on the card."""
    from saferleeds.iom.queries import iom_reoffending_comparison

    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    seed_partner_data()
    seed_offending()
    seed_iom()
    c = iom_reoffending_comparison()
    assert c is not None and c.group.offenders > 0 and c.rest.offenders > 0
    sign_in(client, personas["ed.executive"])
    html = client.get("/indicators/", {"period": "2018-07"}).content.decode()
    start = html.index('data-testid="reoffending-iom"')
    line = html[start : html.index("</p>", start)]
    assert (
        f"{c.group.reoffenders} of {c.group.offenders} IOM members re-offended, "
        f"against {c.rest.reoffenders} of {c.rest.offenders} others"
    ) in line
    assert f"p = {c.p_value:.3f}" in line
