"""IOM record kinds (see :mod:`saferleeds.core.records`).

A membership is held by its lead agency, and each decision, pathway need and
intervention by the agency that recorded it; none belongs to a case. Agreements share
them like offences (the demo's police-probation IOM agreement does). Only
practitioners and case coordinators open them at all: the cohort is casework, and its
reoffending figures reach analysts as aggregates only.
"""

from saferleeds.core.records import declare

IOM_ROLES = frozenset({"practitioner", "case_coordinator"})

IOM_MEMBER = declare(
    "iom_member",
    label="IOM cohort membership",
    model="iom.IomMember",
    holder="agency",
    subject="person",
    opening_roles=IOM_ROLES,
    event_prefix="iom.member",
    withheld=("adopted_reason", "deselected_reason"),
    distinct=False,
)

IOM_DECISION = declare(
    "iom_decision",
    label="IOM cohort decision",
    model="iom.IomDecision",
    holder="agency",
    subject="member__person",
    opening_roles=IOM_ROLES,
    event_prefix="iom.decision",
    withheld=("reason",),
    distinct=False,
)

IOM_PATHWAY_NEED = declare(
    "iom_pathway_need",
    label="IOM pathway need",
    model="iom.PathwayNeed",
    holder="agency",
    subject="member__person",
    opening_roles=IOM_ROLES,
    event_prefix="iom.pathway_need",
    withheld=("notes",),
    distinct=False,
)

IOM_INTERVENTION = declare(
    "iom_intervention",
    label="IOM intervention",
    model="iom.IomIntervention",
    holder="agency",
    subject="member__person",
    opening_roles=IOM_ROLES,
    event_prefix="iom.intervention",
    withheld=("description", "outcome"),
    distinct=False,
)
