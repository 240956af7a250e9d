"""The single place that decides who may see and change which personal-data record.

A decision rests on four things only: the user's agency, the user's roles, the sharing
agreements in force today, and the user's membership of the case a record belongs to.
Each condition sits on its own line so tests can show every branch is exercised.

An agreement is in force only between its first and last days and once every party has
signed it; for record types that belong to cases it shares only the records of cases
of its case types (and such records held outside any case).

Roles:
- practitioner, case coordinator: identified records their agency holds, records other
  agencies share with it under an agreement in force, and records of cases they belong to.
- analyst: the same records, pseudonymised (no names, references or full dates of birth).
- information-governance lead: identified records their agency holds, their audit trail,
  and subject-access bundles; nothing shared in from other agencies.
- executive member, agency administrator, system administrator: no personal records.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

# Defined in core (the audit log needs them and knows no app), re-exported from here.
from saferleeds.core.actor import Actor as Actor
from saferleeds.core.actor import Forbidden as Forbidden
from saferleeds.core.actor import NotFound as NotFound
from saferleeds.core.records import RecordKind, kind
from saferleeds.core.registry import case_ids_of
from saferleeds.partners.models import Membership, RecordType, Role, SharingAgreement

CASEWORK_ROLES = frozenset({Role.PRACTITIONER, Role.CASE_COORDINATOR})
PSEUDONYMISED_ROLES = frozenset({Role.ANALYST})
IG_ROLES = frozenset({Role.IG_LEAD})


def actor_for(
    user: AbstractBaseUser | AnonymousUser, *, purpose: str = "", remote_addr: str = ""
) -> Actor:
    """Build the actor for a signed-in user (case memberships included)."""
    if not user.is_authenticated:
        return Actor(None, "", None, "", frozenset(), purpose, remote_addr)
    membership = Membership.objects.select_related("agency").filter(user=user).first()
    # Keep it on the user, so the page header's "Signed in as ..., agency" reads none.
    Membership._meta.get_field("user").remote_field.set_cached_value(user, membership)
    roles = frozenset(user.role_grants.values_list("role", flat=True))  # type: ignore[attr-defined]
    # Kept on the user too, so the page's menu (web.context.nav_actor) reads none.
    user._saferleeds_roles = roles
    return Actor(
        user_id=user.pk,
        username=user.get_username(),
        agency_id=membership.agency_id if membership else None,
        agency_code=membership.agency.code if membership else "",
        roles=roles,
        purpose=purpose,
        remote_addr=remote_addr,
        # Casework (safeguarding) builds on partners, so it tells us through a hook.
        case_ids=case_ids_of(user),
    )


def request_actor(request: HttpRequest, purpose: str) -> Actor:
    """The actor for this request; ``purpose`` is what the audit log records as why."""
    return actor_for(
        request.user, purpose=purpose, remote_addr=request.META.get("REMOTE_ADDR", "")
    )


# Bumped whenever an agreement or a signature changes in this process, so an actor's
# remembered access is recomputed after a change made in the same request or test. An
# actor lives for one request, so a change made by another process applies from the
# next request, as before.
_generation = 0


def agreements_changed() -> None:
    """Forget every actor's remembered access (call after changing an agreement)."""
    global _generation
    _generation += 1


def agreements_in_force(on: date | None = None) -> list[SharingAgreement]:
    """Agreements in force on a day (today by default), with their parties.

    An agreement binds only once every party has signed it and until its last day;
    a draft abandoned before that never binds.
    """
    day = on or timezone.localdate()
    candidates = SharingAgreement.objects.filter(
        starts_on__lte=day, ends_on__gte=day, withdrawn_on__isnull=True
    ).prefetch_related("providers", "recipients", "signatures")
    return [a for a in candidates if a.fully_signed()]


# Every case type: what a record's own agency sees of its own cases.
ALL_CASE_TYPES = None


def source_scopes(
    actor: Actor, record_type: RecordKind, on: date | None = None
) -> dict[int, frozenset[str] | None]:
    """Agencies whose records of this type the actor's agency may see, each with the
    case types it may see them in (``None``: any case, its own agency's records).

    For a record type that belongs to cases, an agreement shares only the records of
    cases of its case types (and records of the type held outside any case).
    """
    if actor.agency_id is None:
        return {}
    if on is None:
        remembered = actor._scopes.get(record_type.value)
        if remembered is not None and remembered[0] == _generation:
            return remembered[1]
        generation = _generation
        # One read of the agreements decides every record type for this actor: a page
        # showing records of many types reads them once, not once per type.
        in_force = None if _own_agency_only(actor) else agreements_in_force(None)
        for each in RecordType:
            actor._scopes[each.value] = (
                generation,
                _source_scopes(actor, each, None, in_force),
            )
        return actor._scopes[record_type.value][1]
    return _source_scopes(actor, record_type, on)


def _own_agency_only(actor: Actor) -> bool:
    """Whether the actor answers for their own agency's records only (IG leads)."""
    return actor.has(IG_ROLES) and not actor.has(CASEWORK_ROLES | PSEUDONYMISED_ROLES)


