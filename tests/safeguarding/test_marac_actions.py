"""MARAC actions: Dash checklists, referrals and their criteria, meetings, research,
action plans, and the cross-agency repeat flags, through the actions only.

The world (built through the actions, as users would): the Leeds MARAC agreement shares
people, cases, Dash checklists, referrals, research and tasks between the council (LCC),
the police (WYP), health (CCG) and probation (NPS), but not incidents. Vicky (victim) and
Paul (perpetrator) are on a MARAC case the council leads; Pete (police) is a member.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.incidents.actions import do_create_incident, do_link_person_to_incident
from saferleeds.incidents.models import Incident
from saferleeds.marac.actions import (
    NoCriterionMet,
    do_add_marac_action,
    do_close_marac_referral,
    do_complete_marac_action,
    do_create_marac_meeting,
    do_list_marac_referral,
    do_mark_marac_referral_heard,
    do_record_dash_assessment,
    do_record_marac_research,
    do_refer_to_marac,
)
from saferleeds.marac.models import MaracMeeting, MaracReferral
from saferleeds.marac.queries import repeat_flags
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency, RecordType
from saferleeds.partners.policy import Actor, Forbidden, NotFound, actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.people.models import Person
from saferleeds.safeguarding.actions.cases import (
    do_add_case_member,
    do_create_case,
    do_link_person_to_case,
)
from saferleeds.safeguarding.models import Case

TODAY = timezone.localdate()


def answers(yes: int) -> list[bool | None]:
    """24 answers: ``yes`` of them "yes", then one "not known", the rest "no"."""
    rest: list[bool | None] = [None] + [False] * 24
    return ([True] * yes + rest)[:24]


def build_marac_world(personas: dict[str, Any]) -> dict[str, Any]:
    """The agreement, Vicky and Paul, and their MARAC case (see the module docstring)."""
    a = {x.code: x for x in Agency.objects.all()}
    marac = [a["lcc"], a["wyp"], a["ccg"], a["nps"]]
    do_create_agreement(
        actor=None,
        reference="marac-isa",
        providers=marac,
        recipients=marac,
        title="Leeds MARAC information sharing agreement",
        purpose="Safeguarding adult victims of domestic abuse at high risk.",
        lawful_basis="Crime and Disorder Act 1998 s115",
        record_types=[
            RecordType.PERSON,
            RecordType.CASE,
            RecordType.CASE_NOTE,
            RecordType.CASE_TASK,
            RecordType.DASH_ASSESSMENT,
            RecordType.MARAC_REFERRAL,
            RecordType.MARAC_RESEARCH,
        ],
        starts_on=date(2018, 4, 1),
        ends_on=TODAY + timedelta(days=365),
        signed_by="Chair of Leeds MARAC Steering Group",
        signed_on=date(2018, 3, 1),
    )
    pete = actor_for(personas["pete.practitioner"])
    carol = actor_for(personas["carol.coordinator"])
    vicky = do_create_person(
        actor=pete,
        reference="WY-V-1",
        given_name="Vicky",
        family_name="Victim",
        date_of_birth=date(1991, 4, 3),
        sex=Person.Sex.FEMALE,
        postcode="LS9 7AB",
    )
    paul = do_create_person(
        actor=pete,
        reference="WY-P-1",
        given_name="Paul",
        family_name="Perp",
        date_of_birth=date(1988, 8, 8),
        sex=Person.Sex.MALE,
        postcode="LS9 7AB",
    )
    case = do_create_case(
        actor=carol,
        reference="MARAC-T-001",
        case_type="marac",
        title="Vicky: domestic abuse",
        opened_on=TODAY - timedelta(days=800),
    )
    do_link_person_to_case(case.pk, vicky.pk, "victim", actor=carol)
    do_link_person_to_case(case.pk, paul.pk, "suspect", actor=carol)
    do_add_case_member(case.pk, personas["pete.practitioner"], actor=carol)
    return {
        "case": case,
        "vicky": vicky,
        "paul": paul,
        "agencies": a,
        "carol": actor_for(personas["carol.coordinator"]),
        "pete": actor_for(personas["pete.practitioner"]),
        "nadia": actor_for(personas["nadia.probation"]),
        "harry": actor_for(personas["harry.health"]),
        "aisha": actor_for(personas["aisha.analyst"]),
        "ed": actor_for(personas["ed.executive"]),
    }


def da_incident(
    actor: Actor, ref: str, day: date, victim: Person, perp: Person | None
) -> Incident:
    """A domestic abuse incident recorded by the actor's agency."""
    inc = do_create_incident(
        actor=actor, reference=ref, category="domestic_abuse", occurred_on=day
    )
    do_link_person_to_incident(inc.pk, victim.pk, "victim", actor=actor)
    if perp is not None:
        do_link_person_to_incident(inc.pk, perp.pk, "suspect", actor=actor)
    return inc


