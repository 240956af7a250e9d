"""POST /api/v1/dash/score: SafeLives Dash scoring for partner systems, storing nothing.

Driven through DRF's test client with real tokens, as the rest of the API's tests are.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from saferleeds.audit.models import AuditEntry
from tests.api.test_api import API, client_for

URL = f"{API}/dash/score"


def yes(count: int) -> list[bool]:
    return [True] * count + [False] * (24 - count)


@pytest.fixture
def client(personas: dict[str, User]) -> APIClient:
    return client_for(personas["pete.practitioner"])


def post(client: APIClient, body: Any) -> Any:
    return client.post(URL, body, format="json")


@pytest.mark.parametrize(
    ("count", "high", "level"),
    [
        (9, False, "standard"),
        (10, False, "medium"),
        (13, False, "medium"),
        (14, True, "high"),
        (15, True, "high"),
    ],
)
def test_scores_at_and_either_side_of_fourteen(
    client: APIClient, count: int, high: bool, level: str
) -> None:
    r = post(client, {"answers": yes(count), "professional_judgement": False})
    assert r.status_code == 200, r.content
    assert r.json() == {
        "yes_count": count,
        "visible_high_risk": high,
        "risk_level": level,
        "unanswered": [],
        "professional_judgement": False,
        "raised_by_judgement": False,
    }
    assert r["Cache-Control"] == "no-store"


def test_judgement_raises_to_high_and_is_optional(client: APIClient) -> None:
    r = post(
        client,
        {
            "answers": yes(13),
            "professional_judgement": True,
            "judgement_reason": "Non-fatal strangulation disclosed",
        },
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["risk_level"] == "high"
    assert body["visible_high_risk"] is False
    assert body["raised_by_judgement"] is True
    assert "judgement_reason" not in body  # free text is neither stored nor echoed
    # professional_judgement defaults to false.
    r = post(client, {"answers": yes(13)})
    assert r.status_code == 200
    assert r.json()["risk_level"] == "medium"


def test_null_answers_are_unanswered(client: APIClient) -> None:
    answers: list[bool | None] = yes(14)
    answers[0] = None
    answers[23] = None
    r = post(client, {"answers": answers})
    assert r.status_code == 200, r.content
    assert r.json()["yes_count"] == 13
    assert r.json()["unanswered"] == [1, 24]
    assert r.json()["visible_high_risk"] is False


@pytest.mark.parametrize("count", [0, 23, 25])
def test_wrong_number_of_answers_is_a_400(client: APIClient, count: int) -> None:
    r = post(client, {"answers": [False] * count})
    assert r.status_code == 400
    assert "answers" in r.json()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"answers": None},
        {"answers": "yes" * 8},
        {"answers": {"1": True}},
        {"answers": [1] + [False] * 23},
        {"answers": ["true"] + [False] * 23},
        {"answers": [False] * 23 + ["no"]},
        {"answers": [[True]] + [False] * 23},
        {"answers": yes(14), "professional_judgement": "true"},
        {"answers": yes(14), "professional_judgement": 1},
        {"answers": yes(14), "professional_judgement": None},
        {"answers": yes(14), "judgement_reason": "x" * 1001},
        [True] * 24,
    ],
)
def test_wrong_types_are_a_400(client: APIClient, body: Any) -> None:
    r = post(client, body)
    assert r.status_code == 400, r.content


def test_a_body_that_is_not_json_is_a_400(client: APIClient) -> None:
    r = client.post(URL, "answers=1", content_type="application/json")
    assert r.status_code == 400


def test_needs_a_token(personas: dict[str, User]) -> None:
    r = APIClient().post(URL, {"answers": yes(14)}, format="json")
    assert r.status_code == 401
    assert r["WWW-Authenticate"].startswith("Token")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert bad.post(URL, {"answers": yes(14)}, format="json").status_code == 401
    # A browser session is not an API credential.
    browser = APIClient()
    browser.force_login(personas["pete.practitioner"])
    assert browser.post(URL, {"answers": yes(14)}, format="json").status_code == 401


@pytest.mark.parametrize("username", ["aisha.analyst", "carol.coordinator"])
def test_any_token_holder_may_score(personas: dict[str, User], username: str) -> None:
    r = post(client_for(personas[username]), {"answers": yes(14)})
    assert r.status_code == 200
    assert r.json()["risk_level"] == "high"


def test_only_post(client: APIClient) -> None:
    assert client.get(URL).status_code == 405


def test_stores_nothing_and_writes_no_audit_entry(client: APIClient) -> None:
    before = AuditEntry.objects.count()
    for count in (0, 14, 24):
        assert post(client, {"answers": yes(count)}).status_code == 200
    assert post(client, {"answers": [1] * 24}).status_code == 400
    assert AuditEntry.objects.count() == before


def test_the_endpoint_is_in_the_openapi_schema(db: None) -> None:
    schema = json.loads(APIClient().get(f"{API}/openapi.json").content)
    operation = schema["paths"]["/api/v1/dash/score"]["post"]
    assert operation["operationId"] == "dash_score"
    assert {"200", "400", "401"} <= set(operation["responses"])
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    answers = request["properties"]["answers"]
    assert answers["minItems"] == answers["maxItems"] == 24
    assert request["required"] == ["answers"]
