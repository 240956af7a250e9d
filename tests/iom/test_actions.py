"""IOM actions: who may do what, and every change audited in its own transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.iom.access_pages import read_iom_home, read_offender_page
from saferleeds.iom.actions import (
    do_add_iom_intervention,
    do_adopt_iom_member,
    do_create_iom_meeting,
    do_decide_iom_member,
    do_mark_iom_meeting_held,
    do_record_iom_pathway_need,
    do_update_iom_intervention,
)
from saferleeds.iom.models import IomDecision, IomMember
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Forbidden, NotFound, actor_for


def _actor(personas: dict[str, Any], name: str) -> Any:
    return actor_for(personas[name])


def _entries(since: int) -> list[tuple[str, str, str]]:
    return list(
        AuditEntry.objects.filter(seq__gt=since)
        .order_by("seq")
        .values_list("event", "operation", "record_type")
    )


def _seq() -> int:
    last = AuditEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


@pytest.mark.django_db
def test_a_cohort_review_from_adoption_to_deselection(
    offenders: dict[str, Any], personas: dict[str, Any]
) -> None:
    pete = _actor(personas, "pete.practitioner")  # police: holds the offences
    today = timezone.localdate()
    person = offenders["P001"]

    before = _seq()
    meeting = do_create_iom_meeting(actor=pete, held_on=today, chair="DI Shaw")
    assert _entries(before) == [("iom.meeting.create", "collection", "iom_meeting")]

    before = _seq()
    member = do_adopt_iom_member(
        person.pk,
        actor=pete,
        cohort="fixed",
        reason="Prolific burglary",
        decided_on=today,
        meeting_id=meeting.pk,
        score=91.5,
    )
    assert member.agency.code == "wyp" and member.status == "active"
    assert _entries(before) == [
        ("iom.member.adopt", "collection", "iom_member"),
        ("iom.decision.create", "collection", "iom_decision"),
    ]
    assert AuditEntry.objects.get(event="iom.member.adopt").subject_person_id == (
        person.pk
    )

    # In the cohort once only; a refused adoption writes nothing.
    before = _seq()
    with pytest.raises(ValueError, match="already"):
        do_adopt_iom_member(
            person.pk, actor=pete, cohort="flex", reason="x", decided_on=today
        )
    assert _entries(before) == []

    before = _seq()
    need = do_record_iom_pathway_need(
        member.pk, actor=pete, pathway="accommodation", level="high",
        assessed_on=today, notes="No fixed abode",
    )  # fmt: skip
    nps = Agency.objects.get(code="nps")
    intervention = do_add_iom_intervention(
        member.pk, actor=pete, pathway="accommodation",
        description="Supported housing referral", owner_agency_id=nps.pk,
        started_on=today, status="active",
    )  # fmt: skip
    assert need.level == "high" and intervention.owner_agency == nps
    do_update_iom_intervention(
        intervention.pk, actor=pete, status="completed",
        outcome="Housed", ended_on=today,
    )  # fmt: skip
    assert _entries(before) == [
        ("iom.pathway_need.create", "collection", "iom_pathway_need"),
        ("iom.intervention.create", "collection", "iom_intervention"),
        ("iom.intervention.update", "alteration", "iom_intervention"),
    ]
    with pytest.raises(ValueError, match="ended"):
        do_update_iom_intervention(intervention.pk, actor=pete, status="withdrawn")

    before = _seq()
    do_decide_iom_member(
        member.pk, actor=pete, decision="change", cohort="flex",
        reason="Engaging well", decided_on=today, meeting_id=meeting.pk,
    )  # fmt: skip
    member.refresh_from_db()
    assert member.cohort == "flex" and member.version == 2
    with pytest.raises(ValueError, match="cohort"):
        do_decide_iom_member(
            member.pk, actor=pete, decision="change", cohort="flex",
            reason="again", decided_on=today,
        )  # fmt: skip
    do_decide_iom_member(
        member.pk, actor=pete, decision="deselect",
        reason="No offending for a year", decided_on=today,
    )  # fmt: skip
    member.refresh_from_db()
    assert member.status == "deselected" and member.deselected_on == today
    assert [e[0] for e in _entries(before)] == [
        "iom.member.change",
        "iom.decision.create",
        "iom.member.deselect",
        "iom.decision.create",
    ]
    assert list(
        IomDecision.objects.filter(member=member)
        .order_by("id")
        .values_list("decision", flat=True)
    ) == ["adopt", "change", "deselect"]
    with pytest.raises(ValueError, match="de-selected"):
        do_decide_iom_member(
            member.pk, actor=pete, decision="retain", reason="x", decided_on=today
        )
    # De-selected, the person may be adopted again: a new membership, history kept.
    again = do_adopt_iom_member(
        person.pk, actor=pete, cohort="free", reason="Re-offended", decided_on=today
    )
    assert again.pk != member.pk
    do_mark_iom_meeting_held(meeting.pk, actor=pete)
    meeting.refresh_from_db()
    assert meeting.status == "held"


@pytest.mark.django_db
def test_who_may_act(offenders: dict[str, Any], personas: dict[str, Any]) -> None:
    today = timezone.localdate()
    pete = _actor(personas, "pete.practitioner")
    nadia = _actor(personas, "nadia.probation")  # probation: sees no police offence
    aisha = _actor(personas, "aisha.analyst")
    person = offenders["P001"]
    with pytest.raises(Forbidden):
        do_adopt_iom_member(
            person.pk, actor=aisha, cohort="fixed", reason="x", decided_on=today
        )
    with pytest.raises(Forbidden):
        do_create_iom_meeting(actor=aisha, held_on=today)
    before = _seq()
    with pytest.raises(NotFound):
        do_adopt_iom_member(
            person.pk, actor=nadia, cohort="fixed", reason="x", decided_on=today
        )
    assert not IomMember.objects.exists() and _entries(before) == []
    member = do_adopt_iom_member(
        person.pk, actor=pete, cohort="fixed", reason="Burglary", decided_on=today
    )
    # Probation sees no IOM record of the police's (no agreement): not found, and
    # the refusal is logged even though the action rolled back.
    before = _seq()
    with pytest.raises(NotFound):
        do_decide_iom_member(
            member.pk, actor=nadia, decision="retain", reason="x", decided_on=today
        )
    assert _entries(before) == [("iom.member.view", "refusal", "iom_member")]
    with pytest.raises(ValueError, match="future"):
        do_decide_iom_member(
            member.pk, actor=pete, decision="retain", reason="x",
            decided_on=today + timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(ValueError, match="reason"):
        do_decide_iom_member(
            member.pk, actor=pete, decision="retain", reason=" ", decided_on=today
        )


@pytest.mark.django_db
def test_candidates_and_the_offender_page(
    offenders: dict[str, Any], personas: dict[str, Any]
) -> None:
    pete = _actor(personas, "pete.practitioner")
    home = read_iom_home(pete)
    ranked = [c.person_id for c in home.candidates]
    # P001 (eight recent burglaries) first, P002 (two thefts) next, P003 below.
    assert ranked[:2] == [offenders["P001"].pk, offenders["P002"].pk]
    assert offenders["P003"].pk not in ranked
    top = home.candidates[0].score
    assert top.score == pytest.approx(top.recency + top.frequency + top.gravity)
    assert AuditEntry.objects.filter(event="iom.candidates").count() > 0
    do_adopt_iom_member(
        offenders["P001"].pk, actor=pete, cohort="fixed", reason="Burglary",
        decided_on=timezone.localdate(),
    )  # fmt: skip
    home = read_iom_home(pete)
    assert offenders["P001"].pk not in [c.person_id for c in home.candidates]
    assert [r.member.person_id for r in home.members] == [offenders["P001"].pk]

    page = read_offender_page(pete, offenders["P001"].pk)
    assert page.iom and page.memberships[0].cohort == "fixed"
    assert len(page.offences) == 11  # 3 from the sample extract, 8 recent
    assert page.score is not None and len(page.score_history) == 8
    # An analyst addresses people by pseudonym only: the page by id is not found.
    with pytest.raises(NotFound):
        read_offender_page(_actor(personas, "aisha.analyst"), offenders["P001"].pk)
