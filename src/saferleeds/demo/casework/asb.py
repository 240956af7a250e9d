"""Demo ASB casework: three ASB cases with complaints, risk assessments and
interventions, and three ASB Case Review applications (threshold met and reviewed with
recommendations; not met; awaiting a decision past its service level), all made
through the ASB actions so the audit trail is a real one.

Dates are relative to today so the service-level clocks always have something to show.
The complainants and alleged perpetrators are people from the synthetic partner data
(Leeds City Council's ASB complaints).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.asb import actions
from saferleeds.incidents.models import Incident, IncidentPerson
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, actor_for
from saferleeds.safeguarding.models import Case

MARKER = "ASB-DEMO-001"  # the first demo ASB case: present means already seeded


def _actor(username: str) -> Actor | None:
    user = User.objects.filter(username=username).first()
    return actor_for(user, purpose="demo data") if user else None


def _parties(limit: int) -> list[tuple[int, int, int]]:
    """``(incident, complainant, perpetrator)`` from LCC ASB incidents, one per
    complainant, oldest first."""
    found: list[tuple[int, int, int]] = []
    seen: set[int] = set()
    incidents = Incident.objects.filter(
        category=Incident.Category.ASB, owner_agency__code="lcc"
    ).order_by("occurred_on", "pk")
    for incident in incidents[:500]:
        roles = dict(
            IncidentPerson.objects.filter(incident=incident).values_list(
                "role", "person_id"
            )
        )
        complainant, perpetrator = roles.get("complainant"), roles.get("suspect")
        if complainant and perpetrator and complainant not in seen | {perpetrator}:
            seen |= {complainant, perpetrator}
            found.append((incident.pk, complainant, perpetrator))
        if len(found) == limit:
            break
    return found


def _complaints(
    actor: Actor,
    complainant: int,
    rows: list[tuple[int, int, str, bool]],
    today: date,
    incident: int | None = None,
) -> list[int]:
    """Record complaints: ``(behaviour days ago, reported days ago, text, harassment)``."""
    return [
        actions.do_record_asb_complaint(
            actor=actor,
            behaviour_on=today - timedelta(days=b),
            reported_on=today - timedelta(days=r),
            description=text,
            harassment=harassment,
            complainant_id=complainant,
            incident_id=incident,
        ).pk
        for b, r, text, harassment in rows
    ]


def seed(today: date | None = None) -> int:
    """Seed the demo's ASB records once; returns how many records were created."""
    if Case.objects.filter(reference=MARKER).exists():
        return 0
    carol, pete = _actor("carol.coordinator"), _actor("pete.practitioner")
    parties = _parties(3)
    if carol is None or pete is None or len(parties) < 3:
        return 0  # no personas or partner data: nothing to hang the cases on
    today = today or timezone.localdate()
    agencies = {a.code: a.pk for a in Agency.objects.all()}
    created = 0
    d = lambda n: today - timedelta(days=n)  # noqa: E731 - days ago, read aloud

    # 1. Threats and intimidation: threshold met, reviewed, recommendations made.
    incident, victim, perpetrator = parties[0]
    ids = _complaints(
        carol,
        victim,
        [
            (100, 98, "Shouting and threats at the front door late at night", True),
            (72, 68, "Neighbour's visitors blocked the path and made threats", True),
            (41, 38, "Stones thrown at the window; the family is frightened", True),
        ],
        today,
        incident,
    )
    case = actions.do_open_asb_case(
        actor=carol,
        title="Threats and intimidation, Harehills",
        opened_on=d(97),
        complaint_ids=ids,
        perpetrator_ids=[perpetrator],
        reference=MARKER,
    )
    carol = _actor("carol.coordinator") or carol  # now a member of the new case
    pete_ids = _complaints(
        pete,
        victim,
        [(57, 55, "Reported to police: verbal abuse in the street", True)],
        today,
    )
    created += len(ids) + len(pete_ids) + 1
    actions.do_record_asb_assessment(
        case.pk,
        actor=carol,
        complainant_id=victim,
        assessed_on=d(90),
        answers={
            "fear": 3,
            "threats_violence": 3,
            "repeat": 2,
            "at_home": 3,
            "mental_health": 2,
        },
        notes="Victim is afraid to leave the house after dark.",
    )
    cpw = actions.do_record_asb_intervention(
        case.pk,
        actor=carol,
        kind="cpw",
        issued_on=d(80),
        subject_id=perpetrator,
        expires_on=d(80) + timedelta(days=90),
        notes="Written warning to stop the threats.",
    )
    actions.do_record_asb_intervention_outcome(
        cpw.pk, actor=carol, outcome="breached", outcome_on=d(41)
    )
    actions.do_record_asb_intervention(
        case.pk,
        actor=carol,
        kind="cpn",
        issued_on=d(30),
        subject_id=perpetrator,
        expires_on=d(30) + timedelta(days=365),
    )
    created += 4
    review = actions.do_receive_asb_case_review(
        actor=carol, received_on=d(35), applicant_id=victim, case_id=case.pk
    )
    v = actions.do_acknowledge_asb_case_review(
        review.pk, actor=carol, acknowledged_on=d(33), version=review.version
    )
    v = actions.do_decide_asb_case_review(
        review.pk, actor=carol, decision_on=d(28), version=v
    )
    v = actions.do_hold_asb_case_review(
        review.pk,
        actor=carol,
        held_on=d(14),
        chair="Independent chair (Leeds Federation of Housing Associations)",
        outcome=(
            "The agencies acted on each report but did not join them up. A joint "
            "action plan is agreed: noise and CCTV monitoring, extra patrols, and "
            "a referral to victim support."
        ),
        version=v,
        recommendations=[
            actions.RecommendationInput(
                "Install CCTV monitoring at the property", agencies["lcc"], d(-30)
            ),
            actions.RecommendationInput(
                "Neighbourhood team to patrol the street in the evenings",
                agencies["wyp"],
                d(-14),
            ),
            actions.RecommendationInput(
                "Refer the victim to Victim Support", agencies["lcc"], d(7)
            ),
        ],
    )
    actions.do_tell_asb_applicant(review.pk, actor=carol, told_on=d(12), version=v)
    actions.do_record_asb_assessment(
        case.pk,
        actor=carol,
        complainant_id=victim,
        assessed_on=d(3),
        answers={
            "fear": 3,
            "threats_violence": 2,
            "repeat": 2,
            "at_home": 3,
            "mental_health": 3,
        },
        notes="Reviewed after the case review: still high risk until the CCTV is in.",
    )
    done = review.recommendations.order_by("pk").last()
    if done is not None:
        actions.do_complete_asb_recommendation(done.pk, actor=carol, completed_on=d(5))
    created += 1 + 3 + 1

    # 2. Noise and littering: threshold not met (nuisance only; one too late).
    incident, victim, perpetrator = parties[1]
    ids = _complaints(
        carol,
        victim,
        [
            (60, 58, "Loud music until 2am, residents intimidated", True),
            (45, 44, "Shouting in the garden, abuse when challenged", True),
            (30, 29, "Rubbish left in the shared garden", False),
            (120, 50, "Fence damaged in the summer, reported late", True),
        ],
        today,
        incident,
    )
    case = actions.do_open_asb_case(
        actor=carol,
        title="Noise and abuse, Seacroft",
        opened_on=d(57),
        complaint_ids=ids,
        perpetrator_ids=[perpetrator],
        reference="ASB-DEMO-002",
    )
    carol = _actor("carol.coordinator") or carol
    actions.do_record_asb_assessment(
        case.pk,
        actor=carol,
        complainant_id=victim,
        assessed_on=d(55),
        answers={"fear": 2, "repeat": 2, "daily_life": 2, "at_home": 2},
    )
    warning = actions.do_record_asb_intervention(
        case.pk, actor=carol, kind="warning", issued_on=d(50), subject_id=perpetrator
    )
    actions.do_record_asb_intervention_outcome(
        warning.pk, actor=carol, outcome="complied", outcome_on=d(20)
    )
    review = actions.do_receive_asb_case_review(
        actor=carol, received_on=d(25), applicant_id=victim, case_id=case.pk
    )
    v = actions.do_acknowledge_asb_case_review(
        review.pk, actor=carol, acknowledged_on=d(24), version=review.version
    )
    v = actions.do_decide_asb_case_review(
        review.pk, actor=carol, decision_on=d(18), version=v
    )
    actions.do_tell_asb_applicant(review.pk, actor=carol, told_on=d(15), version=v)
    created += len(ids) + 1 + 1 + 1 + 1

    # 3. Youths gathering: application awaiting a decision, past its service level.
    incident, victim, perpetrator = parties[2]
    ids = _complaints(
        carol,
        victim,
        [
            (80, 79, "Group gathering outside the shop, intimidating customers", True),
            (64, 62, "Fireworks thrown at the door", True),
            (47, 46, "Abuse shouted at the complainant's children", True),
        ],
        today,
        incident,
    )
    case = actions.do_open_asb_case(
        actor=carol,
        title="Youths gathering, Armley Town Street",
        opened_on=d(78),
        complaint_ids=ids,
        perpetrator_ids=[perpetrator],
        reference="ASB-DEMO-003",
    )
    carol = _actor("carol.coordinator") or carol
    actions.do_record_asb_assessment(
        case.pk,
        actor=carol,
        complainant_id=victim,
        assessed_on=d(75),
        answers={"fear": 1, "repeat": 1, "at_home": 1},
    )
    actions.do_record_asb_intervention(
        case.pk,
        actor=carol,
        kind="abc",
        issued_on=d(40),
        subject_id=perpetrator,
        expires_on=d(40) + timedelta(days=180),
    )
    review = actions.do_receive_asb_case_review(
        actor=carol, received_on=d(30), applicant_id=victim, case_id=case.pk
    )
    actions.do_acknowledge_asb_case_review(
        review.pk, actor=carol, acknowledged_on=d(27), version=review.version
    )
    created += len(ids) + 1 + 1 + 1 + 1
    return created
