"""The only way to change National Referral Mechanism (modern slavery) referrals.

The process these actions follow (England and Wales):

- A *first responder organisation* (police, local authorities, some charities) refers a
  potential victim to the Home Office's Single Competent Authority. An adult must consent
  to the referral; a child (under 18) needs no consent, as child exploitation is a child
  protection matter. When an adult declines, a public authority still has the *duty to
  notify* the Home Office, anonymously (form MS1): Modern Slavery Act 2015 s.52(3) forbids
  identifying an adult without their consent. A Duty to Notify leads to no decisions.
  Sources: https://www.legislation.gov.uk/ukpga/2015/30/section/52 ;
  https://www.gov.uk/government/publications/modern-slavery-duty-to-notify ;
  https://athub.org.uk/knowledge-base/the-nrm/ (no consent needed from a child).
- The Competent Authority makes a *Reasonable Grounds* (RG) decision, aiming at 5
  working days from the referral (https://athub.org.uk/knowledge-base/nrm-decisions-and-challenges/).
  Working days are counted on the shared calendar (``saferleeds.core.calendar``):
  weekends and England and Wales bank holidays are skipped.
- After a positive RG decision the person has a *recovery period* of at least 30 days,
  beginning with the day of the RG decision, and the *Conclusive Grounds* (CG) decision is
  not made before it ends (Nationality and Borders Act 2022 s.61 and Modern Slavery Act
  2015 s.50A as inserted by its s.64; the statutory guidance in force from 30 January 2023
  cut the period from 45 to 30 days:
  https://www.legislation.gov.uk/ukpga/2022/36/section/64 ;
  https://yjlc.uk/resources/legal-updates/nationality-and-borders-act-2022-yet-another-setback-victims-modern-slavery).
  So the earliest CG day is the RG day plus 30 days; a negative RG decision ends the
  referral (no CG decision follows).

The two periods are the partnership's settings ``[casework.nrm] rg_target_working_days``
and ``cg_minimum_days`` (national defaults above), in case the guidance changes again.

This system records what the first responder referred and the decisions the Competent
Authority sent back; it does not talk to the Home Office.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from saferleeds.audit.log import atomic_action, record
from saferleeds.audit.models import Operation
from saferleeds.core.calendar import working_days_between
from saferleeds.locking import save_versioned
from saferleeds.nrm.access import access_nrm_referral_by_id
from saferleeds.nrm.models import NrmReferral
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import CASEWORK_ROLES, Actor, Forbidden, may_change
from saferleeds.partnership import NrmSettings, current
from saferleeds.safeguarding.access import access_case_by_id
from saferleeds.safeguarding.models import Case, CasePerson

__all__ = [
    "DEFAULT_CG_MINIMUM_DAYS",
    "DEFAULT_RG_TARGET_WORKING_DAYS",
    "NrmRuleError",
    "cg_minimum_days",
    "do_make_nrm_referral",
    "do_record_conclusive_grounds",
    "do_record_reasonable_grounds",
    "earliest_conclusive_grounds_on",
    "rg_overdue",
    "rg_target_working_days",
]

# National defaults (see the module docstring for the sources), held by NrmSettings;
# the partnership file's ``[casework.nrm]`` overrides them.
DEFAULT_RG_TARGET_WORKING_DAYS = NrmSettings().rg_target_working_days  # 5
DEFAULT_CG_MINIMUM_DAYS = NrmSettings().cg_minimum_days  # 30

DECIDED = (
    NrmReferral.Decision.POSITIVE,
    NrmReferral.Decision.NEGATIVE,
    NrmReferral.Decision.WITHDRAWN,
)


class NrmRuleError(ValueError):
    """A change the NRM process does not allow (the message says why, for the user).

    Attributes:
        field: The form field the error belongs to, if any.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def rg_target_working_days() -> int:
    """Working days the Competent Authority aims to take over a Reasonable Grounds decision."""
    return current().casework.nrm.rg_target_working_days


def cg_minimum_days() -> int:
    """Days of recovery period, from the positive RG decision, before a CG decision."""
    return current().casework.nrm.cg_minimum_days


