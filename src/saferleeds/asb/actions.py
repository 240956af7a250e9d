"""The only way to change ASB complaints, risk assessments, interventions and ASB Case
Reviews. Each action checks the actor may make the change, makes it, and writes the
audit entry in the same transaction. The rules are in :mod:`saferleeds.asb.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Count, F

from saferleeds.asb.access import (
    access_asb_case_review_by_id,
    access_asb_complaint_by_id,
    access_asb_intervention_by_id,
    asb_complaints_visible_to,
)
from saferleeds.asb.models import (
    AsbCaseReview,
    AsbComplaint,
    AsbIntervention,
    AsbRecommendation,
    AsbRiskAssessment,
)
from saferleeds.asb.rules import (
    AnnualStatistics,
    ApplicationFacts,
    ComplaintFacts,
    RiskMatrix,
    ServiceLevels,
    ThresholdResult,
    ThresholdRules,
    annual_statistics,
    check_threshold,
    score_risk,
)
from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.incidents.models import Incident
from saferleeds.locking import save_versioned
from saferleeds.partners.models import Agency, RecordType
from saferleeds.partners.policy import (
    CASEWORK_ROLES,
    Actor,
    Forbidden,
    NotFound,
    may_change,
)
from saferleeds.partnership import current
from saferleeds.people.access import access_person_by_id
from saferleeds.people.models import SubjectRole
from saferleeds.safeguarding.access.cases import access_case_by_id
from saferleeds.safeguarding.actions.cases import do_create_case
from saferleeds.safeguarding.models import Case, CasePerson

__all__ = [
    "AsbRuleError",
    "RecommendationInput",
    "threshold_rules",
    "risk_matrix",
    "service_levels",
    "partnership_statistics",
    "statistics_year_start_month",
    "do_record_asb_complaint",
    "do_open_asb_case",
    "do_link_asb_complaint",
    "review_complaints",
    "check_application",
    "do_record_asb_assessment",
    "do_record_asb_intervention",
    "do_record_asb_intervention_outcome",
    "do_receive_asb_case_review",
    "do_acknowledge_asb_case_review",
    "do_decide_asb_case_review",
    "do_hold_asb_case_review",
    "do_add_asb_recommendation",
    "do_tell_asb_applicant",
    "do_complete_asb_recommendation",
]


class AsbRuleError(ValueError):
    """The change breaks a case review rule (a step out of order, a refused decision)."""


@dataclass(frozen=True)
class RecommendationInput:
    """A recommendation to record: what, which agency owns it, by when."""

    text: str
    owner_agency_id: int
    due_on: date | None = None


def threshold_rules() -> ThresholdRules:
    """The partnership's threshold (``[casework.asb]``; a local extra of 0 is off)."""
    s = current().casework.asb
    return ThresholdRules(
        complaints=s.threshold_complaints,
        behaviour_months=s.behaviour_window_months,
        application_months=s.application_window_months,
        individuals=s.threshold_individuals or None,
        hate_incidents=s.threshold_hate_incidents or None,
    )


def service_levels() -> ServiceLevels:
    """The partnership's case review service levels (``[casework.asb]``)."""
    s = current().casework.asb
    return ServiceLevels(
        acknowledge=s.acknowledge_working_days,
        decide=s.decision_working_days,
        review=s.review_working_days,
        tell_applicant=s.tell_applicant_working_days,
    )


def risk_matrix() -> RiskMatrix:
    """The partnership's risk matrix (``[casework.asb]``): the default matrix with the
    file's band cut-offs, and its weights and intervals where it sets them."""
    s = current().casework.asb
    d = RiskMatrix()
    cut = {"high": s.risk_high_score, "medium": s.risk_medium_score}
    return RiskMatrix(
        questions=tuple(
            replace(q, weight=s.risk_weights.get(q.key, q.weight)) for q in d.questions
        ),
        bands=tuple(
            replace(
                b,
                min_score=cut.get(b.level, b.min_score),
                contact_days=s.risk_contact_days.get(b.level, b.contact_days),
                review_days=s.risk_review_days.get(b.level, b.review_days),
            )
            for b in d.bands
        ),
    )


