"""The overview page through Django's test client."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from saferleeds.demo.personas import DEMO_PASSWORD
from saferleeds.web.twofactor import enrol_totp
from tests.web.conftest import totp_code


@pytest.fixture
def store_settings(settings: Any, police_store_path: Path) -> Any:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    return settings


def test_overview_needs_sign_in(client: Client, db: None) -> None:
    r = client.get("/overview/")
    assert r.status_code == 302 and r["Location"].startswith("/sign-in/")
    assert client.get("/").status_code == 302


def test_sign_in_then_overview_shows_district_figures(
    client: Client, personas: dict[str, Any], store_settings: Any
) -> None:
    # The executive's home is the overview (an analyst's is the indicators).
    device = enrol_totp(personas["ed.executive"])
    r = client.post(
        "/sign-in/", {"username": "ed.executive", "password": DEMO_PASSWORD}
    )
    assert r.status_code == 302 and r["Location"] == "/overview/"
    r = client.get("/overview/")  # the code step comes before any page
    assert r.status_code == 302 and r["Location"].startswith("/account/two-factor/")
    r = client.post(r["Location"], {"code": totp_code(device)})
    assert r.status_code == 302 and r["Location"] == "/overview/"
    page = client.get("/overview/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Leeds (E08000035)" in html
    assert (
        'data-testid="crimes-total">16,529<' in html
    )  # 2017-07 + 2018-07 Leeds crimes
    assert html.count("<rect") >= 2 + 11  # two months of bars, eleven no-data outlines
    assert "Violence and sexual offences" in html


def test_wrong_password_shows_error(client: Client, personas: dict[str, Any]) -> None:
    r = client.post("/sign-in/", {"username": "aisha.analyst", "password": "wrong"})
    assert r.status_code == 200
    assert "There is a problem" in r.content.decode()


def test_msoa_filter_and_invalid_area(
    client: Client, personas: dict[str, Any], store_settings: Any, sign_in: Any
) -> None:
    sign_in(client, personas["pete.practitioner"])
    r = client.get("/overview/", {"msoa": "E02002402"})
    html = r.content.decode()
    assert r.status_code == 200 and "Leeds 073 (E02002402)" in html
    total = int(
        re.search(r'data-testid="crimes-total">([\d,]+)<', html)
        .group(1)
        .replace(",", "")
    )  # type: ignore[union-attr]
    assert 0 < total < 16529
    bad = client.get("/overview/", {"msoa": "<script>alert(1)</script>"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Choose an area from the list" in text and "<script>alert(1)" not in text


def test_sign_out_is_a_post(
    client: Client, personas: dict[str, Any], store_settings: Any, sign_in: Any
) -> None:
    sign_in(client, personas["ed.executive"])
    assert client.get("/overview/").status_code == 200
    assert client.post("/sign-out/").status_code == 302
    assert client.get("/overview/").status_code == 302
