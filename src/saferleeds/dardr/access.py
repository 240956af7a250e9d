"""The only way to read death reviews and their recommendations.

A review is held by the agency that commissioned it, a recommendation by its review's
agency: the actor sees it if that is their agency or an agreement in force shares the
kind with their agency, and only with a role the kind's declaration lets open it.
"""

from __future__ import annotations

from saferleeds.dardr.records import DARDR_RECOMMENDATION, DARDR_REVIEW
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declarations in ``dardr.records``.
reviews_visible_to, access_review_by_id = readers_of(DARDR_REVIEW)
recommendations_visible_to, access_recommendation_by_id = readers_of(
    DARDR_RECOMMENDATION
)
