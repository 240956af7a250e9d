"""Every role x record type x agreement state x holder, through the access layer.

Fails if any cell leaks (a record visible that the written rules deny) or hides (denied
that the rules allow), and checks each answer is audited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.demo.personas import PERSONAS
from saferleeds.partners.access import access_record, visible_records
from saferleeds.partners.actions import do_update_agreement
from saferleeds.partners.models import SharingAgreement
from saferleeds.partners.policy import Forbidden, NotFound, actor_for, pseudonymised
from saferleeds.people.access import access_person_by_id
from saferleeds.people.present import present_person
from saferleeds.safeguarding.actions import do_add_case_member, do_link_person_to_case
from tests.partners.matrix import (
    CASEWORK_ONLY_TYPES,
    CASEWORK_TYPES,
    DARDR_TYPES,
    DENIED,
    HOLDERS,
    IDENTIFIED,
    PSEUDONYMISED,
    RECORD_TYPES,
    STATES,
    build_world,
    expected,
    role_set,
)

CELLS_PER_STATE = len(PERSONAS) * len(RECORD_TYPES) * len(HOLDERS)


def observe(actor: Any, record_type: str, record_id: int) -> str:
    listed = visible_records(actor, record_type).filter(pk=record_id).exists()
    before = AuditEntry.objects.count()
    try:
        obj = access_record(actor, record_type, record_id)
    except (NotFound, Forbidden) as exc:
        # Forbidden: a role that may never open the type (security finding 3).
        assert isinstance(exc, NotFound) or record_type in (
            CASEWORK_ONLY_TYPES + DARDR_TYPES
        )
        assert not listed, f"{record_type} {record_id}: listed but not readable"
        refusal = AuditEntry.objects.filter(seq__gt=before).get()
        assert refusal.operation == "refusal" and refusal.record_id == str(record_id)
        return DENIED
    assert listed, f"{record_type} {record_id}: readable but not listed"
    entry = AuditEntry.objects.filter(seq__gt=before).get()
    assert entry.operation == "consultation" and entry.record_id == str(record_id)
    if record_type == "person":
        view = present_person(actor, obj)
        assert view.pseudonymised == pseudonymised(actor)
        if view.pseudonymised:
            assert view.given_name is None and view.references == ()
            return PSEUDONYMISED
    return PSEUDONYMISED if pseudonymised(actor) else IDENTIFIED


@pytest.mark.django_db
def test_every_kind_is_in_the_world(personas: dict[str, Any]) -> None:
    # A newly declared kind fails here until tests/partners/matrix.py makes a record of
    # it for every holder (and its rule, if special, is written in expected()).
    world = build_world("none")
    made = {record_type for (_, record_type) in world.records}
    assert set(RECORD_TYPES) <= made, sorted(set(RECORD_TYPES) - made)
    assert len(world.records) == len(RECORD_TYPES) * len(HOLDERS)


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_matrix(personas: dict[str, Any], state: str) -> None:
    # One world per agreement state (building it is the slow part), every persona in it.
    world = build_world(state)
    leaks = []
    cells = 0
    for persona in PERSONAS:
        user = personas[persona.username]
        actor = actor_for(user)
        for (holder, record_type), record_id in world.records.items():
            want = expected(
                role_set(user),
                own=holder == actor.agency_code,
                state=state,
                record_type=record_type,
            )
            got = observe(actor, record_type, record_id)
            cells += 1
            if got != want:
                leaks.append(
                    f"{persona.username} {record_type} held by {holder} [{state}]: "
                    f"got {got}, rules say {want}"
                )
    assert not leaks, "\n".join(leaks)
    assert cells == CELLS_PER_STATE


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username", ["pete.practitioner", "harry.health", "aisha.analyst"]
)
def test_case_membership_opens_the_case_and_its_records(
    personas: dict[str, Any], username: str
) -> None:
    world = build_world("none")
    user = personas[username]
    # A case led by the fire service, an agency none of these users works for.
    case_id = world.records[("wyfrs", "case")]
    fire = actor_for(world.makers["wyfrs"])
    do_add_case_member(case_id, user, actor=fire)
    do_link_person_to_case(
        case_id, world.records[("wyfrs", "person")], "victim", actor=fire
    )
    actor = actor_for(user)  # next request: membership is read afresh
    want = expected(role_set(user), own=False, state="none", member=True)
    assert observe(actor, "case", case_id) == want
    assert observe(actor, "case_note", world.records[("wyfrs", "case_note")]) == want
    assert observe(actor, "person", world.records[("wyfrs", "person")]) == want
    for record_type in CASEWORK_TYPES:
        got = observe(actor, record_type, world.records[("wyfrs", record_type)])
        assert got == expected(
            role_set(user),
            own=False,
            state="none",
            member=True,
            record_type=record_type,
        ), record_type
        other = observe(actor, record_type, world.records[("nps", record_type)])
        assert other == DENIED, record_type
    # Not a member of another agency's case: still denied.
    assert observe(actor, "case", world.records[("nps", "case")]) == DENIED


@pytest.mark.django_db
def test_ending_an_agreement_cuts_access_off_on_the_next_request(
    personas: dict[str, Any],
) -> None:
    world = build_world("in_force")
    pete = personas["pete.practitioner"]
    person_id = world.records[("lcc", "person")]
    assert observe(actor_for(pete), "person", person_id) == IDENTIFIED
    agreement = SharingAgreement.objects.get(reference="matrix-in_force")
    do_update_agreement(
        agreement.pk,
        actor=actor_for(personas["iris.ig"]),
        expected_version=agreement.version,
        changes={"ends_on": timezone.localdate() - timedelta(days=1)},
    )
    assert observe(actor_for(pete), "person", person_id) == DENIED


@pytest.mark.django_db
def test_missing_and_forbidden_look_the_same(personas: dict[str, Any]) -> None:
    world = build_world("none")
    actor = actor_for(personas["pete.practitioner"])
    hidden = world.records[("lcc", "person")]
    with pytest.raises(NotFound) as forbidden:
        access_person_by_id(actor, hidden)
    with pytest.raises(NotFound) as missing:
        access_person_by_id(actor, 10**9)
    assert type(forbidden.value) is type(missing.value)
    assert str(forbidden.value).replace(str(hidden), "N") == str(missing.value).replace(
        str(10**9), "N"
    )


def test_matrix_size() -> None:
    # Personas x 3 agreement states x every declared kind x 5 holders, plus membership
    # cells; no kind the matrix has always covered may drop out of the registry.
    covered = {
        "person", "incident", "place", "case", "case_note", "case_task", "attachment",
        "dash_assessment", "marac_referral", "marac_research", "hate_report",
        "asb_complaint", "asb_assessment", "asb_intervention", "asb_case_review",
        "nrm_referral",
    }  # fmt: skip
    assert covered <= set(RECORD_TYPES) and len(HOLDERS) == 5
    assert len(STATES) * CELLS_PER_STATE == len(PERSONAS) * 3 * len(RECORD_TYPES) * 5