def _require_casework(actor: Actor, what: str) -> None:
    if (
        not actor.has(CASEWORK_ROLES)
        or actor.agency_id is None
        or actor.user_id is None
    ):
        raise Forbidden(f"only practitioners and case coordinators {what}")


def _changeable_case(actor: Actor, case_id: int) -> Case:
    case = access_case_by_id(actor, case_id, audit=False)
    if not may_change(actor, {case.lead_agency_id}, {case.pk}):
        raise Forbidden("you may not change this case")
    if case.case_type != Case.Type.ASB:
        raise AsbRuleError("this is not an anti-social behaviour case")
    return case


def _link_person(actor: Actor, case: Case, person_id: int, role: str) -> None:
    person = access_person_by_id(actor, person_id, audit=False)
    _, created = CasePerson.objects.get_or_create(case=case, person=person, role=role)
    if created:
        record(
            actor,
            operation=Operation.COMBINATION,
            event="safeguarding.case.link_person",
            record_type=RecordType.CASE,
            record_id=case.pk,
            subject_person_id=person.pk,
            detail={"role": role},
        )


def _next_reference(model: type[Case] | type[AsbCaseReview], prefix: str) -> str:
    """``PREFIX-YYYY-NNN``, one more than the highest of the year."""
    refs = model.objects.filter(reference__startswith=prefix).values_list(
        "reference", flat=True
    )
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs if r.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


@atomic_action
def do_record_asb_complaint(
    *,
    actor: Actor,
    behaviour_on: date,
    reported_on: date,
    description: str,
    harassment: bool = True,
    complainant_id: int | None = None,
    case_id: int | None = None,
    incident_id: int | None = None,
) -> AsbComplaint:
    """Record a complaint of ASB received by the actor's agency, optionally on a case
    (the complainant is then linked to the case as complainant).

    Raises:
        Forbidden: Not a practitioner or case coordinator, or may not change the case.
        NotFound: The case, person or incident is not visible to the actor.
        AsbRuleError: The case is not an ASB case, or the dates are impossible.
    """
    _require_casework(actor, "record complaints")
    if reported_on < behaviour_on:
        raise AsbRuleError("a complaint cannot be made before the behaviour")
    case = _changeable_case(actor, case_id) if case_id is not None else None
    complainant = (
        access_person_by_id(actor, complainant_id, audit=False)
        if complainant_id is not None
        else None
    )
    incident = None
    if incident_id is not None:
        incident = Incident.objects.filter(
            pk=incident_id, owner_agency_id=actor.agency_id
        ).first()
        if incident is None:
            raise AsbRuleError("link only an incident your agency recorded")
    complaint = AsbComplaint.objects.create(
        agency_id=actor.agency_id,
        case=case,
        complainant=complainant,
        behaviour_on=behaviour_on,
        reported_on=reported_on,
        description=description,
        causes_harassment=harassment,
        incident=incident,
        recorded_by_id=actor.user_id,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.asb_complaint.create",
        record_type=RecordType.ASB_COMPLAINT,
        record_id=complaint.pk,
        subject_person_id=complainant.pk if complainant else None,
    )
    if case is not None and complainant is not None:
        _link_person(actor, case, complainant.pk, SubjectRole.COMPLAINANT)
    return complaint


