"""The IOM API twins: the cohort list and a membership, as the pages decide."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from saferleeds.audit.models import AuditEntry
from saferleeds.iom.actions import do_adopt_iom_member
from saferleeds.partners.policy import actor_for

API = "/api/v1"


def _client(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.mark.django_db
def test_list_and_read_memberships(
    offenders: dict[str, Any], personas: dict[str, Any]
) -> None:
    pete = personas["pete.practitioner"]
    member = do_adopt_iom_member(
        offenders["P001"].pk, actor=actor_for(pete), cohort="fixed",
        reason="Burglary", decided_on=timezone.localdate(), score=90.0,
    )  # fmt: skip
    client = _client(pete)
    rows = client.get(f"{API}/iom-members/").json()
    assert [r["id"] for r in rows] == [member.pk]
    assert rows[0]["cohort"] == "fixed" and rows[0]["lead_agency"] == "wyp"
    assert client.get(f"{API}/iom-members/?status=deselected").json() == []
    one = client.get(f"{API}/iom-members/{member.pk}/").json()
    assert one["adopted_reason"] == "Burglary" and one["score_at_adoption"] == 90.0
    assert AuditEntry.objects.filter(event="iom.member.list").count() == 1
    assert AuditEntry.objects.filter(event="iom.member.view").count() == 1
    assert client.get(f"{API}/iom-members/?status=nope").status_code == 400

    analyst = _client(personas["aisha.analyst"])
    assert analyst.get(f"{API}/iom-members/").status_code == 403
    assert analyst.get(f"{API}/iom-members/{member.pk}/").status_code == 403
    probation = _client(personas["nadia.probation"])  # no agreement with the police
    assert probation.get(f"{API}/iom-members/").json() == []
    assert probation.get(f"{API}/iom-members/{member.pk}/").status_code == 404


def test_schema_lists_the_iom_operations(db: None) -> None:
    paths = set(APIClient().get(f"{API}/openapi.json").json()["paths"])
    assert {"/api/v1/iom-members/", "/api/v1/iom-members/{id}/"} <= paths
