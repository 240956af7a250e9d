"""The audit viewer and subject-access downloads, through the test client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from saferleeds.audit.models import AuditEntry
from tests.web.test_people_pages import build_world, html_of, without_tokens


@pytest.fixture
def world(personas: dict[str, Any]) -> dict[str, Any]:
    return build_world(personas)


@pytest.fixture
def as_user(personas: dict[str, Any], sign_in: Any) -> Any:
    def _as(username: str) -> Client:
        return sign_in(Client(), personas[username])

    return _as


@pytest.mark.parametrize(
    "username", ["carol.coordinator", "aisha.analyst", "ed.executive", "sam.sysadmin"]
)
def test_audit_viewer_is_for_ig_leads_only(
    as_user: Any, world: dict[str, Any], username: str
) -> None:
    client = as_user(username)
    carl = world["carl"].pk
    assert client.get("/audit/").status_code == 403
    assert client.get(f"/audit/people/{carl}/").status_code == 403
    r = client.post(f"/audit/people/{carl}/subject-access/", {"recipient": "x"})
    assert r.status_code == 403
    assert not AuditEntry.objects.filter(operation="disclosure").exists()


def test_audit_viewer_needs_sign_in(client: Client, world: dict[str, Any]) -> None:
    assert client.get("/audit/").status_code == 302


def test_ig_lead_finds_a_person_their_agency_holds(
    as_user: Any, world: dict[str, Any]
) -> None:
    iris = as_user("iris.ig")
    empty = iris.get("/audit/")
    assert empty.status_code == 200 and 'name="name"' in html_of(empty)
    r = iris.get("/audit/", {"name": "council"})
    html = html_of(r)
    assert r.status_code == 200
    assert f'href="/audit/people/{world["carl"].pk}/"' in html
    # Alice is held by the police, not the council: not the council IG lead's to audit.
    r = iris.get("/audit/", {"name": "alice"})
    assert "0 people found" in html_of(r)
    bad = iris.get("/audit/", {"dob_day": "99", "dob_month": "1", "dob_year": "1990"})
    assert bad.status_code == 400 and "Date of birth must be a real date" in html_of(
        bad
    )


def test_history_lists_who_accessed_the_record(
    as_user: Any, world: dict[str, Any]
) -> None:
    carl = world["carl"]
    as_user("carol.coordinator").get(f"/people/{carl.pk}/")
    r = as_user("iris.ig").get(f"/audit/people/{carl.pk}/")
    html = html_of(r)
    assert r.status_code == 200
    assert "Carl Council" in html and "Access history" in html
    rows = html.split('data-testid="history"')[1].split("</table>")[0]
    view_row = rows.split('data-event="people.person.view"')[1].split("</tr>")[0]
    for text in [
        "carol.coordinator",
        "Leeds City Council",
        "Case coordinator",
        "Consultation",
        "Opened the person&#x27;s record",
        "View person record",
    ]:
        assert text in view_row, text
    assert 'data-event="people.person.create"' in rows  # the collection
    # Reading the history is itself logged.
    assert AuditEntry.objects.filter(
        event="audit.person_history.view",
        actor_username="iris.ig",
        record_id=str(carl.pk),
    ).exists()
    # The MOJ sub-navigation links back to the record.
    assert 'class="moj-sub-navigation"' in html and f'href="/people/{carl.pk}/"' in html


def test_history_of_a_person_not_held_is_404_like_a_missing_one(
    as_user: Any, world: dict[str, Any]
) -> None:
    iris = as_user("iris.ig")
    held_elsewhere = iris.get(f"/audit/people/{world['alice'].pk}/")
    missing = iris.get("/audit/people/987654321/")
    assert held_elsewhere.status_code == missing.status_code == 404
    assert without_tokens(html_of(held_elsewhere)) == without_tokens(html_of(missing))
    r = iris.post(
        f"/audit/people/{world['alice'].pk}/subject-access/", {"recipient": "x"}
    )
    assert r.status_code == 404


def test_subject_access_download(as_user: Any, world: dict[str, Any]) -> None:
    carl = world["carl"]
    recipient = "Carl Council (data subject)"
    iris = as_user("iris.ig")
    assert iris.get(f"/audit/people/{carl.pk}/subject-access/").status_code == 405
    r = iris.post(f"/audit/people/{carl.pk}/subject-access/", {"recipient": recipient})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/json; charset=utf-8"
    assert r["Content-Disposition"].startswith(
        f'attachment; filename="subject-access-person-{carl.pk}-'
    )
    assert "no-store" in {d.strip() for d in r["Cache-Control"].split(",")}
    bundle = json.loads(r.content)
    assert bundle["person"]["given_name"] == "Carl"
    assert bundle["recipient"] == recipient
    assert bundle["agency_references"] == [
        {"agency": "Leeds City Council", "reference": "LCC-000123"}
    ]
    entry = AuditEntry.objects.get(operation="disclosure")
    assert (entry.event, entry.record_id, entry.recipient, entry.actor_username) == (
        "audit.subject_access.export",
        str(carl.pk),
        recipient,
        "iris.ig",
    )
    assert entry.subject_person_id == carl.pk
    assert entry.purpose == "subject access request"


def test_subject_access_needs_a_recipient(as_user: Any, world: dict[str, Any]) -> None:
    carl = world["carl"]
    r = as_user("iris.ig").post(
        f"/audit/people/{carl.pk}/subject-access/", {"recipient": "   "}
    )
    html = html_of(r)
    assert r.status_code == 400
    assert "There is a problem" in html
    assert '<a href="#id_recipient">Enter who the bundle is for' in html
    assert "Content-Disposition" not in r
    assert not AuditEntry.objects.filter(operation="disclosure").exists()
