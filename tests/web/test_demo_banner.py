"""The demo banner names the real police.uk months it holds and how old the latest is
(issue #16 item 12), so nobody takes eight-year-old crime for this month's."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from saferleeds.web import context
from saferleeds.web.context import police_months_text


def test_months_and_age_are_phrased_for_people() -> None:
    today = date(2026, 12, 5)
    assert police_months_text([], today) == ""
    assert (
        police_months_text([date(2017, 7, 1), date(2018, 7, 1)], today)
        == "July 2017 and July 2018; the latest is 8 years old"
    )
    months = [date(2016, m, 1) for m in range(1, 13)]
    assert police_months_text(months, today) == (
        "January 2016 to December 2016 (12 months); the latest is 10 years old"
    )
    assert police_months_text([date(2026, 9, 1)], today) == (
        "September 2026; the latest is 3 months old"
    )
    assert police_months_text([date(2025, 12, 1)], today) == (
        "December 2025; the latest is 1 year old"
    )


@pytest.mark.django_db
def test_the_demo_banner_names_the_months_held(
    settings: Any, police_store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    monkeypatch.setattr(context.config, "environment", lambda: "demo")
    html = Client().get("/sign-in/").content.decode()
    start = html.index('data-testid="demo-banner"')
    banner = html[start : html.index("</span>", start)]
    assert "Real open police.uk data for July 2017 and July 2018; the latest is" in (
        banner
    )
    assert "every person in this demo is synthetic" in banner


@pytest.mark.django_db
def test_without_a_store_the_banner_keeps_its_general_sentence(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = tmp_path / "none.duckdb"
    monkeypatch.setattr(context.config, "environment", lambda: "demo")
    html = Client().get("/sign-in/").content.decode()
    assert "Real open police.uk data; every person in this demo is synthetic." in html
    assert not (tmp_path / "none.duckdb").exists()  # reading never creates a store