@atomic_action
def do_open_asb_case(
    *,
    actor: Actor,
    title: str,
    opened_on: date,
    complaint_ids: Iterable[int] = (),
    complainant_ids: Iterable[int] = (),
    perpetrator_ids: Iterable[int] = (),
    reference: str = "",
) -> Case:
    """Open an ASB case led by the actor's agency from complaints it holds, linking the
    complainants (role complainant) and alleged perpetrators (role suspect).

    Raises:
        Forbidden: Not casework staff, or a complaint is held by another agency.
        NotFound: A complaint or person is not visible to the actor.
    """
    _require_casework(actor, "open cases")
    complaints = [
        access_asb_complaint_by_id(actor, cid, audit=False) for cid in complaint_ids
    ]
    for c in complaints:
        if not may_change(actor, {c.agency_id}):
            raise Forbidden("you may only put your agency's complaints on a case")
    case = do_create_case(
        actor=actor,
        reference=reference or _next_reference(Case, f"ASB-{opened_on.year}-"),
        case_type=Case.Type.ASB,
        title=title,
        opened_on=opened_on,
    )
    people = {(p, SubjectRole.COMPLAINANT) for p in complainant_ids}
    people |= {
        (c.complainant_id, SubjectRole.COMPLAINANT)
        for c in complaints
        if c.complainant_id is not None
    }
    people |= {(p, SubjectRole.SUSPECT) for p in perpetrator_ids}
    for person_id, role in sorted(people):
        _link_person(actor, case, person_id, role)
    for c in complaints:
        AsbComplaint.objects.filter(pk=c.pk).update(case=case)
        record(
            actor,
            operation=Operation.COMBINATION,
            event="safeguarding.asb_complaint.link_case",
            record_type=RecordType.ASB_COMPLAINT,
            record_id=c.pk,
            subject_person_id=c.complainant_id,
            detail={"case": case.pk},
        )
    return case


@atomic_action
def do_link_asb_complaint(complaint_id: int, case_id: int, *, actor: Actor) -> None:
    """Put an existing complaint (held by the actor's agency) on an ASB case."""
    complaint = access_asb_complaint_by_id(actor, complaint_id, audit=False)
    case = _changeable_case(actor, case_id)
    if not may_change(actor, {complaint.agency_id}):
        raise Forbidden("you may only put your agency's complaints on a case")
    AsbComplaint.objects.filter(pk=complaint.pk).update(case=case)
    record(
        actor,
        operation=Operation.COMBINATION,
        event="safeguarding.asb_complaint.link_case",
        record_type=RecordType.ASB_COMPLAINT,
        record_id=complaint.pk,
        subject_person_id=complaint.complainant_id,
        detail={"case": case.pk},
    )
    if complaint.complainant_id is not None:
        _link_person(actor, case, complaint.complainant_id, SubjectRole.COMPLAINANT)


@atomic_action
def do_record_asb_assessment(
    case_id: int,
    *,
    actor: Actor,
    complainant_id: int,
    assessed_on: date,
    answers: Mapping[str, int],
    notes: str = "",
) -> AsbRiskAssessment:
    """Score a victim's vulnerability and risk, and set the case's risk level and next
    review date from it (the latest assessment decides).

    Raises:
        Forbidden: May not change the case.
        NotFound: The case or person is not visible.
        ValueError: An answer is not one of the matrix's.
    """
    _require_casework(actor, "assess risk")
    case = _changeable_case(actor, case_id)
    person = access_person_by_id(actor, complainant_id, audit=False)
    result = score_risk(answers, risk_matrix())
    assessment = AsbRiskAssessment.objects.create(
        case=case,
        complainant=person,
        agency_id=actor.agency_id,
        assessor_id=actor.user_id,
        assessed_on=assessed_on,
        answers=result.answers,
        score=result.score,
        risk_level=result.band.level,
        review_interval_days=result.band.review_days,
        notes=notes,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.asb_assessment.create",
        record_type=RecordType.ASB_ASSESSMENT,
        record_id=assessment.pk,
        subject_person_id=person.pk,
        detail={"score": result.score, "risk_level": result.band.level},
    )
    latest = case.asb_assessments.order_by("-assessed_on", "-id").first()
    if latest is not None and latest.pk == assessment.pk:
        Case.objects.filter(pk=case.pk).update(
            risk_level=result.band.level,
            review_due_on=result.review_due(assessed_on),
            version=F("version") + 1,
        )
        record(
            actor,
            operation=Operation.ALTERATION,
            event="safeguarding.case.risk",
            record_type=RecordType.CASE,
            record_id=case.pk,
            detail={"fields": ["risk_level", "review_due_on"]},
        )
    _link_person(actor, case, person.pk, SubjectRole.COMPLAINANT)
    return assessment


