"""How MARAC plugs into the case page, through :mod:`saferleeds.core.registry`.

Registered by :meth:`MaracConfig.ready`: the case core reads a MARAC case's Dash
checklists and referrals (the kinds ``marac.records`` declares with a case section) and
asks this module for their timeline entries and its panel.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from saferleeds.core import registry
from saferleeds.core.registry import CaseModule, TimelineEvent
from saferleeds.marac.access_pages import MaracCasePanel, case_page_panel
from saferleeds.safeguarding.models import RiskLevel


def timeline(section: str, records: list[Any], identified: bool) -> list[TimelineEvent]:
    """The case timeline's entries for Dash checklists and MARAC referrals."""
    if section == "dash":
        return [
            TimelineEvent(
                d.assessed_on,
                None,
                f"Dash risk assessment: {RiskLevel(d.risk_level).label.lower()} risk "
                f"({d.yes_count} yes)",
                d.agency.name,
                None,
            )
            for d in records
        ]
    if section == "marac_referrals":
        return [
            TimelineEvent(
                r.referred_on,
                None,
                "Referred to MARAC" + (" (repeat)" if r.is_repeat else ""),
                r.referring_agency.name,
                None,
            )
            for r in records
        ]
    return []


def render_panel(
    request: HttpRequest, actor: Any, page: Any, panel: MaracCasePanel
) -> str:
    """The MARAC panel's HTML on the case page."""
    from saferleeds.marac.views import panel_context

    return render_to_string(
        "marac/_case_panel.html", panel_context(panel), request=request
    )


def register() -> None:
    """Plug MARAC into the case page."""
    registry.register_case_module(
        CaseModule(
            label="marac",
            case_type="marac",
            timeline=timeline,
            read_panel=case_page_panel,
            render_panel=render_panel,
        )
    )
