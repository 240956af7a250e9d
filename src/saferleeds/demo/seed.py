"""Seed the operational database with the demo agencies, personas and geography."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User  # noqa: TC002 - used at run time

from saferleeds.asb.models import AsbCaseReview
from saferleeds.demo.casework import seed_casework
from saferleeds.demo.clock import DemoCalendar
from saferleeds.demo.dardr import seed_dardr
from saferleeds.demo.governance import seed_governance
from saferleeds.demo.governance_records import seed_governance_records
from saferleeds.demo.iom import seed_iom
from saferleeds.demo.ocg import seed_ocg_nominals
from saferleeds.demo.offending import seed_offending
from saferleeds.demo.partner_data import (
    DEMO_SCALE,
    LinkageQuality,
    seed_partner_data,
)
from saferleeds.demo.personas import (
    AGENCIES,
    DEMO_PASSWORD,
    PERSONAS,
    DemoRefused,
    refuse_outside_demo,
)
from saferleeds.governance.actions import do_load_plan
from saferleeds.governance.models import Deliverable
from saferleeds.hate.models import HateReport
from saferleeds.incidents.models import Incident
from saferleeds.marac.models import MaracReferral
from saferleeds.nrm.models import NrmReferral
from saferleeds.partners.actions import do_ensure_agency, do_ensure_user
from saferleeds.partners.models import Membership, SharingAgreement
from saferleeds.partnership import current
from saferleeds.people.models import Person
from saferleeds.places.actions import do_load_geography
from saferleeds.safeguarding.models import Case

__all__ = ["DemoRefused", "SeedReport", "refuse_outside_demo", "seed_demo"]


@dataclass(frozen=True)
class SeedReport:
    """What the seeder holds after running."""

    agencies: int
    users: int
    areas: int
    people: int
    incidents: int
    cases: int
    agreements: int
    casework: dict[str, int]  # casework records held, by kind
    # How the linkage model resolved the partner records, against the planted truth.
    linkage: LinkageQuality | None = None


def seed_demo(
    *,
    on_step: Callable[[str], None] | None = None,
    today: date | None = None,
    scale: float = 1.0,
) -> SeedReport:
    """Create or update the demo cast and the partnership's areas (safe to repeat).

    Every count reported is what the database holds once seeding is done, so a repeat
    load reports what the first one did (the casework adds people, an incident and an
    agreement after the partner data).

    Args:
        on_step: Called with a description as each long step of the record linkage
            starts (for a progress display).
        today: The day the demo's dates count from (:mod:`saferleeds.demo.clock`);
            default the local date. Seeding is deterministic given this day.
        scale: How many times the demo's synthetic partner records (people,
            incidents, offences) to load: 10 loads ten times the people, for load
            tests. Only a first load uses it (a repeat load adds nothing).

    Raises:
        DemoRefused: Outside demo and test (:func:`refuse_outside_demo`).
    """
    refuse_outside_demo()
    day = DemoCalendar.of(today).today
    agencies = {
        a.code: do_ensure_agency(a.code, a.name, a.kind, actor=None) for a in AGENCIES
    }
    for p in PERSONAS:
        user = do_ensure_user(
            p.username,
            agency=agencies[p.agency],
            roles=p.roles,
            password=DEMO_PASSWORD,
            first_name=p.first_name,
            last_name=p.last_name,
            job_title=p.job_title,
            actor=None,
        )
        _mark_seeded(user)
    areas = do_load_geography(current(), actor=None)
    partner = seed_partner_data(on_step=on_step, today=day, scale=DEMO_SCALE * scale)
    seed_casework(today=day)
    offending = seed_offending(today=day)
    ocg = seed_ocg_nominals()  # the police's OCG lists, from the demo's co-offending
    iom = seed_iom(today=day)  # the IOM cohort from the demo offenders, its reviews
    do_load_plan(actor=None)  # the strategy's plan: priorities, deliverables, boards
    seed_governance()  # RAG statuses with evidence, through the governance action
    seed_governance_records(day)  # milestones, board meetings, tension reports
    death_reviews = seed_dardr(day)  # death reviews and their recommendations
    held = {
        "MARAC referrals": MaracReferral.objects.count(),
        "hate reports": HateReport.objects.count(),
        "ASB case reviews": AsbCaseReview.objects.count(),
        "NRM referrals": NrmReferral.objects.count(),
        "offences": offending.offences,
        "disposals": offending.disposals,
        "OCG nominations": ocg.nominations,
        "IOM cohort members": iom.members,
        "plan deliverables": Deliverable.objects.count(),
        "death reviews": death_reviews,
    }
    return SeedReport(
        len(agencies),
        len(PERSONAS),
        areas,
        Person.objects.count(),
        Incident.objects.count(),
        Case.objects.count(),
        SharingAgreement.objects.count(),
        held,
        partner.linkage,
    )


def _mark_seeded(user: User) -> None:
    """Record that a persona's password is the published demo one (unless its owner
    changed it since), so production refuses to start while it is usable."""
    if user.has_usable_password():
        Membership.objects.filter(user=user).exclude(
            password_origin=Membership.PasswordOrigin.OWNER
        ).update(password_origin=Membership.PasswordOrigin.SEEDED)
