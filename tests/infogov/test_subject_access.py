"""The subject-access bundle is made from the record registry: every declared kind of
record about the person that the lead's agency holds, and nothing another agency holds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from saferleeds.infogov.subject_access import do_export_subject_access
from saferleeds.partners.policy import actor_for
from tests.partners.matrix import build_world

# In the matrix world each agency's person is the subject (victim, complainant,
# applicant, potential victim) of these records its agency holds: written out here,
# independently of the declarations the bundle is made from.
ABOUT_THE_PERSON = {
    "dash_assessment",
    "marac_referral",
    "marac_research",
    "hate_report",
    "asb_complaint",
    "asb_assessment",
    "asb_case_review",
    "nrm_referral",
    "offence",
    "disposal",
    "agency_record",
    "iom_member",
    "iom_decision",
    "iom_pathway_need",
    "iom_intervention",
    "ocg_nomination",
}


@pytest.mark.django_db
def test_bundle_holds_every_kind_about_the_person(personas: dict[str, Any]) -> None:
    world = build_world("in_force")  # shared in from everyone: still not disclosed
    person_id = world.records[("lcc", "person")]
    bundle = json.loads(
        do_export_subject_access(
            person_id, actor=actor_for(personas["iris.ig"]), recipient="the subject"
        )
    )
    records = bundle["records"]
    assert set(records) == ABOUT_THE_PERSON
    for record_type, section in records.items():
        ids = [item["id"] for item in section["items"]]
        assert ids == [world.records[("lcc", record_type)]], record_type
    text = json.dumps(bundle)
    assert "Givenlcc" in text  # the subject's own records, identified
    for other in ("wyp", "wyfrs", "nps", "ccg"):
        assert f"Given{other}" not in text
