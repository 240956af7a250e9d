"""The access matrix through every record page and API endpoint.

Each persona x agreement state x holding agency, against the same written rules as the
access-layer matrix: a denied record is a 404 indistinguishable from a missing one, an
allowed one is a 200, and a pseudonymised 200 carries no names (every record's free text
in the world names its person).

Some record types are for practitioners and case coordinators only, by design: Dash
assessments, MARAC referrals and hate reports (``partners.policy.may_open``). Their pages
and their API endpoints alike refuse every other role outright (403, for a missing record
too). For those the written rules apply to casework roles, and any other role must be
refused, with the same answer from the page and from the API (security finding 3,
issue #11).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from saferleeds.demo.personas import PERSONAS
from saferleeds.partners.models import Role
from saferleeds.people.present import pseudonym
from tests.partners.matrix import (
    CASEWORK_ONLY_TYPES,
    DENIED,
    HOLDERS,
    PSEUDONYMISED,
    STATES,
    build_world,
    expected,
    role_set,
)

# (name, URL pattern, record type); {id} is the record's id, {pseudonym} a person's.
RECORD_ENDPOINTS = [
    ("person page", "/people/{id}/", "person"),
    ("API person", "/api/v1/people/{id}/", "person"),
    ("person page by pseudonym", "/people/p/{pseudonym}/", "person"),
    ("API person by pseudonym", "/api/v1/people/by-pseudonym/{pseudonym}/", "person"),
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
    ("linkage review pair page", "/linkage/review/{id}/", "link_pair"),
    ("API linkage review pair", "/api/v1/linkage/review/{id}/", "link_pair"),
    ("API person links", "/api/v1/people/{id}/links/", "person"),
    ("IOM member page", "/iom/members/{id}/", "iom_member"),
    ("API IOM member", "/api/v1/iom-members/{id}/", "iom_member"),
    ("death review page", "/death-reviews/{id}/", "dardr_review"),
    ("API death review", "/api/v1/dardr-reviews/{id}/", "dardr_review"),
    (
        "death review recommendation page",
        "/death-reviews/recommendations/{id}/",
        "dardr_recommendation",
    ),
]
# Endpoints that refuse every role but practitioners and case coordinators (see above).
CASEWORK_ONLY = {
    "Dash page",
    "MARAC referral page",
    "hate report page",
    "API Dash assessment",
    "API MARAC referral",
    "API hate report",
    "linkage review pair page",
    "API linkage review pair",
    "IOM member page",
    "API IOM member",
}
# Endpoints that refuse every role but case coordinators and analysts: death reviews
# (issue #15 item 4; the executive reads their figures on the list page only).
DARDR_ONLY = {
    "death review page",
    "API death review",
    "death review recommendation page",
}
# Pages that refuse pseudonymised users outright: a document cannot be pseudonymised.
NOT_FOR_ANALYSTS = {"case document download"}
# People addressed by record id: pseudonymised users address people by pseudonym only,
# and get the not-found of a missing record by id (security finding 13, issue #11).
BY_PERSON_ID = {"person page", "API person", "API person links"}
CASEWORK = {Role.PRACTITIONER, Role.CASE_COORDINATOR}


def refused_outright(name: str, roles: set[str]) -> bool:
    """Whether a page refuses this role whatever the record (see the module docstring)."""
    if name in CASEWORK_ONLY:
        return not roles & CASEWORK
    if name in DARDR_ONLY:
        return not roles & {Role.CASE_COORDINATOR, Role.ANALYST}
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
        missing = get(
            client,
            pattern.format(id=10**9, case=10**9, pseudonym=pseudonym(10**9)),
            token,
        )
        # A page may refuse a role with no access to personal data outright (403),
        # as long as it answers a missing record and a hidden one alike; the API
        # refuses outright only a role that may never open the record type.
        if refused_outright(name, role_set(user)):
            refused: tuple[int, ...] = (403,)
        elif pattern.startswith("/api/"):
            refused = (404,)
        else:
            refused = (403, 404)
        assert missing.status_code in refused, (
            f"{user.username} {name}: missing record gave {missing.status_code}"
        )
        for holder in HOLDERS:
            record_id = world.id_of(holder, record_type)
            case_id = world.records[(holder, "case")]
            url = pattern.format(
                id=record_id, case=case_id, pseudonym=pseudonym(record_id)
            )
            r = get(client, url, token)
            roles = role_set(user)
            if refused_outright(name, roles):
                want = DENIED
            else:
                want = expected(roles, own=holder == agency, state=state)
            if want == PSEUDONYMISED and name in BY_PERSON_ID:
                want = DENIED
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
                if ok and want == PSEUDONYMISED and record_type == "person":
                    # Nor the person's record id (security finding 13).
                    ok = f"/people/{record_id}/".encode() not in r.content and (
                        not pattern.startswith("/api/") or "id" not in r.json()
                    )
            if not ok:
                leaks.append(
                    f"{user.username} {name} held by {holder} [{state}]: "
                    f"HTTP {r.status_code}, rules say {want}"
                )
    return leaks


# (record type, page, API endpoint) for the casework-only record types; {id} as above.
PAGE_AND_API = [
    ("dash_assessment", "/dash/{id}/", "/api/v1/dash-assessments/{id}/"),
    ("marac_referral", "/marac/referrals/{id}/", "/api/v1/marac-referrals/{id}/"),
    ("hate_report", "/hate-reports/{id}/", "/api/v1/hate-reports/{id}/"),
    ("link_pair", "/linkage/review/{id}/", "/api/v1/linkage/review/{id}/"),
    ("iom_member", "/iom/members/{id}/", "/api/v1/iom-members/{id}/"),
]
# The same types' lists: the page that lists them and the API list.
LIST_PAGE_AND_API = [
    ("marac_referral", "/marac/", "/api/v1/marac-referrals/"),
    ("hate_report", "/hate-reports/", "/api/v1/hate-reports/"),
    ("link_pair", "/linkage/review/", "/api/v1/linkage/review/"),
    ("iom_member", "/iom/", "/api/v1/iom-members/"),
]
PAGE_AND_API_CELLS = (
    len(PERSONAS)
    * len(STATES)
    * (len(HOLDERS) * len(PAGE_AND_API) + len(LIST_PAGE_AND_API))
)


def _decision(status: int) -> str:
    return {200: "open", 403: "refused outright", 404: "not found"}.get(
        status, f"HTTP {status}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
def test_page_and_api_decide_alike_for_casework_only_types(
    personas: dict[str, Any], sign_in: Any, client: Client, state: str
) -> None:
    """Security finding 3 (issue #11): the API returned Dash assessments, MARAC
    referrals and hate reports (lists and records) to roles the pages refuse (the IG
    lead identified, the analyst pseudonymised). Every persona x agreement state x
    holding agency x record type, through the page and through the API: the same
    decision, the one ``partners.policy.may_open`` and the written rules give."""
    world = build_world(state)
    disagreements = []
    for persona in PERSONAS:
        user = personas[persona.username]
        sign_in(client, user)
        token = Token.objects.get_or_create(user=user)[0].key
        roles = role_set(user)
        agency = user.membership.agency.code
        for record_type, page, api in PAGE_AND_API:
            assert record_type in CASEWORK_ONLY_TYPES
            for holder in HOLDERS:
                record_id = world.id_of(holder, record_type)
                by_page = get(client, page.format(id=record_id), token).status_code
                by_api = get(client, api.format(id=record_id), token).status_code
                if not roles & CASEWORK:
                    want = 403
                else:
                    rule = expected(roles, own=holder == agency, state=state)
                    want = 404 if rule == DENIED else 200
                if not by_page == by_api == want:
                    disagreements.append(
                        f"{user.username} {record_type} held by {holder} [{state}]: "
                        f"page {_decision(by_page)}, API {_decision(by_api)}, "
                        f"rules say {_decision(want)}"
                    )
        for record_type, page, api in LIST_PAGE_AND_API:
            by_page = get(client, page, token).status_code
            by_api = get(client, api, token).status_code
            want = 200 if roles & CASEWORK else 403
            if not by_page == by_api == want:
                disagreements.append(
                    f"{user.username} {record_type} list [{state}]: "
                    f"page {_decision(by_page)}, API {_decision(by_api)}, "
                    f"rules say {_decision(want)}"
                )
    assert not disagreements, "\n".join(disagreements)


def test_page_and_api_matrix_size() -> None:
    # Personas x 3 agreement states x (5 holders x 5 record types + 4 lists), each
    # cell asked of the page and of the API.
    assert PAGE_AND_API_CELLS == len(PERSONAS) * 3 * (5 * 5 + 4)


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


# The Administration pages (issue #11): agency and system administrators only, agencies
# for system administrators only; 403 for everyone else.
ADMINISTRATION_PAGES = [
    ("/administration/", {Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN}),
    ("/administration/users/", {Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN}),
    ("/administration/users/invite/", {Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN}),
    ("/administration/centres/", {Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN}),
    ("/administration/centres/add/", {Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN}),
    ("/administration/agencies/", {Role.SYSTEM_ADMIN}),
    ("/administration/agencies/add/", {Role.SYSTEM_ADMIN}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("username", [p.username for p in PERSONAS])
def test_administration_pages_answer_by_role(
    personas: dict[str, Any], sign_in: Any, client: Client, username: str
) -> None:
    user = personas[username]
    sign_in(client, user)
    roles = role_set(user)
    for url, allowed in ADMINISTRATION_PAGES:
        want = 200 if roles & {r.value for r in allowed} else 403
        assert client.get(url).status_code == want, (username, url)
    # Another agency's user, and a user who does not exist: the same 404 for an
    # agency administrator; a system administrator sees any user.
    other = next(
        u
        for u in personas.values()
        if u.membership.agency_id != user.membership.agency_id
        and not set(u.role_grants.values_list("role", flat=True)) & {"system_admin"}
    )
    r = client.get(f"/administration/users/{other.pk}/")
    missing = client.get(f"/administration/users/{10**9}/")
    if Role.SYSTEM_ADMIN in roles:
        assert (r.status_code, missing.status_code) == (200, 404)
    elif Role.AGENCY_ADMIN in roles:
        assert r.status_code == missing.status_code == 404
    else:
        assert r.status_code == missing.status_code == 403