def rg_overdue(referral: NrmReferral, today: date | None = None) -> bool:
    """Whether a referral has waited longer than the target for its RG decision."""
    if referral.duty_to_notify_only:
        return False
    if referral.reasonable_grounds != NrmReferral.Decision.PENDING:
        return False
    day = today or timezone.localdate()
    return working_days_between(referral.referred_on, day) > rg_target_working_days()


def earliest_conclusive_grounds_on(referral: NrmReferral) -> date | None:
    """The first day a CG decision may be made, or None without a positive RG decision."""
    if (
        referral.reasonable_grounds != NrmReferral.Decision.POSITIVE
        or referral.reasonable_grounds_on is None
    ):
        return None
    return referral.reasonable_grounds_on + timedelta(days=cg_minimum_days())


def _not_future(day: date, what: str, field: str) -> None:
    if day > timezone.localdate():
        raise NrmRuleError(f"{what} must be today or in the past", field)


@atomic_action
def do_make_nrm_referral(
    case_id: int,
    *,
    actor: Actor,
    age_group: str,
    consented: bool,
    exploitation: list[str],
    referred_on: date,
    potential_victim_id: int | None = None,
    notes: str = "",
) -> NrmReferral:
    """Record an NRM referral (or, for an adult who declined, a Duty to Notify).

    Args:
        case_id: A modern slavery case the actor may change.
        actor: The first responder's worker; the referral is held by their agency.
        age_group: ``adult`` or ``child``.
        consented: Whether an adult consented; ignored for a child (none needed).
        exploitation: ``NrmReferral.Exploitation`` values suspected (at least one).
        referred_on: When the referral or notification was made (not in the future).
        potential_victim_id: A person linked to the case, if recorded.
        notes: Free text.

    Raises:
        NotFound: The case is missing or not visible.
        Forbidden: The actor may not change the case.
        NrmRuleError: The case is not a modern slavery case, or a value is not allowed.
    """
    case = access_case_by_id(actor, case_id, audit=False)
    if (
        not actor.has(CASEWORK_ROLES)
        or actor.agency_id is None
        or not may_change(actor, {case.lead_agency_id}, {case.pk})
    ):
        raise Forbidden("you may not make referrals on this case")
    if case.case_type != Case.Type.MODERN_SLAVERY:
        raise NrmRuleError("NRM referrals are made on modern slavery cases only")
    if case.status != Case.Status.OPEN:
        raise NrmRuleError("The case is closed: reopen it to make a referral")
    if age_group not in NrmReferral.AgeGroup.values:
        raise NrmRuleError(
            "Select whether the person is an adult or a child", "age_group"
        )
    kinds = list(dict.fromkeys(exploitation))
    if not kinds:
        raise NrmRuleError("Select at least one type of exploitation", "exploitation")
    unknown = [k for k in kinds if k not in NrmReferral.Exploitation.values]
    if unknown:
        raise NrmRuleError(
            f"Unknown type of exploitation: {unknown[0]}", "exploitation"
        )
    _not_future(referred_on, "The date of referral", "referred_on")
    if potential_victim_id is not None and not (
        CasePerson.objects.filter(case=case, person_id=potential_victim_id).exists()
    ):
        raise NrmRuleError(
            "The potential victim must be a person on this case", "potential_victim"
        )
    child = age_group == NrmReferral.AgeGroup.CHILD
    # A child needs no consent; an adult who declines is notified anonymously instead.
    consent = False if child else consented
    referral = NrmReferral.objects.create(
        case=case,
        agency_id=actor.agency_id,
        referred_by_id=actor.user_id,
        potential_victim_id=potential_victim_id,
        age_group=age_group,
        exploitation=kinds,
        consented=consent,
        duty_to_notify_only=not child and not consented,
        referred_on=referred_on,
        notes=notes,
    )
    record(
        actor,
        operation=Operation.COLLECTION,
        event=(
            "safeguarding.nrm_referral.notify"
            if referral.duty_to_notify_only
            else "safeguarding.nrm_referral.create"
        ),
        record_type=RecordType.NRM_REFERRAL,
        record_id=referral.pk,
        subject_person_id=potential_victim_id,
        detail={"case_id": case.pk, "age_group": age_group},
    )
    return referral


