"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis 4).

Schemathesis reads /api/v1/openapi.json from the WSGI application in-process (no
network), generates requests for every operation, valid and invalid, and calls the
application with a practitioner's and an analyst's token. Whatever it sends, the API
must answer with a client error or success, never a server error; and (security finding
16, issue #11) it must answer as its schema says: documented status codes, content types
and bodies, schema-invalid requests refused and schema-valid ones accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    CheckContext,
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from saferleeds.audit.guard import drop_append_only_triggers
from saferleeds.hate.actions import do_receive_hate_report
from saferleeds.incidents.actions import do_create_incident
from saferleeds.marac.actions import (
    do_record_dash_assessment,
    do_refer_to_marac,
)
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.safeguarding.actions import do_create_case, do_link_person_to_case
from saferleeds.wsgi import application

ROLES = ["pete.practitioner", "aisha.analyst"]


def _seed(personas: dict[str, User]) -> None:
    """A few records with small ids, so generated ids often hit real ones."""
    agencies = {a.code: a for a in Agency.objects.all()}
    today = timezone.localdate()
    do_create_agreement(
        actor=None,
        reference="wyp-lcc",
        title="Police to council",
        purpose="Safeguarding",
        lawful_basis="Crime and Disorder Act 1998 s115",
        record_types=[
            "person",
            "incident",
            "case",
            "case_task",
            "dash_assessment",
            "marac_referral",
            "hate_report",
        ],
        providers=[agencies["wyp"]],
        recipients=[agencies["lcc"]],
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
        signed_by="Chief Constable",
        signed_on=today - timedelta(days=31),
    )
    pete = actor_for(personas["pete.practitioner"])
    for n in range(3):
        do_create_person(
            actor=pete,
            reference=f"WYP-{n}",
            given_name="Gemma",
            family_name=f"Person{n}",
            date_of_birth=date(1990, 1, n + 1),
            postcode="LS6 2AA",
        )
    do_create_person(
        actor=actor_for(personas["harry.health"]),
        reference="NHS-1",
        given_name="Robert",
        family_name="Hidden",
    )
    do_create_incident(
        actor=pete, reference="13/1/24", category="crime", occurred_on=today
    )
    case = do_create_case(
        actor=pete, reference="C-1", case_type="marac", title="T", opened_on=today
    )
    # Casework with small ids: a victim on the case, a Dash, a referral, a hate report.
    pete = actor_for(personas["pete.practitioner"])
    do_link_person_to_case(case.pk, 1, "victim", actor=pete)
    dash = do_record_dash_assessment(
        case.pk,
        actor=pete,
        victim_id=1,
        answers=[True] * 14 + [False] * 10,
        assessed_on=today,
    )
    do_refer_to_marac(
        case.pk, actor=pete, victim_id=1, referred_on=today, dash_id=dash.pk
    )
    do_receive_hate_report(
        {
            "what_happened": "Abuse in the street",
            "occurred_on": today,
            "location": "Briggate",
            "strands": ["religion"],
            "perceived_by": "victim",
            "reporter_is_victim": True,
        }
    )


@pytest.fixture
def seeded(transactional_db: None, personas: dict[str, User]) -> Iterator[None]:
    """Records over a committed database, which the WSGI application can see.

    The WSGI application runs Django's request signals, which close a connection left
    inside a transaction; so the data must really be committed (``transactional_db``)
    for the application to see it, exactly as in production.
    """
    _seed(personas)
    yield
    # The append-only triggers would refuse the flush that empties the database after a
    # transactional test; the flush's post-migrate signal puts them back.
    drop_append_only_triggers()


@pytest.fixture(params=ROLES)
def auth_header(
    request: pytest.FixtureRequest, seeded: None, personas: dict[str, User]
) -> str:
    """The Authorization header of each role the fuzzing runs as."""
    token, _ = Token.objects.get_or_create(user=personas[request.param])
    return f"Token {token.key}"


# The live schema, read from the application itself at collection time (the schema view
# needs no database and no token).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.mark.django_db(transaction=True, reset_sequences=True)
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    # The database fixture is shared by every example of an operation on purpose.
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case, auth_header: str) -> None:
    case.call_and_validate(
        headers={"Authorization": auth_header}, checks=[not_a_server_error]
    )


