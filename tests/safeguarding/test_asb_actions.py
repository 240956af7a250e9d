"""ASB actions: who may record what, what each changes and audits, and the ASB Case
Review from application to the applicant being told (on the real database)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from saferleeds.asb.access import (
    asb_case_reviews_visible_to,
    asb_complaints_visible_to,
)
from saferleeds.asb.actions import (
    AsbRuleError,
    RecommendationInput,
    do_acknowledge_asb_case_review,
    do_add_asb_recommendation,
    do_complete_asb_recommendation,
    do_decide_asb_case_review,
    do_hold_asb_case_review,
    do_open_asb_case,
    do_receive_asb_case_review,
    do_record_asb_assessment,
    do_record_asb_complaint,
    do_record_asb_intervention,
    do_record_asb_intervention_outcome,
    do_tell_asb_applicant,
)
from saferleeds.asb.models import AsbCaseReview
from saferleeds.audit.models import AuditEntry
from saferleeds.incidents.actions import do_create_incident
from saferleeds.locking import Conflict
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound, actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.people.models import Person
from saferleeds.safeguarding.models import Case, CasePerson

pytestmark = pytest.mark.django_db
APP = date(2025, 9, 1)


def _actor(personas: dict[str, Any], name: str) -> Actor:
    return actor_for(personas[name])


def _person(actor: Actor, ref: str, given: str = "Jo") -> Person:
    return do_create_person(
        actor=actor, reference=ref, given_name=given, family_name="Bloggs"
    )


def _events(event: str) -> int:
    return AuditEntry.objects.filter(event=event).count()


def _complaints(actor: Actor, who: Person, n: int, **kw: Any) -> list[int]:
    return [
        do_record_asb_complaint(
            actor=actor,
            behaviour_on=APP - timedelta(days=20 * i + 3),
            reported_on=APP - timedelta(days=20 * i + 1),
            description=f"Shouting and threats {i}",
            complainant_id=who.pk,
            **kw,
        ).pk
        for i in range(n)
    ]


@pytest.fixture
def pete(personas: dict[str, Any]) -> Actor:
    return _actor(personas, "pete.practitioner")


@pytest.fixture
def victim(pete: Actor) -> Person:
    return _person(pete, "WYP-V1", "Val")


def test_record_complaint_audited_and_only_by_casework_staff(
    personas: dict[str, Any], pete: Actor, victim: Person
) -> None:
    before = _events("safeguarding.asb_complaint.create")
    c = do_record_asb_complaint(
        actor=pete,
        behaviour_on=APP,
        reported_on=APP,
        description="Noise and threats",
        complainant_id=victim.pk,
    )
    assert c.agency_id == pete.agency_id and c.causes_harassment
    assert _events("safeguarding.asb_complaint.create") == before + 1
    entry = AuditEntry.objects.filter(event="safeguarding.asb_complaint.create").last()
    assert entry is not None and entry.subject_person_id == victim.pk
    for name in ("ed.executive", "aisha.analyst", "iris.ig"):
        with pytest.raises(Forbidden):
            do_record_asb_complaint(
                actor=_actor(personas, name),
                behaviour_on=APP,
                reported_on=APP,
                description="x",
            )
    with pytest.raises(AsbRuleError):
        do_record_asb_complaint(
            actor=pete,
            behaviour_on=APP,
            reported_on=APP - timedelta(days=1),
            description="before the behaviour",
        )


def test_complaint_on_another_agencys_person_is_not_found(
    personas: dict[str, Any], victim: Person
) -> None:
    nadia = _actor(personas, "nadia.probation")
    refusals = AuditEntry.objects.filter(operation="refusal").count()
    with pytest.raises(NotFound):
        do_record_asb_complaint(
            actor=nadia,
            behaviour_on=APP,
            reported_on=APP,
            description="x",
            complainant_id=victim.pk,
        )
    # The refusal survives the rolled-back action.
    assert AuditEntry.objects.filter(operation="refusal").count() == refusals + 1


def test_open_case_links_complaints_complainants_and_perpetrators(
    personas: dict[str, Any], pete: Actor, victim: Person
) -> None:
    perp = _person(pete, "WYP-P1", "Perry")
    ids = _complaints(pete, victim, 2)
    case = do_open_asb_case(
        actor=pete,
        title="Noise and threats, Harehills",
        opened_on=APP,
        complaint_ids=ids,
        perpetrator_ids=[perp.pk],
    )
    assert case.case_type == Case.Type.ASB and case.reference.startswith("ASB-2025-")
    roles = set(CasePerson.objects.filter(case=case).values_list("person_id", "role"))
    assert roles == {(victim.pk, "complainant"), (perp.pk, "suspect")}
    assert set(case.asb_complaints.values_list("pk", flat=True)) == set(ids)
    second = do_open_asb_case(actor=pete, title="Another", opened_on=APP)
    assert second.reference != case.reference
    # Another agency may not put Pete's complaints on its case.
    nadia = _actor(personas, "nadia.probation")
    with pytest.raises(NotFound):
        do_open_asb_case(actor=nadia, title="x", opened_on=APP, complaint_ids=ids[:1])


def test_assessment_sets_the_case_risk_and_review_date(
    pete: Actor, victim: Person
) -> None:
    case = do_open_asb_case(actor=pete, title="t", opened_on=APP)
    high = {"fear": 3, "threats_violence": 3, "mental_health": 3, "repeat": 2}
    a = do_record_asb_assessment(
        case.pk, actor=pete, complainant_id=victim.pk, assessed_on=APP, answers=high
    )
    assert (a.score, a.risk_level, a.review_interval_days) == (22, "high", 7)
    case.refresh_from_db()
    assert case.risk_level == "high" and case.review_due_on == APP + timedelta(days=7)
    assert case.version == 2
    # An older assessment recorded later does not override the latest.
    do_record_asb_assessment(
        case.pk,
        actor=pete,
        complainant_id=victim.pk,
        assessed_on=APP - timedelta(days=30),
        answers={},
    )
    case.refresh_from_db()
    assert case.risk_level == "high"
    medium = {"fear": 3, "threats_violence": 3}
    do_record_asb_assessment(
        case.pk,
        actor=pete,
        complainant_id=victim.pk,
        assessed_on=APP + timedelta(days=7),
        answers=medium,
    )
    case.refresh_from_db()
    assert case.risk_level == "medium"
    assert case.review_due_on == APP + timedelta(days=21)
    with pytest.raises(ValueError):
        do_record_asb_assessment(
            case.pk,
            actor=pete,
            complainant_id=victim.pk,
            assessed_on=APP,
            answers={"fear": 5},
        )


def test_only_asb_cases_take_asb_records(pete: Actor, victim: Person) -> None:
    from saferleeds.safeguarding.actions import do_create_case

    marac = do_create_case(
        actor=pete, reference="M-1", case_type="marac", title="m", opened_on=APP
    )
    with pytest.raises(AsbRuleError):
        do_record_asb_intervention(marac.pk, actor=pete, kind="warning", issued_on=APP)


def test_intervention_and_outcome(
    personas: dict[str, Any], pete: Actor, victim: Person
) -> None:
    perp = _person(pete, "WYP-P2", "Perry")
    case = do_open_asb_case(actor=pete, title="t", opened_on=APP)
    cpw = do_record_asb_intervention(
        case.pk,
        actor=pete,
        kind="cpw",
        issued_on=APP,
        subject_id=perp.pk,
        expires_on=APP + timedelta(days=90),
    )
    assert cpw.outcome == "pending"
    assert CasePerson.objects.filter(case=case, person=perp, role="suspect").exists()
    with pytest.raises(AsbRuleError):
        do_record_asb_intervention_outcome(
            cpw.pk, actor=pete, outcome="breached", outcome_on=APP - timedelta(days=1)
        )
    done = do_record_asb_intervention_outcome(
        cpw.pk,
        actor=pete,
        outcome="breached",
        outcome_on=APP + timedelta(days=10),
        notes="Music again",
    )
    assert done.outcome == "breached" and "Music again" in done.notes
    with pytest.raises(AsbRuleError):
        do_record_asb_intervention(case.pk, actor=pete, kind="asbo", issued_on=APP)
    with pytest.raises(AsbRuleError):
        do_record_asb_intervention(
            case.pk,
            actor=pete,
            kind="cpn",
            issued_on=APP,
            expires_on=APP - timedelta(days=1),
        )
    nadia = _actor(personas, "nadia.probation")
    with pytest.raises(NotFound):
        do_record_asb_intervention_outcome(
            cpw.pk, actor=nadia, outcome="complied", outcome_on=APP
        )


def test_case_review_threshold_met_through_to_the_applicant_told(
    personas: dict[str, Any], pete: Actor, victim: Person
) -> None:
    ids = _complaints(pete, victim, 3)
    case = do_open_asb_case(actor=pete, title="t", opened_on=APP, complaint_ids=ids)
    pete = actor_for(personas["pete.practitioner"])
    review = do_receive_asb_case_review(
        actor=pete, received_on=APP, applicant_id=victim.pk, case_id=case.pk
    )
    assert review.threshold_met is None and review.status == "received"
    assert review.threshold_detail["met"] is True
    assert review.threshold_detail["qualifying"] == 3
    assert review.complaints.count() == 3
    assert review.reference.startswith("ASBCR-2025-")
    v = do_acknowledge_asb_case_review(
        review.pk, actor=pete, acknowledged_on=APP, version=review.version
    )
    with pytest.raises(AsbRuleError, match="already"):
        do_acknowledge_asb_case_review(
            review.pk, actor=pete, acknowledged_on=APP, version=v
        )
    with pytest.raises(AsbRuleError, match="must be held"):
        do_decide_asb_case_review(
            review.pk, actor=pete, decision_on=APP, version=v, hold_review=False
        )
    with pytest.raises(Conflict):
        do_decide_asb_case_review(review.pk, actor=pete, decision_on=APP, version=v - 1)
    v = do_decide_asb_case_review(review.pk, actor=pete, decision_on=APP, version=v)
    review.refresh_from_db()
    assert review.threshold_met is True and review.status == "review_due"
    with pytest.raises(AsbRuleError, match="no outcome"):
        do_tell_asb_applicant(review.pk, actor=pete, told_on=APP, version=v)
    lcc = Agency.objects.get(code="lcc")
    due = APP + timedelta(days=60)
    v = do_hold_asb_case_review(
        review.pk,
        actor=pete,
        held_on=APP + timedelta(days=14),
        chair="Independent chair, Leeds Housing",
        outcome="Agencies to act together on the noise",
        version=v,
        recommendations=[RecommendationInput("Noise monitoring", lcc.pk, due)],
    )
    rec = do_add_asb_recommendation(
        review.pk,
        RecommendationInput("Joint visit", pete.agency_id or 0, due),
        actor=pete,
    )
    review.refresh_from_db()
    assert review.status == "review_held" and review.recommendations.count() == 2
    v = review.version
    v = do_tell_asb_applicant(
        review.pk, actor=pete, told_on=APP + timedelta(days=16), version=v
    )
    review.refresh_from_db()
    assert review.status == "closed" and review.applicant_told_on
    with pytest.raises(AsbRuleError):
        do_add_asb_recommendation(
            review.pk, RecommendationInput("late", lcc.pk), actor=pete
        )
    done = do_complete_asb_recommendation(
        rec.pk, actor=pete, completed_on=APP + timedelta(days=30)
    )
    assert done.completed_on == APP + timedelta(days=30)
    # The owner agency (LCC) cannot see Pete's review without an agreement or membership.
    carol = _actor(personas, "carol.coordinator")
    lcc_rec = review.recommendations.get(owner_agency=lcc)
    with pytest.raises(NotFound):
        do_complete_asb_recommendation(lcc_rec.pk, actor=carol, completed_on=due)
    for event in ("receive", "acknowledge", "decide", "hold", "recommend"):
        assert _events(f"safeguarding.asb_case_review.{event}") >= 1


def test_case_review_not_met_and_discretionary_review(
    pete: Actor, victim: Person
) -> None:
    ids = _complaints(pete, victim, 2)
    do_record_asb_complaint(
        actor=pete,
        behaviour_on=APP - timedelta(days=5),
        reported_on=APP - timedelta(days=4),
        description="Litter",
        harassment=False,
        complainant_id=victim.pk,
    )
    review = do_receive_asb_case_review(
        actor=pete, received_on=APP, complaint_ids=ids, applicant_id=victim.pk
    )
    detail = review.threshold_detail
    assert detail["met"] is False and detail["qualifying"] == 2
    assert [c["verdict"] for c in detail["complaints"]].count("nuisance_only") == 1
    v = do_decide_asb_case_review(
        review.pk, actor=pete, decision_on=APP, version=review.version
    )
    review.refresh_from_db()
    assert review.threshold_met is False and review.status == "threshold_not_met"
    with pytest.raises(AsbRuleError, match="no review"):
        do_hold_asb_case_review(
            review.pk, actor=pete, held_on=APP, chair="c", outcome="o", version=v
        )
    with pytest.raises(AsbRuleError, match="before"):
        do_tell_asb_applicant(
            review.pk, actor=pete, told_on=APP - timedelta(days=1), version=v
        )
    do_tell_asb_applicant(review.pk, actor=pete, told_on=APP, version=v)
    # A partnership may hold a review the threshold does not require.
    other = do_receive_asb_case_review(actor=pete, received_on=APP, complaint_ids=ids)
    do_decide_asb_case_review(
        other.pk, actor=pete, decision_on=APP, version=other.version, hold_review=True
    )
    other.refresh_from_db()
    assert other.threshold_met is True and other.status == "review_due"


def test_threshold_counts_only_complaints_the_actor_may_see(
    personas: dict[str, Any], pete: Actor, victim: Person
) -> None:
    nadia = _actor(personas, "nadia.probation")
    theirs = _person(nadia, "NPS-1")
    _complaints(nadia, theirs, 3)
    assert asb_complaints_visible_to(pete).count() == 0
    mine = _complaints(pete, victim, 2)
    review = do_receive_asb_case_review(actor=pete, received_on=APP, complaint_ids=mine)
    assert review.threshold_detail["qualifying"] == 2
    assert asb_case_reviews_visible_to(nadia).count() == 0
    with pytest.raises(NotFound):
        do_decide_asb_case_review(
            review.pk, actor=nadia, decision_on=APP, version=review.version
        )
    ed = _actor(personas, "ed.executive")
    with pytest.raises(Forbidden):
        do_receive_asb_case_review(actor=ed, received_on=APP)
    assert AsbCaseReview.objects.count() == 1


def test_complaints_linked_to_an_incident_of_hate_feed_the_local_extra(
    pete: Actor, victim: Person
) -> None:
    from saferleeds.asb.actions import check_application, review_complaints

    incident = do_create_incident(
        actor=pete, reference="WYP-H1", category="hate", occurred_on=APP
    )
    c = do_record_asb_complaint(
        actor=pete,
        behaviour_on=APP,
        reported_on=APP,
        description="Abuse for being gay",
        incident_id=incident.pk,
    )
    found = review_complaints(pete, complaint_ids=[c.pk])
    result = check_application(found, APP)
    assert not result.met  # national rule: one complaint is not enough
    from saferleeds.asb.actions import _facts
    from saferleeds.asb.rules import ThresholdRules, check_threshold

    facts = _facts(found)
    assert facts[0].hate_motivated
    assert check_threshold(facts, APP, ThresholdRules(hate_incidents=1)).met


def test_complaints_shared_under_an_agreement_count_for_the_applicant(
    personas: dict[str, Any], pete: Actor, victim: Person
) -> None:
    from django.utils import timezone

    from saferleeds.partners.actions import do_create_agreement
    from saferleeds.partners.models import RecordType

    today = timezone.localdate()
    do_create_agreement(
        actor=None,
        reference="asb-test",
        providers=list(Agency.objects.filter(code__in=["wyp", "lcc"])),
        recipients=list(Agency.objects.filter(code__in=["wyp", "lcc"])),
        title="ASB sharing",
        purpose="testing",
        lawful_basis="s115 CDA 1998",
        record_types=[RecordType.PERSON, RecordType.ASB_COMPLAINT],
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=10),
        signed_by="test",
        signed_on=today - timedelta(days=10),
    )
    _complaints(pete, victim, 2)  # WYP's, shared with LCC
    carol = _actor(personas, "carol.coordinator")
    _complaints(carol, victim, 1)
    review = do_receive_asb_case_review(
        actor=carol, received_on=APP, applicant_id=victim.pk
    )
    assert review.threshold_detail["met"] is True
    assert review.threshold_detail["qualifying"] == 3
    assert review.agency.code == "lcc"


def test_link_complaint_to_case_and_date_order_rules(
    personas: dict[str, Any], pete: Actor, victim: Person
) -> None:
    from saferleeds.asb.actions import do_link_asb_complaint

    (cid,) = _complaints(pete, victim, 1)
    case = do_open_asb_case(actor=pete, title="t", opened_on=APP)
    do_link_asb_complaint(cid, case.pk, actor=pete)
    assert case.asb_complaints.filter(pk=cid).exists()
    assert CasePerson.objects.filter(
        case=case, person=victim, role="complainant"
    ).exists()
    nadia = _actor(personas, "nadia.probation")
    with pytest.raises(NotFound):
        do_link_asb_complaint(cid, case.pk, actor=nadia)

    ids = _complaints(pete, victim, 3)
    review = do_receive_asb_case_review(actor=pete, received_on=APP, complaint_ids=ids)
    with pytest.raises(AsbRuleError, match="before"):
        do_acknowledge_asb_case_review(
            review.pk,
            actor=pete,
            acknowledged_on=APP - timedelta(days=1),
            version=review.version,
        )
    v = do_decide_asb_case_review(
        review.pk,
        actor=pete,
        decision_on=APP + timedelta(days=5),
        version=review.version,
    )
    with pytest.raises(AsbRuleError, match="before the threshold decision"):
        do_hold_asb_case_review(
            review.pk,
            actor=pete,
            held_on=APP + timedelta(days=4),
            chair="c",
            outcome="o",
            version=v,
        )
    with pytest.raises(AsbRuleError, match="chair"):
        do_hold_asb_case_review(
            review.pk,
            actor=pete,
            held_on=APP + timedelta(days=5),
            chair=" ",
            outcome="o",
            version=v,
        )
    v = do_hold_asb_case_review(
        review.pk,
        actor=pete,
        held_on=APP + timedelta(days=5),
        chair="c",
        outcome="o",
        version=v,
    )
    with pytest.raises(AsbRuleError, match="before the review"):
        do_add_asb_recommendation(
            review.pk,
            RecommendationInput("x", pete.agency_id or 0, APP + timedelta(days=4)),
            actor=pete,
        )
    rec = do_add_asb_recommendation(
        review.pk,
        RecommendationInput("x", pete.agency_id or 0, APP + timedelta(days=5)),
        actor=pete,
    )
    with pytest.raises(AsbRuleError, match="before the review"):
        do_complete_asb_recommendation(
            rec.pk, actor=pete, completed_on=APP + timedelta(days=4)
        )
    do_complete_asb_recommendation(
        rec.pk, actor=pete, completed_on=APP + timedelta(days=5)
    )
    with pytest.raises(AsbRuleError, match="already"):
        do_complete_asb_recommendation(
            rec.pk, actor=pete, completed_on=APP + timedelta(days=6)
        )
    with pytest.raises(NotFound):
        do_complete_asb_recommendation(10**9, actor=pete, completed_on=APP)