@atomic_action
def do_record_asb_intervention(
    case_id: int,
    *,
    actor: Actor,
    kind: str,
    issued_on: date,
    subject_id: int | None = None,
    expires_on: date | None = None,
    notes: str = "",
) -> AsbIntervention:
    """Record an intervention on an ASB case (warning to closure order).

    Raises:
        Forbidden: May not change the case.
        NotFound: The case or person is not visible.
        AsbRuleError: Unknown kind, or it expires before it is issued.
    """
    _require_casework(actor, "record interventions")
    if kind not in AsbIntervention.Kind.values:
        raise AsbRuleError(f"unknown intervention {kind!r}")
    if expires_on is not None and expires_on < issued_on:
        raise AsbRuleError("an intervention cannot expire before it is issued")
    case = _changeable_case(actor, case_id)
    subject = (
        access_person_by_id(actor, subject_id, audit=False)
        if subject_id is not None
        else None
    )
    intervention = AsbIntervention.objects.create(
        case=case,
        agency_id=actor.agency_id,
        recorded_by_id=actor.user_id,
        kind=kind,
        subject=subject,
        issued_on=issued_on,
        expires_on=expires_on,
        notes=notes,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.asb_intervention.create",
        record_type=RecordType.ASB_INTERVENTION,
        record_id=intervention.pk,
        subject_person_id=subject.pk if subject else None,
        detail={"kind": kind},
    )
    if subject is not None:
        _link_person(actor, case, subject.pk, SubjectRole.SUSPECT)
    return intervention


@atomic_action
def do_record_asb_intervention_outcome(
    intervention_id: int,
    *,
    actor: Actor,
    outcome: str,
    outcome_on: date,
    notes: str = "",
) -> AsbIntervention:
    """Record what came of an intervention (complied, breached, discharged...).

    Raises:
        Forbidden: May not change it.
        NotFound: Not visible.
        AsbRuleError: Unknown outcome, or dated before the intervention.
    """
    intervention = access_asb_intervention_by_id(actor, intervention_id, audit=False)
    if not may_change(actor, {intervention.agency_id}, {intervention.case_id}):
        raise Forbidden("you may not change this intervention")
    if outcome not in AsbIntervention.Outcome.values:
        raise AsbRuleError(f"unknown outcome {outcome!r}")
    if outcome_on < intervention.issued_on:
        raise AsbRuleError("the outcome cannot be before the intervention")
    changes: dict[str, object] = {"outcome": outcome, "outcome_on": outcome_on}
    if notes:
        changes["notes"] = (
            f"{intervention.notes}\n\n{notes}".strip() if intervention.notes else notes
        )
    AsbIntervention.objects.filter(pk=intervention.pk).update(**changes)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.asb_intervention.outcome",
        record_type=RecordType.ASB_INTERVENTION,
        record_id=intervention.pk,
        subject_person_id=intervention.subject_id,
        detail={"outcome": outcome, "fields": sorted(changes)},
    )
    intervention.refresh_from_db()
    return intervention


# --- ASB Case Review ---------------------------------------------------------------


def _facts(complaints: Iterable[AsbComplaint]) -> list[ComplaintFacts]:
    return [
        ComplaintFacts(
            key=c.pk,
            behaviour_on=c.behaviour_on,
            reported_on=c.reported_on,
            harassment=c.causes_harassment,
            complainant=c.complainant_id,
            hate_motivated=bool(
                c.incident_id and c.incident.category == Incident.Category.HATE
            ),
        )
        for c in complaints
    ]


def review_complaints(
    actor: Actor,
    *,
    complaint_ids: Iterable[int] = (),
    case_id: int | None = None,
    applicant_id: int | None = None,
) -> list[AsbComplaint]:
    """The complaints an application rests on, as the actor may see them: those chosen,
    those on the case, and those the applicant made."""
    chosen = [
        access_asb_complaint_by_id(actor, cid, audit=False) for cid in complaint_ids
    ]
    visible = asb_complaints_visible_to(actor).select_related("incident")
    linked: list[AsbComplaint] = []
    if case_id is not None:
        linked += list(visible.filter(case_id=case_id))
    if applicant_id is not None:
        linked += list(visible.filter(complainant_id=applicant_id))
    by_id = {c.pk: c for c in [*chosen, *linked]}
    return [by_id[k] for k in sorted(by_id)]


