"""Death review record kinds (see :mod:`saferleeds.core.records`).

A review and its recommendations are held by the agency that commissioned the review;
the sharing agreements decide which other agencies see them. They belong to no case.

Who opens them at all (``opening_roles``): case coordinators, who in this role model
are the partnership's community safety officers and domestic abuse leads (they
commission reviews, service the panel and chase the action plan), and analysts, who
report on the action plans pseudonymised (no deceased's name or date of death).
Practitioners do not: a review is not casework, and an agency's progress on its
recommendations is reported back to the community safety officer who records it (the
"Reporting back on action plans" step of local protocols). Information-governance
leads do not: the deceased is no data subject (no subject access), and the people a
review names are in the report, not here. The executive sees aggregate figures only
(``dardr.access_pages.read_dardr_index``), never a record.

No subject: the deceased is not a person of the people register.
"""

from saferleeds.core.records import declare
from saferleeds.partners.models import Role

DARDR_ROLES = frozenset({Role.CASE_COORDINATOR, Role.ANALYST})

DARDR_REVIEW = declare(
    "dardr_review",
    label="Death review",
    model="dardr.DeathReview",
    holder="agency",
    opening_roles=DARDR_ROLES,
    event_prefix="dardr.review",
    withheld=("deceased_name", "date_of_death", "decision_reason"),
    distinct=False,
)

DARDR_RECOMMENDATION = declare(
    "dardr_recommendation",
    label="Death review recommendation",
    model="dardr.Recommendation",
    holder="review__agency",
    opening_roles=DARDR_ROLES,
    event_prefix="dardr.recommendation",
    distinct=False,
)
