"""National Referral Mechanism rules and actions, at and either side of each boundary."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.core.calendar import working_days_between
from saferleeds.locking import Conflict
from saferleeds.nrm.actions import (
    NrmRuleError,
    do_make_nrm_referral,
    do_record_conclusive_grounds,
    do_record_reasonable_grounds,
    earliest_conclusive_grounds_on,
    rg_overdue,
)
from saferleeds.nrm.models import NrmReferral
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound, actor_for
from saferleeds.people.actions import do_create_person
from saferleeds.safeguarding.actions import do_create_case, do_link_person_to_case

TODAY = timezone.localdate


@pytest.fixture
def carol(personas: dict[str, Any]) -> Actor:
    return actor_for(personas["carol.coordinator"])


@pytest.fixture
def case_and_victim(carol: Actor) -> tuple[int, int]:
    """A modern slavery case led by the council, with a potential victim on it."""
    case = do_create_case(
        actor=carol,
        reference="MS-1",
        case_type="modern_slavery",
        title="Car wash workers",
        opened_on=TODAY() - timedelta(days=90),
    )
    person = do_create_person(
        actor=carol, reference="LCC-MS-1", given_name="Ana", family_name="Dobre"
    )
    do_link_person_to_case(case.pk, person.pk, "victim", actor=carol)
    return case.pk, person.pk


def refer(carol: Actor, case_id: int, **overrides: Any) -> NrmReferral:
    values: dict[str, Any] = {
        "age_group": "adult",
        "consented": True,
        "exploitation": ["labour"],
        "referred_on": TODAY() - timedelta(days=60),
    }
    values.update(overrides)
    return do_make_nrm_referral(case_id, actor=carol, **values)


# --- Working days and the RG target ------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2026, 11, 20), date(2026, 11, 20), 0),  # same day
        (date(2026, 11, 20), date(2026, 11, 21), 0),  # Friday -> Saturday
        (date(2026, 11, 20), date(2026, 11, 23), 1),  # Friday -> Monday
        (date(2026, 11, 16), date(2026, 11, 23), 5),  # Monday -> next Monday
        (date(2026, 11, 16), date(2026, 11, 24), 6),
        (date(2026, 11, 23), date(2026, 11, 16), -5),  # backwards: negative
        (date(2026, 12, 24), date(2026, 12, 29), 1),  # Thu -> Tue over Christmas
    ],
)
def test_working_days_between(start: date, end: date, days: int) -> None:
    assert working_days_between(start, end) == days


def _pending(referred_on: date, **kw: Any) -> NrmReferral:
    return NrmReferral(referred_on=referred_on, **kw)


def test_rg_overdue_after_five_working_days_not_at_five() -> None:
    monday = date(2026, 11, 16)
    referral = _pending(monday)
    assert not rg_overdue(referral, today=date(2026, 11, 20))  # 4 working days
    assert not rg_overdue(referral, today=date(2026, 11, 23))  # 5: on target
    assert rg_overdue(referral, today=date(2026, 11, 24))  # 6: overdue


def test_rg_overdue_skips_bank_holidays() -> None:
    # Referred Wednesday 23 December 2026: Christmas Day (Fri 25), the substitute Boxing
    # Day (Mon 28) and New Year's Day (Fri 1 January 2027) are bank holidays, so the
    # 5th working day is Monday 4 January and the referral is overdue on the Tuesday.
    referral = _pending(date(2026, 12, 23))
    assert working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5
    assert not rg_overdue(referral, today=date(2026, 12, 31))  # 4 working days
    assert not rg_overdue(referral, today=date(2027, 1, 1))  # bank holiday: still 4
    assert not rg_overdue(referral, today=date(2027, 1, 4))  # 5: on target
    assert rg_overdue(referral, today=date(2027, 1, 5))  # 6: overdue
    # Counting weekdays alone it would have been flagged on Thursday 31 December.


def test_rg_overdue_never_for_a_decided_referral_or_a_duty_to_notify() -> None:
    monday = date(2026, 11, 16)
    late = date(2026, 12, 31)
    assert not rg_overdue(_pending(monday, reasonable_grounds="positive"), today=late)
    assert not rg_overdue(_pending(monday, duty_to_notify_only=True), today=late)


def test_earliest_conclusive_grounds_is_thirty_days_after_a_positive_rg() -> None:
    rg = date(2026, 1, 10)
    positive = NrmReferral(reasonable_grounds="positive", reasonable_grounds_on=rg)
    assert earliest_conclusive_grounds_on(positive) == date(2026, 2, 9)
    negative = NrmReferral(reasonable_grounds="negative", reasonable_grounds_on=rg)
    assert earliest_conclusive_grounds_on(negative) is None
    assert earliest_conclusive_grounds_on(NrmReferral()) is None


# --- Making a referral -------------------------------------------------------------------


@pytest.mark.django_db
def test_adult_who_consents_is_referred_and_audited(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, victim = case_and_victim
    before = AuditEntry.objects.count()
    referral = refer(carol, case_id, potential_victim_id=victim)
    assert referral.consented and not referral.duty_to_notify_only
    assert referral.agency.code == "lcc"
    assert referral.reasonable_grounds == "pending"
    entry = AuditEntry.objects.filter(seq__gt=before).get()
    assert entry.event == "safeguarding.nrm_referral.create"
    assert entry.operation == "collection"
    assert entry.record_id == str(referral.pk)
    assert entry.subject_person_id == victim


@pytest.mark.django_db
def test_adult_who_declines_becomes_an_anonymous_duty_to_notify(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    referral = refer(carol, case_id, consented=False)
    assert referral.duty_to_notify_only and not referral.consented
    assert AuditEntry.objects.last().event == "safeguarding.nrm_referral.notify"


@pytest.mark.django_db
def test_child_is_referred_without_consent(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    referral = refer(carol, case_id, age_group="child", consented=False)
    assert not referral.duty_to_notify_only


@pytest.mark.django_db
def test_referral_needs_a_modern_slavery_case(carol: Actor) -> None:
    case = do_create_case(
        actor=carol,
        reference="M-1",
        case_type="marac",
        title="t",
        opened_on=TODAY(),
    )
    with pytest.raises(NrmRuleError, match="modern slavery cases only"):
        refer(carol, case.pk)
    assert not NrmReferral.objects.exists()


@pytest.mark.django_db
def test_referral_date_today_allowed_tomorrow_refused(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    assert refer(carol, case_id, referred_on=TODAY()).referred_on == TODAY()
    with pytest.raises(NrmRuleError) as exc:
        refer(carol, case_id, referred_on=TODAY() + timedelta(days=1))
    assert exc.value.field == "referred_on"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"exploitation": []}, "exploitation"),
        ({"exploitation": ["labour", "piracy"]}, "exploitation"),
        ({"age_group": "elder"}, "age_group"),
    ],
)
def test_referral_values_checked(
    carol: Actor,
    case_and_victim: tuple[int, int],
    overrides: dict[str, Any],
    field: str,
) -> None:
    case_id, _ = case_and_victim
    with pytest.raises(NrmRuleError) as exc:
        refer(carol, case_id, **overrides)
    assert exc.value.field == field


@pytest.mark.django_db
def test_potential_victim_must_be_on_the_case(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    stranger = do_create_person(
        actor=carol, reference="LCC-X", given_name="Not", family_name="OnCase"
    )
    with pytest.raises(NrmRuleError) as exc:
        refer(carol, case_id, potential_victim_id=stranger.pk)
    assert exc.value.field == "potential_victim"


@pytest.mark.django_db
def test_who_may_refer(
    personas: dict[str, Any], carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    agencies = {a.code: a for a in Agency.objects.all()}
    # Police see the council's cases under an agreement but are not on this one.
    do_create_agreement(
        actor=None,
        reference="lcc-wyp",
        providers=[agencies["lcc"]],
        recipients=[agencies["wyp"]],
        title="t",
        purpose="p",
        lawful_basis="s115",
        record_types=["case"],
        starts_on=TODAY() - timedelta(days=1),
        ends_on=TODAY() + timedelta(days=1),
        signed_by="x",
        signed_on=TODAY() - timedelta(days=1),
    )
    with pytest.raises(Forbidden):
        refer(actor_for(personas["pete.practitioner"]), case_id)
    # The analyst sees the case (own agency) but changes nothing.
    with pytest.raises(Forbidden):
        refer(actor_for(personas["aisha.analyst"]), case_id)
    # Health cannot see it at all: the same answer as a missing case, and logged.
    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        refer(actor_for(personas["harry.health"]), case_id)
    refusal = AuditEntry.objects.filter(seq__gt=before).get()
    assert refusal.operation == "refusal" and refusal.record_id == str(case_id)
    assert not NrmReferral.objects.exists()


# --- Reasonable Grounds ------------------------------------------------------------------


@pytest.mark.django_db
def test_rg_decision_on_the_day_of_referral_but_not_before(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    referral = refer(carol, case_id)
    with pytest.raises(NrmRuleError) as exc:
        do_record_reasonable_grounds(
            referral.pk,
            actor=carol,
            decision="positive",
            decided_on=referral.referred_on - timedelta(days=1),
            expected_version=1,
        )
    assert exc.value.field == "decided_on"
    before = AuditEntry.objects.count()
    done = do_record_reasonable_grounds(
        referral.pk,
        actor=carol,
        decision="positive",
        decided_on=referral.referred_on,
        expected_version=1,
    )
    assert done.reasonable_grounds == "positive" and done.version == 2
    entry = AuditEntry.objects.filter(seq__gt=before).get()
    assert entry.event == "safeguarding.nrm_referral.reasonable_grounds"
    assert entry.operation == "alteration" and entry.detail == {"decision": "positive"}


@pytest.mark.django_db
def test_rg_decision_not_in_the_future(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    referral = refer(carol, case_id, referred_on=TODAY())
    with pytest.raises(NrmRuleError):
        do_record_reasonable_grounds(
            referral.pk,
            actor=carol,
            decision="negative",
            decided_on=TODAY() + timedelta(days=1),
            expected_version=1,
        )
    do_record_reasonable_grounds(
        referral.pk,
        actor=carol,
        decision="negative",
        decided_on=TODAY(),
        expected_version=1,
    )


@pytest.mark.django_db
def test_rg_refused_for_duty_to_notify_twice_or_unknown(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    notified = refer(carol, case_id, consented=False)
    with pytest.raises(NrmRuleError, match="Duty to Notify"):
        do_record_reasonable_grounds(
            notified.pk,
            actor=carol,
            decision="positive",
            decided_on=TODAY(),
            expected_version=1,
        )
    referral = refer(carol, case_id)
    with pytest.raises(NrmRuleError):
        do_record_reasonable_grounds(
            referral.pk,
            actor=carol,
            decision="pending",
            decided_on=TODAY(),
            expected_version=1,
        )
    do_record_reasonable_grounds(
        referral.pk,
        actor=carol,
        decision="positive",
        decided_on=TODAY(),
        expected_version=1,
    )
    with pytest.raises(NrmRuleError, match="already recorded"):
        do_record_reasonable_grounds(
            referral.pk,
            actor=carol,
            decision="negative",
            decided_on=TODAY(),
            expected_version=2,
        )


@pytest.mark.django_db
def test_rg_from_an_old_version_is_a_conflict(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    referral = refer(carol, case_id)
    NrmReferral.objects.filter(pk=referral.pk).update(version=2)
    with pytest.raises(Conflict):
        do_record_reasonable_grounds(
            referral.pk,
            actor=carol,
            decision="positive",
            decided_on=TODAY(),
            expected_version=1,
        )
    assert NrmReferral.objects.get(pk=referral.pk).reasonable_grounds == "pending"


@pytest.mark.django_db
def test_decisions_refused_to_those_who_may_not_change(
    personas: dict[str, Any], carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    referral = refer(carol, case_id)
    with pytest.raises(Forbidden):
        do_record_reasonable_grounds(
            referral.pk,
            actor=actor_for(personas["aisha.analyst"]),
            decision="positive",
            decided_on=TODAY(),
            expected_version=1,
        )
    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        do_record_reasonable_grounds(
            referral.pk,
            actor=actor_for(personas["nadia.probation"]),
            decision="positive",
            decided_on=TODAY(),
            expected_version=1,
        )
    refusal = AuditEntry.objects.filter(seq__gt=before).get()
    assert refusal.operation == "refusal"
    assert refusal.record_type == "nrm_referral"


# --- Conclusive Grounds ------------------------------------------------------------------


def _with_rg(carol: Actor, case_id: int, decision: str, rg_on: date) -> NrmReferral:
    referral = refer(carol, case_id, referred_on=rg_on - timedelta(days=3))
    return do_record_reasonable_grounds(
        referral.pk,
        actor=carol,
        decision=decision,
        decided_on=rg_on,
        expected_version=1,
    )


@pytest.mark.django_db
def test_cg_not_before_thirty_days_after_positive_rg(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    rg_on = TODAY() - timedelta(days=40)
    referral = _with_rg(carol, case_id, "positive", rg_on)
    with pytest.raises(NrmRuleError, match="30-day recovery period") as exc:
        do_record_conclusive_grounds(
            referral.pk,
            actor=carol,
            decision="positive",
            decided_on=rg_on + timedelta(days=29),
            expected_version=2,
        )
    assert exc.value.field == "decided_on"
    before = AuditEntry.objects.count()
    done = do_record_conclusive_grounds(
        referral.pk,
        actor=carol,
        decision="positive",
        decided_on=rg_on + timedelta(days=30),
        expected_version=2,
    )
    assert done.conclusive_grounds == "positive"
    assert done.conclusive_grounds_on == rg_on + timedelta(days=30)
    entry = AuditEntry.objects.filter(seq__gt=before).get()
    assert entry.event == "safeguarding.nrm_referral.conclusive_grounds"
    with pytest.raises(NrmRuleError, match="already recorded"):
        do_record_conclusive_grounds(
            referral.pk,
            actor=carol,
            decision="negative",
            decided_on=TODAY(),
            expected_version=3,
        )


@pytest.mark.django_db
def test_cg_negative_also_waits_for_the_recovery_period(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    rg_on = TODAY() - timedelta(days=29)
    referral = _with_rg(carol, case_id, "positive", rg_on)
    with pytest.raises(NrmRuleError):
        do_record_conclusive_grounds(
            referral.pk,
            actor=carol,
            decision="negative",
            decided_on=TODAY(),
            expected_version=2,
        )


@pytest.mark.django_db
def test_withdrawal_may_come_during_the_recovery_period(
    carol: Actor, case_and_victim: tuple[int, int]
) -> None:
    case_id, _ = case_and_victim
    rg_on = TODAY() - timedelta(days=10)
    referral = _with_rg(carol, case_id, "positive", rg_on)
    with pytest.raises(NrmRuleError):  # but not before the RG decision itself
        do_record_conclusive_grounds(
            referral.pk,
            actor=carol,
            decision="withdrawn",
            decided_on=rg_on - timedelta(days=1),
            expected_version=2,
        )
    done = do_record_conclusive_grounds(
        referral.pk,
        actor=carol,
        decision="withdrawn",
        decided_on=rg_on + timedelta(days=1),
        expected_version=2,
    )
    assert done.conclusive_grounds == "withdrawn"


@pytest.mark.django_db
@pytest.mark.parametrize("rg", ["negative", "withdrawn", None])
def test_cg_needs_a_positive_rg(
    carol: Actor, case_and_victim: tuple[int, int], rg: str | None
) -> None:
    case_id, _ = case_and_victim
    old = TODAY() - timedelta(days=80)
    if rg is None:
        referral = refer(carol, case_id)
        version = 1
    else:
        referral = _with_rg(carol, case_id, rg, old)
        version = 2
    with pytest.raises(NrmRuleError, match="positive Reasonable Grounds"):
        do_record_conclusive_grounds(
            referral.pk,
            actor=carol,
            decision="positive",
            decided_on=TODAY(),
            expected_version=version,
        )