def check_application(
    complaints: Iterable[AsbComplaint], received_on: date
) -> ThresholdResult:
    """The threshold check of an application received on a day."""
    return check_threshold(_facts(complaints), received_on, threshold_rules())


@atomic_action
def do_receive_asb_case_review(
    *,
    actor: Actor,
    received_on: date,
    applicant_id: int | None = None,
    on_behalf_of_victim: bool = False,
    case_id: int | None = None,
    complaint_ids: Iterable[int] = (),
    reference: str = "",
) -> AsbCaseReview:
    """Receive an ASB Case Review application and check it against the threshold.

    The check runs on the complaints the actor may see that were chosen, are on the
    case, or were made by the applicant; its result and each complaint's reason are kept
    in ``threshold_detail``. ``threshold_met`` stays empty until the decision
    (:func:`do_decide_asb_case_review`), whose clock starts now.

    Raises:
        Forbidden: Not casework staff, or may not change the case.
        NotFound: A case, person or complaint is not visible.
    """
    _require_casework(actor, "receive case review applications")
    case = _changeable_case(actor, case_id) if case_id is not None else None
    applicant = (
        access_person_by_id(actor, applicant_id, audit=False)
        if applicant_id is not None
        else None
    )
    complaints = review_complaints(
        actor, complaint_ids=complaint_ids, case_id=case_id, applicant_id=applicant_id
    )
    result = check_application(complaints, received_on)
    review = AsbCaseReview.objects.create(
        reference=reference
        or _next_reference(AsbCaseReview, f"ASBCR-{received_on.year}-"),
        agency_id=actor.agency_id,
        case=case,
        applicant=applicant,
        on_behalf_of_victim=on_behalf_of_victim,
        received_on=received_on,
        received_by_id=actor.user_id,
        threshold_detail=result.as_json(),
    )
    review.complaints.set(complaints)
    record(
        actor,
        operation=Operation.COLLECTION,
        event="safeguarding.asb_case_review.receive",
        record_type=RecordType.ASB_CASE_REVIEW,
        record_id=review.pk,
        subject_person_id=applicant.pk if applicant else None,
        detail={"threshold_check": result.met, "complaints": len(complaints)},
    )
    if case is not None and applicant is not None:
        _link_person(actor, case, applicant.pk, SubjectRole.COMPLAINANT)
    return review


def _changeable_review(actor: Actor, review_id: int) -> AsbCaseReview:
    review = access_asb_case_review_by_id(actor, review_id, audit=False)
    cases = {review.case_id} if review.case_id else set()
    if not may_change(actor, {review.agency_id}, cases):
        raise Forbidden("you may not change this case review")
    return review


def _audit_review(
    actor: Actor, review: AsbCaseReview, event: str, detail: dict[str, object]
) -> None:
    record(
        actor,
        operation=Operation.ALTERATION,
        event=f"safeguarding.asb_case_review.{event}",
        record_type=RecordType.ASB_CASE_REVIEW,
        record_id=review.pk,
        subject_person_id=review.applicant_id,
        detail=detail,
    )


def _not_before(day: date, earlier: date | None, what: str) -> None:
    if earlier is not None and day < earlier:
        raise AsbRuleError(f"the date cannot be before {what}")


@atomic_action
def do_acknowledge_asb_case_review(
    review_id: int, *, actor: Actor, acknowledged_on: date, version: int
) -> int:
    """Record that the applicant was acknowledged; returns the new version.

    Raises:
        Conflict: Someone saved the review since ``version``.
        AsbRuleError: Already acknowledged, or dated before receipt.
    """
    review = _changeable_review(actor, review_id)
    if review.acknowledged_on is not None:
        raise AsbRuleError("the application is already acknowledged")
    _not_before(acknowledged_on, review.received_on, "the application was received")
    new = save_versioned(
        AsbCaseReview, review.pk, version, {"acknowledged_on": acknowledged_on}
    )
    _audit_review(actor, review, "acknowledge", {"fields": ["acknowledged_on"]})
    return new