def _changeable(actor: Actor, referral_id: int) -> NrmReferral:
    referral = access_nrm_referral_by_id(actor, referral_id, audit=False)
    if not may_change(actor, {referral.agency_id}, {referral.case_id}):
        raise Forbidden("you may not record decisions on this referral")
    return referral


@atomic_action
def do_record_reasonable_grounds(
    referral_id: int,
    *,
    actor: Actor,
    decision: str,
    decided_on: date,
    expected_version: int,
) -> NrmReferral:
    """Record the Competent Authority's Reasonable Grounds decision.

    Raises:
        NotFound: The referral is missing or not visible.
        Forbidden: The actor may not change it.
        NrmRuleError: A Duty to Notify (no decision follows), a decision already
            recorded, an unknown decision, or a date before the referral or in the future.
        Conflict: Someone changed the referral since ``expected_version``.
    """
    referral = _changeable(actor, referral_id)
    if referral.duty_to_notify_only:
        raise NrmRuleError(
            "This was an anonymous Duty to Notify, not a referral: no decision follows"
        )
    if referral.reasonable_grounds != NrmReferral.Decision.PENDING:
        raise NrmRuleError("The Reasonable Grounds decision is already recorded")
    if decision not in DECIDED:
        raise NrmRuleError("Select the decision", "decision")
    _not_future(decided_on, "The date of the decision", "decided_on")
    if decided_on < referral.referred_on:
        raise NrmRuleError(
            "The date of the decision must be on or after the date of referral",
            "decided_on",
        )
    save_versioned(
        NrmReferral,
        referral.pk,
        expected_version,
        {"reasonable_grounds": decision, "reasonable_grounds_on": decided_on},
    )
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.nrm_referral.reasonable_grounds",
        record_type=RecordType.NRM_REFERRAL,
        record_id=referral.pk,
        subject_person_id=referral.potential_victim_id,
        detail={"decision": decision},
    )
    referral.refresh_from_db()
    return referral


@atomic_action
def do_record_conclusive_grounds(
    referral_id: int,
    *,
    actor: Actor,
    decision: str,
    decided_on: date,
    expected_version: int,
) -> NrmReferral:
    """Record the Competent Authority's Conclusive Grounds decision.

    Only after a positive RG decision. A positive or negative decision cannot be dated
    before the recovery period has ended (:func:`earliest_conclusive_grounds_on`); a
    withdrawal can come at any time after the RG decision.

    Raises:
        NotFound: The referral is missing or not visible.
        Forbidden: The actor may not change it.
        NrmRuleError: No positive RG decision, a CG decision already recorded, an
            unknown decision, or a date too early or in the future.
        Conflict: Someone changed the referral since ``expected_version``.
    """
    referral = _changeable(actor, referral_id)
    earliest = earliest_conclusive_grounds_on(referral)
    if earliest is None or referral.reasonable_grounds_on is None:
        raise NrmRuleError(
            "A Conclusive Grounds decision follows a positive Reasonable Grounds "
            "decision only"
        )
    if referral.conclusive_grounds != NrmReferral.Decision.PENDING:
        raise NrmRuleError("The Conclusive Grounds decision is already recorded")
    if decision not in DECIDED:
        raise NrmRuleError("Select the decision", "decision")
    _not_future(decided_on, "The date of the decision", "decided_on")
    if decided_on < referral.reasonable_grounds_on:
        raise NrmRuleError(
            "The date of the decision must be on or after the Reasonable Grounds "
            "decision",
            "decided_on",
        )
    if decision != NrmReferral.Decision.WITHDRAWN and decided_on < earliest:
        raise NrmRuleError(
            f"A Conclusive Grounds decision cannot be made before the "
            f"{cg_minimum_days()}-day recovery period ends: the earliest date is "
            f"{earliest:%-d %B %Y}",
            "decided_on",
        )
    save_versioned(
        NrmReferral,
        referral.pk,
        expected_version,
        {"conclusive_grounds": decision, "conclusive_grounds_on": decided_on},
    )
    record(
        actor,
        operation=Operation.ALTERATION,
        event="safeguarding.nrm_referral.conclusive_grounds",
        record_type=RecordType.NRM_REFERRAL,
        record_id=referral.pk,
        subject_person_id=referral.potential_victim_id,
        detail={"decision": decision},
    )
    referral.refresh_from_db()
    return referral
