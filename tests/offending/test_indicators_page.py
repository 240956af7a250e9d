"""The indicators page's re-offending card: the latest complete cohort's proven
re-offending rate with its 95% interval once the workspace holds offences and
disposals, "No data" before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.offending.queries import latest_complete_reoffending


def _card(html: str) -> str:
    start = html.index(">Re-Offending</a>")
    return html[start : html.index("</li>", start)]


@pytest.mark.django_db
def test_the_card_says_no_data_without_offender_records(
    client: Client,
    personas: dict[str, Any],
    sign_in: Any,
    settings: Any,
    police_store_path: Path,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    sign_in(client, personas["ed.executive"])
    card = _card(client.get("/indicators/", {"period": "2018-07"}).content.decode())
    assert "No data" in card and "reoffending-cohort" not in card


@pytest.mark.django_db
def test_the_card_shows_the_latest_complete_cohort(
    client: Client,
    imported: Any,
    personas: dict[str, Any],
    sign_in: Any,
    settings: Any,
    police_store_path: Path,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    sign_in(client, personas["ed.executive"])
    figures = latest_complete_reoffending(timezone.localdate())
    assert figures is not None
    r = client.get("/indicators/", {"period": "2018-07"})
    assert r.status_code == 200
    card = _card(r.content.decode())
    assert f">{100 * figures.binary_rate:.1f}%<" in card
    assert f"95% CI {100 * figures.ci_low:.1f} to {100 * figures.ci_high:.1f}" in card
    assert f"Cohort {figures.cohort}: {figures.reoffenders} of {figures.offenders}" in (
        card
    )
    # An area's card says no data: the figure is the whole partnership's.
    area = client.get("/indicators/", {"period": "2018-07", "area": "E02002402"})
    assert area.status_code == 200
    assert "reoffending-cohort" not in _card(area.content.decode())
