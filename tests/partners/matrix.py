"""The access matrix: the rules written out independently of the policy code, and a world
of records held by every agency to test them against. Shared by the access-layer test and
the page and API tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.asb.models import (
    AsbCaseReview,
    AsbComplaint,
    AsbIntervention,
    AsbRiskAssessment,
)
from saferleeds.core.records import kinds
from saferleeds.dardr.models import DeathReview, Recommendation
from saferleeds.hate.models import HateReport
from saferleeds.incidents.actions import do_create_incident
from saferleeds.iom.models import IomDecision, IomIntervention, IomMember, PathwayNeed
from saferleeds.linkage.models import AgencyRecord, LinkPair, LinkRun
from saferleeds.marac.models import DashAssessment, MaracReferral, MaracResearch
from saferleeds.nrm.models import NrmReferral
from saferleeds.offending.models import Disposal, OcgNomination, Offence
from saferleeds.partners.actions import do_create_agreement, do_ensure_user
from saferleeds.partners.models import Agency, RecordType, Role
from saferleeds.partners.policy import Actor, actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.places.actions import do_create_place
from saferleeds.safeguarding.actions import do_add_case_note, do_create_case
from saferleeds.safeguarding.documents import store_document
from saferleeds.safeguarding.models import CaseDocument, CaseTask

# Every declared record kind: the matrix grows with the registry, and a kind the world
# below cannot make fails test_every_kind_is_in_the_world.
RECORD_TYPES = tuple(k.value for k in kinds())
# The casework record types, each held by an agency and belonging to that agency's case.
CASEWORK_TYPES = tuple(k.value for k in kinds() if k.case_scoped and k != "case")
HOLDERS = ("lcc", "wyp", "wyfrs", "nps", "ccg")
STATES = ("none", "in_force", "expired")

# Record types only practitioners and case coordinators open at all, whatever is shared
# (security finding 3, issue #11): every other role is refused them outright.
CASEWORK_ONLY_TYPES = (
    "dash_assessment",
    "marac_referral",
    "marac_research",
    "hate_report",
    "iom_member",
    "iom_decision",
    "iom_pathway_need",
    "iom_intervention",
    # A pair of agency records in the linkage review queue (issue #13): reviewing
    # compares identities, so the review pages and their API are for these roles only.
    "link_pair",
)

# Death reviews and their recommendations (issue #15 item 4): opened only by case
# coordinators (the partnership's community safety officers, identified) and analysts
# (pseudonymised), whatever is shared; every other role is refused them outright.
DARDR_TYPES = ("dardr_review", "dardr_recommendation")
DARDR_ROLES = frozenset({"case_coordinator", "analyst"})

IDENTIFIED = "identified"
PSEUDONYMISED = "pseudonymised"
DENIED = "denied"


def expected(
    roles: set[str],
    own: bool,
    state: str,
    member: bool = False,
    record_type: str | None = None,
) -> str:
    """What a user with ``roles`` sees of one record, by the written rules.

    Args:
        roles: The user's roles.
        own: The record is held by the user's own agency.
        state: Whether an agreement sharing the record type from the holder to the
            user's agency is absent, in force, or expired.
        member: The user is a member of the case the record belongs to.
        record_type: The record's type (``None``: one open to every role).
    """
    casework = bool(roles & {Role.PRACTITIONER, Role.CASE_COORDINATOR})
    analyst = Role.ANALYST in roles
    ig = Role.IG_LEAD in roles
    if record_type in CASEWORK_ONLY_TYPES and not casework:
        return DENIED
    if record_type in DARDR_TYPES:
        if Role.CASE_COORDINATOR in roles:
            return IDENTIFIED if own or state == "in_force" else DENIED
        if analyst:
            return PSEUDONYMISED if own or state == "in_force" else DENIED
        return DENIED
    if casework:
        return IDENTIFIED if own or state == "in_force" or member else DENIED
    if analyst:
        return PSEUDONYMISED if own or state == "in_force" else DENIED
    if ig:
        return IDENTIFIED if own else DENIED
    return DENIED  # executive, agency administrator, system administrator


@dataclass
class World:
    """Records of every type held by every agency in HOLDERS, and a sharing agreement."""

    records: dict[tuple[str, str], int]  # (holder agency code, record type) -> id
    makers: dict[str, User]
    # Not declared record kinds, but held the same way: (holder, "link_pair") -> id of
    # a review-queue pair of two agency records held by the holder.
    others: dict[tuple[str, str], int] = field(default_factory=dict)

    def id_of(self, holder: str, record_type: str) -> int:
        """The id of the record of ``record_type`` held by ``holder``."""
        key = (holder, record_type)
        return self.records[key] if key in self.records else self.others[key]


def _casework_records(
    code: str, agency: Agency, user: User, case: Any, person: Any, n: int
) -> dict[tuple[str, str], int]:
    """One record of each casework type, held by ``agency``, on its own ``case``.

    Made directly with the ORM: the access layer is what is under test, and the
    actions' own rules (criteria, thresholds) are tested where they live. Free text
    names the person (``Given<code>``) so a pseudonymised answer can be checked for it.
    """
    day = date(2018, 7, 3)
    name = f"Given{code} Family{code}"
    common = {"case": case, "agency": agency}
    task = CaseTask.objects.create(
        case=case,
        title=f"Visit {name}",
        owner_agency=agency,
        due_on=day,
        created_by=user,
        created_by_agency=agency,
    )
    document = CaseDocument.objects.create(
        **common,
        uploaded_by=user,
        title=f"Statement of {name}",
        original_name="statement.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        stored_name=store_document(b"%PDF-1.4\n% matrix document\n"),
    )
    dash = DashAssessment.objects.create(
        **common,
        victim=person,
        assessor=user,
        assessed_on=day,
        answers=[True] * 14 + [False] * 10,
        yes_count=14,
        visible_high_risk=True,
        risk_level="high",
        assessor_notes=f"{name} was strangled",
    )
    referral = MaracReferral.objects.create(
        case=case,
        victim=person,
        referring_agency=agency,
        referred_by=user,
        referred_on=day,
        criteria=["visible_high_risk"],
        dash=dash,
        reason=f"{name} at risk",
    )
    research = MaracResearch.objects.create(
        referral=referral, agency=agency, author=user, findings=f"{name} known"
    )
    hate = HateReport.objects.create(
        **common,
        what_happened=f"{name} was abused",
        occurred_on=day,
        location="Briggate",
        perceived_by="victim",
        reporter_is_victim=True,
        contact_name=name,
        contact_preference="none",
        victim=person,
    )
    complaint = AsbComplaint.objects.create(
        **common,
        complainant=person,
        behaviour_on=day,
        reported_on=day,
        description=f"{name} complained of noise",
        recorded_by=user,
    )
    assessment = AsbRiskAssessment.objects.create(
        **common,
        complainant=person,
        assessor=user,
        assessed_on=day,
        answers={},
        score=1,
        risk_level="standard",
        review_interval_days=28,
        notes=f"{name} copes",
    )
    intervention = AsbIntervention.objects.create(
        **common, recorded_by=user, kind="warning", issued_on=day
    )
    review = AsbCaseReview.objects.create(
        **common,
        reference=f"ACR-MATRIX-{code}-{n}",
        applicant=person,
        received_on=day,
        received_by=user,
    )
    nrm = NrmReferral.objects.create(
        **common,
        referred_by=user,
        potential_victim=person,
        age_group="adult",
        consented=True,
        exploitation=["labour"],
        referred_on=day,
        notes=f"{name} found at a car wash",
    )
    member = IomMember.objects.create(
        person=person,
        agency=agency,
        cohort="fixed",
        adopted_on=day,
        adopted_reason=f"{name} offends prolifically",
    )
    decision = IomDecision.objects.create(
        member=member,
        agency=agency,
        decision="adopt",
        cohort="fixed",
        reason=f"{name} offends prolifically",
        decided_on=day,
        decided_by=user,
    )
    need = PathwayNeed.objects.create(
        member=member,
        agency=agency,
        pathway="accommodation",
        level="high",
        notes=f"{name} sleeps rough",
        assessed_on=day,
        assessed_by=user,
    )
    iom_intervention = IomIntervention.objects.create(
        member=member,
        agency=agency,
        owner_agency=agency,
        pathway="accommodation",
        description=f"Housing for {name}",
        started_on=day,
        recorded_by=user,
    )
    # A death review the agency commissioned (no case), naming the deceased, and
    # one recommendation of it.
    death_review = DeathReview.objects.create(
        agency=agency,
        reference=f"DARDR-MATRIX-{code}-{n}",
        pseudonym=f"Adult {code.upper()}",
        deceased_name=name,
        date_of_death=day,
        notified_on=day,
        decision="review",
        decided_on=day,
        decision_reason=f"{name} died",
        created_by=user,
        created_at=timezone.now(),
    )
    recommendation = Recommendation.objects.create(
        review=death_review,
        number=1,
        text="Train staff on coercive control",
        owner_agency=agency,
        due_on=day,
        expected_change="Coercive control recognised",
        created_by=user,
        created_at=timezone.now(),
    )
    return {
        (code, "iom_member"): member.pk,
        (code, "dardr_review"): death_review.pk,
        (code, "dardr_recommendation"): recommendation.pk,
        (code, "iom_decision"): decision.pk,
        (code, "iom_pathway_need"): need.pk,
        (code, "iom_intervention"): iom_intervention.pk,
        (code, "case_task"): task.pk,
        (code, "attachment"): document.pk,
        (code, "dash_assessment"): dash.pk,
        (code, "marac_referral"): referral.pk,
        (code, "marac_research"): research.pk,
        (code, "hate_report"): hate.pk,
        (code, "asb_complaint"): complaint.pk,
        (code, "asb_assessment"): assessment.pk,
        (code, "asb_intervention"): intervention.pk,
        (code, "asb_case_review"): review.pk,
        (code, "nrm_referral"): nrm.pk,
    }


def build_world(state: str) -> World:
    """Create one record of each type per holder agency, and the agreement for ``state``."""
    agencies = {a.code: a for a in Agency.objects.all()}
    records: dict[tuple[str, str], int] = {}
    others: dict[tuple[str, str], int] = {}
    makers: dict[str, User] = {}
    run = LinkRun.objects.create(kind=LinkRun.Kind.FULL, threshold=0.95, review_low=0.5)
    for n, code in enumerate(HOLDERS):
        user = do_ensure_user(
            f"maker.{code}",
            agency=agencies[code],
            roles=[Role.PRACTITIONER],
            password=None,
            actor=None,
        )
        makers[code] = user
        maker = actor_for(user)
        person = do_create_person(
            actor=maker,
            reference=f"{code.upper()}-1",
            given_name=f"Given{code}",
            family_name=f"Family{code}",
            date_of_birth=date(1980, 5, 17),
            postcode="LS9 7AB",
        )
        place = do_create_place(
            actor=maker,
            address=f"1 {code} Street",
            postcode="LS9 7AB",
            latitude=53.80,
            longitude=-1.52,
        )
        incident = do_create_incident(
            actor=maker,
            reference=f"{code.upper()}-I1",
            category="crime",
            occurred_on=date(2018, 7, 1),
            place=place,
        )
        case = do_create_case(
            actor=maker,
            reference=f"{code.upper()}-C1",
            case_type="marac",
            title=f"Case of {code}",
            opened_on=date(2018, 7, 2),
        )
        note = do_add_case_note(case.pk, actor=maker, kind="fact", text=f"note {code}")
        # Offending records: held by the supplying agency, outside cases.
        offence = Offence.objects.create(
            agency=agencies[code],
            reference=f"{code.upper()}-O1",
            person=person,
            offence_code="028/01",
            committed_on=date(2018, 6, 1),
            proven_on=date(2018, 8, 1),
            disposal_type="court_non_custodial",
            role="offender",
            crime_reference=f"{code.upper()}-CR1",
        )
        disposal = Disposal.objects.create(
            agency=agencies[code],
            reference=f"{code.upper()}-D1",
            person=person,
            disposed_on=date(2018, 8, 1),
            disposal_type="court_non_custodial",
        )
        nomination = OcgNomination.objects.create(
            agency=agencies[code],
            ocg_reference=f"{code.upper()}-OCG1",
            ocg_name=f"Group of Family{code}",
            person=person,
            group_role="member",
            source_agency=agencies[code],
        )
        records.update(
            {
                (code, "ocg_nomination"): nomination.pk,
                (code, "person"): person.pk,
                (code, "place"): place.pk,
                (code, "incident"): incident.pk,
                (code, "case"): case.pk,
                (code, "case_note"): note.pk,
                (code, "offence"): offence.pk,
                (code, "disposal"): disposal.pk,
            }
        )
        records.update(_casework_records(code, agencies[code], user, case, person, n))
        # The agency's own record of the person (record linkage), linked to them.
        agency_record = AgencyRecord.objects.create(
            agency=agencies[code],
            reference=f"{code.upper()}-R1",
            forename=f"Given{code}",
            surname=f"Family{code}",
            person=person,
        )
        records[(code, "agency_record")] = agency_record.pk
        # A second record of theirs, not yet linked, and the pair awaiting review:
        # visible as the agency's records are (both are the holder's).
        second = AgencyRecord.objects.create(
            agency=agencies[code],
            reference=f"{code.upper()}-R2",
            forename=f"Given{code}",
            surname=f"Family{code}",
        )
        pair = LinkPair.objects.create(
            record_l=agency_record,
            record_r=second,
            match_probability=0.7,
            match_weight=1.2,
            run=run,
        )
        others[(code, "link_pair")] = pair.pk
    if state != "none":
        today = timezone.localdate()
        ends = (
            today + timedelta(days=365)
            if state == "in_force"
            else today - timedelta(days=1)
        )
        everyone = list(agencies.values())
        do_create_agreement(
            actor=None,
            reference=f"matrix-{state}",
            providers=everyone,
            recipients=everyone,
            title="Matrix agreement",
            purpose="testing",
            lawful_basis="s115 CDA 1998",
            record_types=[r.value for r in RecordType],
            starts_on=today - timedelta(days=400),
            ends_on=ends,
            signed_by="test",
            signed_on=today - timedelta(days=400),
        )
    return World(records, makers, others)


def actor_roles(actor: Actor) -> set[str]:
    """The actor's roles as plain strings."""
    return set(actor.roles)


