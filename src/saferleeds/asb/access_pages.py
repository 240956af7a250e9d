"""The ASB pages as reads: each page's records the actor may see, already shown.

One reader per page: :func:`read_asb_home`, :func:`read_asb_case_panel` (the ASB case
page; the case page's panel is built by :func:`asb_panel` from the records
``read_case_page`` read and logged), :func:`read_asb_interventions`,
:func:`read_asb_review_page`, and the forms' choices (:func:`people_on_case_choices`,
:func:`loose_complaint_choices`, :func:`review_complaint_choices`). Each applies the
sharing agreements through the ``*_visible_to`` querysets of :mod:`.asb` and
:mod:`.cases`, names people as the actor's role allows (a pseudonym for a pseudonymised
actor; free text ``None``), and logs the records it returns as consulted in one write,
under the event names the pages have always used. Each costs a fixed number of queries
however many records it shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from saferleeds.asb.access import (
    access_asb_case_review_by_id,
    asb_assessments_visible_to,
    asb_case_reviews_visible_to,
    asb_complaints_visible_to,
    asb_interventions_visible_to,
)
from saferleeds.asb.actions import risk_matrix, service_levels
from saferleeds.asb.models import (
    AsbCaseReview,
    AsbComplaint,
    AsbIntervention,
    AsbRecommendation,
    AsbRiskAssessment,
)
from saferleeds.asb.rules import Deadline, review_deadlines
from saferleeds.audit.log import record_consultations
from saferleeds.partners.models import Agency, RecordType, Role
from saferleeds.partners.policy import (
    Actor,
    may_change,
    may_see_personal_data,
    pseudonymised,
)
from saferleeds.people.access import people_visible_to
from saferleeds.people.models import Person
from saferleeds.people.present import pseudonym
from saferleeds.safeguarding.access.cases import cases_visible_to
from saferleeds.safeguarding.models import Case, CasePerson

__all__ = [
    "AsbCaseRow",
    "AsbHome",
    "AsbPanel",
    "AsbReviewPage",
    "AssessmentRow",
    "ComplaintRow",
    "InterventionRow",
    "RecommendationRow",
    "ReviewRow",
    "Verdict",
    "asb_panel",
    "loose_complaint_choices",
    "may_read_statistics",
    "may_use_asb",
    "people_on_case_choices",
    "read_asb_case_panel",
    "read_asb_home",
    "read_asb_interventions",
    "read_asb_review_page",
    "review_complaint_choices",
]

HOME_EVENT = "safeguarding.asb.home"
PANEL_EVENT = "safeguarding.asb.case_panel"
INTERVENTIONS_EVENT = "safeguarding.asb.interventions"
CASE_NEW_EVENT = "safeguarding.asb.case_new"
REVIEW_NEW_EVENT = "safeguarding.asb.review_new"
REVIEW_EVENT = "safeguarding.asb.review"
REVIEW_VIEW_EVENT = "safeguarding.asb_case_review.view"

Audited = list[tuple[str, object, int | None]]

#: Who reads the published ASB Case Review figures: every partnership role (counts
#: only), not the staff of third-party reporting centres.
STATISTICS_ROLES = frozenset(r for r in Role if r != Role.REPORTING_CENTRE)


def may_use_asb(actor: Actor) -> bool:
    """Whether the actor may open the ASB casework pages (any role that sees personal
    records): the pages' guard and their menu tab's rule (``asb.hooks``)."""
    return may_see_personal_data(actor)


def may_read_statistics(actor: Actor) -> bool:
    """Whether the actor may read the ASB Case Review statistics: the page's guard and
    its tab's rule."""
    return actor.user_id is not None and actor.has(STATISTICS_ROLES)


def _audit(actor: Actor, event: str, rows: Audited) -> None:
    record_consultations(actor, [(event, rows, {})])


def person_label(person: Person | None, identified: bool, missing: str) -> str:
    """A person as the actor may see them: name, pseudonym, or ``missing``."""
    if person is None:
        return missing
    if not identified:
        return pseudonym(person.pk)
    return f"{person.given_name} {person.family_name}"


# --- rows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintRow:
    """A complaint; its account (``description``) is ``None`` when pseudonymised."""

    id: int
    reported_on: date
    behaviour_on: date
    who: str  # the complainant's name or pseudonym, or "Not recorded"
    description: str | None
    causes_harassment: bool
    agency_id: int
    agency_name: str
    label: str  # one line, for choices and the home page's list


