"""The only way to read National Referral Mechanism (modern slavery) referrals.

Each record is held by the agency that recorded it and belongs to a case: the actor sees
it if that agency shares the record type with the actor's agency under an agreement in
force, or the actor is a member of the case (``partners.policy.visible``).
"""

from __future__ import annotations

from django.db.models import QuerySet

from saferleeds.partners.access import fetch_visible
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, visible
from saferleeds.safeguarding.models import NrmReferral


def nrm_referrals_visible_to(actor: Actor) -> QuerySet[NrmReferral]:
    """NRM referrals the actor may see (no audit: callers audit what they show)."""
    q = visible(actor, RecordType.NRM_REFERRAL, holder="agency", case_path="case")
    return NrmReferral.objects.filter(q).distinct()


def access_nrm_referral_by_id(
    actor: Actor,
    record_id: int,
    *,
    event: str = "safeguarding.nrm_referral.view",
    audit: bool = True,
) -> NrmReferral:
    """Return the record if visible, logging the consultation.

    Raises:
        NotFound: Missing or not visible (indistinguishable).
    """
    return fetch_visible(
        actor,
        nrm_referrals_visible_to(actor),
        RecordType.NRM_REFERRAL,
        record_id,
        event=event,
        audit=audit,
        subject=lambda r: r.potential_victim_id,
    )
