"""The only way to read IOM records.

Each record is held by the agency that recorded it (a membership by its lead agency):
the actor sees it if that agency is theirs or shares the record type with theirs under
an agreement in force (``partners.policy.visible``). Only practitioners and case
coordinators open them (their declared ``opening_roles``).
"""

from __future__ import annotations

from saferleeds.iom.records import (
    IOM_DECISION,
    IOM_INTERVENTION,
    IOM_MEMBER,
    IOM_PATHWAY_NEED,
)
from saferleeds.partners.access import readers_of

# The gate's readers, made from the declarations in ``iom.records``.
iom_members_visible_to, access_iom_member_by_id = readers_of(IOM_MEMBER)
iom_decisions_visible_to, access_iom_decision_by_id = readers_of(IOM_DECISION)
iom_pathway_needs_visible_to, access_iom_pathway_need_by_id = readers_of(
    IOM_PATHWAY_NEED
)
iom_interventions_visible_to, access_iom_intervention_by_id = readers_of(
    IOM_INTERVENTION
)
