"""The access matrix through every record page and API endpoint.

Each persona x agreement state x holding agency, against the same written rules as the
access-layer matrix: a denied record is a 404 indistinguishable from a missing one, an
allowed one is a 200, and a pseudonymised 200 carries no names (every record's free text
in the world names its person).

Some casework pages are for practitioners and case coordinators only, by design: they
refuse every other role outright (403, for a missing record too), more strictly than the
access layer would. For those pages the written rules apply to casework roles, and any
other role must be refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from saferleeds.demo.personas import PERSONAS
from saferleeds.partners.models import Role
from tests.partners.matrix import (
    DENIED,
    HOLDERS,
    PSEUDONYMISED,
    STATES,
    build_world,
    expected,
    role_set,
)

# (name, URL pattern, record type); {id} is the record's id.
RECORD_ENDPOINTS = [
    ("person page", "/people/{id}/", "person"),
    ("API person", "/api/v1/people/{id}/", "person"),
    ("API incident", "/api/v1/incidents/{id}/", "incident"),
    ("API case", "/api/v1/cases/{id}/", "case"),
    ("API Dash assessment", "/api/v1/dash-assessments/{id}/", "dash_assessment"),
    ("API MARAC referral", "/api/v1/marac-referrals/{id}/", "marac_referral"),
    ("API hate report", "/api/v1/hate-reports/{id}/", "hate_report"),
    ("case page", "/cases/{id}/", "case"),
    ("Dash page", "/dash/{id}/", "dash_assessment"),
    ("MARAC referral page", "/marac/referrals/{id}/", "marac_referral"),
    ("hate report page", "/hate-reports/{id}/", "hate_report"),
    ("ASB Case Review page", "/asb/reviews/{id}/", "asb_case_review"),
    ("NRM referral page", "/modern-slavery/referrals/{id}/", "nrm_referral"),
    ("case document download", "/cases/{case}/documents/{id}/", "attachment"),
]
# Pages that refuse every role but practitioners and case coordinators (see above).
CASEWORK_ONLY = {"Dash page", "MARAC referral page", "hate report page"}
# Pages that refuse pseudonymised users outright: a document cannot be pseudonymised.
NOT_FOR_ANALYSTS = {"case document download"}
CASEWORK = {Role.PRACTITIONER, Role.CASE_COORDINATOR}


def refused_outright(name: str, roles: set[str]) -> bool:
    """Whether a page refuses this role whatever the record (see the module docstring)."""
    if name in CASEWORK_ONLY:
        return not roles & CASEWORK
    if name in NOT_FOR_ANALYSTS:
        return Role.ANALYST in roles and not roles & (CASEWORK | {Role.IG_LEAD})
    return False


CELLS = len(PERSONAS) * len(STATES) * len(HOLDERS) * len(RECORD_ENDPOINTS)


def get(client: Client, url: str, token: str) -> Any:
    if url.startswith("/api/"):
        return client.get(url, HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_endpoint_matrix(
    personas: dict[str, Any], sign_in: Any, client: Client, state: str
) -> None:
    # One world per agreement state (building it is the slow part), every persona in it.
    world = build_world(state)
    leaks = []
    for persona in PERSONAS:
        user = personas[persona.username]
        sign_in(client, user)
        leaks += _check_persona(client, user, world, state)
    assert not leaks, "\n".join(leaks)


def _check_persona(client: Client, user: Any, world: Any, state: str) -> list[str]:
    token = Token.objects.get_or_create(user=user)[0].key
    agency = user.membership.agency.code
    leaks = []
    for name, pattern, record_type in RECORD_ENDPOINTS:
        missing = get(client, pattern.format(id=10**9, case=10**9), token)
        # A page may refuse a role with no access to personal data outright (403),
        # as long as it answers a missing record and a hidden one alike.
        refused = (404,) if pattern.startswith("/api/") else (403, 404)
        assert missing.status_code in refused, (
            f"{user.username} {name}: missing record gave {missing.status_code}"
        )
        for holder in HOLDERS:
            record_id = world.records[(holder, record_type)]
            case_id = world.records[(holder, "case")]
            r = get(client, pattern.format(id=record_id, case=case_id), token)
            roles = role_set(user)
            if refused_outright(name, roles):
                want = DENIED
            else:
                want = expected(roles, own=holder == agency, state=state)
            if want == DENIED:
                ok = r.status_code == missing.status_code and (
                    r.content.replace(str(record_id).encode(), b"N")
                    == missing.content.replace(str(10**9).encode(), b"N")
                    or not pattern.startswith("/api/")
                )
            else:
                ok = r.status_code == 200
                if ok and want == PSEUDONYMISED:
                    # Every record's free text names its person: none may show.
                    ok = f"Given{holder}".encode() not in r.content and (
                        f"Family{holder}".encode() not in r.content
                    )
            if not ok:
                leaks.append(
                    f"{user.username} {name} held by {holder} [{state}]: "
                    f"HTTP {r.status_code}, rules say {want}"
                )
    return leaks


@pytest.mark.django_db
@pytest.mark.parametrize("username", [p.username for p in PERSONAS])
def test_audit_history_page_is_for_ig_leads_of_the_holding_agency(
    personas: dict[str, Any], sign_in: Any, client: Client, username: str
) -> None:
    world = build_world("in_force")
    user = personas[username]
    sign_in(client, user)
    own = user.membership.agency.code
    for holder in HOLDERS:
        r = client.get(f"/audit/people/{world.records[(holder, 'person')]}/")
        if Role.IG_LEAD not in role_set(user):
            assert r.status_code == 403, (username, holder, r.status_code)
        else:
            assert r.status_code == (200 if holder == own else 404), (
                holder,
                r.status_code,
            )


def test_endpoint_matrix_size() -> None:
    # Personas x 3 agreement states x 5 holders x each record endpoint.
    assert CELLS == len(PERSONAS) * 3 * 5 * len(RECORD_ENDPOINTS)