@pytest.fixture
def w(personas: dict[str, Any]) -> dict[str, Any]:
    return build_marac_world(personas)


def audited(event: str, record_id: object, username: str) -> bool:
    return AuditEntry.objects.filter(
        event=event, record_id=str(record_id), actor_username=username
    ).exists()


# --- Dash -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yes", "level", "visible"),
    [
        (9, "standard", False),
        (10, "medium", False),
        (13, "medium", False),
        (14, "high", True),
    ],
)
def test_dash_grades_at_the_band_edges_and_is_audited(
    w: dict[str, Any], yes: int, level: str, visible: bool
) -> None:
    dash = do_record_dash_assessment(
        w["case"].pk,
        actor=w["pete"],
        victim_id=w["vicky"].pk,
        answers=answers(yes),
        assessed_on=TODAY,
        assessor_notes="  Seen at home.  ",
    )
    assert (dash.yes_count, dash.risk_level, dash.visible_high_risk) == (
        yes,
        level,
        visible,
    )
    assert dash.answers[yes] is None  # "not known" kept as such
    assert dash.assessor_notes == "Seen at home."
    assert dash.agency.code == "wyp"
    assert audited("safeguarding.dash_assessment.create", dash.pk, "pete.practitioner")
    assert Case.objects.get(pk=w["case"].pk).risk_level == level


def test_judgement_raises_to_high_needs_a_reason_and_never_lowers(
    w: dict[str, Any],
) -> None:
    kw = {"actor": w["pete"], "victim_id": w["vicky"].pk, "assessed_on": TODAY}
    with pytest.raises(ValueError, match="reason"):
        do_record_dash_assessment(
            w["case"].pk, answers=answers(3), professional_judgement=True, **kw
        )
    raised = do_record_dash_assessment(
        w["case"].pk,
        answers=answers(3),
        professional_judgement=True,
        judgement_reason="Recent strangulation threat.",
        **kw,
    )
    assert raised.risk_level == "high" and not raised.visible_high_risk
    high = do_record_dash_assessment(w["case"].pk, answers=answers(20), **kw)
    assert high.risk_level == "high"  # no judgement can mark 20 "yes" lower


def test_dash_refused_to_those_who_may_not_change_the_case(w: dict[str, Any]) -> None:
    kw = {"victim_id": w["vicky"].pk, "answers": answers(3), "assessed_on": TODAY}
    # Nadia (probation) sees the case under the agreement but is not on it.
    with pytest.raises(Forbidden):
        do_record_dash_assessment(w["case"].pk, actor=w["nadia"], **kw)
    for who in ("aisha", "ed"):  # an analyst, an executive: not casework roles
        with pytest.raises((Forbidden, NotFound)):
            do_record_dash_assessment(w["case"].pk, actor=w[who], **kw)
    with pytest.raises(NotFound):
        do_record_dash_assessment(999_999, actor=w["pete"], **kw)
    with pytest.raises(ValueError, match="not the victim"):
        do_record_dash_assessment(
            w["case"].pk,
            actor=w["pete"],
            victim_id=w["paul"].pk,
            answers=answers(3),
            assessed_on=TODAY,
        )
    with pytest.raises(ValueError, match="24"):
        do_record_dash_assessment(
            w["case"].pk,
            actor=w["pete"],
            victim_id=w["vicky"].pk,
            answers=[True] * 23,
            assessed_on=TODAY,
        )


# --- Referral criteria through the action ---------------------------------------------


def refer(w: dict[str, Any], actor: str = "pete", **kw: Any) -> MaracReferral:
    args: dict[str, Any] = {
        "actor": w[actor],
        "victim_id": w["vicky"].pk,
        "perpetrator_id": w["paul"].pk,
        "referred_on": TODAY,
    }
    return do_refer_to_marac(w["case"].pk, **{**args, **kw})