def _source_scopes(
    actor: Actor,
    record_type: RecordKind,
    on: date | None,
    in_force: list[SharingAgreement] | None = None,
) -> dict[int, frozenset[str] | None]:
    assert actor.agency_id is not None
    scopes: dict[int, frozenset[str] | None] = {actor.agency_id: ALL_CASE_TYPES}
    if _own_agency_only(actor):
        return scopes  # IG leads answer for their own agency's records only
    scoped = kind(record_type).case_scoped
    for agreement in agreements_in_force(on) if in_force is None else in_force:
        if record_type.value not in agreement.record_types:
            continue
        if actor.agency_id not in {a.id for a in agreement.recipients.all()}:
            continue
        types = frozenset(agreement.case_types or ()) if scoped else ALL_CASE_TYPES
        for provider in agreement.providers.all():
            if provider.id not in scopes:
                scopes[provider.id] = types
                continue
            held = scopes[provider.id]
            if held is not ALL_CASE_TYPES:
                scopes[provider.id] = ALL_CASE_TYPES if types is None else held | types
    return scopes


def source_agencies(
    actor: Actor, record_type: RecordKind, on: date | None = None
) -> set[int]:
    """Agencies some of whose records of this type the actor's agency may see today."""
    return set(source_scopes(actor, record_type, on))


def may_see_personal_data(actor: Actor) -> bool:
    """Whether the actor's roles allow any personal record at all."""
    return actor.has(CASEWORK_ROLES | PSEUDONYMISED_ROLES | IG_ROLES)


def pseudonymised(actor: Actor) -> bool:
    """Whether the actor sees pseudonyms instead of identities."""
    return actor.has(PSEUDONYMISED_ROLES) and not actor.has(CASEWORK_ROLES | IG_ROLES)


def visible(
    actor: Actor,
    record_type: RecordKind,
    *,
    holder: str,
    case_path: str | None = None,
    on: date | None = None,
) -> Q:
    """A filter selecting the records of one type the actor may see.

    Args:
        actor: Who is asking.
        record_type: The records' type.
        holder: Lookup to the id of the agency (or agencies) holding the record.
        case_path: Lookup to the id of the case(s) the record belongs to, if any.
        on: The day whose agreements apply (today by default).
    """
    if not may_see_personal_data(actor):
        return Q(pk__in=[])
    scopes = source_scopes(actor, record_type, on)
    whole = [agency for agency, types in scopes.items() if types is ALL_CASE_TYPES]
    q = Q(**{f"{holder}__in": whole})
    by_types: dict[frozenset[str], list[int]] = {}
    for agency, types in scopes.items():
        if types is not ALL_CASE_TYPES:
            by_types.setdefault(types, []).append(agency)
    for types, agencies in by_types.items():
        # Shared only in cases of the agreement's types, or outside any case.
        if case_path == "id":
            in_scope = Q(case_type__in=sorted(types))
        elif case_path:
            in_scope = Q(**{f"{case_path}__isnull": True}) | Q(
                **{f"{case_path}__case_type__in": sorted(types)}
            )
        else:
            in_scope = Q()
        q |= Q(**{f"{holder}__in": agencies}) & in_scope
    if case_path and actor.has(CASEWORK_ROLES) and actor.case_ids:
        q |= Q(**{f"{case_path}__in": actor.case_ids})
    return q


def may_change(
    actor: Actor, holder_agency_ids: set[int], case_ids: set[int] = frozenset()
) -> bool:  # type: ignore[assignment]
    """Whether the actor may change a record held by these agencies / in these cases."""
    if not actor.has(CASEWORK_ROLES):
        return False
    if actor.agency_id in holder_agency_ids:
        return True
    return bool(case_ids & actor.case_ids)


# --- Which roles may open a record type at all (security finding 3, issue #11) ---------

# Which roles may open a kind at all is part of its declaration (``opening_roles``):
# kinds that leave it ``None`` are open to every role that may see personal data, as
# the agreements decide.
NOT_OPENED_BY_ROLE = (
    "These records are for practitioners and case coordinators. Ask your agency "
    "administrator if you need them for your work."
)


def may_open(actor: Actor, record_type: RecordKind | str) -> bool:
    """Whether the actor's roles let them open records of this type at all.

    The one rule pages and API follow for a record type some roles may never open
    (its declared ``opening_roles``): a role it leaves out is refused outright, for every record of
    the type, existing or not (403), before any agreement is looked at. Whether one
    record is visible is then ``visible``'s question (404 when not).

    The information-governance lead's subject-access export is a separate disclosure
    path (``infogov.subject_access``): it is not "opening" a record for casework, is
    logged as a disclosure to the data subject, and reads only what ``visible`` gives
    the lead of their own agency's records.
    """
    roles = kind(record_type).opening_roles
    if roles is None:
        return may_see_personal_data(actor)
    return actor.has(roles)


def require_open(actor: Actor, record_type: RecordKind | str) -> None:
    """Refuse (``Forbidden``, a 403) an actor whose roles may never open this type."""
    if not may_open(actor, record_type):
        raise Forbidden(NOT_OPENED_BY_ROLE)
