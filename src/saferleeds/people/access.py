"""The only way to read people: every read passes the policy and is audited."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from django.db.models import Q, QuerySet

from saferleeds.analytics.namesearch import swapped
from saferleeds.audit.log import Consultations, record_consultations
from saferleeds.core.registry import PersonRole, person_roles_readers
from saferleeds.partners.access import fetch_visible, readers_of
from saferleeds.partners.policy import (
    Actor,
    Forbidden,
    NotFound,
    pseudonymised,
    source_agencies,
)
from saferleeds.people.models import Person
from saferleeds.people.present import (
    PersonView,
    present_person,
    pseudonym,
    shown_references,
)
from saferleeds.people.records import PERSON
from saferleeds.people.search import fuzzy_matches

# The gate's two readers of people, made from the declaration in ``people.records``.
people_visible_to, access_person_by_id = readers_of(PERSON)


def open_person_by_id(
    actor: Actor,
    person_id: int,
    *,
    event: str = "people.person.view",
    audit: bool = True,
) -> Person:
    """A person addressed by record id, as pages and the API take it from a request.

    Pseudonymised actors address people by pseudonym only (security finding 13, issue
    #11): for them an id is the same not-found as a missing record, and the gate logs
    the refusal. Everyone else: :func:`access_person_by_id`.

    Raises:
        NotFound: Missing, not visible, or addressed by id by a pseudonymised actor.
    """
    if pseudonymised(actor):
        return fetch_visible(
            actor, Person.objects.none(), PERSON, person_id, event=event
        )
    return access_person_by_id(actor, person_id, event=event, audit=audit)


def _with_pseudonym(qs: QuerySet[Person], wanted: str) -> QuerySet[Person]:
    """``qs`` narrowed to the person whose pseudonym is ``wanted`` (any case).

    Pseudonyms are keyed hashes, not stored: they are compared over ``qs``'s ids only.
    """
    wanted = wanted.strip().upper()
    return qs.filter(
        pk__in=[pk for pk in qs.values_list("pk", flat=True) if pseudonym(pk) == wanted]
    )


def access_person_by_pseudonym(
    actor: Actor,
    wanted: str,
    *,
    event: str = "people.person.view",
    audit: bool = True,
) -> Person:
    """Return the person the actor may see whose pseudonym is ``wanted``, logging the
    consultation (how pseudonymised actors open a person: security finding 13).

    Raises:
        NotFound: No person the actor may see has that pseudonym.
    """
    person = _with_pseudonym(people_visible_to(actor), wanted).first()
    if person is None:
        raise NotFound("no person with that pseudonym")
    return access_person_by_id(actor, person.pk, event=event, audit=audit)


@dataclass(frozen=True)
class PeopleQuery:
    """What a people search may ask."""

    name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    reference: str = ""
    pseudonym: str = ""

    @property
    def identifying(self) -> bool:
        """Whether the query uses identifying details (not allowed for analysts)."""
        return bool(self.name or self.date_of_birth or self.postcode or self.reference)

    @property
    def empty(self) -> bool:
        """Whether nothing was asked."""
        return not (self.identifying or self.pseudonym)


@dataclass(frozen=True)
class PeopleSearchPage:
    """What a people search shows, already as the actor may see it.

    Attributes:
        results: The people found, identified or pseudonymised as the actor's role
            requires (``PersonView.id`` is ``None`` for analysts), in name order.
        limit: The most a search returns.
        pseudonymised: Whether the actor sees pseudonyms only.
    """

    results: tuple[PersonView, ...]
    limit: int
    pseudonymised: bool

    @property
    def truncated(self) -> bool:
        """Whether there may be more matches than were returned."""
        return len(self.results) >= self.limit


SEARCH_LIMIT = 50
_RANK_CHUNK = 500  # matches checked against what the actor may see, per query
_CONTAINS_LIMIT = 2_000  # names containing the typed words, looked at per query
CONTAINS = 0.8  # the rank of a name found only by containing the typed words


def read_people_search(
    actor: Actor,
    criteria: PeopleQuery,
    *,
    limit: int = SEARCH_LIMIT,
    channel: str = "web",
) -> PeopleSearchPage:
    """Search the people the actor may see, as the people search page and API show it.

    Every person returned is logged as consulted (one ``people.person.search`` entry
    each, in one write); the references shown are only those of agencies whose person
    records the actor may see. A fixed number of queries, however many are found.

    Args:
        actor: Who is searching.
        criteria: What they asked (analysts: by pseudonym only).
        limit: The most people returned.
        channel: ``"web"`` or ``"api"``, recorded in the audit entries' detail.

    Returns:
        The page's results.

    Raises:
        Forbidden: An analyst searching by identifying details.
    """
    if pseudonymised(actor) and criteria.identifying:
        raise Forbidden("analysts search by pseudonym only")
    qs = people_visible_to(actor)
    if criteria.postcode:
        qs = qs.filter(postcode__iexact=" ".join(criteria.postcode.upper().split()))
    if criteria.reference:
        # Match only references of agencies whose records the actor may see, or a hit
        # would confirm another agency holds that reference.
        qs = qs.filter(
            agency_refs__reference__iexact=criteria.reference.strip(),
            agency_refs__agency_id__in=source_agencies(actor, PERSON),
        )
    if criteria.pseudonym:
        qs = _with_pseudonym(qs, criteria.pseudonym)
    why: dict[int, tuple[str, ...]] = {}
    if criteria.name or criteria.date_of_birth:
        scores, why = _by_name_and_birth(qs, criteria, limit)
        # Best match first; equal matches in name order, as the search always listed.
        people = sorted(
            qs.filter(pk__in=list(scores)).prefetch_related(shown_references(actor)),
            key=lambda p: (-scores[p.pk], p.family_name, p.given_name, p.pk),
        )
    else:
        people = list(
            qs.prefetch_related(shown_references(actor)).order_by(
                "family_name", "given_name", "pk"
            )[:limit]
        )
    record_consultations(
        actor,
        [
            (
                "people.person.search",
                [(PERSON, p.pk, p.pk) for p in people],
                {
                    "fields": sorted(k for k, v in vars(criteria).items() if v),
                    "channel": channel,
                },
            )
        ],
    )
    return PeopleSearchPage(
        results=tuple(
            replace(present_person(actor, p), matched=why.get(p.pk, ())) for p in people
        ),
        limit=limit,
        pseudonymised=pseudonymised(actor),
    )


def _by_name_and_birth(
    qs: QuerySet[Person], criteria: PeopleQuery, limit: int
) -> tuple[dict[int, float], dict[int, tuple[str, ...]]]:
    """The people in ``qs`` a name and birth-date search finds (the best ``limit``):
    each one's id with its score, and why each matched.

    Two ways in, merged: the tolerant matcher (:mod:`saferleeds.people.search`:
    typos, transpositions, sounds, nicknames, day and month swapped), walked best
    first and kept to the people in ``qs``; and, as before issue #16, every typed word
    contained in the given or family name (so "arsh" still finds "Marshall").
    """
    born = criteria.date_of_birth
    matches = fuzzy_matches(criteria.name, born)
    why: dict[int, tuple[str, ...]] = {m.person_id: m.reasons for m in matches}
    order = [(m.score, m.person_id) for m in matches]
    # Contained words, as before: looked up in the people table alone (no join), then
    # checked against what the actor may see with the matcher's finds, below.
    contains = Person.objects.all()
    if criteria.name:
        for word in criteria.name.split():
            contains = contains.filter(
                Q(given_name__icontains=word) | Q(family_name__icontains=word)
            )
    if born is not None:
        other = swapped(born)
        contains = contains.filter(
            Q(date_of_birth=born) | Q(date_of_birth=other)
            if other
            else Q(date_of_birth=born)
        )
    said = (
        (f"name contains {criteria.name.strip()!r}",)
        if criteria.name
        else ("date of birth",)
    )
    for pk in contains.order_by("family_name", "given_name", "pk").values_list(
        "pk", flat=True
    )[:_CONTAINS_LIMIT]:
        if pk not in why:
            order.append((CONTAINS, pk))
            why[pk] = said
    order.sort(key=lambda t: -t[0])  # stable: the matcher's order within a score
    scores: dict[int, float] = {}
    for start in range(0, len(order), _RANK_CHUNK):
        chunk = order[start : start + _RANK_CHUNK]
        seen = set(
            qs.filter(pk__in=[pk for _, pk in chunk]).values_list("pk", flat=True)
        )
        for score, pk in chunk:
            if pk in seen and len(scores) < limit:
                scores[pk] = score
        if len(scores) >= limit:
            break
    return scores, why


def search_people(
    actor: Actor, query: PeopleQuery, *, limit: int = SEARCH_LIMIT
) -> list[PersonView]:
    """Search the people the actor may see; every returned person is audited.

    The results of :func:`read_people_search`, for pages that list them in a form of
    their own (the hate triage's person picker).

    Raises:
        Forbidden: An analyst searching by identifying details.
    """
    return list(read_people_search(actor, query, limit=limit).results)


def read_person_roles(
    actor: Actor, person: Person, *, opened: str | None = None
) -> list[PersonRole]:
    """The records the actor may see that ``person`` is on, newest first, each logged
    in one write (``people.person.roles``).

    Each app that holds such records (incidents, cases...) lists its own through a
    reader it registers with ``core.registry.register_person_roles``: the people app
    builds on none of them.

    Args:
        actor: Who is looking.
        person: A person the actor may see (opened through the gate).
        opened: The event of opening the person itself, when the caller opened it
            without logging (``audit=False``): logged first in the same write, so a
            person page is one audit transaction, not two.
    """
    identified = not pseudonymised(actor)
    rows: list[PersonRole] = []
    shown: list[tuple[str, int, int | None]] = []
    for reader in person_roles_readers():
        found, audited = reader(actor, person.pk, identified)
        rows += found
        shown += audited
    batches: list[Consultations] = []
    if opened is not None:
        batches.append((opened, [(PERSON, person.pk, person.pk)], {}))
    batches.append(("people.person.roles", shown, {"via": "people.person.view"}))
    record_consultations(actor, batches)
    return sorted(rows, key=lambda r: (r.on, r.kind), reverse=True)
