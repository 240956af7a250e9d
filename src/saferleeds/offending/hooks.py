"""How offending plugs into the person page, through :mod:`saferleeds.core.registry`
(registered by :meth:`OffendingConfig.ready`): a person's offences, disposals and OCG
nominations.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from saferleeds.core import registry
from saferleeds.core.registry import PersonRole
from saferleeds.offending.records import DISPOSAL, OCG_NOMINATION, OFFENCE


def person_roles(
    actor: Any, person_id: int, identified: bool
) -> tuple[list[PersonRole], list[tuple[str, int, int | None]]]:
    """The offences, disposals and OCG nominations of a person the actor may see, for
    the person page.

    References, and a group's reference and name, are withheld when the actor is not
    ``identified``.
    """
    from saferleeds.offending.access import (
        disposals_visible_to,
        ocg_nominations_visible_to,
        offences_visible_to,
    )
    from saferleeds.offending.models import Disposal, OcgNomination, Offence

    offences = list(
        offences_visible_to(actor).filter(person_id=person_id).select_related("agency")
    )
    disposals = list(
        disposals_visible_to(actor).filter(person_id=person_id).select_related("agency")
    )
    nominations = list(
        ocg_nominations_visible_to(actor)
        .filter(person_id=person_id)
        .select_related("agency", "source_agency")
    )
    rows = (
        [
            PersonRole(
                kind=OFFENCE.value,
                on=o.committed_on,
                title=f"Offence {o.offence_code}",
                agency=o.agency.name,
                roles=(Offence.Role(o.role).label,),
                reference=o.reference if identified else None,
                # Dates and outcomes, no free text: shown pseudonymised too.
                detail=(
                    f"Proven {o.proven_on:%-d %B %Y} "
                    f"({Offence.DisposalType(o.disposal_type).label.lower()})"
                    if o.proven_on
                    else "Not proven"
                ),
                status=None,
            )
            for o in offences
        ]
        + [
            PersonRole(
                kind=DISPOSAL.value,
                on=d.disposed_on,
                title=Disposal.Type(d.disposal_type).label,
                agency=d.agency.name,
                roles=(),
                reference=d.reference if identified else None,
                detail=None,
                status=None,
            )
            for d in disposals
        ]
        + [
            PersonRole(
                kind=OCG_NOMINATION.value,
                on=timezone.localdate(n.imported_at),
                title="Organised crime group nominal"
                + (f": {n.ocg_name}" if identified else ""),
                agency=n.agency.name,
                roles=(OcgNomination.GroupRole(n.group_role).label,),
                reference=n.ocg_reference if identified else None,
                detail=f"Nominated on {n.source_agency.name}'s intelligence",
                status=None,
            )
            for n in nominations
        ]
    )
    shown = (
        [(OFFENCE.value, o.pk, person_id) for o in offences]
        + [(DISPOSAL.value, d.pk, person_id) for d in disposals]
        + [(OCG_NOMINATION.value, n.pk, person_id) for n in nominations]
    )
    return rows, shown


def register() -> None:
    """Plug offending into the person page."""
    registry.register_person_roles("offending", person_roles)
