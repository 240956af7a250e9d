"""The single place that decides who may see and change which personal-data record.

A decision rests on four things only: the user's agency, the user's roles, the sharing
agreements in force today, and the user's membership of the case a record belongs to.
Each condition sits on its own line so tests can show every branch is exercised.

Roles:
- practitioner, case coordinator: identified records their agency holds, records other
  agencies share with it under an agreement in force, and records of cases they belong to.
- analyst: the same records, pseudonymised (no names, references or full dates of birth).
- information-governance lead: identified records their agency holds, their audit trail,
  and subject-access bundles; nothing shared in from other agencies.
- executive member, agency administrator, system administrator: no personal records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q
from django.utils import timezone

from saferleeds.partners.models import Membership, RecordType, Role, SharingAgreement

CASEWORK_ROLES = frozenset({Role.PRACTITIONER, Role.CASE_COORDINATOR})
PSEUDONYMISED_ROLES = frozenset({Role.ANALYST})
IG_ROLES = frozenset({Role.IG_LEAD})


class NotFound(Exception):
    """A record is missing or the actor may not see it: the same answer for both.

    Attributes:
        refusal: For a record that exists but was refused, the audit entry's details,
            so an action whose transaction rolls back can log the refusal again.
    """

    refusal: dict[str, object] | None = None


class Forbidden(Exception):
    """The actor may see the record but not do this to it."""


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the access rules and the audit log see them."""

    user_id: int | None
    username: str
    agency_id: int | None
    agency_code: str
    roles: frozenset[str]
    purpose: str = ""
    remote_addr: str = ""
    case_ids: frozenset[int] = field(default_factory=frozenset)

    def has(self, roles: frozenset[Role]) -> bool:
        """Whether the actor holds any of ``roles``."""
        return bool(self.roles & {r.value for r in roles})


def actor_for(
    user: AbstractBaseUser | AnonymousUser, *, purpose: str = "", remote_addr: str = ""
) -> Actor:
    """Build the actor for a signed-in user (case memberships included)."""
    if not user.is_authenticated:
        return Actor(None, "", None, "", frozenset(), purpose, remote_addr)
    membership = Membership.objects.select_related("agency").filter(user=user).first()
    from saferleeds.safeguarding.models import CaseMember

    return Actor(
        user_id=user.pk,
        username=user.get_username(),
        agency_id=membership.agency_id if membership else None,
        agency_code=membership.agency.code if membership else "",
        roles=frozenset(user.role_grants.values_list("role", flat=True)),  # type: ignore[attr-defined]
        purpose=purpose,
        remote_addr=remote_addr,
        case_ids=frozenset(
            CaseMember.objects.filter(user=user).values_list("case_id", flat=True)
        ),
    )


def agreements_in_force(on: date | None = None) -> list[SharingAgreement]:
    """Agreements in force on a day (today by default), with their parties."""
    day = on or timezone.localdate()
    return list(
        SharingAgreement.objects.filter(
            starts_on__lte=day, ends_on__gte=day
        ).prefetch_related("providers", "recipients")
    )


def source_agencies(
    actor: Actor, record_type: RecordType, on: date | None = None
) -> set[int]:
    """Agencies whose records of this type the actor's agency may see today."""
    if actor.agency_id is None:
        return set()
    sources = {actor.agency_id}
    if actor.has(IG_ROLES) and not actor.has(CASEWORK_ROLES | PSEUDONYMISED_ROLES):
        return sources  # IG leads answer for their own agency's records only
    for agreement in agreements_in_force(on):
        if record_type.value not in agreement.record_types:
            continue
        if actor.agency_id not in {a.id for a in agreement.recipients.all()}:
            continue
        sources |= {a.id for a in agreement.providers.all()}
    return sources


def may_see_personal_data(actor: Actor) -> bool:
    """Whether the actor's roles allow any personal record at all."""
    return actor.has(CASEWORK_ROLES | PSEUDONYMISED_ROLES | IG_ROLES)


def pseudonymised(actor: Actor) -> bool:
    """Whether the actor sees pseudonyms instead of identities."""
    return actor.has(PSEUDONYMISED_ROLES) and not actor.has(CASEWORK_ROLES | IG_ROLES)


def visible(
    actor: Actor,
    record_type: RecordType,
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
    q = Q(**{f"{holder}__in": source_agencies(actor, record_type, on)})
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
