"""How hate crime plugs into the case page, through :mod:`saferleeds.core.registry`.

Registered by :meth:`HateConfig.ready`: the case core reads a hate case's reports (the
kind ``hate.records`` declares with a case section) and asks for their timeline entries;
the Administration pages (partners) show the reporting-centre section.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from saferleeds.core import registry
from saferleeds.core.registry import AdminSection, CaseModule, NavItem, TimelineEvent
from saferleeds.hate.access_pages import may_triage
from saferleeds.hate.actions import may_report_for_centre
from saferleeds.partners.models import Role


def _local(dt: datetime) -> tuple[date, datetime]:
    at = timezone.localtime(dt)
    return at.date(), at


def timeline(section: str, records: list[Any], identified: bool) -> list[TimelineEvent]:
    """The case timeline's entries for hate reports."""
    if section != "hate_reports":
        return []
    events = []
    for h in records:
        on, at = _local(h.received_at)
        events.append(
            TimelineEvent(
                on,
                at,
                "Hate incident reported",
                h.agency.name if h.agency else "",
                f"Reference {h.reference}" if identified else None,
            )
        )
    return events


def register() -> None:
    """Plug hate reports into the case page of hate cases."""
    registry.register_case_module(CaseModule("hate", "hate", timeline=timeline))
    # The triage queue among the casework tabs; the reporting centres' own page in the
    # menu (centre staff land there). Each shown by the rule its pages refuse with.
    registry.register_nav_item(
        NavItem(
            "hate",
            "Hate reports",
            "hate:queue",
            may_triage,
            30,
            section="casework",
            prefixes=("/hate-reports/",),
        )
    )
    registry.register_nav_item(
        NavItem(
            "hate_centre",
            "Report for a victim",
            "hate:centre",
            may_report_for_centre,
            55,
            prefixes=("/hate-reports/centre/",),
            home_of=frozenset({Role.REPORTING_CENTRE}),
        )
    )
    registry.register_admin_section(
        AdminSection(
            key="centres",
            title="Reporting centres",
            url_name="administration:centres",
            urlpatterns=_centre_pages,
            description="Third-party hate incident reporting centres whose staff "
            "report for victims, and their staff accounts.",
        )
    )


def _centre_pages() -> list[Any]:
    from saferleeds.hate.admin_views import urlpatterns

    return urlpatterns()