def _complaint(c: AsbComplaint, identified: bool) -> ComplaintRow:
    who = person_label(c.complainant, identified, "Not recorded")
    in_label = who if c.complainant_id else "complainant not recorded"
    return ComplaintRow(
        id=c.pk,
        reported_on=c.reported_on,
        behaviour_on=c.behaviour_on,
        who=who,
        description=c.description if identified else None,
        causes_harassment=c.causes_harassment,
        agency_id=c.agency_id,
        agency_name=c.agency.name,
        label=(
            f"Reported {c.reported_on:%-d %b %Y} (behaviour {c.behaviour_on:%-d %b %Y}), "
            f"{in_label}{'' if c.causes_harassment else ', nuisance only'}"
        ),
    )


@dataclass(frozen=True)
class AssessmentRow:
    """A victim risk assessment (scores only: no free text)."""

    id: int
    assessed_on: date
    score: int
    risk_level: str
    review_interval_days: int
    who: str


@dataclass(frozen=True)
class InterventionRow:
    """An intervention; its notes are ``None`` when pseudonymised."""

    id: int
    case_id: int
    kind: str
    kind_label: str
    issued_on: date
    expires_on: date | None
    who: str  # the subject's name or pseudonym, or "Not served on a person"
    outcome: str
    outcome_label: str
    outcome_on: date | None
    notes: str | None
    agency_name: str


def _intervention(i: AsbIntervention, identified: bool) -> InterventionRow:
    return InterventionRow(
        id=i.pk,
        case_id=i.case_id,
        kind=i.kind,
        kind_label=i.get_kind_display(),
        issued_on=i.issued_on,
        expires_on=i.expires_on,
        who=person_label(i.subject, identified, "Not served on a person"),
        outcome=i.outcome,
        outcome_label=i.get_outcome_display(),
        outcome_on=i.outcome_on,
        notes=(i.notes or None) if identified else None,
        agency_name=i.agency.name,
    )


@dataclass(frozen=True)
class ReviewRow:
    """An ASB Case Review application in a list; reference ``None`` when pseudonymised."""

    id: int
    reference: str | None
    received_on: date
    status: str
    status_label: str
    applicant: str
    next: Deadline | None  # the next step due, if any
    overdue: bool


def deadlines(r: AsbCaseReview, today: date) -> list[Deadline]:
    """The review's steps against their service levels."""
    return review_deadlines(
        received_on=r.received_on,
        acknowledged_on=r.acknowledged_on,
        decision_on=r.decision_on,
        threshold_met=r.threshold_met,
        review_held_on=r.review_held_on,
        applicant_told_on=r.applicant_told_on,
        today=today,
        levels=service_levels(),
    )


def _review(r: AsbCaseReview, identified: bool, today: date) -> ReviewRow:
    steps = deadlines(r, today)
    pending = [d for d in steps if d.state in ("due", "overdue")]
    return ReviewRow(
        id=r.pk,
        reference=r.reference if identified else None,
        received_on=r.received_on,
        status=r.status,
        status_label=r.get_status_display(),
        applicant=person_label(r.applicant, identified, "Not recorded"),
        next=pending[0] if pending else None,
        overdue=any(d.state == "overdue" for d in steps),
    )


# --- home ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AsbCaseRow:
    """An open ASB case; reference and title ``None`` when pseudonymised."""

    id: int
    reference: str | None
    title: str | None
    lead_agency_name: str
    opened_on: date
    risk_level: str
    risk_label: str
    review_due_on: date | None
    review_overdue: bool


@dataclass(frozen=True)
class AsbHome:
    """The ASB home: open cases, reviews in progress, complaints not on a case."""

    identified: bool
    cases: tuple[AsbCaseRow, ...]
    reviews: tuple[ReviewRow, ...]
    loose: tuple[ComplaintRow, ...]


LOOSE_LIMIT = 50