@atomic_action
def do_decide_asb_case_review(
    review_id: int,
    *,
    actor: Actor,
    decision_on: date,
    version: int,
    hold_review: bool | None = None,
) -> int:
    """Decide whether the threshold is met; returns the new version.

    The check made on receipt decides: a met threshold always leads to a review
    (s.104: the bodies *must* carry it out). Where it is not met the partnership may
    still choose to hold one (``hold_review=True``), which is recorded as met.

    Raises:
        Conflict: Someone saved the review since ``version``.
        AsbRuleError: Already decided, dated before receipt, or refusing a review
            the threshold requires.
    """
    review = _changeable_review(actor, review_id)
    if review.threshold_met is not None:
        raise AsbRuleError("the threshold is already decided")
    _not_before(decision_on, review.received_on, "the application was received")
    checked = bool(review.threshold_detail.get("met"))
    if checked and hold_review is False:
        raise AsbRuleError("the threshold is met: the review must be held")
    met = checked or bool(hold_review)
    status = (
        AsbCaseReview.Status.REVIEW_DUE
        if met
        else AsbCaseReview.Status.THRESHOLD_NOT_MET
    )
    new = save_versioned(
        AsbCaseReview,
        review.pk,
        version,
        {"threshold_met": met, "decision_on": decision_on, "status": status},
    )
    _audit_review(
        actor,
        review,
        "decide",
        {"threshold_met": met, "discretionary": met and not checked},
    )
    return new


@atomic_action
def do_hold_asb_case_review(
    review_id: int,
    *,
    actor: Actor,
    held_on: date,
    chair: str,
    outcome: str,
    version: int,
    recommendations: Iterable[RecommendationInput] = (),
) -> int:
    """Record the review meeting: date, chair, outcome and recommendations.

    Raises:
        Conflict: Someone saved the review since ``version``.
        AsbRuleError: No review is due (threshold not decided or not met, or held
            already), or dated before the decision.
    """
    review = _changeable_review(actor, review_id)
    if review.status != AsbCaseReview.Status.REVIEW_DUE:
        raise AsbRuleError("no review is due on this application")
    _not_before(held_on, review.decision_on, "the threshold decision")
    if not chair.strip() or not outcome.strip():
        raise AsbRuleError("a review needs its chair and its outcome")
    new = save_versioned(
        AsbCaseReview,
        review.pk,
        version,
        {
            "review_held_on": held_on,
            "chair": chair.strip(),
            "outcome": outcome.strip(),
            "status": AsbCaseReview.Status.REVIEW_HELD,
        },
    )
    for rec in recommendations:
        _add_recommendation(actor, review, rec)
    _audit_review(
        actor, review, "hold", {"fields": ["review_held_on", "chair", "outcome"]}
    )
    return new


def _add_recommendation(
    actor: Actor, review: AsbCaseReview, rec: RecommendationInput
) -> AsbRecommendation:
    if not rec.text.strip():
        raise AsbRuleError("a recommendation needs its text")
    if not Agency.objects.filter(pk=rec.owner_agency_id).exists():
        raise AsbRuleError("the owner agency does not exist")
    made = AsbRecommendation.objects.create(
        review=review,
        text=rec.text.strip(),
        owner_agency_id=rec.owner_agency_id,
        due_on=rec.due_on,
    )
    _audit_review(
        actor,
        review,
        "recommend",
        {"recommendation": made.pk, "owner": rec.owner_agency_id},
    )
    return made


