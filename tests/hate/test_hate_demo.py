"""The demo's hate casework: a centre with rita.reporter, about twenty reports in every
state, repeats to find, one hate crime case; safe to load twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.test import Client

from saferleeds.demo.casework import hate
from saferleeds.hate import repeats
from saferleeds.hate.access import hate_reports_visible_to
from saferleeds.hate.models import HateReport, ReportingCentre
from saferleeds.partners.policy import actor_for


def test_demo_seed_is_complete_and_safe_to_repeat(
    personas: dict[str, Any], client: Client, sign_in: Any
) -> None:
    assert hate.seed() == len(hate.REPORTS) == 20
    assert hate.seed() == 0
    assert HateReport.objects.count() == 20
    centre = ReportingCentre.objects.get(name=hate.CENTRE)
    assert personas["rita.reporter"].reporting_centre_staff.centre == centre
    statuses = Counter(HateReport.objects.values_list("status", flat=True))
    assert set(statuses) == {"new", "triaged", "referred_to_police", "closed"}
    assert HateReport.objects.filter(reporting_centre=centre).count() == 6
    assert HateReport.objects.filter(anonymous=True).exists()
    assert HateReport.objects.filter(case__case_type="hate").count() == 1
    found = repeats.find_repeats(
        hate_reports_visible_to(actor_for(personas["carol.coordinator"]))
    )
    assert found.victims and found.locations
    sign_in(client, personas["carol.coordinator"])
    assert "Repeat location" in client.get("/hate-reports/").content.decode()
    sign_in(client, personas["rita.reporter"])
    page = client.get("/hate-reports/centre/").content.decode()
    assert page.count("COSC-") == 6
