"""Administering accounts: the only way to invite, change, deactivate and unlock users,
and to add agencies and reporting centres. ``do_<verb>_<noun>(..., *, actor)``.

Rules (checked here, whatever page or command calls):

- Only agency administrators and system administrators administer accounts
  (:class:`~saferleeds.partners.policy.Forbidden` otherwise).
- An agency administrator administers their own agency's users and reporting centres
  only: anything of another agency is :class:`~saferleeds.partners.policy.NotFound`,
  the same answer as a missing record. They cannot change a system administrator's
  account (whose invitation link would hand them that role).
- Only a system administrator grants the system administrator role, and adds or renames
  agencies.
- Nobody deactivates themselves or removes an administrator role from themselves.
- An administrator never sets a password: they issue a one-time invitation (a random
  token, of which only the SHA-256 is kept, valid 72 hours, single use) and the user
  sets their own. Issuing one makes the user's current password unusable.

``actor`` ``None`` is the operator at the command line (``saferleeds users ...``), who
already holds the server.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from saferleeds.audit.log import record
from saferleeds.audit.models import Operation
from saferleeds.partners.models import Agency, Invitation, Membership, Role, RoleGrant
from saferleeds.partners.policy import Actor, Forbidden, NotFound

INVITATION_VALIDITY = timedelta(hours=72)
ADMIN_ROLES = frozenset({Role.AGENCY_ADMIN, Role.SYSTEM_ADMIN})
SYSTEM_ADMIN = frozenset({Role.SYSTEM_ADMIN})
Origin = Membership.PasswordOrigin


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked or expired, or its user is deactivated.

    One exception for every case, so the page says the same thing for each.
    """


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation and its token: the token is never stored, show it once."""

    user: User
    token: str
    expires_at: datetime


# --- Tokens and the production start-up check ----------------------------------------


def hash_token(token: str) -> str:
    """The SHA-256 (hex) of a token: all the database keeps of an invitation link."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def unsafe_accounts() -> list[User]:
    """Active users who could sign in with a password their owner never chose.

    A usable password counts as safe only when its owner set it (through an invitation
    link or by changing it); a seeded demo password, one an administrator or a command
    set, or one from before origins were kept, does not. Production refuses to start
    while this list is not empty (``saferleeds serve``, ``manage check --deploy``).
    """
    candidates = (
        User.objects.filter(is_active=True)
        .exclude(membership__password_origin=Origin.OWNER)
        .order_by("username")
    )
    return [u for u in candidates if u.password and u.has_usable_password()]


def unsafe_accounts_message(count: int) -> str:
    """The one-line refusal naming how many accounts and the command that fixes them."""
    plural = "account has" if count == 1 else "accounts have"
    return (
        f"refusing to start in production: {count} active {plural} a password its "
        "owner did not set (demo, seeded or set by an administrator); list them with "
        "`saferleeds users unsafe` and send each a one-time link with "
        "`saferleeds users invite USERNAME`"
    )


