"""The casework pages' readers (issue #12, item 2): each logs every record it returns,
shows an analyst pseudonyms and no free text, and the case list costs the same number
of queries however many cases it lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from saferleeds.asb.access_pages import (
    read_asb_case_panel,
    read_asb_home,
    read_asb_interventions,
    read_asb_review_page,
)
from saferleeds.asb.actions import (
    do_open_asb_case,
    do_receive_asb_case_review,
    do_record_asb_complaint,
    do_record_asb_intervention,
)
from saferleeds.audit.models import AuditEntry, ChainHead
from saferleeds.demo.casework import nrm as demo_nrm
from saferleeds.nrm.access_pages import (
    read_nrm_list,
    read_nrm_referral_page,
)
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.people.models import Person
from saferleeds.people.present import pseudonym
from saferleeds.safeguarding.access.api_lists import read_api_cases
from saferleeds.safeguarding.access.case_forms import read_case_list
from saferleeds.safeguarding.access.case_page import read_case_page
from saferleeds.safeguarding.actions import do_create_case
from saferleeds.safeguarding.models import Case

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def carol(personas: dict[str, Any]) -> Actor:
    return actor_for(personas["carol.coordinator"])


@pytest.fixture
def aisha(personas: dict[str, Any]) -> Actor:
    return actor_for(personas["aisha.analyst"])


@pytest.fixture
def lena(carol: Actor) -> Person:
    return do_create_person(
        actor=carol, reference="LCC-77", given_name="Lena", family_name="Lowe"
    )


@pytest.fixture
def asb(carol: Actor, lena: Person) -> dict[str, Any]:
    """An ASB case of Carol's (LCC, Aisha's agency) with two complaints, an
    intervention, an application, and one complaint not on a case."""
    complaints = [
        do_record_asb_complaint(
            actor=carol,
            behaviour_on=TODAY,
            reported_on=TODAY,
            description=f"Abuse in the stairwell {n}",
            complainant_id=lena.pk,
        ).pk
        for n in range(2)
    ]
    case = do_open_asb_case(
        actor=actor_for_user(carol),
        title="Stairwell abuse",
        opened_on=TODAY,
        complaint_ids=complaints,
    )
    intervention = do_record_asb_intervention(
        case.pk,
        actor=actor_for_user(carol),
        kind="warning",
        issued_on=TODAY,
        subject_id=lena.pk,
        notes="Letter served by hand",
    )
    review = do_receive_asb_case_review(
        actor=actor_for_user(carol),
        received_on=TODAY,
        applicant_id=lena.pk,
        case_id=case.pk,
        complaint_ids=complaints,
    )
    loose = do_record_asb_complaint(
        actor=carol,
        behaviour_on=TODAY,
        reported_on=TODAY,
        description="Noise at night",
        complainant_id=lena.pk,
    )
    return {
        "case": case,
        "complaints": complaints,
        "intervention": intervention,
        "review": review,
        "loose": loose,
    }


def actor_for_user(actor: Actor) -> Actor:
    """The actor again, with the case memberships an action has just added."""
    from django.contrib.auth.models import User

    return actor_for(User.objects.get(pk=actor.user_id))


def _mark() -> int:
    head = ChainHead.objects.filter(id=1).first()
    return head.seq if head else 0


def _logged(since: int, event: str, username: str) -> set[tuple[str, str]]:
    return {
        (e.record_type, e.record_id)
        for e in AuditEntry.objects.filter(
            seq__gt=since, event=event, actor_username=username
        )
    }


@pytest.mark.parametrize("who", ["carol", "aisha"])
def test_asb_home_logs_each_row_and_pseudonymises(
    asb: dict[str, Any], lena: Person, who: str, request: Any
) -> None:
    actor: Actor = request.getfixturevalue(who)
    since = _mark()
    home = read_asb_home(actor)
    assert [c.id for c in home.cases] == [asb["case"].pk]
    assert [r.id for r in home.reviews] == [asb["review"].pk]
    assert [c.id for c in home.loose] == [asb["loose"].pk]
    assert _logged(since, "safeguarding.asb.home", actor.username) == {
        (RecordType.CASE, str(asb["case"].pk)),
        (RecordType.ASB_CASE_REVIEW, str(asb["review"].pk)),
        (RecordType.ASB_COMPLAINT, str(asb["loose"].pk)),
    }
    if who == "aisha":
        assert home.cases[0].reference is None and home.cases[0].title is None
        assert home.reviews[0].reference is None
        assert home.reviews[0].applicant == pseudonym(lena.pk)
        assert home.loose[0].description is None
        assert "Lowe" not in home.loose[0].label
    else:
        assert home.cases[0].reference == asb["case"].reference
        assert home.reviews[0].applicant == "Lena Lowe"


def test_asb_panel_and_interventions_log_and_pseudonymise(
    asb: dict[str, Any], lena: Person, aisha: Actor
) -> None:
    since = _mark()
    panel = read_asb_case_panel(aisha, asb["case"])
    assert {c.id for c in panel.complaints} == set(asb["complaints"])
    assert all(c.description is None for c in panel.complaints)
    assert {c.who for c in panel.complaints} == {pseudonym(lena.pk)}
    assert panel.reviews[0].reference is None
    assert _logged(since, "safeguarding.asb.case_panel", "aisha.analyst") == {
        *((RecordType.ASB_COMPLAINT, str(pk)) for pk in asb["complaints"]),
        (RecordType.ASB_INTERVENTION, str(asb["intervention"].pk)),
        (RecordType.ASB_CASE_REVIEW, str(asb["review"].pk)),
    }
    since = _mark()
    [row] = read_asb_interventions(aisha, asb["case"])
    assert row.notes is None and row.who == pseudonym(lena.pk)
    assert _logged(since, "safeguarding.asb.interventions", "aisha.analyst") == {
        (RecordType.ASB_INTERVENTION, str(asb["intervention"].pk))
    }
    assert read_asb_interventions(actor_for_user(aisha), asb["case"], audit=False)
    assert not _logged(_mark(), "safeguarding.asb.interventions", "aisha.analyst")


def test_asb_review_page_logs_the_review_and_its_complaints(
    asb: dict[str, Any], lena: Person, aisha: Actor
) -> None:
    since = _mark()
    page = read_asb_review_page(aisha, asb["review"].pk)
    assert page.applicant == pseudonym(lena.pk) and not page.identified
    # The application itself comes already pseudonymised: no template decides.
    facts = page.review
    assert facts.id == asb["review"].pk and facts.reference is None
    assert facts.chair is None and facts.outcome is None
    assert facts.case_reference is None and facts.case_id == asb["review"].case_id
    shown = [v.complaint for v in page.verdicts if v.complaint is not None]
    assert {c.id for c in shown} == set(asb["complaints"])
    assert all(c.description is None for c in shown)
    assert _logged(since, "safeguarding.asb.review", "aisha.analyst") == {
        (RecordType.ASB_COMPLAINT, str(pk)) for pk in asb["complaints"]
    }
    assert _logged(since, "safeguarding.asb_case_review.view", "aisha.analyst") == {
        (RecordType.ASB_CASE_REVIEW, str(asb["review"].pk))
    }


def test_case_page_reader_brings_the_asb_panel(
    asb: dict[str, Any], lena: Person, aisha: Actor
) -> None:
    since = _mark()
    page = read_case_page(aisha, asb["case"].pk)
    assert set(page.panels) == {"asb"}
    assert {c.id for c in page.panels["asb"].complaints} == set(asb["complaints"])
    assert {c.who for c in page.panels["asb"].complaints} == {pseudonym(lena.pk)}
    # Logged once, by the case page's reader: no panel event of its own.
    assert not _logged(since, "safeguarding.asb.case_panel", "aisha.analyst")
    assert (
        RecordType.ASB_INTERVENTION,
        str(asb["intervention"].pk),
    ) in _logged(since, "safeguarding.case.view_records", "aisha.analyst")


@pytest.mark.parametrize("who", ["carol", "aisha"])
def test_nrm_readers_log_each_referral_and_pseudonymise(
    personas: dict[str, Any], who: str, request: Any
) -> None:
    demo_nrm.seed()
    actor: Actor = request.getfixturevalue(who)
    since = _mark()
    listed = read_nrm_list(actor)
    assert listed.rows
    assert _logged(since, "safeguarding.nrm_referral.list", actor.username) == {
        (RecordType.NRM_REFERRAL, str(r.id)) for r in listed.rows
    }
    assert all((r.case_reference is None) == (who == "aisha") for r in listed.rows)
    since = _mark()
    page = read_nrm_referral_page(actor, listed.rows[0].id)
    assert (page.notes is None) == (who == "aisha")
    assert _logged(since, "safeguarding.nrm_referral.view", actor.username) == {
        (RecordType.NRM_REFERRAL, str(listed.rows[0].id))
    }
    case = Case.objects.get(pk=listed.rows[0].case_id)
    case_page = read_case_page(actor, case.pk)
    assert set(case_page.panels) == {"nrm"}
    assert [r.id for r in case_page.panels["nrm"].rows] == [
        r.id for r in listed.rows if r.case_id == case.pk
    ]


def _cases(actor: Actor, how_many: int) -> None:
    for n in range(how_many):
        do_create_case(
            actor=actor, case_type="asb", title=f"Budget case {n}", opened_on=TODAY
        )


def _queries(actor: Actor) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        page = read_case_list(actor, {"status": "open"})
    return len(ctx.captured_queries), page


def test_case_list_logs_each_row_and_costs_the_same_for_5_or_30(
    carol: Actor, aisha: Actor
) -> None:
    _cases(carol, 5)
    read_case_list(aisha, {"status": "open"})  # settle any first-read caches
    since = _mark()
    few, page = _queries(aisha)
    assert len(page.rows) == 5 and page.count == 5
    assert all(r.reference is None and r.title is None for r in page.rows)
    assert _logged(since, "safeguarding.case.list", "aisha.analyst") == {
        (RecordType.CASE, str(r.id)) for r in page.rows
    }
    _cases(carol, 25)
    many, page = _queries(aisha)
    assert (len(page.rows), page.count, page.num_pages) == (25, 30, 2)
    assert few == many
    identified = read_case_list(actor_for_user(carol), {"status": "open"}, 2)
    assert identified.number == 2 and identified.rows[0].reference is not None


def test_api_case_list_withholds_and_logs(carol: Actor, aisha: Actor) -> None:
    _cases(carol, 3)
    since = _mark()
    rows = read_api_cases(aisha, limit=2)
    assert len(rows) == 2 and all(r.reference is None for r in rows)
    assert rows[0].lead_agency.code == "lcc"
    assert _logged(since, "safeguarding.case.list", "aisha.analyst") == {
        (RecordType.CASE, str(r.id)) for r in rows
    }
    assert read_api_cases(actor_for_user(carol))[0].reference is not None