@pytest.mark.parametrize(("yes", "ok"), [(13, False), (14, True)])
def test_visible_high_risk_refers_at_14_not_13(
    w: dict[str, Any], yes: int, ok: bool
) -> None:
    dash = do_record_dash_assessment(
        w["case"].pk,
        actor=w["pete"],
        victim_id=w["vicky"].pk,
        answers=answers(yes),
        assessed_on=TODAY,
    )
    if not ok:
        with pytest.raises(NoCriterionMet, match="No MARAC referral criterion"):
            refer(w, dash_id=dash.pk)
        assert not MaracReferral.objects.exists()
        return
    referral = refer(w, dash_id=dash.pk)
    assert referral.criteria == ["visible_high_risk"] and not referral.is_repeat
    assert referral.referring_agency.code == "wyp"
    assert audited(
        "safeguarding.marac_referral.create", referral.pk, "pete.practitioner"
    )


def test_professional_judgement_refers_with_a_reason(w: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="reason"):
        refer(w, professional_judgement=True)
    referral = refer(w, professional_judgement=True, reason="Escalating stalking.")
    assert referral.criteria == ["professional_judgement"]


@pytest.mark.parametrize(("count", "ok"), [(2, False), (3, True)])
def test_escalation_needs_3_incidents_in_the_window(
    w: dict[str, Any], count: int, ok: bool
) -> None:
    # Recorded by the police and probation: the referrer (LCC) sees none of them.
    nadia = w["nadia"]
    for n in range(count):
        who = w["pete"] if n % 2 else nadia
        da_incident(
            who, f"DA-{n}", TODAY - timedelta(days=10 * n), w["vicky"], w["paul"]
        )
    if not ok:
        with pytest.raises(NoCriterionMet):
            refer(w, actor="carol")
        return
    assert refer(w, actor="carol").criteria == ["potential_escalation"]


@pytest.mark.parametrize(("oldest_days_ago", "ok"), [(365, True), (366, False)])
def test_escalation_window_edge_day(
    w: dict[str, Any], oldest_days_ago: int, ok: bool
) -> None:
    days = [0, 100, oldest_days_ago]
    for n, d in enumerate(days):
        da_incident(
            w["pete"], f"E-{n}", TODAY - timedelta(days=d), w["vicky"], w["paul"]
        )
    if ok:
        assert refer(w).criteria == ["potential_escalation"]
    else:
        with pytest.raises(NoCriterionMet):
            refer(w)


def test_incidents_with_another_perpetrator_do_not_count(w: dict[str, Any]) -> None:
    other = do_create_person(
        actor=w["pete"],
        reference="WY-O-1",
        given_name="Otto",
        family_name="Other",
        date_of_birth=date(1980, 1, 1),
        sex=Person.Sex.MALE,
        postcode="LS1 1AA",
    )
    da_incident(w["pete"], "X-1", TODAY, w["vicky"], w["paul"])
    da_incident(w["pete"], "X-2", TODAY, w["vicky"], w["paul"])
    da_incident(w["pete"], "X-3", TODAY, w["vicky"], other)
    with pytest.raises(NoCriterionMet):
        refer(w)


def test_escalation_window_is_configurable(
    w: dict[str, Any], casework_settings: Any
) -> None:
    # Kent's rule: 3 incidents in 6 months. Incidents 0, 100 and 200 days ago meet
    # the SafeLives 12 months but not 182 days.
    for n, d in enumerate((0, 100, 200)):
        da_incident(
            w["pete"], f"K-{n}", TODAY - timedelta(days=d), w["vicky"], w["paul"]
        )
    casework_settings(marac={"escalation_window_days": 182})
    with pytest.raises(NoCriterionMet):
        refer(w)
    casework_settings(marac={"escalation_window_days": 365})
    assert refer(w).criteria == ["potential_escalation"]


@pytest.mark.parametrize(("after_days", "repeat"), [(365, True), (366, False)])
def test_repeat_across_agencies_within_12_months_of_the_last_referral(
    w: dict[str, Any], after_days: int, repeat: bool
) -> None:
    first_on = TODAY - timedelta(days=after_days)
    first = refer(
        w,
        actor="carol",
        referred_on=first_on,
        professional_judgement=True,
        reason="First referral.",
    )
    # The police record the further incident; the council refers again.
    da_incident(
        w["pete"], "R-1", first_on + timedelta(days=after_days), w["vicky"], w["paul"]
    )
    flags = repeat_flags(w["carol"])
    if not repeat:
        assert flags == []
        with pytest.raises(NoCriterionMet):
            refer(w, actor="carol")
        return
    assert [f.referral_id for f in flags] == [first.pk]
    flag = flags[0]
    assert flag.further_incidents == 1 and flag.case_reference == "MARAC-T-001"
    assert flag.visible == () and flag.others == 1  # a police record Carol cannot see
    second = refer(w, actor="carol")
    assert second.criteria == ["repeat"] and second.is_repeat
    assert repeat_flags(w["carol"]) == []  # referred again: the flag is closed


