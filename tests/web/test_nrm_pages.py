"""Modern slavery (NRM) pages: the list, the referral form, the decision forms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.demo.casework import nrm as demo_nrm
from saferleeds.nrm.models import NrmReferral
from saferleeds.nrm.views import case_panel
from saferleeds.partners.policy import actor_for
from saferleeds.safeguarding.actions import do_create_case
from saferleeds.safeguarding.models import Case
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot

TODAY = timezone.localdate


@pytest.fixture
def demo(personas: dict[str, Any]) -> dict[str, NrmReferral]:
    """The demo's referrals, by case reference."""
    assert demo_nrm.seed() == 4
    assert demo_nrm.seed() == 0  # safe to repeat
    return {r.case.reference: r for r in NrmReferral.objects.select_related("case")}


@pytest.fixture
def carol(personas: dict[str, Any], sign_in: Any, client: Client) -> Client:
    return sign_in(client, personas["carol.coordinator"])


def _date(prefix: str, day: Any) -> dict[str, str]:
    return {
        f"{prefix}_day": str(day.day),
        f"{prefix}_month": str(day.month),
        f"{prefix}_year": str(day.year),
    }


@pytest.mark.django_db
def test_demo_covers_each_stage(demo: dict[str, NrmReferral]) -> None:
    assert demo["MS-DEMO-001"].reasonable_grounds == "pending"
    assert demo["MS-DEMO-002"].reasonable_grounds == "positive"
    assert demo["MS-DEMO-002"].conclusive_grounds == "pending"
    assert demo["MS-DEMO-003"].conclusive_grounds == "positive"
    assert demo["MS-DEMO-004"].duty_to_notify_only


@pytest.mark.django_db
def test_list_shows_decisions_and_overdue_marker_and_audits_rows(
    demo: dict[str, NrmReferral], carol: Client
) -> None:
    before = AuditEntry.objects.count()
    r = carol.get("/modern-slavery/")
    assert r.status_code == 200
    body = r.content.decode()
    assert body.count('data-testid="rg-overdue"') == 1  # MS-DEMO-001 only
    assert "MS-DEMO-001" in body and "Duty to Notify (anonymous)" in body
    listed = AuditEntry.objects.filter(
        seq__gt=before, event="safeguarding.nrm_referral.list"
    )
    assert sorted(int(e.record_id) for e in listed) == sorted(
        r.pk for r in demo.values()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "refs"),
    [
        ("awaiting_rg", {"MS-DEMO-001"}),
        ("awaiting_cg", {"MS-DEMO-002"}),
        ("concluded", {"MS-DEMO-003"}),
        ("duty_to_notify", {"MS-DEMO-004"}),
        ("nonsense", {"MS-DEMO-001", "MS-DEMO-002", "MS-DEMO-003", "MS-DEMO-004"}),
    ],
)
def test_list_filters_by_stage(
    demo: dict[str, NrmReferral], carol: Client, stage: str, refs: set[str]
) -> None:
    body = carol.get("/modern-slavery/", {"stage": stage}).content.decode()
    assert {ref for ref in demo if ref in body} == refs


@pytest.mark.django_db
def test_list_for_other_roles(
    demo: dict[str, NrmReferral],
    personas: dict[str, Any],
    sign_in: Any,
    client: Client,
) -> None:
    assert client.get("/modern-slavery/").status_code == 302  # anonymous: sign in
    sign_in(client, personas["ed.executive"])
    assert client.get("/modern-slavery/").status_code == 403
    sign_in(client, personas["aisha.analyst"])  # council analyst: pseudonymised
    body = client.get("/modern-slavery/").content.decode()
    assert "MS-DEMO-" not in body and "Case " in body
    sign_in(client, personas["pete.practitioner"])  # police: nothing shared here
    assert 'data-testid="nrm-none"' in client.get("/modern-slavery/").content.decode()
    assert (
        client.get(f"/modern-slavery/referrals/{demo['MS-DEMO-001'].pk}/").status_code
        == 404
    )


@pytest.mark.django_db
def test_referral_page_names_the_victim_and_offers_the_next_decision(
    demo: dict[str, NrmReferral], carol: Client
) -> None:
    body = carol.get(
        f"/modern-slavery/referrals/{demo['MS-DEMO-002'].pk}/"
    ).content.decode()
    assert "Linh Tran" in body
    assert "Record the Conclusive Grounds decision" in body
    body = carol.get(
        f"/modern-slavery/referrals/{demo['MS-DEMO-004'].pk}/"
    ).content.decode()
    assert "Record the" not in body and "No decisions follow" in body