def check_unsafe_accounts(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Django system check (deploy): an Error per production start with unsafe accounts."""
    from django.conf import settings
    from django.core import checks
    from django.db import DatabaseError

    if not getattr(settings, "PRODUCTION", False):
        return []
    try:
        count = len(unsafe_accounts())
    except DatabaseError:
        return []  # no database to ask (yet): `saferleeds serve` checks again
    if not count:
        return []
    return [
        checks.Error(
            unsafe_accounts_message(count),
            hint="saferleeds users invite USERNAME",
            id="saferleeds.E101",
        )
    ]


# --- Who may administer what ---------------------------------------------------------


def may_administer(actor: Actor) -> bool:
    """Whether the actor may use the Administration pages (agency and system
    administrators): the pages' guard and their menu item's rule."""
    return actor.has(ADMIN_ROLES)


def require_admin(actor: Actor | None) -> None:
    """Refuse anyone but agency and system administrators (the command line may)."""
    if actor is not None and not actor.has(ADMIN_ROLES):
        raise Forbidden(
            "Only agency administrators and system administrators can do this."
        )


def is_system_admin(actor: Actor | None) -> bool:
    """Whether the actor administers every agency (the command line does)."""
    return actor is None or actor.has(SYSTEM_ADMIN)


def administered_agencies(actor: Actor | None) -> Any:
    """The agencies whose users and centres the actor administers."""
    require_admin(actor)
    if is_system_admin(actor):
        return Agency.objects.all()
    return Agency.objects.filter(pk=actor.agency_id)  # type: ignore[union-attr]


def check_agency(actor: Actor | None, agency: Agency) -> None:
    if not is_system_admin(actor) and agency.pk != actor.agency_id:  # type: ignore[union-attr]
        raise NotFound(f"no agency {agency.pk}")


def _roles_of(user: User) -> set[str]:
    return set(user.role_grants.values_list("role", flat=True))  # type: ignore[attr-defined]


def administrable_user(
    actor: Actor | None, user_id: int, *, lock: bool = False
) -> User:
    """The user, if the actor may administer them; :class:`NotFound` otherwise.

    Raises:
        Forbidden: An agency administrator and a system administrator's account.
    """
    require_admin(actor)
    qs = User.objects.select_related("membership__agency")
    if lock:
        # Lock the user row only: PostgreSQL refuses FOR UPDATE on the nullable side
        # of the outer join to the membership.
        qs = qs.select_for_update(of=("self",))
    user = qs.filter(pk=user_id).first()
    if user is None:
        raise NotFound(f"no user {user_id}")
    if not is_system_admin(actor):
        membership = getattr(user, "membership", None)
        if membership is None or membership.agency_id != actor.agency_id:  # type: ignore[union-attr]
            raise NotFound(f"no user {user_id}")
        if Role.SYSTEM_ADMIN.value in _roles_of(user):
            raise Forbidden(
                "Only a system administrator can change a system administrator's account."
            )
    return user


def _check_roles(actor: Actor | None, roles: Iterable[str]) -> set[str]:
    wanted = {Role(r).value for r in roles}
    if not wanted:
        raise ValueError("Select at least one role")
    if Role.SYSTEM_ADMIN.value in wanted and not is_system_admin(actor):
        raise Forbidden(
            "Only a system administrator can grant the system administrator role."
        )
    return wanted


def _is_self(actor: Actor | None, user: User) -> bool:
    return actor is not None and actor.user_id == user.pk


# --- Invitations ---------------------------------------------------------------------


def _issue(
    user: User, *, actor: Actor | None, now: datetime | None
) -> IssuedInvitation:
    """Revoke the user's open invitations, make the password unusable, issue a new one."""
    now = now or timezone.now()
    Invitation.objects.filter(user=user, used_at=None, revoked_at=None).update(
        revoked_at=now
    )
    user.set_unusable_password()  # also ends the user's signed-in sessions
    user.save(update_fields=["password"])
    Membership.objects.filter(user=user).update(password_origin=Origin.UNSET)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user,
        token_hash=hash_token(token),
        created_by_id=actor.user_id if actor else None,
        expires_at=now + INVITATION_VALIDITY,
    )
    return IssuedInvitation(user, token, invitation.expires_at)


@transaction.atomic
def do_invite_user(
    username: str,
    *,
    agency: Agency,
    roles: Iterable[str],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    actor: Actor | None,
    now: datetime | None = None,
) -> IssuedInvitation:
    """Create an account with no usable password and a one-time link to set one.

    Raises:
        ValueError: The username is taken, or no role is given.
        Forbidden: The actor may not grant a role asked for.
        NotFound: An agency administrator inviting into another agency.
    """
    require_admin(actor)
    check_agency(actor, agency)
    wanted = _check_roles(actor, roles)
    username = username.strip()
    if not username:
        raise ValueError("Enter a username")
    if User.objects.filter(username__iexact=username).exists():
        raise ValueError("That username is already taken")
    user = User(
        username=username, first_name=first_name, last_name=last_name, email=email
    )
    user.set_unusable_password()
    user.save()
    Membership.objects.create(
        user=user, agency=agency, job_title=job_title, password_origin=Origin.UNSET
    )
    RoleGrant.objects.bulk_create(RoleGrant(user=user, role=r) for r in sorted(wanted))
    issued = _issue(user, actor=actor, now=now)
    record(
        actor,
        operation=Operation.COLLECTION,
        event="partners.user.invite",
        record_type="user",
        record_id=user.pk,
        detail={"agency": agency.code, "roles": sorted(wanted)},
    )
    return issued


