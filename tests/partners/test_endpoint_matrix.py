"""The access matrix through every record page and API endpoint.

Each persona x agreement state x holding agency, against the same written rules as the
access-layer matrix: a denied record is a 404 indistinguishable from a missing one, an
allowed one is a 200, and an analyst's 200 carries no names.
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
]
CELLS = len(PERSONAS) * len(STATES) * len(HOLDERS) * len(RECORD_ENDPOINTS)


def get(client: Client, url: str, token: str) -> Any:
    if url.startswith("/api/"):
        return client.get(url, HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("username", [p.username for p in PERSONAS])
def test_endpoint_matrix(
    personas: dict[str, Any], sign_in: Any, client: Client, username: str, state: str
) -> None:
    world = build_world(state)
    user = personas[username]
    sign_in(client, user)
    token = Token.objects.get_or_create(user=user)[0].key
    agency = user.membership.agency.code
    leaks = []
    for name, pattern, record_type in RECORD_ENDPOINTS:
        missing = get(client, pattern.format(id=10**9), token)
        assert missing.status_code == 404, (
            f"{name}: missing record gave {missing.status_code}"
        )
        for holder in HOLDERS:
            record_id = world.records[(holder, record_type)]
            r = get(client, pattern.format(id=record_id), token)
            want = expected(role_set(user), own=holder == agency, state=state)
            if want == DENIED:
                ok = r.status_code == 404 and (
                    r.content.replace(str(record_id).encode(), b"N")
                    == missing.content.replace(str(10**9).encode(), b"N")
                    or not pattern.startswith("/api/")
                )
            else:
                ok = r.status_code == 200
                if ok and want == PSEUDONYMISED and record_type == "person":
                    ok = f"Given{holder}".encode() not in r.content and (
                        f"Family{holder}".encode() not in r.content
                    )
            if not ok:
                leaks.append(
                    f"{username} {name} held by {holder} [{state}]: "
                    f"HTTP {r.status_code}, rules say {want}"
                )
    assert not leaks, "\n".join(leaks)


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
    assert CELLS == 9 * 3 * 5 * 4 == 540