@pytest.fixture
def ms_case(personas: dict[str, Any]) -> Case:
    carol = actor_for(personas["carol.coordinator"])
    return do_create_case(
        actor=carol,
        reference="MS-T-1",
        case_type="modern_slavery",
        title="t",
        opened_on=TODAY() - timedelta(days=70),
    )


@pytest.mark.django_db
def test_refer_form_errors_then_saves(
    ms_case: Case, carol: Client, personas: dict[str, Any]
) -> None:
    url = f"/cases/{ms_case.pk}/nrm-referral/"
    assert carol.get(url).status_code == 200
    r = carol.post(url, {"age_group": "adult"})
    assert r.status_code == 400
    body = r.content.decode()
    assert "Select whether the adult consents" in body
    assert "Select at least one type of exploitation" in body
    assert "Enter date of referral" in body
    tomorrow = TODAY() + timedelta(days=1)
    r = carol.post(
        url,
        {
            "age_group": "child",
            "exploitation": ["sexual"],
            **_date("referred_on", tomorrow),
        },
    )
    assert r.status_code == 400 and "must be in the past" in r.content.decode()
    assert not NrmReferral.objects.exists()
    r = carol.post(
        url,
        {
            "age_group": "child",
            "exploitation": ["sexual", "criminal"],
            **_date("referred_on", TODAY()),
        },
    )
    referral = NrmReferral.objects.get()
    assert r.status_code == 302
    assert r["Location"] == f"/modern-slavery/referrals/{referral.pk}/"
    assert referral.exploitation == ["sexual", "criminal"]
    assert not referral.duty_to_notify_only


@pytest.mark.django_db
def test_refer_form_access(
    ms_case: Case, personas: dict[str, Any], sign_in: Any, client: Client
) -> None:
    url = f"/cases/{ms_case.pk}/nrm-referral/"
    sign_in(client, personas["aisha.analyst"])  # sees the council's case, no changes
    assert client.get(url).status_code == 403
    sign_in(client, personas["harry.health"])  # cannot see it at all
    assert client.get(url).status_code == 404
    sign_in(client, personas["carol.coordinator"])
    marac = do_create_case(
        actor=actor_for(personas["carol.coordinator"]),
        reference="M-1",
        case_type="marac",
        title="t",
        opened_on=TODAY(),
    )
    assert client.get(f"/cases/{marac.pk}/nrm-referral/").status_code == 404


@pytest.mark.django_db
def test_decisions_through_the_pages(
    demo: dict[str, NrmReferral], carol: Client
) -> None:
    pending = demo["MS-DEMO-001"]
    url = f"/modern-slavery/referrals/{pending.pk}/reasonable-grounds/"
    assert carol.get(url).status_code == 200
    before_referral = pending.referred_on - timedelta(days=1)
    r = carol.post(
        url,
        {
            "decision": "positive",
            "version": "1",
            **_date("decided_on", before_referral),
        },
    )
    assert r.status_code == 400
    assert "on or after the date of referral" in r.content.decode()
    r = carol.post(
        url, {"decision": "positive", "version": "1", **_date("decided_on", TODAY())}
    )
    assert r.status_code == 302
    # The form again, from the version the user first saw: nothing to record now.
    r = carol.post(
        url, {"decision": "negative", "version": "1", **_date("decided_on", TODAY())}
    )
    assert r.status_code == 400 and "already recorded" in r.content.decode()
    assert 'data-testid="closed"' in carol.get(url).content.decode()

    cg = f"/modern-slavery/referrals/{pending.pk}/conclusive-grounds/"
    body = carol.get(cg).content.decode()
    assert "not before" in body
    r = carol.post(
        cg, {"decision": "positive", "version": "2", **_date("decided_on", TODAY())}
    )
    assert r.status_code == 400 and "30-day recovery period" in r.content.decode()


@pytest.mark.django_db
def test_stale_version_is_a_conflict(
    demo: dict[str, NrmReferral], carol: Client
) -> None:
    waiting = demo["MS-DEMO-002"]  # version 2 after its RG decision
    r = carol.post(
        f"/modern-slavery/referrals/{waiting.pk}/conclusive-grounds/",
        {"decision": "positive", "version": "1", **_date("decided_on", TODAY())},
    )
    assert r.status_code == 409
    assert "changed by someone else" in r.content.decode()
    assert NrmReferral.objects.get(pk=waiting.pk).conclusive_grounds == "pending"