def test_incident_on_the_referral_day_is_not_a_repeat(w: dict[str, Any]) -> None:
    first_on = TODAY - timedelta(days=30)
    refer(w, referred_on=first_on, professional_judgement=True, reason="First.")
    da_incident(w["pete"], "S-1", first_on, w["vicky"], w["paul"])
    assert repeat_flags(w["carol"]) == []
    with pytest.raises(NoCriterionMet):
        refer(w)


def test_repeat_flags_are_for_coordinators_only(w: dict[str, Any]) -> None:
    with pytest.raises(Forbidden):
        repeat_flags(w["pete"])


def test_referral_refusals(w: dict[str, Any]) -> None:
    with pytest.raises(Forbidden):
        refer(w, actor="nadia", professional_judgement=True, reason="x")
    with pytest.raises(NotFound):
        do_refer_to_marac(
            999_999,
            actor=w["pete"],
            victim_id=w["vicky"].pk,
            referred_on=TODAY,
            professional_judgement=True,
            reason="x",
        )
    with pytest.raises(ValueError, match="future"):
        refer(
            w,
            referred_on=TODAY + timedelta(days=1),
            professional_judgement=True,
            reason="x",
        )
    with pytest.raises(ValueError, match="perpetrator"):
        refer(w, perpetrator_id=w["vicky"].pk, professional_judgement=True, reason="x")
    assert not MaracReferral.objects.exists()


# --- Meetings, research, actions ------------------------------------------------------


def test_meeting_journey_each_step_audited(w: dict[str, Any]) -> None:
    carol, pete, harry = w["carol"], w["pete"], w["harry"]
    referral = refer(w, professional_judgement=True, reason="Threats to kill.")
    with pytest.raises(Forbidden):
        do_create_marac_meeting(actor=pete, held_on=TODAY)
    meeting = do_create_marac_meeting(actor=carol, held_on=TODAY, chair="DI Shaw")
    assert audited("safeguarding.marac_meeting.create", meeting.pk, "carol.coordinator")

    with pytest.raises(Forbidden):
        do_list_marac_referral(referral.pk, meeting.pk, actor=pete)
    with pytest.raises(NotFound):
        do_list_marac_referral(referral.pk, 999_999, actor=carol)
    listed = do_list_marac_referral(referral.pk, meeting.pk, actor=carol)
    assert (listed.status, listed.meeting_id, listed.version) == (
        "listed",
        meeting.pk,
        2,
    )
    assert audited("safeguarding.marac_referral.list", referral.pk, "carol.coordinator")

    with pytest.raises(ValueError, match="holds"):
        do_record_marac_research(
            referral.pk, actor=harry, holds_information=True, findings=" "
        )
    research = do_record_marac_research(
        referral.pk, actor=harry, holds_information=True, findings="A&E visit in May."
    )
    again = do_record_marac_research(
        referral.pk, actor=harry, holds_information=False, findings=""
    )
    assert again.pk == research.pk and not again.holds_information  # one per agency
    assert audited("safeguarding.marac_research.create", research.pk, "harry.health")
    assert audited("safeguarding.marac_research.update", research.pk, "harry.health")
    with pytest.raises(Forbidden):
        do_record_marac_research(
            referral.pk, actor=w["aisha"], holds_information=False, findings=""
        )

    ccg = w["agencies"]["ccg"]
    action = do_add_marac_action(
        referral.pk,
        actor=carol,
        title="GP to flag the record",
        owner_agency_id=ccg.pk,
        due_on=TODAY + timedelta(days=14),
    )
    assert action.marac_referral_id == referral.pk and action.case_id == w["case"].pk
    assert audited("safeguarding.marac_action.create", action.pk, "carol.coordinator")
    with pytest.raises(Forbidden):  # Nadia: not the coordinator, not on the case
        do_add_marac_action(
            referral.pk,
            actor=w["nadia"],
            title="x",
            owner_agency_id=ccg.pk,
            due_on=TODAY,
        )

    do_mark_marac_referral_heard(referral.pk, actor=carol)
    assert MaracMeeting.objects.get(pk=meeting.pk).status == "held"
    assert audited(
        "safeguarding.marac_referral.heard", referral.pk, "carol.coordinator"
    )
    with pytest.raises(ValueError, match="still open"):
        do_close_marac_referral(referral.pk, actor=carol)

    with pytest.raises(Forbidden):  # probation neither owns it nor is on the case
        do_complete_marac_action(
            action.pk, actor=w["nadia"], completed_on=TODAY, evidence="x"
        )
    with pytest.raises(ValueError, match="evidence"):
        do_complete_marac_action(
            action.pk, actor=harry, completed_on=TODAY, evidence=""
        )
    done = do_complete_marac_action(
        action.pk, actor=harry, completed_on=TODAY, evidence="Flag added on EMIS."
    )
    assert done.completed_on == TODAY and done.completion_note == "Flag added on EMIS."
    assert audited("safeguarding.marac_action.complete", action.pk, "harry.health")
    with pytest.raises(ValueError, match="already done"):
        do_complete_marac_action(
            action.pk, actor=harry, completed_on=TODAY, evidence="x"
        )

    closed = do_close_marac_referral(referral.pk, actor=carol)
    assert closed.status == "closed"
    assert audited(
        "safeguarding.marac_referral.close", referral.pk, "carol.coordinator"
    )
    with pytest.raises(ValueError, match="closed"):
        do_record_marac_research(
            referral.pk, actor=carol, holds_information=False, findings=""
        )


