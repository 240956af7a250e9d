"""The only way to change death reviews and their recommendations.

Every action is atomic and writes its audit entry in the same transaction. A review is
read through the access gate first (``dardr.access``: a review the actor may not see is
the same ``NotFound`` as a missing one, and the refusal is logged), then the actor must
be a case coordinator of the agency holding it (``dardr.rules.may_change_review``).
A recommendation's every change of status is kept in its history
(:class:`~saferleeds.dardr.models.RecommendationChange`) as well as audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils import timezone

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.dardr.access import access_recommendation_by_id, access_review_by_id
from saferleeds.dardr.models import (
    DeathReview,
    ManagementReview,
    Recommendation,
    RecommendationChange,
)
from saferleeds.dardr.records import DARDR_RECOMMENDATION, DARDR_REVIEW
from saferleeds.dardr.rules import CHANGE_ROLES, may_change_review
from saferleeds.locking import save_versioned
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound

__all__ = [
    "DardrError",
    "do_add_dardr_recommendation",
    "do_mark_recommendation_implemented",
    "do_receive_dardr_imr",
    "do_record_dardr_decision",
    "do_record_dardr_notification",
    "do_request_dardr_imr",
    "do_update_dardr_progress",
    "do_update_recommendation_status",
]

NOTIFY_EVENT = "dardr.review.notify"
DECISION_EVENT = "dardr.review.decision"
PROGRESS_EVENT = "dardr.review.progress"
IMR_REQUEST_EVENT = "dardr.review.imr_request"
IMR_RECEIVED_EVENT = "dardr.review.imr_received"
RECOMMENDATION_ADD_EVENT = "dardr.recommendation.add"
RECOMMENDATION_STATUS_EVENT = "dardr.recommendation.status"
RECOMMENDATION_IMPLEMENTED_EVENT = "dardr.recommendation.implemented"
NOT_YOURS = (
    "Only the case coordinators of the agency that commissioned this review change it."
)
TEXT_MAX = 4000


class DardrError(ValueError):
    """A change the review does not accept (the message says why, for the user).

    Attributes:
        field: The form field the error belongs to.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def _changer(actor: Actor) -> None:
    if actor.user_id is None or actor.agency_id is None or not actor.has(CHANGE_ROLES):
        raise Forbidden(NOT_YOURS)


def _changeable_review(actor: Actor, review_id: int) -> DeathReview:
    """The review, if the actor sees it and may change it (locked for the change)."""
    review = access_review_by_id(actor, review_id, audit=False)
    if not may_change_review(actor, review.agency_id):
        raise Forbidden(NOT_YOURS)
    return DeathReview.objects.select_for_update().get(pk=review.pk)


def _changeable_recommendation(actor: Actor, recommendation_id: int) -> Recommendation:
    rec = access_recommendation_by_id(
        actor, recommendation_id, audit=False, related=("review",)
    )
    if not may_change_review(actor, rec.review.agency_id):
        raise Forbidden(NOT_YOURS)
    return Recommendation.objects.select_for_update().get(pk=rec.pk)


def _not_future(day: date | None, label: str, field: str) -> None:
    if day is not None and day > timezone.localdate():
        raise DardrError(f"{label} cannot be in the future", field)