@pytest.mark.django_db
def test_case_panel(
    demo: dict[str, NrmReferral], personas: dict[str, Any], ms_case: Case
) -> None:
    carol = actor_for(personas["carol.coordinator"])
    case = demo["MS-DEMO-002"].case
    panel = case_panel(carol, case)
    assert panel is not None and [r.id for r in panel["nrm_rows"]] == [
        demo["MS-DEMO-002"].pk
    ]
    assert panel["nrm_can_refer"]
    analyst = case_panel(actor_for(personas["aisha.analyst"]), case)
    assert analyst is not None and not analyst["nrm_can_refer"]
    assert analyst["nrm_rows"][0].case_reference is None
    marac = do_create_case(
        actor=carol, reference="M-2", case_type="marac", title="t", opened_on=TODAY()
    )
    assert case_panel(carol, marac) is None
    from django.template.loader import render_to_string

    html = render_to_string("nrm/_case_panel.html", panel)
    assert "Make an NRM referral" in html and "Awaiting" in html


@pytest.mark.django_db
def test_case_page_shows_the_panel_and_logs_each_referral_once(
    demo: dict[str, NrmReferral], carol: Client
) -> None:
    referral = demo["MS-DEMO-002"]
    before = AuditEntry.objects.count()
    r = carol.get(f"/cases/{referral.case_id}/")
    assert r.status_code == 200
    body = r.content.decode()
    assert 'data-testid="nrm-panel"' in body
    assert f"/modern-slavery/referrals/{referral.pk}/" in body
    assert f"/cases/{referral.case_id}/nrm-referral/" in body
    logged = AuditEntry.objects.filter(
        seq__gt=before, record_type="nrm_referral", record_id=str(referral.pk)
    )
    assert logged.count() == 1


@pytest.mark.browser
def test_nrm_pages_in_a_browser_are_accessible(
    live_server: Any, page: Any, personas: dict[str, Any], ms_case: Case
) -> None:
    demo_nrm.seed()
    browser_sign_in(page, live_server.url, personas["carol.coordinator"])
    page.goto(f"{live_server.url}/modern-slavery/")
    assert page.get_by_test_id("rg-overdue").count() == 1
    assert_accessible(page)
    screenshot(page, "nrm-list")

    # The overdue referral's decision arrives: record it.
    page.get_by_role("link", name="MS-DEMO-001").click()
    page.get_by_role("link", name="NRM referral").first.click()
    page.get_by_role("link", name="Record the Reasonable Grounds decision").click()
    page.wait_for_url("**/reasonable-grounds/")
    assert_accessible(page)
    page.get_by_label("Positive").check()
    page.get_by_label("Day").fill(str(TODAY().day))
    page.get_by_label("Month").fill(str(TODAY().month))
    page.get_by_label("Year").fill(str(TODAY().year))
    page.get_by_role("button", name="Save decision").click()
    assert page.get_by_text("Reasonable Grounds decision recorded").is_visible()
    assert page.get_by_text("not before").is_visible()
    screenshot(page, "nrm-rg-recorded")

    page.goto(f"{live_server.url}/cases/{ms_case.pk}/nrm-referral/")
    assert_accessible(page)
    page.get_by_role("button", name="Record referral").click()
    assert page.get_by_text("There is a problem").is_visible()
    assert_accessible(page)
    screenshot(page, "nrm-refer-errors")
    page.get_by_label("Adult").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Labour").check()
    page.get_by_label("Day").fill(str(TODAY().day))
    page.get_by_label("Month").fill(str(TODAY().month))
    page.get_by_label("Year").fill(str(TODAY().year))
    page.get_by_role("button", name="Record referral").click()
    page.wait_for_url("**/modern-slavery/referrals/**")
    assert page.get_by_text("Duty to Notify recorded").is_visible()
    assert_accessible(page)
    screenshot(page, "nrm-referral")
    page.get_by_role("link", name="MS-T-1").click()
    page.wait_for_url(f"**/cases/{ms_case.pk}/")
    assert page.get_by_test_id("nrm-panel").is_visible()
    assert_accessible(page)
    screenshot(page, "nrm-case-panel")
    # The one 400 is the form sent empty on purpose (and the browser's note of it).
    assert all("400" in p for p in page.problems), page.problems
