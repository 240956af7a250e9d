"""Hate report fixtures: the demo cast, a reporting centre with rita.reporter, reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.hate.actions import (
    do_ensure_centre_staff,
    do_ensure_reporting_centre,
    do_receive_hate_report,
)
from saferleeds.hate.models import HateReport, ReportingCentre
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency, RecordType
from saferleeds.partners.policy import Actor, actor_for


def details(**changes: Any) -> dict[str, Any]:
    """The fields of a complete anonymous report, with ``changes`` applied."""
    base: dict[str, Any] = {
        "what_happened": "Shouted at about my wheelchair on the bus.",
        "occurred_on": timezone.localdate() - timedelta(days=1),
        "occurred_time": None,
        "location": "Bus stop on Boar Lane",
        "postcode": "LS1 6HW",
        "strands": ["disability"],
        "strand_other": "",
        "perceived_by": "victim",
        "reporter_is_victim": True,
        "reported_via": "online",
        "anonymous": True,
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "contact_preference": "none",
        "safe_times": "",
    }
    if changes.get("contact_email") or changes.get("contact_phone"):
        base["anonymous"] = False
        base["contact_preference"] = (
            "email" if changes.get("contact_email") else "phone"
        )
    base.update(changes)
    return base


@pytest.fixture
def centre(personas: dict[str, Any]) -> ReportingCentre:
    """The City One Stop Centre (reports to LCC), with rita.reporter as its staff."""
    lcc = Agency.objects.get(code="lcc")
    c = do_ensure_reporting_centre(
        "City One Stop Centre", agency=lcc, address="Merrion House", actor=None
    )
    do_ensure_centre_staff(
        "rita.reporter", centre=c, password=None, job_title="Volunteer", actor=None
    )
    return c


@pytest.fixture
def report(personas: dict[str, Any]) -> Callable[..., HateReport]:
    """Make a public report; keyword arguments change its fields."""

    def make(**changes: Any) -> HateReport:
        return do_receive_hate_report(details(**changes), actor=None)

    return make


@pytest.fixture
def actor(personas: dict[str, Any]) -> Callable[[str], Actor]:
    """The actor for a persona, by username."""
    return lambda username: actor_for(personas[username])


def share_hate_reports(
    provider: str, recipient: str, *, ends_on: date | None = None
) -> None:
    """An agreement sharing hate reports from ``provider`` to ``recipient``."""
    agencies = {a.code: a for a in Agency.objects.all()}
    today = timezone.localdate()
    do_create_agreement(
        actor=None,
        reference=f"hate-{provider}-{recipient}",
        providers=[agencies[provider]],
        recipients=[agencies[recipient]],
        title="Hate crime information sharing",
        purpose="Tackling hate crime",
        lawful_basis="Crime and Disorder Act 1998 s115",
        record_types=[RecordType.HATE_REPORT],
        starts_on=today - timedelta(days=30),
        ends_on=ends_on or today + timedelta(days=30),
        signed_by="Chief Officer",
        signed_on=today - timedelta(days=30),
    )
