"""Demo OCG nominal lists: the police's organised crime group mapping of the demo.

A force maps its organised crime groups from intelligence, much of it who offends with
whom. The demo does the same from its own offences (:mod:`saferleeds.demo.offending`,
the generator's planted co-offending groups): the largest communities of the police's
co-offending network (Leiden, seeded) with at least :data:`MIN_MEMBERS` people become
nominal lists held by West Yorkshire Police, the most central member of each its
principal, the rest members, one in four associates. Nothing is read that an analyst
could not: no planted truth.

Shared with probation under the IOM agreement (:mod:`saferleeds.demo.partner_data`
lists ``ocg_nomination`` in it), like the offences. Safe to repeat: does nothing once
its nominations exist.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from saferleeds.analytics.networks import build_network, node_metrics
from saferleeds.audit.log import record_many
from saferleeds.audit.models import Operation
from saferleeds.demo.partner_data import DEMO_SEED
from saferleeds.offending.models import OcgNomination, Offence
from saferleeds.offending.records import OCG_NOMINATION
from saferleeds.offending.tables import co_offending_edges
from saferleeds.partners.models import Agency

PREFIX = "DEMO-OCG-"
GROUPS = 3
MIN_MEMBERS = 4
NAMES = ("Harehills supply line", "Seacroft burglary crew", "Beeston vehicle crime")


@dataclass(frozen=True)
class OcgReport:
    """What the demo holds: groups and nominations (created now or before)."""

    groups: int
    nominations: int
    created: bool


@transaction.atomic
def seed_ocg_nominals(*, seed: int = DEMO_SEED) -> OcgReport:
    """Make the demo's OCG nominal lists once (safe to repeat)."""
    held = OcgNomination.objects.filter(ocg_reference__startswith=PREFIX)
    if held.exists():
        groups = held.values("ocg_reference").distinct().count()
        return OcgReport(groups, held.count(), created=False)
    wyp = Agency.objects.get(code="wyp")
    rows = (
        Offence.objects.filter(agency=wyp)
        .exclude(crime_reference="")
        .order_by("id")
        .values_list("agency_id", "crime_reference", "person_id")
    )
    g = build_network(co_offending_edges(rows, str))
    if not g.vcount():
        return OcgReport(0, 0, created=True)
    # Nominated four weeks after the person's first crime with others (no later than
    # the last crime): dated lists, so the network page's periods can use them.
    first: dict[int, date] = {}
    for person_id, day in (
        Offence.objects.filter(agency=wyp)
        .exclude(crime_reference="")
        .values_list("person_id", "committed_on")
    ):
        first[person_id] = min(day, first.get(person_id, day))
    last = max(first.values())
    members: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for m in node_metrics(g, seed=seed):
        members[m.community].append((m.betweenness, m.node))
    big = [c for c in sorted(members) if len(members[c]) >= MIN_MEMBERS][:GROUPS]
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by seed
    made: list[OcgNomination] = []
    for n, community in enumerate(big):
        ranked = sorted(members[community], key=lambda x: (-x[0], x[1]))
        for i, (_, person) in enumerate(ranked):
            role = (
                "principal"
                if i == 0
                else "associate"
                if rng.random() < 0.25
                else "member"
            )
            made.append(
                OcgNomination(
                    agency=wyp,
                    ocg_reference=f"{PREFIX}{n + 1:02d}",
                    ocg_name=NAMES[n % len(NAMES)],
                    person_id=int(person),
                    group_role=role,
                    source_agency=wyp,
                    nominated_on=min(first[int(person)] + timedelta(days=28), last),
                    source_file="demo",
                )
            )
    OcgNomination.objects.bulk_create(made)
    record_many(
        None,
        operation=Operation.COLLECTION,
        event="demo.offending.ocg.load",
        records=[(OCG_NOMINATION, o.pk, o.person_id) for o in made],
        detail={"source": "demo co-offending communities", "seed": seed},
    )
    return OcgReport(len(big), len(made), created=True)