def read_asb_home(actor: Actor) -> AsbHome:
    """Open ASB cases, applications not closed, and the latest complaints not on a
    case, as the actor may see them; every record shown is logged
    (``safeguarding.asb.home``)."""
    identified = not pseudonymised(actor)
    today = timezone.localdate()
    cases = list(
        cases_visible_to(actor)
        .filter(case_type=Case.Type.ASB, status=Case.Status.OPEN)
        .select_related("lead_agency")
        .order_by("review_due_on", "reference")
    )
    reviews = list(
        asb_case_reviews_visible_to(actor)
        .exclude(status=AsbCaseReview.Status.CLOSED)
        .select_related("applicant", "case")
        .order_by("received_on", "id")
    )
    loose = list(
        asb_complaints_visible_to(actor)
        .filter(case__isnull=True)
        .select_related("complainant", "agency")
        .order_by("-reported_on", "-id")[:LOOSE_LIMIT]
    )
    _audit(
        actor,
        HOME_EVENT,
        [(RecordType.CASE, c.pk, None) for c in cases]
        + [(RecordType.ASB_CASE_REVIEW, r.pk, r.applicant_id) for r in reviews]
        + [(RecordType.ASB_COMPLAINT, c.pk, c.complainant_id) for c in loose],
    )
    return AsbHome(
        identified=identified,
        cases=tuple(
            AsbCaseRow(
                id=c.pk,
                reference=c.reference if identified else None,
                title=c.title if identified else None,
                lead_agency_name=c.lead_agency.name,
                opened_on=c.opened_on,
                risk_level=c.risk_level,
                risk_label=c.get_risk_level_display(),
                review_due_on=c.review_due_on,
                review_overdue=bool(c.review_due_on and c.review_due_on < today),
            )
            for c in cases
        ),
        reviews=tuple(_review(r, identified, today) for r in reviews),
        loose=tuple(_complaint(c, identified) for c in loose),
    )


# --- the case panel --------------------------------------------------------------------


@dataclass(frozen=True)
class AsbPanel:
    """The ASB panel of a case: its complaints, risk, interventions and reviews."""

    case_id: int
    identified: bool
    can_change: bool
    complaints: tuple[ComplaintRow, ...]
    latest_assessment: AssessmentRow | None
    latest_band: Any  # the risk matrix's band of the latest assessment
    assessments: int  # how many assessments the actor may see
    interventions: tuple[InterventionRow, ...]
    reviews: tuple[ReviewRow, ...]

    @property
    def latest_assessed(self) -> str:
        """Whom the latest assessment assessed."""
        return self.latest_assessment.who if self.latest_assessment else ""


def _newest(objs: Iterable[Any], on: str) -> list[Any]:
    return sorted(objs, key=lambda o: (getattr(o, on), o.pk), reverse=True)


def asb_panel(
    actor: Actor,
    case: Case,
    *,
    complaints: Iterable[AsbComplaint],
    assessments: Iterable[AsbRiskAssessment],
    interventions: Iterable[AsbIntervention],
    reviews: Iterable[AsbCaseReview],
) -> AsbPanel:
    """Shape records already read (and logged) into the panel: no query of its own but
    the risk matrix's. The records must carry their agency and person joined in."""
    identified = not pseudonymised(actor)
    today = timezone.localdate()
    assessed = _newest(assessments, "assessed_on")
    latest = assessed[0] if assessed else None
    return AsbPanel(
        case_id=case.pk,
        identified=identified,
        can_change=may_change(actor, {case.lead_agency_id}, {case.pk}),
        complaints=tuple(
            _complaint(c, identified) for c in _newest(complaints, "reported_on")
        ),
        latest_assessment=AssessmentRow(
            id=latest.pk,
            assessed_on=latest.assessed_on,
            score=latest.score,
            risk_level=latest.risk_level,
            review_interval_days=latest.review_interval_days,
            who=person_label(latest.complainant, identified, "Not recorded"),
        )
        if latest
        else None,
        latest_band=risk_matrix().band(latest.risk_level) if latest else None,
        assessments=len(assessed),
        interventions=tuple(
            _intervention(i, identified) for i in _newest(interventions, "issued_on")
        ),
        reviews=tuple(
            _review(r, identified, today) for r in _newest(reviews, "received_on")
        ),
    )


def read_asb_case_panel(actor: Actor, case: Case) -> AsbPanel:
    """The ASB panel of a case the actor has opened, each record shown logged
    (``safeguarding.asb.case_panel``).

    ``case``: as opened through ``access_case_by_id`` (which logs the case itself).
    """
    complaints = list(
        asb_complaints_visible_to(actor)
        .filter(case=case)
        .select_related("complainant", "agency")
    )
    assessments = list(
        asb_assessments_visible_to(actor)
        .filter(case=case)
        .select_related("complainant", "agency")
    )
    interventions = list(
        asb_interventions_visible_to(actor)
        .filter(case=case)
        .select_related("subject", "agency")
    )
    reviews = list(
        asb_case_reviews_visible_to(actor).filter(case=case).select_related("applicant")
    )
    _audit(
        actor,
        PANEL_EVENT,
        [(RecordType.ASB_COMPLAINT, c.pk, c.complainant_id) for c in complaints]
        + [(RecordType.ASB_ASSESSMENT, a.pk, a.complainant_id) for a in assessments]
        + [(RecordType.ASB_INTERVENTION, i.pk, i.subject_id) for i in interventions]
        + [(RecordType.ASB_CASE_REVIEW, r.pk, r.applicant_id) for r in reviews],
    )
    return asb_panel(
        actor,
        case,
        complaints=complaints,
        assessments=assessments,
        interventions=interventions,
        reviews=reviews,
    )