def _text(value: str, label: str, field: str, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise DardrError(f"Enter {label}", field)
    if len(value) > TEXT_MAX:
        raise DardrError(
            f"{label[0].upper()}{label[1:]} must be {TEXT_MAX:,} characters or fewer",
            field,
        )
    return value


def _audit_review(
    actor: Actor, operation: Operation, event: str, review: DeathReview, **detail: Any
) -> None:
    record(
        actor,
        operation=operation,
        event=event,
        record_type=DARDR_REVIEW,
        record_id=review.pk,
        detail=detail or None,
    )


@atomic_action
def do_record_dardr_notification(
    *,
    reference: str,
    notified_on: date,
    pseudonym: str,
    deceased_name: str = "",
    date_of_death: date | None = None,
    notified_by_id: int | None = None,
    actor: Actor,
) -> DeathReview:
    """Record that the partnership was notified of a death (normally by the police),
    which starts a review's course. The actor's agency holds it.

    Raises:
        Forbidden: The actor is no case coordinator.
        NotFound: No such notifying agency.
        DardrError: A reference in use, a date in the future or before the death.
    """
    _changer(actor)
    reference = _text(reference, "the review's reference", "reference")
    pseudonym = _text(pseudonym, "the name the report will use", "pseudonym")
    if DeathReview.objects.filter(reference=reference).exists():
        raise DardrError("A review with this reference already exists", "reference")
    _not_future(notified_on, "The notification date", "notified_on")
    _not_future(date_of_death, "The date of death", "date_of_death")
    if date_of_death is not None and notified_on < date_of_death:
        raise DardrError(
            "The notification date cannot be before the date of death", "notified_on"
        )
    if notified_by_id is not None and not Agency.objects.filter(pk=notified_by_id):
        raise NotFound("No such agency")
    review = DeathReview.objects.create(
        agency_id=actor.agency_id,
        reference=reference,
        pseudonym=pseudonym,
        deceased_name=deceased_name.strip(),
        date_of_death=date_of_death,
        notified_by_id=notified_by_id,
        notified_on=notified_on,
        created_by_id=actor.user_id,
        created_at=timezone.now(),
    )
    _audit_review(actor, Operation.COLLECTION, NOTIFY_EVENT, review)
    return review


@atomic_action
def do_record_dardr_decision(
    review_id: int,
    *,
    decision: str,
    decided_on: date,
    reason: str = "",
    chair: str = "",
    expected_version: int,
    actor: Actor,
) -> DeathReview:
    """Record the decision whether to hold a review (and, for a review, its chair).

    Raises:
        NotFound: Missing or not visible.
        Forbidden: The actor may not change it.
        DardrError: No decision, no reason for not reviewing, a bad date.
        Conflict: Someone saved the review since ``expected_version``.
    """
    review = _changeable_review(actor, review_id)
    if decision not in (DeathReview.Decision.REVIEW, DeathReview.Decision.NO_REVIEW):
        raise DardrError("Select whether to hold a review", "decision")
    _not_future(decided_on, "The decision date", "decided_on")
    if decided_on < review.notified_on:
        raise DardrError(
            "The decision date cannot be before the notification", "decided_on"
        )
    reason = _text(
        reason,
        "why there will be no review",
        "reason",
        required=decision == DeathReview.Decision.NO_REVIEW,
    )
    save_versioned(
        DeathReview,
        review.pk,
        expected_version,
        {
            "decision": decision,
            "decided_on": decided_on,
            "decision_reason": reason,
            "chair": chair.strip()[:200] or review.chair,
        },
    )
    _audit_review(
        actor,
        Operation.ALTERATION,
        DECISION_EVENT,
        review,
        decision=decision,
        decided_on=decided_on.isoformat(),
    )
    review.refresh_from_db()
    return review


# The review's progress fields, in the order its course takes them.
PROGRESS_DATES = (
    ("report_submitted_on", "The date the overview report was submitted"),
    ("qa_submitted_on", "The date it went to the Home Office"),
    ("qa_outcome_on", "The date of the Home Office's answer"),
    ("published_on", "The publication date"),
)


@atomic_action
def do_update_dardr_progress(
    review_id: int,
    *,
    chair: str,
    panel_agency_ids: Iterable[int],
    report_submitted_on: date | None,
    qa_submitted_on: date | None,
    qa_outcome: str,
    qa_outcome_on: date | None,
    published_on: date | None,
    expected_version: int,
    actor: Actor,
) -> DeathReview:
    """Record the review's chair, panel and the dates of its report, Home Office
    quality assurance and publication; the stage follows from them.

    Raises:
        NotFound: Missing or not visible, or no such panel agency.
        Forbidden: The actor may not change it.
        DardrError: A step before the decision to review, a date in the future or
            before the step it follows, an outcome without its date.
        Conflict: Someone saved the review since ``expected_version``.
    """
    review = _changeable_review(actor, review_id)
    dates = {
        "report_submitted_on": report_submitted_on,
        "qa_submitted_on": qa_submitted_on,
        "qa_outcome_on": qa_outcome_on,
        "published_on": published_on,
    }
    if review.decision != DeathReview.Decision.REVIEW and any(dates.values()):
        raise DardrError(
            "Record the decision to hold a review before its report",
            "report_submitted_on",
        )
    if qa_outcome not in DeathReview.QaOutcome.values:
        raise DardrError("Select the Home Office's answer", "qa_outcome")
    if (qa_outcome == DeathReview.QaOutcome.PENDING) != (qa_outcome_on is None):
        raise DardrError(
            "Give both the Home Office's answer and its date, or neither",
            "qa_outcome_on",
        )
    for name, label in PROGRESS_DATES:
        _not_future(dates[name], label, name)
    # Each step needs the one before it, and comes no earlier. The Home Office's
    # answer is checked against the report, not the submission: a report sent back
    # and sent again has its latest submission after the answer it had.
    order = (
        ("report_submitted_on", review.decided_on, "the decision to review"),
        ("qa_submitted_on", report_submitted_on, "the overview report"),
        ("qa_outcome_on", qa_submitted_on and report_submitted_on, "its submission"),
        ("published_on", qa_outcome_on, "the Home Office's answer"),
    )
    labels = dict(PROGRESS_DATES)
    for name, before, before_label in order:
        day = dates[name]
        if day is None:
            continue
        if before is None:
            raise DardrError(f"{labels[name]} needs {before_label} first", name)
        if day < before:
            raise DardrError(f"{labels[name]} cannot be before {before_label}", name)
    if published_on is not None and qa_outcome != DeathReview.QaOutcome.APPROVED:
        raise DardrError(
            "A review is published once the Home Office has approved it", "published_on"
        )
    panel = sorted(set(panel_agency_ids))
    if Agency.objects.filter(pk__in=panel).count() != len(panel):
        raise NotFound("No such agency")
    save_versioned(
        DeathReview,
        review.pk,
        expected_version,
        {"chair": chair.strip()[:200], "qa_outcome": qa_outcome, **dates},
    )
    review.panel_agencies.set(panel)
    _audit_review(
        actor,
        Operation.ALTERATION,
        PROGRESS_EVENT,
        review,
        panel=panel,
        qa_outcome=qa_outcome,
        **{k: v.isoformat() for k, v in dates.items() if v is not None},
    )
    review.refresh_from_db()
    return review


@atomic_action
def do_request_dardr_imr(
    review_id: int, *, agency_id: int, requested_on: date, actor: Actor
) -> ManagementReview:
    """Ask a panel agency for its Individual Management Review (it joins the panel).

    Raises:
        NotFound: Missing or not visible, or no such agency.
        Forbidden: The actor may not change it.
        DardrError: Asked before the decision to review, or of the agency already.
    """
    review = _changeable_review(actor, review_id)
    if review.decision != DeathReview.Decision.REVIEW or review.decided_on is None:
        raise DardrError(
            "Record the decision to hold a review before asking for IMRs", "agency"
        )
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("No such agency")
    _not_future(requested_on, "The request date", "requested_on")
    if requested_on < review.decided_on:
        raise DardrError(
            "The request date cannot be before the decision to review", "requested_on"
        )
    if review.imrs.filter(agency=agency).exists():
        raise DardrError(f"{agency.name} has already been asked", "agency")
    imr = ManagementReview.objects.create(
        review=review, agency=agency, requested_on=requested_on
    )
    review.panel_agencies.add(agency)
    _audit_review(
        actor,
        Operation.ALTERATION,
        IMR_REQUEST_EVENT,
        review,
        imr=imr.pk,
        agency=agency.code,
    )
    return imr


@atomic_action
def do_receive_dardr_imr(
    imr_id: int, *, received_on: date, actor: Actor
) -> ManagementReview:
    """Record that an Individual Management Review came in.

    Raises:
        NotFound: No such IMR, or its review not visible.
        Forbidden: The actor may not change the review.
        DardrError: A date in the future or before the request.
    """
    imr = ManagementReview.objects.filter(pk=imr_id).first()
    if imr is None:
        raise NotFound("No such Individual Management Review")
    review = _changeable_review(actor, imr.review_id)
    _not_future(received_on, "The date received", "received_on")
    if received_on < imr.requested_on:
        raise DardrError(
            "The date received cannot be before the request", "received_on"
        )
    imr.received_on = received_on
    imr.save(update_fields=["received_on"])
    _audit_review(
        actor,
        Operation.ALTERATION,
        IMR_RECEIVED_EVENT,
        review,
        imr=imr.pk,
        received_on=received_on.isoformat(),
    )
    return imr


def _history(
    rec: Recommendation, actor: Actor, from_status: str, to_status: str, note: str
) -> RecommendationChange:
    return RecommendationChange.objects.create(
        recommendation=rec,
        changed_by_id=actor.user_id,
        agency_id=actor.agency_id,
        changed_at=timezone.now(),
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def _audit_recommendation(
    actor: Actor, operation: Operation, event: str, rec: Recommendation, **detail: Any
) -> None:
    record(
        actor,
        operation=operation,
        event=event,
        record_type=DARDR_RECOMMENDATION,
        record_id=rec.pk,
        detail=detail or None,
    )


@atomic_action
def do_add_dardr_recommendation(
    review_id: int,
    *,
    text: str,
    owner_agency_id: int,
    due_on: date,
    expected_change: str,
    actor: Actor,
) -> Recommendation:
    """Add a recommendation to a review's action plan: what is to be done, by which
    agency, by when, and what is expected to change (the statutory guidance asks each
    lesson to say how and within what timescale it will be acted on and what is
    expected to change).

    Raises:
        NotFound: Missing or not visible, or no such agency.
        Forbidden: The actor may not change the review.
        DardrError: No text, no expected change, a review decided against, or a due
            date before the review was decided on.
    """
    review = _changeable_review(actor, review_id)
    text = _text(text, "the recommendation", "text")
    expected_change = _text(
        expected_change, "what is expected to change", "expected_change"
    )
    if review.decision != DeathReview.Decision.REVIEW or review.decided_on is None:
        raise DardrError(
            "Record the decision to hold a review before its recommendations", "text"
        )
    if due_on < review.decided_on:
        raise DardrError(
            "The due date cannot be before the decision to review", "due_on"
        )
    if not Agency.objects.filter(pk=owner_agency_id).exists():
        raise NotFound("No such agency")
    number = max(review.recommendations.values_list("number", flat=True), default=0) + 1
    rec = Recommendation.objects.create(
        review=review,
        number=number,
        text=text,
        owner_agency_id=owner_agency_id,
        due_on=due_on,
        expected_change=expected_change,
        created_by_id=actor.user_id,
        created_at=timezone.now(),
    )
    _history(rec, actor, "", rec.status, "")
    _audit_recommendation(
        actor,
        Operation.COLLECTION,
        RECOMMENDATION_ADD_EVENT,
        rec,
        review=review.pk,
        owner_agency=owner_agency_id,
        due_on=due_on.isoformat(),
    )
    return rec


@atomic_action
def do_update_recommendation_status(
    recommendation_id: int,
    *,
    status: str,
    note: str = "",
    expected_version: int,
    actor: Actor,
) -> Recommendation:
    """Move a recommendation to not started, in progress, or not implemented (which
    needs the reason). Implementing one is
    :func:`do_mark_recommendation_implemented`, with its evidence.

    Raises:
        NotFound: Missing or not visible.
        Forbidden: The actor may not change its review.
        DardrError: An unknown status, implemented without evidence, no reason.
        Conflict: Someone saved it since ``expected_version``.
    """
    rec = _changeable_recommendation(actor, recommendation_id)
    statuses = Recommendation.Status
    if status == statuses.IMPLEMENTED:
        raise DardrError(
            "Give the evidence of completion to mark it implemented", "evidence"
        )
    if status not in statuses.values:
        raise DardrError("Select the recommendation's status", "status")
    note = _text(
        note,
        "why it will not be implemented",
        "note",
        required=status == statuses.NOT_IMPLEMENTED,
    )
    save_versioned(
        Recommendation,
        rec.pk,
        expected_version,
        {
            "status": status,
            "status_reason": note if status == statuses.NOT_IMPLEMENTED else "",
            "evidence": "",
            "implemented_on": None,
        },
    )
    change = _history(rec, actor, rec.status, status, note)
    _audit_recommendation(
        actor,
        Operation.ALTERATION,
        RECOMMENDATION_STATUS_EVENT,
        rec,
        **{"from": rec.status, "to": status, "change": change.pk},
    )
    rec.refresh_from_db()
    return rec


@atomic_action
def do_mark_recommendation_implemented(
    recommendation_id: int,
    *,
    evidence: str,
    implemented_on: date,
    expected_version: int,
    actor: Actor,
) -> Recommendation:
    """Mark a recommendation implemented, with the evidence of completion (required:
    "Learning from loss" found recommendations reported done with nothing to show).

    Raises:
        NotFound: Missing or not visible.
        Forbidden: The actor may not change its review.
        DardrError: No evidence, a date in the future or before the review's decision.
        Conflict: Someone saved it since ``expected_version``.
    """
    rec = _changeable_recommendation(actor, recommendation_id)
    evidence = _text(evidence, "the evidence of completion", "evidence")
    _not_future(implemented_on, "The date implemented", "implemented_on")
    decided = rec.review.decided_on
    if decided is not None and implemented_on < decided:
        raise DardrError(
            "The date implemented cannot be before the decision to review",
            "implemented_on",
        )
    save_versioned(
        Recommendation,
        rec.pk,
        expected_version,
        {
            "status": Recommendation.Status.IMPLEMENTED,
            "status_reason": "",
            "evidence": evidence,
            "implemented_on": implemented_on,
        },
    )
    change = _history(
        rec, actor, rec.status, Recommendation.Status.IMPLEMENTED, evidence
    )
    _audit_recommendation(
        actor,
        Operation.ALTERATION,
        RECOMMENDATION_IMPLEMENTED_EVENT,
        rec,
        **{
            "from": rec.status,
            "implemented_on": implemented_on.isoformat(),
            "change": change.pk,
        },
    )
    rec.refresh_from_db()
    return rec
