"""The demo's IOM cohort: the 20 highest-scoring demo offenders, two past cohort
reviews and the next one due, pathway needs and interventions.

Made by the probation persona (``nadia.probation``, National Probation Service, who
sees the police's offences under the IOM agreement) through the IOM actions, so every
record is audited as a user's would be. The cohort is scored on the offences as they
stood on the day of the first review (:func:`selection_scores`), and split
7 Fixed / 7 Flex / 6 Free by rank. The first review (eight weeks ago) adopted them;
the second (four weeks ago) retained three, moved one and de-selected one; the next is
due in two weeks. A cohort agreement between police and probation shares the IOM
records both ways. Every draw comes from ``random.Random(seed)``; safe to repeat (does
nothing once the demo's reviews exist).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from saferleeds.analytics.iom_selection import OffenceFact, selection_scores
from saferleeds.demo.partner_data import DEMO_SEED
from saferleeds.iom.actions import (
    do_add_iom_intervention,
    do_adopt_iom_member,
    do_create_iom_meeting,
    do_decide_iom_member,
    do_mark_iom_meeting_held,
    do_record_iom_pathway_need,
    do_update_iom_intervention,
)
from saferleeds.iom.models import IomMeeting, IomMember, Pathway
from saferleeds.iom.queries import selection_parameters
from saferleeds.iom.records import (
    IOM_DECISION,
    IOM_INTERVENTION,
    IOM_MEMBER,
    IOM_PATHWAY_NEED,
)
from saferleeds.offending.access import offences_visible_to
from saferleeds.offending.models import Offence
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency, SharingAgreement
from saferleeds.partners.policy import actor_for

__all__ = ["IomReport", "seed_iom"]

CHAIR = "Leeds IOM cohort review (demo)"
AGREEMENT = "iom-cohort-isa"
COHORT_SIZE = 20
SPLIT = (("fixed", 7), ("flex", 7), ("free", 6))
# Who delivers interventions on each pathway in the demo.
OWNERS = {
    Pathway.ACCOMMODATION: "lcc",
    Pathway.ETE: "lcc",
    Pathway.HEALTH: "ccg",
    Pathway.DRUGS_ALCOHOL: "ccg",
    Pathway.FINANCE: "lcc",
    Pathway.CHILDREN_FAMILIES: "lcc",
    Pathway.ATTITUDES: "nps",
}
INTERVENTIONS = {
    Pathway.ACCOMMODATION: "Supported housing referral",
    Pathway.ETE: "Employment and skills programme",
    Pathway.HEALTH: "GP registration and health check",
    Pathway.DRUGS_ALCOHOL: "Drug rehabilitation requirement",
    Pathway.FINANCE: "Debt advice appointment",
    Pathway.CHILDREN_FAMILIES: "Family support worker",
    Pathway.ATTITUDES: "Thinking Skills Programme",
}


@dataclass(frozen=True)
class IomReport:
    """What the demo holds: cohort members, meetings, and whether made now."""

    members: int
    meetings: int
    created: bool


def _agreement(today: date) -> None:
    if SharingAgreement.objects.filter(reference=AGREEMENT).exists():
        return
    pair = list(Agency.objects.filter(code__in=["wyp", "nps"]))
    do_create_agreement(
        actor=None,
        reference=AGREEMENT,
        providers=pair,
        recipients=pair,
        title="IOM cohort information sharing agreement",
        purpose="Running the IOM cohort: selection, reviews, pathways, interventions.",
        record_types=[IOM_MEMBER, IOM_DECISION, IOM_PATHWAY_NEED, IOM_INTERVENTION],
        case_types=[],
        starts_on=date(2018, 4, 1),
        ends_on=today + timedelta(days=2 * 365),
        signed_by="Head of Leeds NPS; Leeds District Commander, WYP",
        signed_on=date(2018, 3, 1),
        lawful_basis="Crime and Disorder Act 1998 s115; DPA 2018 Part 3",
    )


@transaction.atomic
def seed_iom(*, seed: int = DEMO_SEED, today: date | None = None) -> IomReport:
    """Make the demo's IOM cohort once (safe to repeat; needs the demo offences).

    Args:
        seed: The seed of the draws.
        today: The day of the load (default: the local date); reviews count from it.
    """
    if IomMeeting.objects.filter(chair=CHAIR).exists():
        return IomReport(
            IomMember.objects.count(), IomMeeting.objects.count(), created=False
        )
    today = today or timezone.localdate()
    _agreement(today)
    actor = actor_for(User.objects.get(username="nadia.probation"))
    offences = offences_visible_to(actor).filter(role=Offence.Role.OFFENDER)
    end = offences.aggregate(last=Max("committed_on"))["last"]
    if end is None:
        return IomReport(0, 0, created=False)
    # Scored as the offences stood on the day of the review that adopted the cohort
    # (no reason may cite an offence after it), or at their end if that is earlier.
    scored_on = min(end, today - timedelta(days=56))
    facts = [
        OffenceFact(str(p), d, c)
        for p, d, c in offences.filter(committed_on__lte=scored_on).values_list(
            "person_id", "committed_on", "offence_code"
        )
    ]
    ranked = selection_scores(facts, on=scored_on, parameters=selection_parameters())
    chosen = ranked[:COHORT_SIZE]
    rng = random.Random(seed + 14)  # noqa: S311 - synthetic data, reproducible
    agencies = {a.code: a.pk for a in Agency.objects.all()}

    first = do_create_iom_meeting(
        actor=actor,
        held_on=today - timedelta(days=56),
        chair=CHAIR,
        venue="Elland Road",
    )
    second = do_create_iom_meeting(
        actor=actor,
        held_on=today - timedelta(days=28),
        chair=CHAIR,
        venue="Elland Road",
    )
    do_create_iom_meeting(
        actor=actor,
        held_on=today + timedelta(days=14),
        chair=CHAIR,
        venue="Elland Road",
    )
    cohorts = [c for c, n in SPLIT for _ in range(n)]
    members = []
    for score, cohort in zip(chosen, cohorts, strict=False):
        member = do_adopt_iom_member(
            int(score.person),
            actor=actor,
            cohort=cohort,
            reason=(
                f"Selection score {score.score:.1f}: {score.offences_in_window} "
                f"offences in the window, latest {score.last_offence:%-d %B %Y}."
            ),
            decided_on=first.held_on,
            meeting_id=first.pk,
            score=round(score.score, 2),
        )
        members.append(member)
        for pathway in rng.sample(list(Pathway), rng.randint(2, 4)):
            level = rng.choice(["low", "medium", "high", "high"])
            do_record_iom_pathway_need(
                member.pk,
                actor=actor,
                pathway=pathway,
                level=level,
                assessed_on=first.held_on + timedelta(days=rng.randint(1, 10)),
            )
            if level != "high":
                continue
            intervention = do_add_iom_intervention(
                member.pk,
                actor=actor,
                pathway=pathway,
                description=INTERVENTIONS[pathway],
                owner_agency_id=agencies[OWNERS[pathway]],
                started_on=first.held_on + timedelta(days=rng.randint(7, 21)),
                status="active",
            )
            if rng.random() < 0.3:
                do_update_iom_intervention(
                    intervention.pk,
                    actor=actor,
                    status=rng.choice(["completed", "disengaged"]),
                    outcome="Recorded at the review",
                    ended_on=second.held_on,
                )
    do_mark_iom_meeting_held(first.pk, actor=actor)
    review = [
        ("retain", None, "Still offending; engaging with the pathways."),
        ("retain", None, "Recently released; keep under review."),
        ("retain", None, "Not yet engaged with the drugs intervention."),
        ("change", "fixed", "Escalating violence: moved to the Fixed cohort."),
        ("deselect", None, "No offending since adoption; stable housing."),
    ]
    for member, (decision, cohort, reason) in zip(members[7:12], review, strict=False):
        do_decide_iom_member(
            member.pk,
            actor=actor,
            decision=decision,
            cohort=cohort,
            reason=reason,
            decided_on=second.held_on,
            meeting_id=second.pk,
        )
    do_mark_iom_meeting_held(second.pk, actor=actor)
    return IomReport(len(members), 3, created=True)
