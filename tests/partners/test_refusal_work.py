"""A missing record and a forbidden one cost the same work, so they take the same time.

Security finding 9 (issue #11): forbidden and missing records differed in timing (28 ms
against 13 ms) because only the refusal wrote an audit entry. Timings are never asserted
here; the work is: the same SQL statements, in kind and number, for either answer.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.audit.verify import verify_chain
from saferleeds.partners.policy import NotFound, actor_for
from saferleeds.people.access import access_person_by_id
from saferleeds.people.actions import do_create_person
from saferleeds.people.models import Person

TABLE = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def kinds(ctx: CaptureQueriesContext) -> list[tuple[str, tuple[str, ...]]]:
    """Each statement as its verb and the tables it touches (values left out)."""
    out = []
    for q in ctx.captured_queries:
        sql = q["sql"].strip()
        verb = " ".join(sql.split()[:2]) if sql.upper().startswith("RELEASE") else ""
        verb = verb or sql.split()[0]
        out.append((verb.upper(), tuple(sorted(set(TABLE.findall(sql))))))
    return out


@pytest.fixture
def hidden(personas: dict[str, Any]) -> Person:
    """A person held by health and shared with nobody: the police may not see them."""
    return do_create_person(
        actor=actor_for(personas["harry.health"]),
        reference="NHS-9",
        given_name="Robert",
        family_name="Quarmby",
    )


@pytest.fixture
def missing(hidden: Person) -> int:
    return hidden.pk + 1000


def _refusals(**filters: Any) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(operation=Operation.REFUSAL, **filters).order_by(
            "seq"
        )
    )


@pytest.mark.django_db
def test_fetch_visible_does_the_same_work_for_missing_and_forbidden(
    personas: dict[str, Any], hidden: Person, missing: int
) -> None:
    """Security finding 9 (issue #11): through the gate (``fetch_visible``), a missing
    id runs the same statements as a forbidden one (one lookup, one audit write), and
    both are logged as refusals; the missing one says it was not found."""
    work = {}
    for name, pk in (("forbidden", hidden.pk), ("missing", missing)):
        # A fresh actor each time, as each request has (an actor remembers its access).
        pete = actor_for(personas["pete.practitioner"], purpose="test")
        with CaptureQueriesContext(connection) as ctx, pytest.raises(NotFound) as exc:
            access_person_by_id(pete, pk)
        work[name] = kinds(ctx)
        assert str(exc.value) == f"no person {pk}"
    assert work["missing"] == work["forbidden"]
    assert ("INSERT", ("audit_auditentry",)) in work["missing"]
    forbidden, absent = _refusals(actor_username="pete.practitioner")
    assert (forbidden.record_id, forbidden.subject_person_id, forbidden.detail) == (
        str(hidden.pk),
        hidden.pk,
        {},
    )
    # The missing id is nobody's: no subject, so it is in no person's access history.
    assert (absent.record_id, absent.subject_person_id, absent.detail) == (
        str(missing),
        None,
        {"reason": "not found"},
    )
    assert absent.event == forbidden.event == "people.person.view"
    assert verify_chain()[1] is None


@pytest.mark.django_db
def test_person_page_does_the_same_work_for_missing_and_forbidden(
    personas: dict[str, Any], sign_in: Any, hidden: Person, missing: int
) -> None:
    """Security finding 9 (issue #11): /people/<id>/ for a practitioner runs the same
    statements for a missing person as for one outside the agreements, and answers
    the same 404 (byte for byte, but for the CSRF token)."""
    client = sign_in(Client(), personas["pete.practitioner"])
    client.get("/people/")  # settle the session first
    answers, work = {}, {}
    for name, pk in (("forbidden", hidden.pk), ("missing", missing)):
        with CaptureQueriesContext(connection) as ctx:
            answers[name] = client.get(f"/people/{pk}/")
        work[name] = kinds(ctx)
    assert answers["forbidden"].status_code == answers["missing"].status_code == 404

    def body(r: Any) -> bytes:
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", r.content)

    assert body(answers["forbidden"]) == body(answers["missing"])
    assert work["missing"] == work["forbidden"]
    assert [e.record_id for e in _refusals(event="people.person.view")] == [
        str(hidden.pk),
        str(missing),
    ]


@pytest.mark.django_db
def test_api_person_does_the_same_work_for_missing_and_forbidden(
    personas: dict[str, Any], hidden: Person, missing: int
) -> None:
    """Security finding 9 (issue #11): GET /api/v1/people/<id>/ runs the same
    statements for a missing person as for a hidden one, with byte-identical 404s."""
    user = personas["pete.practitioner"]
    token = Token.objects.get_or_create(user=user)[0].key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    client.get("/api/v1/people/")  # settle anything done once per token
    answers, work = {}, {}
    for name, pk in (("forbidden", hidden.pk), ("missing", missing)):
        with CaptureQueriesContext(connection) as ctx:
            answers[name] = client.get(f"/api/v1/people/{pk}/")
        work[name] = kinds(ctx)
    forbidden, absent = answers["forbidden"], answers["missing"]
    assert forbidden.status_code == absent.status_code == 404
    assert forbidden.content == absent.content
    assert forbidden["Content-Type"] == absent["Content-Type"]
    assert work["missing"] == work["forbidden"]
    assert [e.record_id for e in _refusals(actor_username=user.username)] == [
        str(hidden.pk),
        str(missing),
    ]


@pytest.mark.django_db
def test_an_absurdly_long_missing_id_is_still_a_plain_404(
    personas: dict[str, Any], sign_in: Any
) -> None:
    """Security finding 9 (issue #11), its edge: now that a missing id is logged, an id
    longer than the log's record-id column (or than any integer) must still be the
    plain 404, not an error (PostgreSQL enforces the column's length), and is logged."""
    page = sign_in(Client(), personas["pete.practitioner"])
    token = Token.objects.get_or_create(user=personas["pete.practitioner"])[0].key
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    long_id = int("9" * 100)
    for pk in (2**63 - 1, 2**70, long_id):
        assert page.get(f"/people/{pk}/").status_code == 404, pk
        assert api.get(f"/api/v1/people/{pk}/").status_code == 404, pk
    logged = [e.record_id for e in _refusals(actor_username="pete.practitioner")]
    assert str(long_id)[:64] in logged
    assert verify_chain()[1] is None
