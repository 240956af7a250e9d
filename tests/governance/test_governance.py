"""The plan (issue #15 item 2): seeding, RAG updates with history and audit, staleness,
the CSV export and the plan on a page."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.governance.actions import do_load_plan
from saferleeds.governance.models import (
    Board,
    Deliverable,
    Outcome,
    Priority,
    StatusChange,
)
from saferleeds.governance.rules import is_stale
from saferleeds.partnership import GovernanceSettings, InvalidSetting

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(personas: dict[str, Any]) -> None:
    do_load_plan(actor=None)


def _signed_in(sign_in: Any, personas: dict[str, Any], username: str) -> Client:
    return sign_in(Client(), personas[username])


def _lcc_deliverable() -> Deliverable:
    return Deliverable.objects.get(key="asb-service-review")  # led by LCC


def _wyp_deliverable() -> Deliverable:
    return Deliverable.objects.get(key="safer-schools")  # led by WYP


def test_seed_loads_the_strategy_and_is_idempotent(personas: dict[str, Any]) -> None:
    first = do_load_plan(actor=None)
    assert (first.priorities, first.outcomes, first.deliverables) == (3, 22, 30)
    assert first.boards == Board.objects.count() == 10
    assert list(Priority.objects.values_list("focus", flat=True)) == [
        "Victim",
        "Offender",
        "Location",
    ]
    assert Deliverable.objects.filter(plan_on_a_page=True).count() == 10
    hba = Deliverable.objects.get(key="hba-forced-marriage")
    assert hba.board is not None and hba.board.key == "hba-fm-steering"
    assert hba.lead_agency.code == "lcc" and hba.lead == "LCC Community Safety"
    counts = (
        Priority.objects.count(),
        Outcome.objects.count(),
        Deliverable.objects.count(),
        Board.objects.count(),
        AuditEntry.objects.count(),
    )
    again = do_load_plan(actor=None)
    assert again.added == 0
    assert counts == (
        Priority.objects.count(),
        Outcome.objects.count(),
        Deliverable.objects.count(),
        Board.objects.count(),
        AuditEntry.objects.count(),  # loading nothing writes nothing
    )


def test_seed_keeps_a_status_set_since(plan: None) -> None:
    Deliverable.objects.filter(key="dv-locality").update(rag="green")
    do_load_plan(actor=None)
    assert Deliverable.objects.get(key="dv-locality").rag == "green"


@pytest.mark.parametrize("username", ["carol.coordinator", "ed.executive"])
def test_lead_agency_user_updates_status_audited_with_history(
    plan: None, personas: dict[str, Any], sign_in: Any, username: str
) -> None:
    d = _lcc_deliverable()
    client = _signed_in(sign_in, personas, username)
    url = f"/plan/deliverables/{d.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert b"Update the status" in page.content
    response = client.post(
        url, {"rag": "amber", "evidence": "Review scoped; report due Q3", "version": 1}
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.rag, d.rag_evidence, d.version) == (
        "amber",
        "Review scoped; report due Q3",
        2,
    )
    change = StatusChange.objects.get(deliverable=d)
    assert (change.from_rag, change.to_rag) == ("", "amber")
    assert change.changed_by.username == username
    entry = AuditEntry.objects.get(event="governance.deliverable.status")
    assert entry.operation == Operation.ALTERATION
    assert entry.record_id == str(d.pk)
    assert entry.detail["from"] == "not rated" and entry.detail["to"] == "amber"
    client.post(url, {"rag": "green", "evidence": "Done", "version": 2})
    history = client.get(url)
    assert history.content.count(b"Review scoped") == 1
    assert StatusChange.objects.filter(deliverable=d).count() == 2
    assert AuditEntry.objects.filter(event="governance.deliverable.status").count() == 2


@pytest.mark.parametrize(
    "username",
    ["pete.practitioner", "aisha.analyst", "iris.ig", "fran.agencyadmin"],
)
def test_others_read_but_are_refused_an_update(
    plan: None, personas: dict[str, Any], sign_in: Any, username: str
) -> None:
    # pete is a practitioner of the police: the ASB review is the council's.
    d = _lcc_deliverable()
    client = _signed_in(sign_in, personas, username)
    url = f"/plan/deliverables/{d.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    assert b'data-testid="read-only"' in page.content
    assert b"Update the status" not in page.content
    refused = client.post(url, {"rag": "red", "evidence": "x", "version": 1})
    assert refused.status_code == 403
    d.refresh_from_db()
    assert d.rag == "" and not StatusChange.objects.exists()
    assert not AuditEntry.objects.filter(event="governance.deliverable.status").exists()


def test_police_practitioner_updates_a_police_deliverable(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    d = _wyp_deliverable()
    client = _signed_in(sign_in, personas, "pete.practitioner")
    response = client.post(
        f"/plan/deliverables/{d.pk}/",
        {"rag": "red", "evidence": "Funding not agreed", "version": 1},
    )
    assert response.status_code == 302
    d.refresh_from_db()
    assert d.rag == "red"


def test_update_needs_evidence_and_a_current_version(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    d = _lcc_deliverable()
    client = _signed_in(sign_in, personas, "carol.coordinator")
    url = f"/plan/deliverables/{d.pk}/"
    missing = client.post(url, {"rag": "red", "evidence": "", "version": 1})
    assert missing.status_code == 400
    assert b"Enter the evidence for the status" in missing.content
    client.post(url, {"rag": "red", "evidence": "First", "version": 1})
    stale_form = client.post(url, {"rag": "green", "evidence": "Second", "version": 1})
    assert stale_form.status_code == 409
    d.refresh_from_db()
    assert d.rag == "red"


def test_reporting_centre_may_not_read_the_plan(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    client = _signed_in(sign_in, personas, "rita.reporter")
    assert client.get("/plan/").status_code == 403
    assert client.get("/plan/export.csv").status_code == 403


def test_staleness_boundary() -> None:
    today = date(2026, 6, 30)
    assert not is_stale(today - timedelta(days=90), today, 90)
    assert is_stale(today - timedelta(days=91), today, 90)
    assert not is_stale(None, today, 90)  # never rated: "not rated", not stale


def test_staleness_follows_the_setting(
    plan: None, personas: dict[str, Any], sign_in: Any, monkeypatch: Any
) -> None:
    from saferleeds import partnership

    today = timezone.localdate()
    Deliverable.objects.filter(key="dv-locality").update(
        rag="green", rag_updated_on=today - timedelta(days=10)
    )
    Deliverable.objects.filter(key="front-door-hub").update(
        rag="amber", rag_updated_on=today - timedelta(days=11)
    )
    p = partnership.current()
    from dataclasses import replace

    changed = replace(p, governance=GovernanceSettings(stale_after_days=10))
    monkeypatch.setattr(partnership, "current", lambda: changed)
    monkeypatch.setattr("saferleeds.governance.rules.current", lambda: changed)
    client = _signed_in(sign_in, personas, "ed.executive")
    rows = {r["key"]: r for r in csv.DictReader(_csv(client))}
    assert rows["dv-locality"]["stale"] == "no"  # 10 days: not stale
    assert rows["front-door-hub"]["stale"] == "yes"  # 11 days: stale


def test_setting_is_validated() -> None:
    assert GovernanceSettings().stale_after_days == 90
    with pytest.raises(InvalidSetting):
        GovernanceSettings(stale_after_days=0)
    with pytest.raises(InvalidSetting):
        GovernanceSettings(stale_after_days="90")  # type: ignore[arg-type]


def test_governance_section_in_a_partnership_file(tmp_path: Any) -> None:
    from saferleeds.partnership import (
        SHIPPED,
        PartnershipConfigError,
        load_partnership,
    )

    # Relative geography paths resolve against the file's folder: point them home.
    text = SHIPPED.read_text(encoding="utf-8").replace(
        '"../geography/', f'"{SHIPPED.parent.parent / "geography"}/'
    )
    path = tmp_path / "partnership.toml"
    path.write_text(text + "\n[governance]\nstale_after_days = 30\n", encoding="utf-8")
    assert load_partnership(path).governance.stale_after_days == 30
    assert load_partnership(SHIPPED).governance.stale_after_days == 90
    path.write_text(text + "\n[governance]\nstale_after_dayz = 30\n", encoding="utf-8")
    with pytest.raises(PartnershipConfigError, match=r"\[governance\]"):
        load_partnership(path)
    path.write_text(text + "\n[governance]\nstale_after_days = 0\n", encoding="utf-8")
    with pytest.raises(PartnershipConfigError, match="stale_after_days"):
        load_partnership(path)


def _csv(client: Client) -> io.StringIO:
    response = client.get("/plan/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return io.StringIO(response.content.decode("utf-8-sig"), newline="")


def test_csv_export(plan: None, personas: dict[str, Any], sign_in: Any) -> None:
    d = _lcc_deliverable()
    Deliverable.objects.filter(pk=d.pk).update(
        rag="amber", rag_evidence='=HYPERLINK("x")', rag_updated_on=timezone.localdate()
    )
    client = _signed_in(sign_in, personas, "ed.executive")
    rows = list(csv.DictReader(_csv(client)))
    assert len(rows) == 30
    row = next(r for r in rows if r["key"] == "asb-service-review")
    assert row["priority"] == "1" and row["outcome"] == "1.5"
    assert row["lead_agency"] == "Leeds City Council"
    assert row["board"] == "Safer Leeds Executive"
    assert row["rag"] == "amber" and row["stale"] == "no"
    assert row["evidence"].startswith("'=")  # a spreadsheet shows it, never runs it
    assert sum(r["rag"] == "not rated" for r in rows) == 29


def test_plan_page_for_the_executive(
    plan: None, personas: dict[str, Any], sign_in: Any
) -> None:
    Deliverable.objects.filter(key="dv-locality").update(
        rag="green", rag_updated_on=timezone.localdate() - timedelta(days=200)
    )
    client = _signed_in(sign_in, personas, "ed.executive")
    page = client.get("/plan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Plan on a page" in html
    for title in (
        "Keeping people safe from harm",
        "Preventing &amp; reducing offending",
        "Creating safer, stronger communities",
    ):
        assert title in html
    assert html.count('data-testid="deliverable-') == 30
    assert html.count('data-testid="stale"') == 1
    assert 'href="/plan/"' in html  # the navigation link
    assert "govuk-tag--green" in html