# Schema-valid requests that rules over stored data may still refuse with a 400 naming
# the rule: a referenced record that does not exist or that the caller may not see, a
# victim not on the case, a referral meeting no MARAC criterion, a date after today, an
# edit without the version it was made from (in the body or in If-Match: OpenAPI cannot
# say "one of a body field and a header"). An OpenAPI schema cannot know the database;
# each operation's description says which rules apply. Any other 400 to schema-valid
# data is a failure, as is a 400 naming anything else.
DATA_RULES: dict[str, set[str]] = {
    "POST /api/v1/incidents/": {"place", "detail"},
    "POST /api/v1/cases/": {"detail"},
    "POST /api/v1/cases/{id}/dash-assessments/": {"detail"},
    "POST /api/v1/cases/{id}/marac-referrals/": {"detail"},
    "PATCH /api/v1/people/{id}/": {"version", "If-Match", "detail"},
    # A signed agreement's terms never change (an amendment is drafted instead), and
    # the version comes in the body or If-Match.
    "PATCH /api/v1/agreements/{id}/": {"version", "If-Match", "detail", "ends_on"},
    "POST /api/v1/agreements/{id}/sign/": {"detail"},
    # An owner agency's code that names no agency (issue #15 item 4).
    "GET /api/v1/dardr-recommendations/": {"agency"},
}


def _declared_query_names(method: str, path: str) -> set[str]:
    from drf_spectacular.generators import SchemaGenerator

    spec = SchemaGenerator().get_schema(request=None, public=True)
    parameters = (
        spec["paths"].get(path, {}).get(method.lower(), {}).get("parameters", [])
    )
    return {p["name"] for p in parameters if p.get("in") == "query"}


@schemathesis.check
def negative_data_rejected_as_sent(
    ctx: CheckContext, response: Any, case: schemathesis.Case
) -> bool | None:
    """``negative_data_rejection``, judged on the request actually sent.

    Two of the generator's "invalid" cases do not survive sending: a missing
    ``Authorization`` header (every call here sends the token), and an unknown query
    parameter whose name the URL encoding drops (seen: a request that went out as
    ``?offset=5675`` alone). When the request as sent names only declared query
    parameters and those are the only violations reported, the case was valid.
    """
    try:
        return negative_data_rejection(ctx, response, case)
    except AssertionError as failure:
        text = str(failure)
        components = re.findall(r"- (\w+): violates `(\w+)`([^\n]*)", text)
        harmless = bool(components) and all(
            (part, rule) == ("query", "additionalProperties")
            or (part, rule, rest.strip())
            == ("header", "required", "(was Authorization)")
            for part, rule, rest in components
        )
        sent = urlsplit(response.request.url).query
        names = {name for name, _ in parse_qsl(sent, keep_blank_values=True)}
        declared = _declared_query_names(case.method, case.operation.path)
        if (
            harmless
            and names <= declared
            and "Authorization" in response.request.headers
        ):
            return None
        raise


@schemathesis.check
def positive_data_accepted_but_for_data_rules(
    ctx: CheckContext, response: Any, case: schemathesis.Case
) -> bool | None:
    """``positive_data_acceptance``, except the refusals ``DATA_RULES`` allows."""
    allowed = DATA_RULES.get(case.operation.label, set())
    if response.status_code == 400 and allowed:
        body = response.json()
        if isinstance(body, dict) and body and set(body) <= allowed:
            return None
    return positive_data_acceptance(ctx, response, case)


CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejected_as_sent,
    positive_data_accepted_but_for_data_rules,
]


@pytest.mark.django_db(transaction=True, reset_sequences=True)
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    # The same examples on every run, so CI's verdict does not depend on the draw;
    # run with --hypothesis-seed (and derandomize off) to explore further.
    derandomize=True,
    database=None,
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, auth_header: str) -> None:
    """Security finding 16 (issue #11): the schema disagreed with the API (required
    strings without ``minLength``, ``GET /people/`` without parameters a 400, ``?status=``
    accepted, ``"judgement_reason": 0`` accepted). Every operation, valid and invalid
    requests, as a practitioner and as an analyst: the answer's status code, content
    type, headers and body are the ones the schema documents, schema-invalid requests
    are refused and schema-valid ones accepted (but for ``DATA_RULES``)."""
    case.call_and_validate(headers={"Authorization": auth_header}, checks=CONFORMANCE)
