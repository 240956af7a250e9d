"""The modern slavery pages as reads: NRM referrals the actor may see, already shown.

:func:`read_nrm_list` (the list), :func:`read_nrm_referral_page` (one referral and its
potential victim), :func:`nrm_victim_choices` (the referral form's people) and the case
panel (:func:`nrm_panel` shapes the referrals ``read_case_page`` read and logged;
:func:`read_nrm_case_panel` reads and logs them itself). Each applies the sharing
agreements through :func:`~.nrm.nrm_referrals_visible_to`, withholds what a
pseudonymised actor may not see (case reference, notes: ``None``), and logs what it
returns in one write, under the event names the pages have always used. A fixed
number of queries however many referrals are shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from saferleeds.audit.log import record_consultations
from saferleeds.core.calendar import working_days_between
from saferleeds.nrm.access import (
    access_nrm_referral_by_id,
    nrm_referrals_visible_to,
)
from saferleeds.nrm.actions import (
    earliest_conclusive_grounds_on,
    rg_overdue,
)
from saferleeds.nrm.models import NrmReferral
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, may_change, pseudonymised
from saferleeds.people.access import people_visible_to
from saferleeds.people.present import person_path, present_person
from saferleeds.safeguarding.models import Case

__all__ = [
    "STAGES",
    "NrmList",
    "NrmPanel",
    "NrmReferralPage",
    "ReferralRow",
    "nrm_panel",
    "nrm_victim_choices",
    "read_nrm_case_panel",
    "read_nrm_list",
    "read_nrm_referral_page",
]

LIST_EVENT = "safeguarding.nrm_referral.list"
VIEW_EVENT = "safeguarding.nrm_referral.view"
PANEL_EVENT = "safeguarding.nrm.case_panel"
PERSON_EVENT = "people.person.view"
PENDING = NrmReferral.Decision.PENDING
POSITIVE = NrmReferral.Decision.POSITIVE

#: The list's filters: label, and the referrals each keeps.
STAGES: dict[str, str] = {
    "": "All",
    "awaiting_rg": "Awaiting Reasonable Grounds",
    "awaiting_cg": "Awaiting Conclusive Grounds",
    "concluded": "Concluded",
    "duty_to_notify": "Duty to Notify only",
}


def _filter_stage(qs: QuerySet[NrmReferral], stage: str) -> QuerySet[NrmReferral]:
    if stage == "awaiting_rg":
        return qs.filter(duty_to_notify_only=False, reasonable_grounds=PENDING)
    if stage == "awaiting_cg":
        return qs.filter(reasonable_grounds=POSITIVE, conclusive_grounds=PENDING)
    if stage == "concluded":
        return (
            qs.filter(duty_to_notify_only=False)
            .exclude(reasonable_grounds=PENDING)
            .exclude(reasonable_grounds=POSITIVE, conclusive_grounds=PENDING)
        )
    if stage == "duty_to_notify":
        return qs.filter(duty_to_notify_only=True)
    return qs


@dataclass(frozen=True)
class ReferralRow:
    """One referral as the list and the case panel show it."""

    id: int
    case_id: int
    case_reference: str | None  # None for pseudonymised viewers
    agency: str
    referred_on: date
    age_group: str
    kind: str  # "NRM referral" or "Duty to Notify"
    exploitation: str
    rg: str
    rg_on: date | None
    rg_overdue: bool
    waited_working_days: int
    cg: str
    cg_on: date | None
    earliest_cg_on: date | None


def _exploitation_label(values: list[str]) -> str:
    labels = dict(NrmReferral.Exploitation.choices)
    return ", ".join(labels.get(v, v) for v in values)


def _row(
    r: NrmReferral, identified: bool, today: date, case: Case | None = None
) -> ReferralRow:
    dtn = r.duty_to_notify_only
    case = case or r.case
    return ReferralRow(
        id=r.pk,
        case_id=r.case_id,
        case_reference=case.reference if identified else None,
        agency=r.agency.name,
        referred_on=r.referred_on,
        age_group=NrmReferral.AgeGroup(r.age_group).label,
        kind="Duty to Notify (anonymous)" if dtn else "NRM referral",
        exploitation=_exploitation_label(r.exploitation),
        rg="Not applicable"
        if dtn
        else NrmReferral.Decision(r.reasonable_grounds).label,
        rg_on=r.reasonable_grounds_on,
        rg_overdue=rg_overdue(r, today),
        waited_working_days=max(0, working_days_between(r.referred_on, today)),
        cg=(
            NrmReferral.Decision(r.conclusive_grounds).label
            if r.reasonable_grounds == POSITIVE
            else "Not applicable"
        ),
        cg_on=r.conclusive_grounds_on,
        earliest_cg_on=(
            earliest_conclusive_grounds_on(r)
            if r.conclusive_grounds == PENDING
            else None
        ),
    )


def _audited(referrals: Iterable[NrmReferral]) -> list[tuple[str, object, int | None]]:
    return [(RecordType.NRM_REFERRAL, r.pk, r.potential_victim_id) for r in referrals]


@dataclass(frozen=True)
class NrmList:
    """The referral list: at most ``limit`` rows, newest first."""

    rows: tuple[ReferralRow, ...]
    stage: str
    limit: int
    pseudonymised: bool

    @property
    def truncated(self) -> bool:
        """Whether there may be more referrals than were returned."""
        return len(self.rows) >= self.limit

    @property
    def overdue_count(self) -> int:
        """Rows awaiting a Reasonable Grounds decision past the target."""
        return sum(1 for r in self.rows if r.rg_overdue)


LIST_LIMIT = 200


def read_nrm_list(actor: Actor, stage: str = "", *, limit: int = LIST_LIMIT) -> NrmList:
    """The referrals the actor may see at a stage (``STAGES``; unknown: all), each
    logged (``safeguarding.nrm_referral.list``)."""
    if stage not in STAGES:
        stage = ""
    qs = _filter_stage(
        nrm_referrals_visible_to(actor).select_related("case", "agency"), stage
    ).order_by("-referred_on", "-id")
    referrals = list(qs[:limit])
    record_consultations(actor, [(LIST_EVENT, _audited(referrals), {})])
    identified = not pseudonymised(actor)
    today = timezone.localdate()
    return NrmList(
        rows=tuple(_row(r, identified, today) for r in referrals),
        stage=stage,
        limit=limit,
        pseudonymised=not identified,
    )


def _next_step(referral: NrmReferral) -> str:
    """Which decision can be recorded next: "rg", "cg" or ""."""
    if referral.duty_to_notify_only:
        return ""
    if referral.reasonable_grounds == PENDING:
        return "rg"
    if (
        referral.reasonable_grounds == POSITIVE
        and referral.conclusive_grounds == PENDING
    ):
        return "cg"
    return ""


@dataclass(frozen=True)
class NrmReferralPage:
    """One referral as its page shows it; ``notes`` is ``None`` when pseudonymised."""

    id: int
    row: ReferralRow
    duty_to_notify_only: bool
    age_group: str  # the stored value ("child", "adult")
    consented: bool
    notes: str | None
    victim: str  # name, pseudonym, or why there is none to show
    victim_url: str | None
    next_step: str  # "rg", "cg" or "" (nothing the actor may record)
    pseudonymised: bool


def read_nrm_referral_page(actor: Actor, referral_id: int) -> NrmReferralPage:
    """A referral and its potential victim (if the actor may see them), logged in one
    write: the referral (``safeguarding.nrm_referral.view``) and the person shown
    (``people.person.view``).

    Raises:
        NotFound: Missing or not visible (the refusal is logged).
    """
    referral = access_nrm_referral_by_id(
        actor,
        referral_id,
        event=VIEW_EVENT,
        audit=False,
    )
    identified = not pseudonymised(actor)
    person = None
    if referral.potential_victim_id is not None:
        person = (
            people_visible_to(actor).filter(pk=referral.potential_victim_id).first()
        )
    record_consultations(
        actor,
        [
            (VIEW_EVENT, _audited([referral]), {}),
            (
                PERSON_EVENT,
                [(RecordType.PERSON, person.pk, person.pk)] if person else [],
                {},
            ),
        ],
    )
    if referral.potential_victim_id is None:
        victim, victim_url = "Not recorded", None
    elif person is None:
        victim, victim_url = "Recorded (not shared with your agency)", None
    else:
        victim = present_person(actor, person).display_name
        victim_url = person_path(actor, person.pk)
    can_change = may_change(actor, {referral.agency_id}, {referral.case_id})
    return NrmReferralPage(
        id=referral.pk,
        row=_row(referral, identified, timezone.localdate()),
        duty_to_notify_only=referral.duty_to_notify_only,
        age_group=referral.age_group,
        consented=referral.consented,
        notes=referral.notes if identified else None,
        victim=victim,
        victim_url=victim_url,
        next_step=_next_step(referral) if can_change else "",
        pseudonymised=not identified,
    )


def nrm_victim_choices(actor: Actor, case_id: int) -> list[tuple[int, str]]:
    """``(person id, name)`` of the people on the case the actor may see, for the
    potential-victim choice, each logged (``people.person.view``)."""
    people = list(
        people_visible_to(actor)
        .filter(case_links__case_id=case_id)
        .distinct()
        .order_by("family_name", "given_name", "id")
    )
    record_consultations(
        actor,
        [(PERSON_EVENT, [(RecordType.PERSON, p.pk, p.pk) for p in people], {})],
    )
    return [(p.pk, present_person(actor, p).display_name) for p in people]


@dataclass(frozen=True)
class NrmPanel:
    """The NRM panel of a modern slavery case."""

    case_id: int
    rows: tuple[ReferralRow, ...]
    can_refer: bool


def nrm_panel(actor: Actor, case: Case, referrals: Iterable[NrmReferral]) -> NrmPanel:
    """Shape referrals already read (and logged), with their agency, into the panel."""
    identified = not pseudonymised(actor)
    today = timezone.localdate()
    ordered = sorted(referrals, key=lambda r: (r.referred_on, r.pk), reverse=True)
    return NrmPanel(
        case_id=case.pk,
        rows=tuple(_row(r, identified, today, case) for r in ordered),
        can_refer=case.status == Case.Status.OPEN
        and may_change(actor, {case.lead_agency_id}, {case.pk}),
    )


def read_nrm_case_panel(actor: Actor, case: Case) -> NrmPanel:
    """The NRM panel of a case the actor has opened (through ``access_case_by_id``),
    each referral shown logged (``safeguarding.nrm.case_panel``). The case page's
    panel comes with its reader instead (``CasePage.nrm_panel``)."""
    referrals = list(
        nrm_referrals_visible_to(actor).filter(case=case).select_related("agency")
    )
    record_consultations(actor, [(PANEL_EVENT, _audited(referrals), {})])
    return nrm_panel(actor, case, referrals)
