"""How modern slavery (NRM) plugs into the case page, through
:mod:`saferleeds.core.registry`.

Registered by :meth:`NrmConfig.ready`: the case core reads a modern slavery case's NRM
referrals (the kind ``nrm.records`` declares with a case section) and asks this module
for their timeline entries and its panel.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from saferleeds.core import registry
from saferleeds.core.registry import CaseModule, NavItem, TimelineEvent
from saferleeds.nrm.access_pages import NrmPanel, nrm_panel
from saferleeds.partners.policy import may_see_personal_data


def timeline(section: str, records: list[Any], identified: bool) -> list[TimelineEvent]:
    """The case timeline's entries for NRM referrals."""
    if section != "nrm_referrals":
        return []
    return [
        TimelineEvent(
            r.referred_on,
            None,
            "National Referral Mechanism referral",
            r.agency.name,
            None,
        )
        for r in records
    ]


def read_panel(actor: Any, case: Any, shown: dict[str, list[Any]]) -> NrmPanel:
    """The NRM panel, shaped from the referrals the case page's reader read and logged."""
    return nrm_panel(actor, case, shown.get("nrm_referrals", []))


def render_panel(request: HttpRequest, actor: Any, page: Any, panel: NrmPanel) -> str:
    """The NRM panel's HTML on the case page."""
    from saferleeds.nrm.views import panel_context

    return render_to_string(
        "nrm/_case_panel.html",
        {"case": page.case, **panel_context(panel)},
        request=request,
    )


def register() -> None:
    """Plug modern slavery into the case page."""
    registry.register_case_module(
        CaseModule(
            label="nrm",
            case_type="modern_slavery",
            timeline=timeline,
            read_panel=read_panel,
            render_panel=render_panel,
        )
    )
    # A casework tab, shown by the rule the list refuses others with.
    registry.register_nav_item(
        NavItem(
            "nrm",
            "Modern slavery",
            "nrm:nrm_list",
            may_see_personal_data,
            50,
            section="casework",
            prefixes=("/modern-slavery/",),
        )
    )
