"""How ASB plugs into the case page, through :mod:`saferleeds.core.registry`.

Registered by :meth:`AsbConfig.ready`: the case core reads an ASB case's complaints,
risk assessments, interventions and Case Reviews (the kinds ``asb.records`` declares
with a case section) and asks this module for their timeline entries and its panel.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from saferleeds.asb.access_pages import (
    AsbPanel,
    asb_panel,
    may_read_statistics,
    may_use_asb,
)
from saferleeds.core import registry
from saferleeds.core.registry import CaseModule, NavItem, TimelineEvent
from saferleeds.safeguarding.models import RiskLevel


def timeline(section: str, records: list[Any], identified: bool) -> list[TimelineEvent]:
    """The case timeline's entries for one kind of ASB record."""
    E = TimelineEvent
    if section == "asb_complaints":
        return [
            E(
                c.reported_on,
                None,
                "ASB complaint made",
                c.agency.name,
                c.description if identified else None,
            )
            for c in records
        ]
    if section == "asb_assessments":
        return [
            E(
                a.assessed_on,
                None,
                f"ASB risk assessment: {RiskLevel(a.risk_level).label.lower()} risk "
                f"(score {a.score})",
                a.agency.name,
                None,
            )
            for a in records
        ]
    if section == "asb_interventions":
        return [
            E(
                v.issued_on,
                None,
                f"ASB intervention: {v.get_kind_display()}",
                v.agency.name,
                None,
            )
            for v in records
        ]
    if section == "asb_case_reviews":
        return [
            E(
                r.received_on,
                None,
                "ASB Case Review application received",
                r.agency.name,
                f"Reference {r.reference}" if identified else None,
            )
            for r in records
        ]
    return []


def read_panel(actor: Any, case: Any, shown: dict[str, list[Any]]) -> AsbPanel:
    """The ASB panel, shaped from the records the case page's reader read and logged."""
    return asb_panel(
        actor,
        case,
        complaints=shown.get("asb_complaints", []),
        assessments=shown.get("asb_assessments", []),
        interventions=shown.get("asb_interventions", []),
        reviews=shown.get("asb_case_reviews", []),
    )


def render_panel(request: HttpRequest, actor: Any, page: Any, panel: AsbPanel) -> str:
    """The ASB panel's HTML on the case page."""
    from saferleeds.asb.views import panel_context

    return render_to_string(
        "asb/_case_panel.html",
        {"case": page.case, **panel_context(panel)},
        request=request,
    )


def register() -> None:
    """Plug ASB into the case page."""
    registry.register_case_module(
        CaseModule(
            label="asb",
            case_type="asb",
            timeline=timeline,
            read_panel=read_panel,
            render_panel=render_panel,
        )
    )
    # Casework tabs, shown by the rules the pages refuse others with.
    registry.register_nav_item(
        NavItem(
            "asb",
            "ASB",
            "asb:asb_home",
            may_use_asb,
            40,
            section="casework",
            prefixes=("/asb/",),
        )
    )
    registry.register_nav_item(
        NavItem(
            "asb_statistics",
            "ASB statistics",
            "asb:asb_statistics",
            may_read_statistics,
            45,
            section="casework",
        )
    )
