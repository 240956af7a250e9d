"""The access matrix: the rules written out independently of the policy code, and a world
of records held by every agency to test them against. Shared by the access-layer test and
the page and API tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.incidents.actions import do_create_incident
from saferleeds.partners.actions import do_create_agreement, do_ensure_user
from saferleeds.partners.models import Agency, RecordType, Role
from saferleeds.partners.policy import Actor, actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.places.actions import do_create_place
from saferleeds.safeguarding.actions import do_add_case_note, do_create_case

RECORD_TYPES = ("person", "incident", "place", "case", "case_note")
HOLDERS = ("lcc", "wyp", "wyfrs", "nps", "ccg")
STATES = ("none", "in_force", "expired")

IDENTIFIED = "identified"
PSEUDONYMISED = "pseudonymised"
DENIED = "denied"


def expected(roles: set[str], own: bool, state: str, member: bool = False) -> str:
    """What a user with ``roles`` sees of one record, by the written rules.

    Args:
        roles: The user's roles.
        own: The record is held by the user's own agency.
        state: Whether an agreement sharing the record type from the holder to the
            user's agency is absent, in force, or expired.
        member: The user is a member of the case the record belongs to.
    """
    casework = bool(roles & {Role.PRACTITIONER, Role.CASE_COORDINATOR})
    analyst = Role.ANALYST in roles
    ig = Role.IG_LEAD in roles
    if casework:
        return IDENTIFIED if own or state == "in_force" or member else DENIED
    if analyst:
        return PSEUDONYMISED if own or state == "in_force" else DENIED
    if ig:
        return IDENTIFIED if own else DENIED
    return DENIED  # executive, agency administrator, system administrator


@dataclass
class World:
    """Records of every type held by every agency in HOLDERS, and a sharing agreement."""

    records: dict[tuple[str, str], int]  # (holder agency code, record type) -> id
    makers: dict[str, User]


def build_world(state: str) -> World:
    """Create one record of each type per holder agency, and the agreement for ``state``."""
    agencies = {a.code: a for a in Agency.objects.all()}
    records: dict[tuple[str, str], int] = {}
    makers: dict[str, User] = {}
    for code in HOLDERS:
        user = do_ensure_user(
            f"maker.{code}",
            agency=agencies[code],
            roles=[Role.PRACTITIONER],
            password=None,
            actor=None,
        )
        makers[code] = user
        maker = actor_for(user)
        person = do_create_person(
            actor=maker,
            reference=f"{code.upper()}-1",
            given_name=f"Given{code}",
            family_name=f"Family{code}",
            date_of_birth=date(1980, 5, 17),
            postcode="LS9 7AB",
        )
        place = do_create_place(
            actor=maker,
            address=f"1 {code} Street",
            postcode="LS9 7AB",
            latitude=53.80,
            longitude=-1.52,
        )
        incident = do_create_incident(
            actor=maker,
            reference=f"{code.upper()}-I1",
            category="crime",
            occurred_on=date(2018, 7, 1),
            place=place,
        )
        case = do_create_case(
            actor=maker,
            reference=f"{code.upper()}-C1",
            case_type="marac",
            title=f"Case of {code}",
            opened_on=date(2018, 7, 2),
        )
        note = do_add_case_note(case.pk, actor=maker, kind="fact", text=f"note {code}")
        records.update(
            {
                (code, "person"): person.pk,
                (code, "place"): place.pk,
                (code, "incident"): incident.pk,
                (code, "case"): case.pk,
                (code, "case_note"): note.pk,
            }
        )
    if state != "none":
        today = timezone.localdate()
        ends = (
            today + timedelta(days=365)
            if state == "in_force"
            else today - timedelta(days=1)
        )
        everyone = list(agencies.values())
        do_create_agreement(
            actor=None,
            reference=f"matrix-{state}",
            providers=everyone,
            recipients=everyone,
            title="Matrix agreement",
            purpose="testing",
            lawful_basis="s115 CDA 1998",
            record_types=[r.value for r in RecordType],
            starts_on=today - timedelta(days=400),
            ends_on=ends,
            signed_by="test",
            signed_on=today - timedelta(days=400),
        )
    return World(records, makers)


def actor_roles(actor: Actor) -> set[str]:
    """The actor's roles as plain strings."""
    return set(actor.roles)


def role_set(user: Any) -> set[str]:
    """A user's roles as plain strings."""
    return set(user.role_grants.values_list("role", flat=True))
