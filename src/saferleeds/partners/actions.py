"""The only way to change agencies and memberships: ``do_<verb>_<noun>(..., *, actor)``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction

from saferleeds.audit.log import record
from saferleeds.audit.models import Operation
from saferleeds.locking import save_versioned
from saferleeds.partners.models import (
    Agency,
    Membership,
    RecordType,
    Role,
    RoleGrant,
    SharingAgreement,
)
from saferleeds.partners.policy import Actor, Forbidden, NotFound


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


AGREEMENT_FIELDS = (
    "title",
    "purpose",
    "lawful_basis",
    "record_types",
    "starts_on",
    "ends_on",
    "signed_by",
    "signed_on",
)


def _check_agreement_admin(actor: Actor) -> None:
    if not actor.has(frozenset({Role.IG_LEAD, Role.SYSTEM_ADMIN})):
        raise Forbidden(
            "only information-governance leads and system administrators "
            "manage sharing agreements"
        )


def _check_record_types(values: Iterable[str]) -> list[str]:
    known = {r.value for r in RecordType}
    bad = sorted(set(values) - known)
    if bad:
        raise ValueError(f"unknown record types: {', '.join(bad)}")
    return sorted(set(values))


@transaction.atomic
def do_create_agreement(
    *,
    actor: Actor | None,
    reference: str,
    providers: Iterable[Agency],
    recipients: Iterable[Agency],
    **fields: Any,
) -> SharingAgreement:
    """Register a sharing agreement (actor ``None`` only for the demo seeder)."""
    if actor is not None:
        _check_agreement_admin(actor)
    fields["record_types"] = _check_record_types(fields.get("record_types", []))
    agreement = SharingAgreement.objects.create(reference=reference, **fields)
    agreement.providers.set(providers)
    agreement.recipients.set(recipients)
    record(
        actor,
        operation=Operation.COLLECTION,
        event="partners.agreement.create",
        record_type="agreement",
        record_id=agreement.pk,
    )
    return agreement


@transaction.atomic
def do_update_agreement(
    agreement_id: int, *, actor: Actor, expected_version: int, changes: dict[str, Any]
) -> SharingAgreement:
    """Change an agreement (e.g. end it early) if nobody saved since ``expected_version``.

    Ending an agreement cuts access off on the next request: access is decided from the
    agreements in force at each request.

    Raises:
        Conflict: Someone else saved first.
    """
    _check_agreement_admin(actor)
    if not SharingAgreement.objects.filter(pk=agreement_id).exists():
        raise NotFound(f"no agreement {agreement_id}")
    clean = {k: v for k, v in changes.items() if k in AGREEMENT_FIELDS}
    if "record_types" in clean:
        clean["record_types"] = _check_record_types(clean["record_types"])
    save_versioned(SharingAgreement, agreement_id, expected_version, clean)
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.agreement.update",
        record_type="agreement",
        record_id=agreement_id,
        detail={"fields": sorted(clean), "from_version": expected_version},
    )
    return SharingAgreement.objects.get(pk=agreement_id)
