"""Load the partnership's geography into the operational database."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from saferleeds.analytics.geography import read_lsoas
from saferleeds.audit.log import record
from saferleeds.audit.models import Operation
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import CASEWORK_ROLES, Actor, Forbidden
from saferleeds.partnership import Partnership
from saferleeds.places.geometry import lsoa_code_at
from saferleeds.places.models import Area, Place


@transaction.atomic
def do_load_geography(partnership: Partnership, *, actor: object | None) -> int:
    """Create or update the district, its MSOAs, LSOAs, wards and priority neighbourhoods.

    Wards (when the partnership has a ward lookup) are the LSOAs the ONS best-fit
    lookup places in them, so they are marked approximate.

    Safe to repeat: areas are keyed on their code.

    Returns:
        The number of areas the partnership now has.
    """
    lsoas = read_lsoas(partnership)
    district, _ = Area.objects.update_or_create(
        code=partnership.district_code,
        defaults={
            "name": partnership.district_name,
            "level": Area.Level.DISTRICT,
            "population": sum(x.population or 0 for x in lsoas),
        },
    )
    msoa_pop: dict[str, int] = {}
    for x in lsoas:
        msoa_pop[x.msoa_code] = msoa_pop.get(x.msoa_code, 0) + (x.population or 0)
    msoas: dict[str, Area] = {}
    for x in lsoas:
        if x.msoa_code not in msoas:
            msoas[x.msoa_code], _ = Area.objects.update_or_create(
                code=x.msoa_code,
                defaults={
                    "name": x.msoa_name,
                    "level": Area.Level.MSOA,
                    "parent": district,
                    "population": msoa_pop[x.msoa_code],
                },
            )
    by_code: dict[str, Area] = {}
    for x in lsoas:
        by_code[x.code], _ = Area.objects.update_or_create(
            code=x.code,
            defaults={
                "name": x.name,
                "level": Area.Level.LSOA,
                "parent": msoas[x.msoa_code],
                "population": x.population,
            },
        )
    district.lsoas.set(by_code.values())
    for code, msoa in msoas.items():
        msoa.lsoas.set([by_code[x.code] for x in lsoas if x.msoa_code == code])
    for area in by_code.values():
        area.lsoas.set([area])
    wards: dict[str, list[Area]] = {}
    names: dict[str, str] = {}
    for x in lsoas:
        if x.ward_code and x.ward_name:
            wards.setdefault(x.ward_code, []).append(by_code[x.code])
            names[x.ward_code] = x.ward_name
    for code, members in wards.items():
        ward, _ = Area.objects.update_or_create(
            code=code,
            defaults={
                "name": names[code],
                "level": Area.Level.WARD,
                "parent": district,
                # Best fit: the lookup places each whole LSOA in one ward.
                "approximate": True,
                "population": sum(m.population or 0 for m in members),
            },
        )
        ward.lsoas.set(members)
    for n in partnership.priority_neighbourhoods:
        hood, _ = Area.objects.update_or_create(
            code=f"neighbourhood:{slugify(n.name)}",
            defaults={
                "name": n.name,
                "level": Area.Level.NEIGHBOURHOOD,
                "parent": district,
                "approximate": n.approximate,
                "population": sum(by_code[c].population or 0 for c in n.lsoas),
            },
        )
        hood.lsoas.set([by_code[c] for c in n.lsoas])
    return Area.objects.count()


def lsoa_at(latitude: float, longitude: float) -> Area | None:
    """The partnership LSOA containing a point, from the shipped boundaries."""
    code = lsoa_code_at(latitude, longitude)
    return Area.objects.filter(code=code).first() if code else None


@transaction.atomic
def do_create_place(
    *,
    actor: Actor,
    address: str = "",
    postcode: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Place:
    """Record an address or point for the actor's agency, tied to its LSOA."""
    if not actor.has(CASEWORK_ROLES) or actor.agency_id is None:
        raise Forbidden("only practitioners and case coordinators record places")
    lsoa = (
        lsoa_at(latitude, longitude)
        if latitude is not None and longitude is not None
        else None
    )
    place = Place.objects.create(
        owner_agency_id=actor.agency_id,
        address=address,
        postcode=postcode,
        latitude=latitude,
        longitude=longitude,
        lsoa=lsoa,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event="places.place.create",
        record_type=RecordType.PLACE,
        record_id=place.pk,
    )
    return place