@transaction.atomic
def do_reissue_invitation(
    user_id: int, *, actor: Actor | None, now: datetime | None = None
) -> IssuedInvitation:
    """A new one-time link for the user; their current password stops working."""
    user = administrable_user(actor, user_id, lock=True)
    if not user.is_active:
        raise Forbidden("Reactivate the account before sending a new invitation.")
    issued = _issue(user, actor=actor, now=now)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.user.reissue_invitation",
        record_type="user",
        record_id=user.pk,
    )
    return issued


def invitation_for_token(token: str, *, now: datetime | None = None) -> Invitation:
    """The invitation a link's token opens, if it can still be used.

    Raises:
        InvitationInvalid: Unknown, used, revoked or expired, or the user is deactivated.
    """
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("user")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
        or not invitation.user.is_active
    ):
        raise InvitationInvalid("this invitation link cannot be used")
    return invitation


@transaction.atomic
def do_accept_invitation(
    token: str, password: str, *, remote_addr: str = "", now: datetime | None = None
) -> User:
    """Set the invited user's own password through their link; the link is then used.

    Raises:
        InvitationInvalid: See :func:`invitation_for_token`.
        django.core.exceptions.ValidationError: The password fails the validators.
    """
    now = now or timezone.now()
    found = invitation_for_token(token, now=now)
    # Lock the row and look again: two submissions of one link cannot both succeed.
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.used_at is not None or invitation.revoked_at is not None:
        raise InvitationInvalid("this invitation link cannot be used")
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    Membership.objects.filter(user=user).update(password_origin=Origin.OWNER)
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    from saferleeds.partners.policy import actor_for

    record(
        actor_for(user, purpose="accept invitation", remote_addr=remote_addr),
        operation=Operation.ALTERATION,
        event="partners.invitation.accept",
        record_type="user",
        record_id=user.pk,
        detail={"invitation": invitation.pk},
    )
    return user


@transaction.atomic
def do_change_own_password(user: User, password: str, *, actor: Actor) -> None:
    """The signed-in user sets a new password of their own choosing (validated)."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    Membership.objects.filter(user=user).update(password_origin=Origin.OWNER)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.user.change_password",
        record_type="user",
        record_id=user.pk,
    )


# --- Changing accounts ---------------------------------------------------------------


@transaction.atomic
def do_change_roles(user_id: int, roles: Iterable[str], *, actor: Actor | None) -> User:
    """Give the user exactly these roles.

    Raises:
        Forbidden: Granting or removing system administrator without being one; an
            administrator removing their own administrator role.
    """
    user = administrable_user(actor, user_id, lock=True)
    wanted = _check_roles(actor, roles)
    before = _roles_of(user)
    if Role.SYSTEM_ADMIN.value in before - wanted and not is_system_admin(actor):
        raise Forbidden("Only a system administrator can remove that role.")
    admin_values = {r.value for r in ADMIN_ROLES}
    if _is_self(actor, user) and (before & admin_values) - wanted:
        raise Forbidden("You cannot remove your own administrator role.")
    RoleGrant.objects.filter(user=user).exclude(role__in=wanted).delete()
    for role in sorted(wanted - before):
        RoleGrant.objects.create(user=user, role=role)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.user.roles",
        record_type="user",
        record_id=user.pk,
        detail={"added": sorted(wanted - before), "removed": sorted(before - wanted)},
    )
    return user


@transaction.atomic
def do_deactivate_user(user_id: int, *, actor: Actor | None) -> User:
    """Stop the account signing in (pages and API): sessions end, API tokens go,
    open invitations are revoked. Nothing the user recorded is removed."""
    from rest_framework.authtoken.models import Token

    user = administrable_user(actor, user_id, lock=True)
    if _is_self(actor, user):
        raise Forbidden("You cannot deactivate your own account.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    tokens, _ = Token.objects.filter(user=user).delete()
    revoked = Invitation.objects.filter(
        user=user, used_at=None, revoked_at=None
    ).update(revoked_at=timezone.now())
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.user.deactivate",
        record_type="user",
        record_id=user.pk,
        detail={"api_tokens_revoked": tokens, "invitations_revoked": revoked},
    )
    return user


@transaction.atomic
def do_reactivate_user(user_id: int, *, actor: Actor | None) -> User:
    """Let a deactivated account sign in again (with its own password, if it has one)."""
    user = administrable_user(actor, user_id, lock=True)
    user.is_active = True
    user.save(update_fields=["is_active"])
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.user.reactivate",
        record_type="user",
        record_id=user.pk,
    )
    return user


@transaction.atomic
def do_reset_two_factor(user_id: int, *, actor: Actor | None) -> int:
    """Remove the user's authenticator devices; they set up a new one at next sign-in.

    Returns:
        How many devices were removed.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = administrable_user(actor, user_id, lock=True)
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    record(
        actor,
        operation=Operation.ERASURE,
        event="partners.user.reset_2fa",
        record_type="user",
        record_id=user.pk,
        detail={"devices": removed},
    )
    return removed


