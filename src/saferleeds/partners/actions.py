"""The only way to change agencies and memberships: ``do_<verb>_<noun>(..., *, actor)``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from saferleeds.audit.log import record
from saferleeds.audit.models import Operation
from saferleeds.locking import Conflict, save_versioned
from saferleeds.partners.models import (
    Agency,
    AgreementSignature,
    CaseType,
    Membership,
    RecordType,
    Role,
    RoleGrant,
    SharingAgreement,
)
from saferleeds.partners.policy import (
    IG_ROLES,
    Actor,
    Forbidden,
    NotFound,
    agreements_changed,
)


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


# Terms every party signs; a signed agreement's terms never change in place.
AGREEMENT_TERMS = (
    "title",
    "purpose",
    "lawful_basis",
    "record_types",
    "case_types",
    "starts_on",
    "ends_on",
)
AGREEMENT_FIELDS = (*AGREEMENT_TERMS, "signed_by", "signed_on")


def _check_record_types(values: Iterable[str]) -> list[str]:
    known = {r.value for r in RecordType}
    bad = sorted(set(values) - known)
    if bad:
        raise ValueError(f"unknown record types: {', '.join(bad)}")
    return sorted(set(values))


def _check_case_types(values: Iterable[str]) -> list[str]:
    known = {c.value for c in CaseType}
    bad = sorted(set(values) - known)
    if bad:
        raise ValueError(f"unknown case types: {', '.join(bad)}")
    return sorted(set(values))


def _check_terms(fields: dict[str, Any]) -> dict[str, Any]:
    clean = {k: v for k, v in fields.items() if k in AGREEMENT_FIELDS}
    if "record_types" in clean:
        clean["record_types"] = _check_record_types(clean["record_types"])
    if "case_types" in clean:
        clean["case_types"] = _check_case_types(clean["case_types"])
    return clean


def _check_party_signatory(actor: Actor, party_ids: set[int], doing: str) -> None:
    """Only a party's information-governance lead acts for it on an agreement.

    Each agency is its own data controller: nobody outside the agreement, and no
    system administrator (who runs the system, not the data), may change what it
    shares.
    """
    if not actor.has(IG_ROLES):
        raise Forbidden(
            f"only an information-governance lead of a party to the agreement can "
            f"{doing}"
        )
    if actor.agency_id not in party_ids:
        raise Forbidden(
            f"your agency is not a party to this agreement, so you cannot {doing}"
        )


def check_agreement_party(
    actor: Actor, agreement: SharingAgreement, doing: str
) -> None:
    """Refuse (Forbidden) anyone but an IG lead of a party to ``agreement``.

    For callers (the API) that must refuse before they validate a request; every
    action checks it again.
    """
    _check_party_signatory(actor, agreement.party_ids(), doing)


def _locked_agreement(agreement_id: int) -> SharingAgreement:
    agreement = (
        SharingAgreement.objects.select_for_update().filter(pk=agreement_id).first()
    )
    if agreement is None:
        raise NotFound(f"no agreement {agreement_id}")
    return agreement


def _bump(agreement: SharingAgreement, expected_version: int, **changes: Any) -> None:
    save_versioned(SharingAgreement, agreement.pk, expected_version, changes)
    agreement.refresh_from_db()


def _reference_for(title: str) -> str:
    base = slugify(title)[:48] or "agreement"
    reference, n = base, 1
    while SharingAgreement.objects.filter(reference=reference).exists():
        n += 1
        reference = f"{base}-{n}"
    return reference


@transaction.atomic
def do_create_agreement(
    *,
    actor: Actor | None,
    reference: str,
    providers: Iterable[Agency],
    recipients: Iterable[Agency],
    signed_by_parties: Iterable[Agency] | None = None,
    **fields: Any,
) -> SharingAgreement:
    """Record an agreement every party has already signed on paper.

    For the demo seeder and for tests (``actor`` ``None``) and for a system migrating
    its existing signed agreements; agreements made in the workspace are drafted with
    :func:`do_draft_agreement` and signed with :func:`do_sign_agreement`. Case types
    default to every case type, as agreements before case scoping shared them.
    ``signed_by_parties`` records a draft that only these parties have signed yet.
    """
    providers, recipients = list(providers), list(recipients)
    if actor is not None:
        _check_party_signatory(
            actor, {a.id for a in providers} | {a.id for a in recipients}, "record it"
        )
    fields.setdefault("case_types", [c.value for c in CaseType])
    fields = _check_terms(fields)
    agreement = SharingAgreement.objects.create(reference=reference, **fields)
    agreement.providers.set(providers)
    agreement.recipients.set(recipients)
    signers = (
        list(signed_by_parties)
        if signed_by_parties is not None
        else providers + recipients
    )
    for agency in {a.id: a for a in signers}.values():
        AgreementSignature.objects.create(
            agreement=agreement,
            agency=agency,
            signatory_name=agreement.signed_by or "a signatory not recorded",
            signed_on=agreement.signed_on or agreement.starts_on,
        )
    agreements_changed()
    record(
        actor,
        operation=Operation.COLLECTION,
        event="partners.agreement.create",
        record_type="agreement",
        record_id=agreement.pk,
    )
    return agreement


@transaction.atomic
def do_draft_agreement(
    *,
    actor: Actor,
    providers: Iterable[Agency],
    recipients: Iterable[Agency],
    supersedes: SharingAgreement | None = None,
    **fields: Any,
) -> SharingAgreement:
    """Draft an agreement (or an amendment of one) for the parties to sign.

    The drafter must be an information-governance lead of one of the parties. Nothing
    is shared until every party has signed (:func:`do_sign_agreement`).

    Args:
        actor: Who drafts it.
        providers: Agencies whose records are shared.
        recipients: Agencies that receive them.
        supersedes: The agreement this amends: it stays in force, unchanged, until
            every party has signed the amendment, and then ends the day before the
            amendment starts.
        **fields: The terms (title, purpose, lawful_basis, record_types, case_types,
            starts_on, ends_on).

    Raises:
        Forbidden: The actor is not a party's IG lead.
        ValueError: The terms are invalid.
    """
    providers, recipients = list(providers), list(recipients)
    parties = {a.id for a in providers} | {a.id for a in recipients}
    _check_party_signatory(actor, parties, "draft it")
    if not providers or not recipients:
        raise ValueError("an agreement needs at least one provider and one recipient")
    terms = _check_terms(fields)
    if terms["ends_on"] < terms["starts_on"]:
        raise ValueError("an agreement cannot end before it starts")
    if supersedes is not None:
        _check_party_signatory(actor, supersedes.party_ids(), "amend it")
    agreement = SharingAgreement.objects.create(
        reference=_reference_for(terms["title"]),
        drafted_by_id=actor.agency_id,
        supersedes=supersedes,
        **terms,
    )
    agreement.providers.set(providers)
    agreement.recipients.set(recipients)
    agreements_changed()
    record(
        actor,
        operation=Operation.COLLECTION,
        event="partners.agreement.draft",
        record_type="agreement",
        record_id=agreement.pk,
        detail={"supersedes": supersedes.pk if supersedes else None},
    )
    return agreement


@transaction.atomic
def do_sign_agreement(
    agreement_id: int, *, actor: Actor, expected_version: int
) -> SharingAgreement:
    """Sign an agreement's terms for the actor's agency.

    ``expected_version`` is the version the signatory read: terms changed since then
    are not signed (409). When the last party signs, the agreement binds from its
    start date, and an agreement it amends ends the day before.

    Raises:
        Forbidden: Not a party's IG lead, or already signed for this agency.
        Conflict: The terms changed since the signatory read them.
    """
    agreement = _locked_agreement(agreement_id)
    _check_party_signatory(actor, agreement.party_ids(), "sign it")
    if agreement.withdrawn_on is not None:
        raise Forbidden("this draft was withdrawn; it can no longer be signed")
    if agreement.version != expected_version:
        raise Conflict(agreement.version)
    if agreement.signatures.filter(agency_id=actor.agency_id).exists():
        raise Forbidden("your agency has already signed this agreement")
    today = timezone.localdate()
    user = User.objects.filter(pk=actor.user_id).first()
    AgreementSignature.objects.create(
        agreement=agreement,
        agency_id=actor.agency_id,
        signed_by=user,
        signatory_name=(user.get_full_name() or user.username) if user else "",
        signed_on=today,
    )
    agreements_changed()
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.agreement.sign",
        record_type="agreement",
        record_id=agreement.pk,
        detail={"agency": actor.agency_code, "version": agreement.version},
    )
    agreement = SharingAgreement.objects.prefetch_related(
        "providers", "recipients", "signatures"
    ).get(pk=agreement.pk)
    if agreement.fully_signed():
        names = ", ".join(sorted(s.signatory_name for s in agreement.signatures.all()))
        _bump(agreement, agreement.version, signed_on=today, signed_by=names[:300])
        old = agreement.supersedes
        if old is not None:
            last_day = max(agreement.starts_on, old.starts_on) - timedelta(days=1)
            if old.ends_on > last_day:
                _bump(old, old.version, ends_on=last_day)
                agreements_changed()
                record(
                    actor,
                    operation=Operation.ALTERATION,
                    event="partners.agreement.superseded",
                    record_type="agreement",
                    record_id=old.pk,
                    detail={"by": agreement.pk, "ends_on": last_day.isoformat()},
                )
    return agreement


@transaction.atomic
def do_update_agreement(
    agreement_id: int, *, actor: Actor, expected_version: int, changes: dict[str, Any]
) -> SharingAgreement:
    """Change an agreement, if nobody saved since ``expected_version``.

    A draft's terms may be changed by any party's IG lead; every signature given so
    far is then void, since each party must sign the same terms. A signed
    agreement's terms never change in place (draft an amendment instead); a party
    may only bring its end date forward (:func:`do_end_agreement`).

    Raises:
        Forbidden: The actor is not a party's IG lead.
        ValueError: The change is not allowed on a signed agreement, or invalid.
        Conflict: Someone else saved first.
    """
    agreement = _locked_agreement(agreement_id)
    _check_party_signatory(actor, agreement.party_ids(), "change it")
    if agreement.version != expected_version:
        raise Conflict(agreement.version)
    clean = _check_terms(changes)
    if agreement.fully_signed() or agreement.withdrawn_on is not None:
        others = sorted(k for k in clean if k != "ends_on")
        if others or "ends_on" not in clean:
            _check_party_signatory(actor, agreement.party_ids(), "change it")
            raise ValueError(
                "a signed agreement's terms cannot be changed "
                f"({', '.join(others) or 'no change'}): draft an amendment for every "
                "party to sign, or end it early"
            )
        return do_end_agreement(
            agreement_id,
            actor=actor,
            expected_version=expected_version,
            ends_on=clean["ends_on"],
        )
    _check_party_signatory(actor, agreement.party_ids(), "change it")
    clean.pop("signed_by", None)
    clean.pop("signed_on", None)
    starts = clean.get("starts_on", agreement.starts_on)
    ends = clean.get("ends_on", agreement.ends_on)
    if ends < starts:
        raise ValueError("an agreement cannot end before it starts")
    save_versioned(SharingAgreement, agreement_id, expected_version, clean)
    voided = agreement.signatures.count()
    agreement.signatures.all().delete()
    agreements_changed()
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.agreement.update",
        record_type="agreement",
        record_id=agreement_id,
        detail={
            "fields": sorted(clean),
            "from_version": expected_version,
            "signatures_voided": voided,
        },
    )
    return SharingAgreement.objects.get(pk=agreement_id)


@transaction.atomic
def do_end_agreement(
    agreement_id: int, *, actor: Actor, expected_version: int, ends_on: date
) -> SharingAgreement:
    """Bring an agreement's last day forward (yesterday at the earliest).

    Any party's IG lead may do it alone: ending only stops sharing, and each
    controller may stop sharing its own data or stop receiving others'. Access is
    decided from the agreements in force at each request, so it takes effect on the
    next one.

    Raises:
        Forbidden: The actor is not a party's IG lead.
        ValueError: The new end is not earlier, or is before yesterday.
        Conflict: Someone else saved first.
    """
    agreement = _locked_agreement(agreement_id)
    _check_party_signatory(actor, agreement.party_ids(), "end it")
    earliest = timezone.localdate() - timedelta(days=1)
    if ends_on >= agreement.ends_on:
        raise ValueError(
            "an agreement can only be ended earlier; a later end date is an "
            "amendment every party must sign"
        )
    if ends_on < earliest:
        raise ValueError(
            "the last day in force cannot be before yesterday: that would rewrite "
            "when sharing was lawful"
        )
    save_versioned(
        SharingAgreement, agreement_id, expected_version, {"ends_on": ends_on}
    )
    agreements_changed()
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.agreement.end",
        record_type="agreement",
        record_id=agreement_id,
        detail={
            "fields": ["ends_on"],
            "from_version": expected_version,
            "ends_on": ends_on.isoformat(),
        },
    )
    return SharingAgreement.objects.get(pk=agreement_id)


@transaction.atomic
def do_withdraw_agreement(
    agreement_id: int, *, actor: Actor, expected_version: int
) -> SharingAgreement:
    """Abandon a draft before every party has signed it.

    Raises:
        Forbidden: Not a party's IG lead, or the agreement is already signed.
        Conflict: Someone else saved first.
    """
    agreement = _locked_agreement(agreement_id)
    _check_party_signatory(actor, agreement.party_ids(), "withdraw it")
    if agreement.fully_signed():
        raise Forbidden("a signed agreement is ended, not withdrawn")
    save_versioned(
        SharingAgreement,
        agreement_id,
        expected_version,
        {"withdrawn_on": timezone.localdate()},
    )
    agreements_changed()
    record(
        actor,
        operation=Operation.ALTERATION,
        event="partners.agreement.withdraw",
        record_type="agreement",
        record_id=agreement_id,
    )
    return SharingAgreement.objects.get(pk=agreement_id)
