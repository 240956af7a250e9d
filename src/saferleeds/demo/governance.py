"""Demo RAG statuses for the plan's deliverables, set through the governance actions.

The strategy's plan is loaded with every deliverable "not rated". A partnership a year
into its plan has most deliverables rated, each with the evidence the lead gave at the
board, so the demo rates them the way a lead would: through
:func:`~saferleeds.governance.actions.do_update_deliverable_status` as a user of the lead
agency (audited, with history). Deliverables whose lead agency has no demo user who may
update them (the fire service and the CRC have none) stay "not rated", as unrated items
do in a real plan. Safe to repeat: a deliverable already rated is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from saferleeds.governance.actions import do_update_deliverable_status
from saferleeds.governance.models import Deliverable
from saferleeds.partners.policy import actor_for

__all__ = ["DEMO_RAG", "RagSeed", "seed_governance"]

# Who updates for each lead agency in the demo: a casework or executive role there.
_UPDATER = {"lcc": "ed.executive", "wyp": "pete.practitioner"}


@dataclass(frozen=True)
class RagSeed:
    """A demo status for one deliverable."""

    key: str
    rag: str
    evidence: str


DEMO_RAG: tuple[RagSeed, ...] = (
    RagSeed(
        "asb-service-review",
        "green",
        "Review completed and signed off by the Safer Leeds Executive; the new "
        "case-review process is live in all three ASB teams.",
    ),
    RagSeed(
        "cctv-modernisation",
        "amber",
        "Phase 1 camera replacement done in the city centre; the wireless upgrade for "
        "outer areas slipped a quarter pending procurement.",
    ),
    RagSeed(
        "tower-blocks",
        "amber",
        "Concierge pilot running in 2 of the 5 planned blocks; funding for the rest "
        "not yet confirmed.",
    ),
    RagSeed(
        "joint-operations",
        "green",
        "Six joint licensing and enforcement operations this year; closure orders "
        "obtained on 4 premises.",
    ),
    RagSeed(
        "gangs-alternatives",
        "red",
        "Employment programme partner withdrew; no replacement provider yet and the "
        "referral pathway is paused.",
    ),
    RagSeed(
        "front-door-hub",
        "green",
        "Refreshed Front Door model launched; the daily risk meeting now includes "
        "health and probation.",
    ),
    RagSeed(
        "hba-forced-marriage",
        "amber",
        "Action plan agreed; awareness training delivered to 120 staff, the pathway "
        "protocol is still in consultation.",
    ),
    RagSeed(
        "dv-locality",
        "green",
        "Locality domestic violence responses tested in 3 of the 6 priority "
        "neighbourhoods; evaluation report to the next board.",
    ),
    RagSeed(
        "hate-reporting-centres",
        "green",
        "Four new third-party reporting centres opened; reports through centres up "
        "on last year.",
    ),
    RagSeed(
        "tensions-framework",
        "amber",
        "Draft framework and EEP grading agreed with the police; the weekly return "
        "is not yet routine for all partners.",
    ),
    RagSeed(
        "hate-marac",
        "red",
        "New Hate Crime MARAC procedures not implemented: the review's "
        "recommendations are awaiting a chair.",
    ),
    RagSeed(
        "drug-alcohol-strategy",
        "green",
        "Strategy published and the commissioning plan approved.",
    ),
    RagSeed(
        "street-drug-use",
        "amber",
        "Outreach in the city centre in place; needle-finds still above target in "
        "two wards.",
    ),
    RagSeed(
        "mental-health-policing",
        "green",
        "Street triage running seven evenings a week; Section 136 detentions down.",
    ),
    RagSeed(
        "ocg-intelligence",
        "amber",
        "Information-sharing agreement signed; partner intelligence submissions "
        "still low outside the police.",
    ),
    RagSeed(
        "ocg-disruption",
        "green",
        "Disruption plans in place for every mapped organised crime group.",
    ),
    RagSeed(
        "safer-schools",
        "amber",
        "Universal offer launched; the targeted programme reaches 9 of 14 "
        "secondary schools.",
    ),
    RagSeed(
        "city-centre-review",
        "red",
        "Review not started: the lead post was vacant for two quarters.",
    ),
    RagSeed(
        "street-support-team",
        "green",
        "Street Support Team (Phase I) operating with VCS partners since spring.",
    ),
)


def seed_governance() -> int:
    """Rate the demo deliverables not yet rated; return how many were rated now."""
    rated = 0
    for seed in DEMO_RAG:
        d = (
            Deliverable.objects.filter(key=seed.key)
            .select_related("lead_agency")
            .first()
        )
        if d is None or d.rag:
            continue
        username = _UPDATER.get(d.lead_agency.code)
        user = User.objects.filter(username=username).first() if username else None
        if user is None:
            continue
        do_update_deliverable_status(
            d.pk,
            rag=seed.rag,
            evidence=seed.evidence,
            expected_version=d.version,
            actor=actor_for(user, purpose="demo data"),
        )
        rated += 1
    return rated