def failed_sign_ins(username: str) -> int:
    """Wrong passwords recorded against the username since its last reset (axes)."""
    from axes.models import AccessAttempt
    from django.db.models import Sum

    total = AccessAttempt.objects.filter(username=username).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return int(total or 0)


def is_locked_out(username: str) -> bool:
    """Whether the username is locked out by too many wrong passwords."""
    from django.conf import settings

    return failed_sign_ins(username) >= settings.AXES_FAILURE_LIMIT


@transaction.atomic
def do_unlock_user(user_id: int, *, actor: Actor | None) -> int:
    """Clear the lock-out after too many wrong passwords (django-axes), by username.

    Returns:
        How many recorded attempts were removed.
    """
    from axes.utils import reset

    user = administrable_user(actor, user_id, lock=True)
    removed = reset(username=user.username)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.user.unlock",
        record_type="user",
        record_id=user.pk,
        detail={"attempts_removed": removed},
    )
    return removed


# --- Agencies (system administrators) ------------------------------------------------


def _require_system_admin(actor: Actor | None) -> None:
    require_admin(actor)
    if not is_system_admin(actor):
        raise Forbidden("Only a system administrator can add or rename agencies.")


@transaction.atomic
def do_create_agency(code: str, name: str, kind: str, *, actor: Actor | None) -> Agency:
    """Add a partner agency.

    Raises:
        ValueError: The code or name is already used, or the kind is unknown.
    """
    _require_system_admin(actor)
    code, name = code.strip().lower(), name.strip()
    if kind not in Agency.Kind.values:
        raise ValueError("Select the kind of agency")
    if Agency.objects.filter(code__iexact=code).exists():
        raise ValueError("An agency with that code already exists")
    if Agency.objects.filter(name__iexact=name).exists():
        raise ValueError("An agency with that name already exists")
    agency = Agency.objects.create(code=code, name=name, kind=kind)
    record(
        actor,
        operation=Operation.COLLECTION,
        event="partners.agency.create",
        record_type="agency",
        record_id=agency.pk,
        detail={"code": code},
    )
    return agency


@transaction.atomic
def do_rename_agency(agency_id: int, name: str, *, actor: Actor | None) -> Agency:
    """Change an agency's name (its code, used in references, stays)."""
    _require_system_admin(actor)
    agency = Agency.objects.select_for_update().filter(pk=agency_id).first()
    if agency is None:
        raise NotFound(f"no agency {agency_id}")
    name = name.strip()
    if Agency.objects.filter(name__iexact=name).exclude(pk=agency.pk).exists():
        raise ValueError("An agency with that name already exists")
    old = agency.name
    agency.name = name
    agency.save(update_fields=["name"])
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.agency.rename",
        record_type="agency",
        record_id=agency.pk,
        detail={"from": old, "to": name},
    )
    return agency
