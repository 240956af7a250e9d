"""The record linkage API's operations are in the OpenAPI schema, and refuse callers
without a token (issue #13). Their behaviour is in tests/linkage/test_linkage_api.py,
which shares the linkage tests' population of agency records."""

from __future__ import annotations

import json

from rest_framework.test import APIClient

API = "/api/v1"
OPERATIONS = {
    ("/api/v1/linkage/review/", "get"): "linkage_review_list",
    ("/api/v1/linkage/review/{id}/", "get"): "linkage_review_retrieve",
    ("/api/v1/linkage/review/{id}/decision/", "post"): "linkage_review_decide",
    ("/api/v1/people/{id}/links/", "get"): "people_links",
}


def test_the_linkage_operations_are_in_the_schema(db: None) -> None:
    schema = json.loads(APIClient().get(f"{API}/openapi.json").content)
    for (path, method), operation_id in OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert {"401", "404"} & set(operation["responses"]), path
    decide = schema["paths"]["/api/v1/linkage/review/{id}/decision/"]["post"]
    assert "201" in decide["responses"] and "403" in decide["responses"]


def test_no_token_is_a_401(db: None) -> None:
    client = APIClient()
    for url in (
        f"{API}/linkage/review/",
        f"{API}/linkage/review/1/",
        f"{API}/people/1/links/",
    ):
        assert client.get(url).status_code == 401, url
    posted = client.post(
        f"{API}/linkage/review/1/decision/",
        {"decision": "confirm", "reason": "x"},
        format="json",
    )
    assert posted.status_code == 401
