"""Who reads and who updates the plan, and when a deliverable's status is stale.

- Reading: plan items hold no personal data, so every signed-in partnership user with a
  role reads the whole plan (executives included: they see everything); third-party
  reporting centres, outside the partnership, do not.
- Updating a deliverable's RAG status: the deliverable's lead agency's users with a
  casework role (practitioner, case coordinator) or the executive role. Everyone else
  reads it only.
- The Joint Strategic Assessment (aggregate figures, no personal data): analysts, the
  executive and the partnership's community safety officers (in this role model the
  case coordinators) build, read and download it; practitioners and administrators do
  not, as it is not part of their work.
- Milestones: added and marked done by those who update the deliverable's status;
  overdue when past their due date and not done (on the due date itself: not overdue).
- Boards: every plan reader reads a board's meetings, decisions and actions; the
  executive role and case coordinators (the partnership's community safety officers,
  who service the boards) record meetings and their actions.
- Community tension reports (no personal data, but partner "soft" information):
  practitioners and case coordinators submit them; they, analysts and the executive
  read them; other roles see neither the page nor the menu entry.
- Board members and papers: recorded by those who record meetings; every plan reader
  sees the members and downloads the papers (each download audited).
- Priority scores, the PESTELO horizon scan and recommendations for an assessment
  year: entered by those who build the assessment (analysts, the executive, community
  safety officers); a recommendation is turned into, or linked to, a deliverable on
  the plan by the same roles.
- Stale: a status last updated more than ``[governance] stale_after_days`` days ago
  (default 90); a deliverable never rated is "not rated", not stale.
"""

from __future__ import annotations

from datetime import date

from saferleeds.core.deadlines import is_overdue
from saferleeds.partners.models import Role
from saferleeds.partners.policy import CASEWORK_ROLES, Actor
from saferleeds.partnership import current

__all__ = [
    "ASSESSMENT_ROLES",
    "MEETING_ROLES",
    "TENSION_READ_ROLES",
    "TENSION_SUBMIT_ROLES",
    "UPDATE_ROLES",
    "is_overdue",
    "is_stale",
    "may_read_assessment",
    "may_read_plan",
    "may_enter_priorities",
    "may_read_tensions",
    "may_record_meetings",
    "may_submit_tension",
    "may_update_status",
    "stale_after_days",
]

#: Roles whose holders in a deliverable's lead agency may update its status.
UPDATE_ROLES = CASEWORK_ROLES | frozenset({Role.EXECUTIVE})
_PLAN_READERS = frozenset(r for r in Role if r != Role.REPORTING_CENTRE)
#: Roles that build and read the Joint Strategic Assessment.
ASSESSMENT_ROLES = frozenset({Role.ANALYST, Role.EXECUTIVE, Role.CASE_COORDINATOR})


def stale_after_days() -> int:
    """Days after which a RAG status is stale (``[governance] stale_after_days``)."""
    return current().governance.stale_after_days


def is_stale(updated_on: date | None, today: date, days: int | None = None) -> bool:
    """Whether a status last updated on ``updated_on`` is stale on ``today``.

    Args:
        updated_on: The day the status was last updated; ``None``: never rated.
        today: The day to judge on.
        days: The limit; ``None`` reads the partnership's setting.

    Returns:
        True if more than ``days`` days have passed (exactly ``days`` is not stale).
    """
    if updated_on is None:
        return False
    limit = stale_after_days() if days is None else days
    return (today - updated_on).days > limit


def may_read_plan(actor: Actor) -> bool:
    """Whether the actor reads the plan (any partnership role)."""
    return actor.user_id is not None and actor.has(_PLAN_READERS)


def may_update_status(actor: Actor, lead_agency_id: int) -> bool:
    """Whether the actor may update the status of a deliverable this agency leads."""
    if actor.agency_id is None or actor.agency_id != lead_agency_id:
        return False
    return actor.has(UPDATE_ROLES)


def may_read_assessment(actor: Actor) -> bool:
    """Whether the actor builds and reads the Joint Strategic Assessment."""
    return actor.user_id is not None and actor.has(ASSESSMENT_ROLES)


#: Roles that record board meetings and their actions.
MEETING_ROLES = frozenset({Role.EXECUTIVE, Role.CASE_COORDINATOR})
#: Roles that submit community tension reports.
TENSION_SUBMIT_ROLES = CASEWORK_ROLES
#: Roles that read community tension reports.
TENSION_READ_ROLES = CASEWORK_ROLES | frozenset({Role.ANALYST, Role.EXECUTIVE})


def may_record_meetings(actor: Actor) -> bool:
    """Whether the actor records board meetings, decisions and actions."""
    return actor.user_id is not None and actor.has(MEETING_ROLES)


def may_read_tensions(actor: Actor) -> bool:
    """Whether the actor reads community tension reports."""
    return actor.user_id is not None and actor.has(TENSION_READ_ROLES)


def may_submit_tension(actor: Actor) -> bool:
    """Whether the actor submits community tension reports."""
    return (
        actor.user_id is not None
        and actor.agency_id is not None
        and actor.has(TENSION_SUBMIT_ROLES)
    )


def may_enter_priorities(actor: Actor) -> bool:
    """Whether the actor enters the year's priority scores, horizon scan and
    recommendations (those who build the assessment)."""
    return may_read_assessment(actor)
