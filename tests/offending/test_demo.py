"""The demo's offences and disposals: made from the synthetic crimes' suspects, past
cohorts with figures, shared between police and probation, loaded once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.demo.offending import seed_offending
from saferleeds.demo.partner_data import seed_partner_data
from saferleeds.incidents.models import Incident
from saferleeds.offending.access_pages import read_reoffending_extract
from saferleeds.offending.models import Disposal, Offence
from saferleeds.offending.queries import latest_complete_reoffending
from saferleeds.partners.policy import actor_for


@pytest.mark.django_db
def test_the_demo_has_offences_disposals_and_past_cohorts(
    personas: dict[str, Any],
) -> None:
    seed_partner_data()
    report = seed_offending()
    assert report.created and report.offences > 100 and report.disposals > 50
    assert (Offence.objects.count(), Disposal.objects.count()) == (
        report.offences,
        report.disposals,
    )
    crimes = set(Incident.objects.values_list("reference", flat=True))
    assert set(Offence.objects.values_list("crime_reference", flat=True)) <= crimes
    # Proven offences have a disposal each; unproven ones are suspects'.
    assert Offence.objects.filter(proven_on__isnull=False).count() == report.disposals
    assert not Offence.objects.filter(proven_on__isnull=True, role="offender").exists()
    latest = latest_complete_reoffending()
    # The demo's crimes end weeks before today (saferleeds.demo.clock): the latest
    # cohort with its 12 months' follow-up and 6 months' wait began 18+ months ago.
    cutoff = timezone.localdate() - timedelta(days=548)
    assert latest is not None and latest.offenders > 10
    assert latest.cohort <= f"{cutoff.year}Q{(cutoff.month - 1) // 3 + 1}"
    # Probation sees the police's offences under the IOM agreement.
    nadia = actor_for(User.objects.get(username="nadia.probation"))
    extract = read_reoffending_extract(nadia)
    assert extract.offences.num_rows == report.disposals
    assert extract.index_events.num_rows == report.disposals
    again = seed_offending()
    assert not again.created and again.offences == report.offences
