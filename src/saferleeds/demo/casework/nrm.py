"""Demo modern slavery casework: NRM referrals at each stage of the process.

Built through the same actions the pages use (so the audit trail is real), with dates
relative to today so the list always shows one referral overdue for its Reasonable
Grounds decision, one waiting for its Conclusive Grounds decision, one concluded and
one anonymous Duty to Notify. Safe to repeat: does nothing once its first case exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.nrm.actions import (
    do_make_nrm_referral,
    do_record_conclusive_grounds,
    do_record_reasonable_grounds,
)
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.safeguarding.actions import do_create_case, do_link_person_to_case
from saferleeds.safeguarding.models import Case


@dataclass(frozen=True)
class DemoReferral:
    """One demo case and its referral, dated in days before today."""

    reference: str
    title: str
    given_name: str
    family_name: str
    age_group: str
    consented: bool
    exploitation: tuple[str, ...]
    referred_days_ago: int
    rg: tuple[str, int] | None = None  # (decision, days ago)
    cg: tuple[str, int] | None = None
    notes: str = ""


DEMO: tuple[DemoReferral, ...] = (
    DemoReferral(
        "MS-DEMO-001",
        "Hand car wash, Kirkstall Road",
        "Andrei",
        "Popescu",
        "adult",
        True,
        ("labour",),
        referred_days_ago=12,
        notes="Found living on site; wages withheld to repay 'travel debt'.",
    ),
    DemoReferral(
        "MS-DEMO-002",
        "Nail bar, Harehills",
        "Linh",
        "Tran",
        "adult",
        True,
        ("labour", "domestic_servitude"),
        referred_days_ago=45,
        rg=("positive", 40),
    ),
    DemoReferral(
        "MS-DEMO-003",
        "County lines: Leeds to Scarborough",
        "Jayden",
        "Miller",
        "child",
        False,
        ("criminal",),
        referred_days_ago=130,
        rg=("positive", 126),
        cg=("positive", 80),
        notes="Referred by the council's children's services; no consent needed.",
    ),
    DemoReferral(
        "MS-DEMO-004",
        "Cannabis farm, Beeston",
        "Minh",
        "Nguyen",
        "adult",
        False,
        ("criminal", "labour"),
        referred_days_ago=20,
        notes="Declined referral after advice; anonymous notification made.",
    ),
)


def seed(today: date | None = None) -> int:
    """Seed the demo's modern slavery cases and referrals once; returns how many.

    Returns 0 when the demo cast is missing (no coordinator to act as) or the records
    already exist.
    """
    coordinator = User.objects.filter(username="carol.coordinator").first()
    if coordinator is None or Case.objects.filter(reference=DEMO[0].reference).exists():
        return 0
    actor = actor_for(coordinator, purpose="demo data")
    today = today or timezone.localdate()
    created = 0
    for n, demo in enumerate(DEMO, start=1):
        case = do_create_case(
            actor=actor,
            reference=demo.reference,
            case_type=Case.Type.MODERN_SLAVERY,
            title=demo.title,
            opened_on=today - timedelta(days=demo.referred_days_ago + 2),
        )
        actor = actor_for(coordinator, purpose="demo data")  # now a member of it
        person = do_create_person(
            actor=actor,
            reference=f"LCC-MS-{n:03d}",
            given_name=demo.given_name,
            family_name=demo.family_name,
        )
        do_link_person_to_case(case.pk, person.pk, "victim", actor=actor)
        referral = do_make_nrm_referral(
            case.pk,
            actor=actor,
            age_group=demo.age_group,
            consented=demo.consented,
            exploitation=list(demo.exploitation),
            referred_on=today - timedelta(days=demo.referred_days_ago),
            potential_victim_id=person.pk,
            notes=demo.notes,
        )
        if demo.rg is not None:
            referral = do_record_reasonable_grounds(
                referral.pk,
                actor=actor,
                decision=demo.rg[0],
                decided_on=today - timedelta(days=demo.rg[1]),
                expected_version=referral.version,
            )
        if demo.cg is not None:
            do_record_conclusive_grounds(
                referral.pk,
                actor=actor,
                decision=demo.cg[0],
                decided_on=today - timedelta(days=demo.cg[1]),
                expected_version=referral.version,
            )
        created += 1
    return created