def role_set(user: Any) -> set[str]:
    """A user's roles as plain strings."""
    return set(user.role_grants.values_list("role", flat=True))


# --- pages of aggregate figures ---------------------------------------------------------

#: The Joint Strategic Assessment (/plan/jsa/ and its documents), written out apart from
#: saferleeds.governance.rules: analysts, the executive and community safety officers
#: (the case coordinators in this role model); no record is read, so no agreement counts.
ASSESSMENT_PAGE_ROLES = frozenset({"analyst", "executive", "case_coordinator"})


def may_open_assessment(roles: set[str]) -> bool:
    """Whether a user with ``roles`` opens the Joint Strategic Assessment pages."""
    return bool(roles & ASSESSMENT_PAGE_ROLES)


#: Community tension reports (/plan/tensions/ and its area, map and weekly-return
#: pages), written out apart from saferleeds.governance.rules: no personal data, but
#: partners' soft information, so practitioners and case coordinators submit and read
#: them, analysts and the executive read them, and no other role opens the pages. The
#: hate reports and incidents linked to a report follow their own kinds' rules.
TENSION_SUBMIT_ROLES = frozenset({"practitioner", "case_coordinator"})
TENSION_READ_ROLES = TENSION_SUBMIT_ROLES | {"analyst", "executive"}


def may_open_tensions(roles: set[str]) -> bool:
    """Whether a user with ``roles`` opens the community tensions page."""
    return bool(roles & TENSION_READ_ROLES)


def may_submit_tension(roles: set[str]) -> bool:
    """Whether a user with ``roles`` submits a community tension report."""
    return bool(roles & TENSION_SUBMIT_ROLES)
