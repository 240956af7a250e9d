"""What casework provides to the apps it builds on, through :mod:`saferleeds.core.registry`.

Registered by :meth:`SafeguardingConfig.ready`, so ``partners`` (who is on which case),
``incidents`` (open a case from a hate report) and ``people`` (the cases a person is on,
on the person page) call casework without importing it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from saferleeds.core import registry
from saferleeds.core.registry import NavItem, PersonRole
from saferleeds.partners.models import Role
from saferleeds.partners.policy import may_see_personal_data
from saferleeds.people.present import role_labels
from saferleeds.safeguarding.access import cases_visible_to
from saferleeds.safeguarding.actions import do_create_case, do_link_person_to_case
from saferleeds.safeguarding.models import Case, CaseMember, CasePerson
from saferleeds.safeguarding.records import CASE


def case_ids_of(user: Any) -> list[int]:
    """The ids of the cases ``user`` is a named member of."""
    return list(CaseMember.objects.filter(user=user).values_list("case_id", flat=True))


def register() -> None:
    """Provide casework's hooks."""
    registry.register_case_membership(case_ids_of)
    registry.register(registry.CREATE_CASE, do_create_case)
    registry.register(registry.LINK_PERSON_TO_CASE, do_link_person_to_case)
    registry.register_person_roles("safeguarding", person_roles)
    # "Casework" in the menu: its tabs are the casework pages (each module adds its
    # own); it links to the first the actor may open and shows when there is one.
    registry.register_nav_item(
        NavItem(
            CASEWORK,
            "Casework",
            None,
            order=50,
            prefixes=("/cases/", "/dash/"),
        )
    )
    registry.register_nav_item(
        NavItem(
            "cases",
            "Cases",
            "safeguarding:case_list",
            may_see_personal_data,  # the case pages' guard (views.cases._actor)
            10,
            section=CASEWORK,
            prefixes=("/cases/",),
            home_of=frozenset({Role.PRACTITIONER}),
        )
    )


CASEWORK = "casework"
"""The menu item whose tabs are the casework pages (``NavItem.section``)."""


CASE_TYPES = {
    "marac": "MARAC case",
    "hate": "Hate crime case",
    "asb": "Anti-social behaviour case",
    "modern_slavery": "Modern slavery case",
}


def case_type_label(case_type: str) -> str:
    """A readable name for a case type code."""
    return CASE_TYPES.get(case_type, f"{case_type.replace('_', ' ').capitalize()} case")


def person_roles(
    actor: Any, person_id: int, identified: bool
) -> tuple[list[PersonRole], list[tuple[str, int, int | None]]]:
    """The cases a person is on that the actor may see, for the person page."""
    cases = list(
        cases_visible_to(actor)
        .filter(people__person_id=person_id)
        .select_related("lead_agency")
        .prefetch_related(
            Prefetch(
                "people",
                queryset=CasePerson.objects.filter(person_id=person_id),
                to_attr="subject_links",
            )
        )
    )
    rows = [
        PersonRole(
            kind="case",
            on=c.opened_on,
            title=case_type_label(c.case_type),
            agency=c.lead_agency.name,
            roles=role_labels(c.subject_links),
            reference=c.reference if identified else None,
            detail=c.title if identified else None,
            status=Case.Status(c.status).label,
        )
        for c in cases
    ]
    return rows, [(CASE.value, c.pk, person_id) for c in cases]