# --- interventions ---------------------------------------------------------------------


def read_asb_interventions(
    actor: Actor, case: Case, *, audit: bool = True
) -> tuple[InterventionRow, ...]:
    """A case's interventions the actor may see, newest first, each logged
    (``safeguarding.asb.interventions``) unless ``audit`` is false (a form posted
    back: the page was logged when shown)."""
    identified = not pseudonymised(actor)
    rows = list(
        asb_interventions_visible_to(actor)
        .filter(case=case)
        .select_related("subject", "agency")
        .order_by("-issued_on", "-id")
    )
    if audit:
        _audit(
            actor,
            INTERVENTIONS_EVENT,
            [(RecordType.ASB_INTERVENTION, i.pk, i.subject_id) for i in rows],
        )
    return tuple(_intervention(i, identified) for i in rows)


# --- the forms' choices ----------------------------------------------------------------


def people_on_case_choices(
    actor: Actor, case_id: int, roles: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """``(person id, "name (role)")`` for the people on the case the actor may see
    themselves, optionally in these roles only, named as the actor's role allows.

    Not logged, as the ASB forms have never logged them (the case page logs the people
    on a case each time it shows them).
    """
    identified = not pseudonymised(actor)
    links = CasePerson.objects.filter(
        case_id=case_id, person__in=people_visible_to(actor)
    ).select_related("person")
    if roles is not None:
        links = links.filter(role__in=list(roles))
    seen: dict[int, str] = {}
    for link in links.order_by("person__family_name", "person__given_name", "pk"):
        if link.person_id not in seen:
            name = person_label(link.person, identified, "Not recorded")
            seen[link.person_id] = f"{name} ({link.get_role_display().lower()})"
    return [(str(k), v) for k, v in seen.items()]


CHOICES_LIMIT = 100


def _complaint_choices(
    actor: Actor, qs: QuerySet[AsbComplaint], event: str
) -> list[tuple[str, str]]:
    identified = not pseudonymised(actor)
    complaints = list(
        qs.select_related("complainant", "agency").order_by("-reported_on", "-id")[
            :CHOICES_LIMIT
        ]
    )
    _audit(
        actor,
        event,
        [(RecordType.ASB_COMPLAINT, c.pk, c.complainant_id) for c in complaints],
    )
    return [(str(c.pk), _complaint(c, identified).label) for c in complaints]


def loose_complaint_choices(actor: Actor) -> list[tuple[str, str]]:
    """The complaints not on a case that the actor's agency holds, to open a case
    from, each logged (``safeguarding.asb.case_new``)."""
    qs = asb_complaints_visible_to(actor).filter(
        case__isnull=True, agency_id=actor.agency_id
    )
    return _complaint_choices(actor, qs, CASE_NEW_EVENT)


def review_complaint_choices(
    actor: Actor, case_id: int | None
) -> list[tuple[str, str]]:
    """The complaints an application may rest on: the case's, or (no case) those not
    on a case, each logged (``safeguarding.asb.review_new``)."""
    visible = asb_complaints_visible_to(actor)
    qs = (
        visible.filter(case_id=case_id)
        if case_id is not None
        else visible.filter(case__isnull=True)
    )
    return _complaint_choices(actor, qs, REVIEW_NEW_EVENT)


# --- a case review ---------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One complaint's threshold verdict, with the complaint if the actor may see it."""

    id: int
    verdict: str
    reason: str
    complaint: ComplaintRow | None
    who: str


@dataclass(frozen=True)
class RecommendationRow:
    """A review's recommendation."""

    id: int
    text: str  # what an agency is to do (shown to every role, as it always was)
    owner_agency_name: str
    due_on: date | None
    completed_on: date | None
    can_complete: bool


@dataclass(frozen=True)
class ReviewFacts:
    """The application itself as the actor may see it: its reference, its case's
    reference, the chair and the outcome are ``None`` for a pseudonymised actor."""

    id: int
    version: int
    reference: str | None
    received_on: date
    agency_name: str
    status: str
    status_label: str
    acknowledged_on: date | None
    case_id: int | None
    case_reference: str | None
    on_behalf_of_victim: bool
    threshold_met: bool | None
    threshold_detail: dict[str, Any]
    decision_on: date | None
    review_held_on: date | None
    applicant_told_on: date | None
    chair: str | None
    outcome: str | None


def _review_facts(review: AsbCaseReview, identified: bool) -> ReviewFacts:
    def shown(value: Any) -> Any:
        return value if identified else None

    return ReviewFacts(
        id=review.pk,
        version=review.version,
        reference=shown(review.reference),
        received_on=review.received_on,
        agency_name=review.agency.name,
        status=review.status,
        status_label=review.get_status_display(),
        acknowledged_on=review.acknowledged_on,
        case_id=review.case_id,
        case_reference=shown(review.case.reference) if review.case_id else None,
        on_behalf_of_victim=review.on_behalf_of_victim,
        threshold_met=review.threshold_met,
        threshold_detail=review.threshold_detail,
        decision_on=review.decision_on,
        review_held_on=review.review_held_on,
        applicant_told_on=review.applicant_told_on,
        chair=shown(review.chair),
        outcome=shown(review.outcome),
    )


@dataclass(frozen=True)
class AsbReviewPage:
    """An application as its page shows it, everything in it as the actor may see it
    (the template decides nothing about identities)."""

    review: ReviewFacts
    identified: bool
    applicant: str
    verdicts: tuple[Verdict, ...]
    recommendations: tuple[RecommendationRow, ...]
    deadlines: tuple[Deadline, ...]
    can_change: bool


def read_asb_review_page(
    actor: Actor, review_id: int, *, audit: bool = True
) -> AsbReviewPage:
    """An application, its threshold verdicts with the complaints the actor may see,
    its recommendations and service-level clock.

    Logs the application (``safeguarding.asb_case_review.view``, unless ``audit`` is
    false: a step posted back) and the complaints shown (``safeguarding.asb.review``).

    Raises:
        NotFound: Missing or not visible (the refusal is logged).
    """
    review = access_asb_case_review_by_id(
        actor,
        review_id,
        event=REVIEW_VIEW_EVENT,
        audit=audit,
        related=("agency", "case", "applicant"),
    )
    identified = not pseudonymised(actor)
    today = timezone.localdate()
    rows = review.threshold_detail.get("complaints", [])
    complaints = {
        c.pk: c
        for c in asb_complaints_visible_to(actor)
        .filter(pk__in=[row["id"] for row in rows])
        .select_related("complainant", "agency")
    }
    recommendations = list(
        AsbRecommendation.objects.filter(review=review)
        .select_related("owner_agency")
        .order_by("id")
    )
    _audit(
        actor,
        REVIEW_EVENT,
        [
            (RecordType.ASB_COMPLAINT, c.pk, c.complainant_id)
            for c in complaints.values()
        ],
    )
    cases = {review.case_id} if review.case_id else set()
    verdicts = []
    for row in rows:
        c = complaints.get(row["id"])
        verdicts.append(
            Verdict(
                id=row["id"],
                verdict=row.get("verdict", ""),
                reason=row.get("reason", ""),
                complaint=_complaint(c, identified) if c else None,
                who=person_label(c.complainant, identified, "")
                if c is not None
                else "",
            )
        )
    return AsbReviewPage(
        review=_review_facts(review, identified),
        identified=identified,
        applicant=person_label(review.applicant, identified, "Not recorded"),
        verdicts=tuple(verdicts),
        recommendations=tuple(
            RecommendationRow(
                id=r.pk,
                text=r.text,
                owner_agency_name=r.owner_agency.name,
                due_on=r.due_on,
                completed_on=r.completed_on,
                can_complete=r.completed_on is None
                and may_change(actor, {review.agency_id, r.owner_agency_id}, cases),
            )
            for r in recommendations
        ),
        deadlines=tuple(deadlines(review, today)),
        can_change=may_change(actor, {review.agency_id}, cases),
    )


def agency_choices() -> list[tuple[str, str]]:
    """Every agency, for a recommendation's owner (no personal data)."""
    return [(str(a.pk), a.name) for a in Agency.objects.order_by("name")]
