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
from saferleeds.core.registry import CaseModule, NavItem, TimelineEvent
from saferleeds.marac.access_pages import (
    MaracCasePanel,
    case_page_panel,
    may_read_figures,
    may_use_marac,
)
from saferleeds.partners.models import Role
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
    # Casework tabs, shown by the rules the pages refuse others with; the MARAC
    # coordinator lands on MARAC after signing in.
    registry.register_nav_item(
        NavItem(
            "marac",
            "MARAC",
            "marac:marac-home",
            may_use_marac,
            20,
            section="casework",
            prefixes=("/marac/", "/dash/"),
            home_of=frozenset({Role.CASE_COORDINATOR}),
        )
    )
    registry.register_nav_item(
        NavItem(
            "marac_figures",
            "MARAC figures",
            "marac:marac-figures",
            may_read_figures,
            25,
            section="casework",
        )
    )
