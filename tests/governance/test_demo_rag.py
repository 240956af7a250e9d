"""Demo RAG statuses (issue #15 item 2): seeded through the governance action, with
evidence, history and audit, by a user of each deliverable's lead agency."""

from __future__ import annotations

from typing import Any

import pytest

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.demo.governance import DEMO_RAG, seed_governance
from saferleeds.governance.actions import do_load_plan
from saferleeds.governance.models import Deliverable, StatusChange
from saferleeds.governance.rules import may_update_status
from saferleeds.partners.policy import actor_for

pytestmark = pytest.mark.django_db


def test_demo_rag_is_seeded_through_the_action_and_idempotent(
    personas: dict[str, Any],
) -> None:
    do_load_plan(actor=None)
    rated = seed_governance()
    by_key = {d.key: d for d in Deliverable.objects.select_related("lead_agency")}
    seeds = {s.key: s for s in DEMO_RAG}
    assert set(seeds) <= set(by_key)
    assert rated == len(DEMO_RAG) == StatusChange.objects.count()
    colours = {s.rag for s in DEMO_RAG}
    assert colours == {"red", "amber", "green"}  # a realistic spread
    for key, seed in seeds.items():
        d = by_key[key]
        assert d.rag == seed.rag and d.rag_evidence == seed.evidence
        assert d.rag_updated_on is not None and d.rag_updated_by is not None
        # The updater may update it: lead agency, casework or executive role.
        assert may_update_status(
            actor_for(d.rag_updated_by, purpose="test"), d.lead_agency_id
        )
    # The rest stay "not rated", as some do in a real plan; the fire service's and the
    # CRC's among them (no demo user there may rate them).
    unrated = {d.key for d in by_key.values() if not d.rag}
    assert unrated == set(by_key) - set(seeds)
    assert {
        d.key for d in by_key.values() if d.lead_agency.code in ("wyfrs", "crc")
    } <= unrated
    audited = AuditEntry.objects.filter(
        operation=Operation.ALTERATION, record_type="deliverable"
    )
    assert audited.count() == rated
    assert seed_governance() == 0  # a rerun changes nothing
    assert StatusChange.objects.count() == rated
