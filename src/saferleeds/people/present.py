"""How a person appears to an actor: identified, or pseudonymised for analysts."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, pseudonymised, source_agencies
from saferleeds.people.models import AgencyReference, Person, SubjectRole


def pseudonym(person_id: int) -> str:
    """A stable pseudonym for a person, keyed on the installation's secret.

    Analysts can follow a person across records without learning who they are; without
    the key the pseudonym cannot be turned back into the record id (an HMAC-SHA-256 of
    the id under a key derived from ``SECRET_KEY``, cut to 40 bits). Pseudonymised
    actors address people by pseudonym only: the numeric id is never shown to them
    (security finding 13, issue #11).
    """
    key = hashlib.sha256(
        b"saferleeds-pseudonym:" + settings.SECRET_KEY.encode()
    ).digest()
    digest = hmac.new(key, str(person_id).encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:10].upper()}"


# What a pseudonym looks like, as a JSON Schema pattern (compared in any case).
PSEUDONYM_PATTERN = r"^[Pp]-[0-9A-Fa-f]{10}$"


def person_path(actor: Actor, person_id: int) -> str:
    """The address of a person's page as this actor addresses people: by pseudonym for
    pseudonymised actors (who never see the numeric id), by id for everyone else."""
    if pseudonymised(actor):
        return reverse("people:person-by-pseudonym", args=[pseudonym(person_id)])
    return reverse("people:person", args=[person_id])


@dataclass(frozen=True)
class PersonView:
    """What one actor may see of one person (``id`` is ``None`` when pseudonymised)."""

    id: int | None
    pseudonym: str
    pseudonymised: bool
    display_name: str
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    year_of_birth: int | None
    sex: str
    postcode: str | None
    postcode_district: str | None
    references: tuple[tuple[str, str], ...]  # (agency name, reference)
    agencies: tuple[str, ...]  # agency names that hold the person
    version: int
    matched: tuple[str, ...] = ()  # why a search found them (people search only)


def shown_references(actor: Actor) -> Prefetch[AgencyReference]:
    """The prefetch that gives people read for ``actor`` the references they may see.

    Pass it to ``prefetch_related`` and then ``present_person`` reads no more: one
    query for every person listed, however many.
    """
    return Prefetch(
        "agency_refs",
        queryset=AgencyReference.objects.filter(
            agency_id__in=source_agencies(actor, RecordType.PERSON)
        )
        .select_related("agency")
        .order_by("agency__name"),
        to_attr=SHOWN_REFERENCES,
    )


SHOWN_REFERENCES = "shown_references"


def present_person(actor: Actor, person: Person) -> PersonView:
    """Render a person for an actor who has already passed the access check.

    A person read with :func:`shown_references` prefetched costs no query.
    """
    # Only the references of agencies whose person records the actor may see: listing
    # every holder would disclose, say, probation involvement that was never shared.
    prefetched = getattr(person, SHOWN_REFERENCES, None)
    if prefetched is None:
        prefetched = (
            person.agency_refs.select_related("agency")
            .filter(agency_id__in=source_agencies(actor, RecordType.PERSON))
            .order_by("agency__name")
        )
    refs = tuple((r.agency.name, r.reference) for r in prefetched)
    agencies = tuple(sorted({name for name, _ in refs}))
    district = person.postcode.split(" ")[0] if person.postcode else None
    if pseudonymised(actor):
        return PersonView(
            id=None,
            pseudonym=pseudonym(person.pk),
            pseudonymised=True,
            display_name=pseudonym(person.pk),
            given_name=None,
            family_name=None,
            date_of_birth=None,
            year_of_birth=person.date_of_birth.year if person.date_of_birth else None,
            sex=person.sex,
            postcode=None,
            postcode_district=district,
            references=(),
            agencies=agencies,
            version=person.version,
        )
    return PersonView(
        id=person.pk,
        pseudonym=pseudonym(person.pk),
        pseudonymised=False,
        display_name=f"{person.given_name} {person.family_name}",
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        year_of_birth=person.date_of_birth.year if person.date_of_birth else None,
        sex=person.sex,
        postcode=person.postcode or None,
        postcode_district=district,
        references=refs,
        agencies=agencies,
        version=person.version,
    )


def role_labels(links: Iterable[Any]) -> tuple[str, ...]:
    """The readable roles (victim, suspect...) of a person's links to a record."""
    return tuple(sorted(SubjectRole(link.role).label for link in links))