@atomic_action
def do_add_asb_recommendation(
    review_id: int, rec: RecommendationInput, *, actor: Actor
) -> AsbRecommendation:
    """Add a recommendation to a review that has been held (before the applicant is
    told).

    Raises:
        AsbRuleError: The review is not held, or the applicant was already told.
    """
    review = _changeable_review(actor, review_id)
    if review.status != AsbCaseReview.Status.REVIEW_HELD:
        raise AsbRuleError("recommendations are made at a review that has been held")
    if (
        rec.due_on is not None
        and review.review_held_on
        and rec.due_on < review.review_held_on
    ):
        raise AsbRuleError("a recommendation cannot be due before the review")
    made = _add_recommendation(actor, review, rec)
    AsbCaseReview.objects.filter(pk=review.pk).update(version=F("version") + 1)
    return made


@atomic_action
def do_tell_asb_applicant(
    review_id: int, *, actor: Actor, told_on: date, version: int
) -> int:
    """Record that the applicant was told the outcome (or that the threshold was not
    met), which closes the application; returns the new version.

    Raises:
        Conflict: Someone saved the review since ``version``.
        AsbRuleError: Nothing to tell yet, already told, or dated too early.
    """
    review = _changeable_review(actor, review_id)
    if review.applicant_told_on is not None:
        raise AsbRuleError("the applicant has already been told")
    if review.status == AsbCaseReview.Status.REVIEW_HELD:
        _not_before(told_on, review.review_held_on, "the review")
    elif review.status == AsbCaseReview.Status.THRESHOLD_NOT_MET:
        _not_before(told_on, review.decision_on, "the decision")
    else:
        raise AsbRuleError("there is no outcome to tell the applicant yet")
    new = save_versioned(
        AsbCaseReview,
        review.pk,
        version,
        {"applicant_told_on": told_on, "status": AsbCaseReview.Status.CLOSED},
    )
    _audit_review(actor, review, "tell_applicant", {"fields": ["applicant_told_on"]})
    return new


@atomic_action
def do_complete_asb_recommendation(
    recommendation_id: int, *, actor: Actor, completed_on: date
) -> AsbRecommendation:
    """Mark a recommendation done; the owner agency or the review's holder may.

    Raises:
        NotFound: The recommendation's review is not visible.
        Forbidden: Neither the owner agency nor the review's holder.
        AsbRuleError: Already done, or dated before the review.
    """
    rec = AsbRecommendation.objects.filter(pk=recommendation_id).first()
    if rec is None:
        raise NotFound(f"no recommendation {recommendation_id}")
    review = access_asb_case_review_by_id(actor, rec.review_id, audit=False)
    cases = {review.case_id} if review.case_id else set()
    if not may_change(actor, {review.agency_id, rec.owner_agency_id}, cases):
        raise Forbidden("you may not change this recommendation")
    if rec.completed_on is not None:
        raise AsbRuleError("the recommendation is already done")
    _not_before(completed_on, review.review_held_on, "the review")
    AsbRecommendation.objects.filter(pk=rec.pk).update(completed_on=completed_on)
    _audit_review(actor, review, "complete_recommendation", {"recommendation": rec.pk})
    rec.refresh_from_db()
    return rec


# --- statistics (aggregate counts, no personal data) --------------------------------


def statistics_year_start_month() -> int:
    """First month of the reporting year (``[casework.asb]``; 4, the financial year)."""
    return current().casework.asb.statistics_year_start_month


def partnership_statistics(year: int, *, today: date | None = None) -> AnnualStatistics:
    """The year's published ASB Case Review figures across the whole partnership.

    Counts only (s.104(10) requires them to be published), so every application is
    counted whoever holds it; no record is read out and nothing personal leaves.
    """
    counts = {
        row["review_id"]: row["n"]
        for row in AsbRecommendation.objects.values("review_id").annotate(n=Count("id"))
    }
    facts = [
        ApplicationFacts(
            received_on=r.received_on,
            decision_on=r.decision_on,
            threshold_met=r.threshold_met,
            review_held_on=r.review_held_on,
            recommendations=counts.get(r.pk, 0),
        )
        for r in AsbCaseReview.objects.only(
            "id", "received_on", "decision_on", "threshold_met", "review_held_on"
        )
    ]
    return annual_statistics(
        facts, year, start_month=statistics_year_start_month(), today=today
    )
