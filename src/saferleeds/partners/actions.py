"""The only way to change agencies and memberships: ``do_<verb>_<noun>(..., *, actor)``."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction

from saferleeds.partners.models import Agency, Membership, Role, RoleGrant


@transaction.atomic
def do_ensure_agency(
    code: str, name: str, kind: str, *, actor: AbstractBaseUser | None
) -> Agency:
    """Create the agency, or update its name and kind (safe to repeat)."""
    agency, _ = Agency.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind}
    )
    return agency


@transaction.atomic
def do_ensure_user(
    username: str,
    *,
    agency: Agency,
    roles: Iterable[Role],
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    actor: AbstractBaseUser | None,
) -> User:
    """Create or update a user with exactly the given agency and roles.

    The password is set only when the user is created, so re-running the demo seeder
    never resets a password someone changed.
    """
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first_name, "last_name": last_name}
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    Membership.objects.update_or_create(
        user=user, defaults={"agency": agency, "job_title": job_title}
    )
    wanted = {Role(r).value for r in roles}
    RoleGrant.objects.filter(user=user).exclude(role__in=wanted).delete()
    for role in wanted:
        RoleGrant.objects.get_or_create(user=user, role=role)
    return user
