"""Who reads and changes death reviews, when a recommendation is overdue, and the stage
a review has reached.

- Opening reviews and recommendations: case coordinators (the partnership's community
  safety officers and domestic abuse leads) identified, analysts pseudonymised, as the
  kinds declare (``dardr.records``); the agreements decide whose reviews.
- The executive: the aggregate figures only (how many recommendations, implemented,
  overdue, by owner agency), never a review or a recommendation's text.
- Changing: case coordinators of the agency holding the review.
- Overdue: due date passed and neither implemented nor closed as not implemented; on
  the due date itself it is not overdue, the day after it is.
"""

from __future__ import annotations

from datetime import date

from saferleeds.dardr.records import DARDR_REVIEW
from saferleeds.partners.models import Role
from saferleeds.partners.policy import Actor, may_open

__all__ = [
    "AGGREGATE_ROLES",
    "CHANGE_ROLES",
    "CLOSED",
    "Stage",
    "is_overdue",
    "may_change_review",
    "may_open_reviews",
    "may_read_dardr",
    "stage_of",
]

#: Roles that change reviews (of their own agency).
CHANGE_ROLES = frozenset({Role.CASE_COORDINATOR})
#: Roles that see the aggregate figures only.
AGGREGATE_ROLES = frozenset({Role.EXECUTIVE})
#: Statuses that end a recommendation: never overdue.
CLOSED = frozenset({"implemented", "not_implemented"})


def may_open_reviews(actor: Actor) -> bool:
    """Whether the actor opens reviews and recommendations at all."""
    return actor.user_id is not None and may_open(actor, DARDR_REVIEW)


def may_read_dardr(actor: Actor) -> bool:
    """Whether the actor opens the death reviews page (records, or figures only)."""
    return may_open_reviews(actor) or (
        actor.user_id is not None and actor.has(AGGREGATE_ROLES)
    )


def may_change_review(actor: Actor, holder_agency_id: int) -> bool:
    """Whether the actor changes a review (and its recommendations) this agency holds."""
    return (
        actor.agency_id is not None
        and actor.agency_id == holder_agency_id
        and actor.has(CHANGE_ROLES)
    )


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """Whether a recommendation in ``status`` due on ``due_on`` is overdue ``today``.

    Args:
        status: Its status value.
        due_on: Its due date.
        today: The day to judge on.

    Returns:
        True from the day after the due date while it is neither implemented nor
        closed as not implemented.
    """
    return status not in CLOSED and today > due_on


class Stage:
    """The stages a review goes through, in order, as (key, label)."""

    AWAITING_DECISION = ("awaiting_decision", "Awaiting the decision to review")
    NOT_REVIEWED = ("not_reviewed", "Decided not to review")
    UNDER_WAY = ("under_way", "Review under way")
    REPORT_WRITTEN = ("report_written", "Overview report written")
    WITH_HOME_OFFICE = ("with_home_office", "With the Home Office QA panel")
    CHANGES_ASKED = ("changes_asked", "Home Office asked for changes")
    APPROVED = ("approved", "Approved, awaiting publication")
    PUBLISHED = ("published", "Published")

    ALL = (
        AWAITING_DECISION,
        NOT_REVIEWED,
        UNDER_WAY,
        REPORT_WRITTEN,
        WITH_HOME_OFFICE,
        CHANGES_ASKED,
        APPROVED,
        PUBLISHED,
    )


def stage_of(
    *,
    decision: str,
    report_submitted_on: date | None,
    qa_submitted_on: date | None,
    qa_outcome: str,
    qa_outcome_on: date | None,
    published_on: date | None,
) -> tuple[str, str]:
    """The stage a review has reached, from its dates (the latest step taken wins).

    A report sent back by the Home Office and sent again (``qa_submitted_on`` after
    ``qa_outcome_on``) is with the panel again.
    """
    if published_on is not None:
        return Stage.PUBLISHED
    if decision == "no_review":
        return Stage.NOT_REVIEWED
    if decision != "review":
        return Stage.AWAITING_DECISION
    if qa_submitted_on is not None:
        resent = qa_outcome_on is not None and qa_submitted_on > qa_outcome_on
        if qa_outcome == "approved" and not resent:
            return Stage.APPROVED
        if qa_outcome == "resubmit" and not resent:
            return Stage.CHANGES_ASKED
        return Stage.WITH_HOME_OFFICE
    if report_submitted_on is not None:
        return Stage.REPORT_WRITTEN
    return Stage.UNDER_WAY
