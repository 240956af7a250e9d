"""The Joint Strategic Assessment in the browser (issue #15 item 1): choose a year,
build, view the HTML and download the PDF; who may open it; not audited (aggregate)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from saferleeds.analytics.geography import load_geography
from saferleeds.analytics.jsa import build_assessment, parse_year
from saferleeds.analytics.jsa_html import render_html
from saferleeds.analytics.partner_extract import load_partner_extract
from saferleeds.analytics.store import open_store
from saferleeds.audit.models import AuditEntry
from saferleeds.demo.generator import generate
from saferleeds.governance.actions import do_load_plan
from saferleeds.importers.police import import_police
from saferleeds.partnership import current
from tests.conftest import SHIPPED_POLICE
from tests.partners.matrix import may_open_assessment, role_set

pytestmark = pytest.mark.django_db

YEAR = "2017/18"  # the synthetic partner extracts cover 2017-01 to 2018-12
PAGES = ("/plan/jsa/", f"/plan/jsa/document.html?year={YEAR}")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Police.uk July 2017 and July 2018 with synthetic partner extracts, as the demo."""
    d = tmp_path_factory.mktemp("assessment")
    generate(d / "synthetic", seed=5, scale=0.2)
    path = d / "analytics.duckdb"
    with open_store(path) as s:
        load_geography(s, current())
        import_police(s, [SHIPPED_POLICE])
        load_partner_extract(s, d / "synthetic")
    return path


@pytest.fixture
def store(settings: Any, demo_store: Path) -> Path:
    settings.SAFERLEEDS_ANALYTICS_PATH = demo_store
    return demo_store


def test_every_persona_gets_the_matrix_answer(
    personas: dict[str, Any], sign_in: Any, store: Path
) -> None:
    seen = set()
    for username, user in personas.items():
        client = sign_in(Client(), user)
        allowed = may_open_assessment(role_set(user))
        seen.add(allowed)
        for url in PAGES:
            status = client.get(url).status_code
            assert status == (200 if allowed else 403), (username, url, status)
        plan = client.get("/plan/")
        if plan.status_code == 200:
            link = "/plan/jsa/" in plan.content.decode()
            assert link == allowed, username
    assert seen == {True, False}
    anonymous = Client().get("/plan/jsa/")
    assert anonymous.status_code == 302 and "/sign-in/" in anonymous["Location"]


def test_build_view_and_download(
    personas: dict[str, Any], sign_in: Any, store: Path
) -> None:
    client = sign_in(Client(), personas["aisha.analyst"])
    audited = AuditEntry.objects.count()
    page = client.get("/plan/jsa/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<option value="2018/19"' in html and '<option value="2017/18"' in html
    built = client.get("/plan/jsa/", {"year": YEAR})
    text = built.content.decode()
    assert built.status_code == 200 and 'data-testid="assessment-built"' in text
    assert "FY 2017/18 compared with FY 2016/17" in text
    assert f"document.pdf?year={YEAR.replace('/', '%2F')}" in text
    doc = client.get("/plan/jsa/document.html", {"year": YEAR})
    assert doc["Content-Type"].startswith("text/html")
    # The page's document is the CLI's: the same builder and renderer, byte for byte.
    with open_store(store, read_only=True) as s:
        expected = render_html(build_assessment(s, parse_year(YEAR)))
    assert doc.content.decode() == expected
    assert 'id="harm"' in expected and "Crime Severity Score" in expected
    pdf = client.get("/plan/jsa/document.pdf", {"year": YEAR})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="jsa-2017-18.pdf"'
    assert pdf.content.startswith(b"%PDF")
    assert AuditEntry.objects.count() == audited  # aggregate figures: nothing audited


def test_bad_requests_are_said_plainly(
    personas: dict[str, Any], sign_in: Any, store: Path
) -> None:
    client = sign_in(Client(), personas["ed.executive"])
    r = client.get("/plan/jsa/", {"year": "July"})
    assert r.status_code == 400 and "financial year like 2017/18" in r.content.decode()
    r = client.get("/plan/jsa/", {"year": "2018/19", "compare": "2015/16"})
    assert r.status_code == 400 and "compare with the year before" in r.content.decode()
    r = client.get("/plan/jsa/", {"year": "2020/21"})
    assert r.status_code == 400 and "no data held" in r.content.decode()
    r = client.get("/plan/jsa/document.pdf")
    assert r.status_code == 400


@pytest.mark.browser
def test_build_and_download_in_the_browser(
    live_server: Any,
    page: Any,
    personas: dict[str, Any],
    store: Path,
    tmp_path: Path,
) -> None:
    from tests.web.axe import assert_accessible
    from tests.web.conftest import browser_sign_in, screenshot

    do_load_plan(actor=None)
    browser_sign_in(page, live_server.url, personas["aisha.analyst"])
    page.goto(f"{live_server.url}/plan/")
    page.get_by_role("link", name="Joint Strategic Assessment: build").click()
    page.wait_for_url("**/plan/jsa/")
    assert_accessible(page)
    page.get_by_label("Year to assess (April to March)").select_option(YEAR)
    page.get_by_role("button", name="Build the assessment").click()
    assert page.get_by_test_id("assessment-built").is_visible()
    assert_accessible(page)
    screenshot(page, "jsa-built")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the assessment (PDF)").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "jsa-2017-18.pdf" and saved.read_bytes().startswith(b"%PDF")
    assert page.problems == []
