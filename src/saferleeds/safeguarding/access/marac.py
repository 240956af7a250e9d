"""The only way to read Dash assessments, MARAC referrals and MARAC research.

Each record is held by the agency that recorded it and belongs to a case: the actor sees
it if that agency shares the record type with the actor's agency under an agreement in
force, or the actor is a member of the case (``partners.policy.visible``).

Only the roles ``partners.policy.may_open`` allows (practitioners and case coordinators)
open these records at all (security finding 3, issue #11): for anyone else the
``*_visible_to`` querysets are empty and ``access_*_by_id`` refuses with ``Forbidden``
(a 403 on pages and API alike, for an existing record or a missing one), after logging
the refusal.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from saferleeds.partners.access import fetch_visible
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import (
    Actor,
    NotFound,
    may_open,
    require_open,
    visible,
)
from saferleeds.safeguarding.models import DashAssessment, MaracReferral, MaracResearch

M = TypeVar("M", bound=Model)


def _fetch(
    actor: Actor,
    visible_records: QuerySet[M],
    record_type: RecordType,
    record_id: int,
    **kwargs: Any,
) -> M:
    """The gate's ``fetch_visible``; a role that may never open the type gets
    ``Forbidden`` instead of ``NotFound`` (the gate has logged the refusal)."""
    try:
        return fetch_visible(actor, visible_records, record_type, record_id, **kwargs)
    except NotFound:
        require_open(actor, record_type)
        raise


def dash_assessments_visible_to(actor: Actor) -> QuerySet[DashAssessment]:
    """Dash assessments the actor may see (no audit: callers audit what they show)."""
    if not may_open(actor, RecordType.DASH_ASSESSMENT):
        return DashAssessment.objects.none()
    q = visible(actor, RecordType.DASH_ASSESSMENT, holder="agency", case_path="case")
    return DashAssessment.objects.filter(q).distinct()


def access_dash_assessment_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.dash_assessment.view",
    audit: bool = True,
    related: tuple[str, ...] = (),
) -> DashAssessment:
    """Return the record if visible, logging the consultation (``related``: the
    foreign keys to read with it, for a page that shows them).

    Raises:
        Forbidden: The actor's roles may never open this record type.
        NotFound: Missing or not visible (indistinguishable).
    """
    return _fetch(
        actor,
        dash_assessments_visible_to(actor).select_related(*related),
        RecordType.DASH_ASSESSMENT,
        record_id,
        event=event,
        audit=audit,
        subject=lambda d: d.victim_id,
    )


def marac_referrals_visible_to(actor: Actor) -> QuerySet[MaracReferral]:
    """MARAC referrals the actor may see (no audit: callers audit what they show)."""
    if not may_open(actor, RecordType.MARAC_REFERRAL):
        return MaracReferral.objects.none()
    q = visible(
        actor, RecordType.MARAC_REFERRAL, holder="referring_agency", case_path="case"
    )
    return MaracReferral.objects.filter(q).distinct()


def access_marac_referral_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.marac_referral.view",
    audit: bool = True,
    related: tuple[str, ...] = (),
) -> MaracReferral:
    """Return the record if visible, logging the consultation (``related``: the
    foreign keys to read with it, for a page that shows them).

    Raises:
        Forbidden: The actor's roles may never open this record type.
        NotFound: Missing or not visible (indistinguishable).
    """
    return _fetch(
        actor,
        marac_referrals_visible_to(actor).select_related(*related),
        RecordType.MARAC_REFERRAL,
        record_id,
        event=event,
        audit=audit,
        subject=lambda r: r.victim_id,
    )


def marac_research_visible_to(actor: Actor) -> QuerySet[MaracResearch]:
    """MARAC research entries the actor may see (no audit: callers audit what they show)."""
    if not may_open(actor, RecordType.MARAC_RESEARCH):
        return MaracResearch.objects.none()
    q = visible(
        actor, RecordType.MARAC_RESEARCH, holder="agency", case_path="referral__case"
    )
    return MaracResearch.objects.filter(q).distinct()


def access_marac_research_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.marac_research.view",
    audit: bool = True,
) -> MaracResearch:
    """Return the record if visible, logging the consultation.

    Raises:
        Forbidden: The actor's roles may never open this record type.
        NotFound: Missing or not visible (indistinguishable).
    """
    return _fetch(
        actor,
        marac_research_visible_to(actor),
        RecordType.MARAC_RESEARCH,
        record_id,
        event=event,
        audit=audit,
    )