def test_held_meeting_takes_no_more_referrals(w: dict[str, Any]) -> None:
    carol = w["carol"]
    r1 = refer(w, professional_judgement=True, reason="One.")
    meeting = do_create_marac_meeting(actor=carol, held_on=TODAY)
    do_list_marac_referral(r1.pk, meeting.pk, actor=carol)
    do_mark_marac_referral_heard(r1.pk, actor=carol)
    later = do_create_marac_meeting(actor=carol, held_on=TODAY + timedelta(days=28))
    with pytest.raises(ValueError, match="already been heard"):
        do_list_marac_referral(r1.pk, later.pk, actor=carol)
    r2 = refer(w, professional_judgement=True, reason="Two.")
    with pytest.raises(ValueError, match="held"):
        do_list_marac_referral(r2.pk, meeting.pk, actor=carol)
    with pytest.raises(ValueError, match="listed"):
        do_mark_marac_referral_heard(r2.pk, actor=carol)


def test_refused_access_inside_an_action_is_still_logged(
    w: dict[str, Any], personas: dict[str, Any]
) -> None:
    referral = refer(w, professional_judgement=True, reason="x")
    fran = actor_for(personas["fran.agencyadmin"])  # fire service admin: sees nothing
    with pytest.raises((NotFound, Forbidden)):
        do_record_marac_research(
            referral.pk, actor=fran, holds_information=False, findings=""
        )
    with pytest.raises(NotFound):
        do_list_marac_referral(referral.pk, 1, actor=_coordinator_elsewhere(personas))
    assert AuditEntry.objects.filter(
        operation="refusal", record_id=str(referral.pk), record_type="marac_referral"
    ).exists()


def _coordinator_elsewhere(personas: dict[str, Any]) -> Actor:
    """A case coordinator at the fire service, which is outside the MARAC agreement."""
    from django.contrib.auth.models import User

    from saferleeds.partners.actions import do_ensure_user
    from saferleeds.partners.models import Role

    user: User = do_ensure_user(
        "cora.fire",
        agency=Agency.objects.get(code="wyfrs"),
        roles=(Role.CASE_COORDINATOR,),
        password="x-long-password-123",
        first_name="Cora",
        last_name="Fire",
        job_title="Coordinator",
        actor=None,
    )
    return actor_for(user)


@pytest.mark.parametrize(("incident_age", "repeat"), [(365, True), (366, False)])
def test_an_old_further_incident_does_not_make_todays_referral_a_repeat(
    w: dict[str, Any], incident_age: int, repeat: bool
) -> None:
    # Referred long ago; a further incident 100 days after it; referred again now.
    incident_on = TODAY - timedelta(days=incident_age)
    first_on = incident_on - timedelta(days=100)
    refer(w, referred_on=first_on, professional_judgement=True, reason="First.")
    da_incident(w["nadia"], "OLD-1", incident_on, w["vicky"], w["paul"])
    assert bool(repeat_flags(w["carol"])) is repeat  # the flag lapses with it
    if repeat:
        assert refer(w).criteria == ["repeat"]
    else:
        with pytest.raises(NoCriterionMet):
            refer(w)
