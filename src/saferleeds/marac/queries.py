"""System-side MARAC reads: the cross-agency incident count, repeat flags and figures.

SafeLives' "flag and tag" needs every agency's domestic abuse incidents between a victim
and a perpetrator, whatever agency the person asking belongs to. These functions count
them on the system's side and hand back only what the rules allow: a count and dates
to the actions that apply the criteria (never the records), and, for the coordinator's
repeat flags, which referral is flagged with the details of the incidents the
coordinator may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from saferleeds.audit.log import Consultations, record_many
from saferleeds.audit.models import Operation
from saferleeds.incidents.access import incidents_visible_to
from saferleeds.incidents.models import Incident, IncidentPerson
from saferleeds.marac.access import marac_referrals_visible_to
from saferleeds.marac.figures import (
    MaracFigures,
    ReferralRow,
    marac_figures,
)
from saferleeds.marac.models import MaracReferral
from saferleeds.marac.rules import REPEAT_WINDOW_DAYS
from saferleeds.partners.models import RecordType, Role
from saferleeds.partners.policy import Actor, Forbidden
from saferleeds.partnership import MaracSettings, current
from saferleeds.people.models import SubjectRole

PERPETRATOR_ROLES = (SubjectRole.SUSPECT, SubjectRole.OFFENDER)
"""Roles a perpetrator has on an incident record (agencies record them as suspects)."""

COORDINATOR_ROLES = frozenset({Role.CASE_COORDINATOR})


def marac_settings() -> MaracSettings:
    """The partnership file's ``[casework.marac]`` (SafeLives defaults where unset)."""
    return current().casework.marac


def domestic_abuse_incidents(
    victim_id: int, perpetrator_id: int | None
) -> QuerySet[Incident]:
    """Every agency's domestic abuse incidents with this victim (and perpetrator).

    System-side and unaudited: callers must not show these records to anyone; they
    feed the criteria and the repeat flags only. Without a perpetrator, every domestic
    abuse incident the victim is a victim on counts.
    """
    qs = Incident.objects.filter(
        category=Incident.Category.DOMESTIC_ABUSE,
        people__person_id=victim_id,
        people__role=SubjectRole.VICTIM,
    )
    if perpetrator_id is not None:
        # A second filter() so the perpetrator may be a different IncidentPerson row.
        qs = qs.filter(
            people__person_id=perpetrator_id, people__role__in=PERPETRATOR_ROLES
        )
    return qs.distinct()


def incident_dates(victim_id: int, perpetrator_id: int | None) -> list[date]:
    """Dates of :func:`domestic_abuse_incidents`, oldest first."""
    return sorted(
        domestic_abuse_incidents(victim_id, perpetrator_id).values_list(
            "occurred_on", flat=True
        )
    )


def last_referral(
    victim_id: int, *, on_or_before: date, exclude_id: int | None = None
) -> MaracReferral | None:
    """The victim's latest MARAC referral made on or before a day (withdrawn ones
    do not count), by any agency."""
    qs = MaracReferral.objects.filter(
        victim_id=victim_id, referred_on__lte=on_or_before
    ).exclude(status=MaracReferral.Status.WITHDRAWN)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("-referred_on", "-id").first()


@dataclass(frozen=True)
class VisibleIncident:
    """A further incident the coordinator may see."""

    occurred_on: date
    agency: str
    reference: str


@dataclass(frozen=True)
class RepeatFlag:
    """An open repeat: further incidents after a victim's last referral.

    Attributes:
        referral_id: The last referral, which the repeat is tagged to.
        referred_on: Its date.
        case_reference: Its case's reference, if the actor may see the referral.
        further_incidents: How many further incidents (every agency's).
        first_incident_on: When the first of them happened.
        flag_ends_on: Last day of the 12 months after the referral (incidents after
            it are new referrals, not repeats).
        visible: Those of the incidents the actor may see, with their agency.
        others: How many the actor may not see (held by other agencies).
    """

    referral_id: int
    referred_on: date
    case_reference: str | None
    further_incidents: int
    first_incident_on: date
    flag_ends_on: date
    visible: tuple[VisibleIncident, ...]
    others: int


def _further_incidents(
    referrals: list[MaracReferral], earliest: date, day: date
) -> dict[int, list[tuple[int, date]]]:
    """For each referral, the ``(id, date)`` of the domestic abuse incidents with its
    victim (and perpetrator) after it, within its 12 months and the window ending
    ``day``, oldest first: the rule of :func:`domestic_abuse_incidents`, for every
    referral in one query (system-side and unaudited, as that is)."""
    people = {r.victim_id for r in referrals} | {
        r.perpetrator_id for r in referrals if r.perpetrator_id is not None
    }
    if not people:
        return {}
    victims: dict[int, set[int]] = {}
    perpetrators: dict[int, set[int]] = {}
    dates: dict[int, date] = {}
    for incident_id, on, person_id, role in IncidentPerson.objects.filter(
        incident__category=Incident.Category.DOMESTIC_ABUSE,
        incident__occurred_on__gte=earliest,
        incident__occurred_on__lte=day,
        person_id__in=people,
    ).values_list("incident_id", "incident__occurred_on", "person_id", "role"):
        dates[incident_id] = on
        if role == SubjectRole.VICTIM:
            victims.setdefault(incident_id, set()).add(person_id)
        if role in PERPETRATOR_ROLES:
            perpetrators.setdefault(incident_id, set()).add(person_id)
    further: dict[int, list[tuple[int, date]]] = {}
    for r in referrals:
        ends = min(r.referred_on + timedelta(days=REPEAT_WINDOW_DAYS), day)
        found = [
            (incident_id, on)
            for incident_id, on in dates.items()
            if r.referred_on < on <= ends
            and r.victim_id in victims.get(incident_id, ())
            and (
                r.perpetrator_id is None
                or r.perpetrator_id in perpetrators.get(incident_id, ())
            )
        ]
        if found:
            further[r.pk] = sorted(found, key=lambda f: (f[1], f[0]))
    return further


def repeat_flags(
    actor: Actor,
    *,
    today: date | None = None,
    batches: list[Consultations] | None = None,
) -> list[RepeatFlag]:
    """Open repeat flags for the MARAC coordinator, from every agency's incidents.

    A victim's latest referral is flagged when a domestic abuse incident with the same
    victim and perpetrator happened 1 to 365 days after it (and not after today),
    whoever recorded it. The flag closes when the victim is referred again, or lapses
    once every such incident is more than 365 days old (a referral then would not be
    a repeat: see ``actions.marac.referral_criteria``). The
    coordinator learns that a repeat exists and which referral it belongs to; the
    incidents' details are given only for incidents the coordinator may see. Each
    visible referral and incident shown is audited.

    Raises:
        Forbidden: The actor is not a case coordinator.
    """
    if not actor.has(COORDINATOR_ROLES):
        raise Forbidden("only MARAC coordinators see the repeat flags")
    day = today or timezone.localdate()
    earliest = day - timedelta(days=REPEAT_WINDOW_DAYS)
    latest: dict[int, MaracReferral] = {}
    for r in (
        MaracReferral.objects.exclude(status=MaracReferral.Status.WITHDRAWN)
        # An older referral's flag has lapsed, and a victim with a newer one is
        # judged on the newer: neither needs reading.
        .filter(
            referred_on__lte=day,
            referred_on__gte=earliest - timedelta(days=REPEAT_WINDOW_DAYS),
        )
        .select_related("case")
        .order_by("referred_on", "id")
    ):
        latest[r.victim_id] = r  # ordered: the last one wins
    seen_referrals = set(
        marac_referrals_visible_to(actor)
        .filter(pk__in=[r.pk for r in latest.values()])
        .values_list("pk", flat=True)
    )
    candidates = [
        r
        for r in sorted(latest.values(), key=lambda r: (r.referred_on, r.pk))
        # Past its window, any further incident would be over 12 months old: lapsed.
        if r.referred_on + timedelta(days=REPEAT_WINDOW_DAYS) >= earliest
    ]
    further_of = _further_incidents(candidates, earliest, day)
    shown_by_id = {
        i.pk: i
        for i in incidents_visible_to(actor)
        .filter(pk__in=[pk for found in further_of.values() for pk, _ in found])
        .select_related("owner_agency")
    }
    flags: list[RepeatFlag] = []
    audit: list[tuple[str, object, int | None]] = []
    for r in candidates:
        ends = r.referred_on + timedelta(days=REPEAT_WINDOW_DAYS)
        found = further_of.get(r.pk, [])
        if not found:
            continue
        shown = [shown_by_id[pk] for pk, _ in found if pk in shown_by_id]
        is_seen = r.pk in seen_referrals
        if is_seen:
            audit.append((RecordType.MARAC_REFERRAL, r.pk, r.victim_id))
        audit += [(RecordType.INCIDENT, i.pk, None) for i in shown]
        flags.append(
            RepeatFlag(
                referral_id=r.pk,
                referred_on=r.referred_on,
                case_reference=r.case.reference if is_seen else None,
                further_incidents=len(found),
                first_incident_on=found[0][1],
                flag_ends_on=ends,
                visible=tuple(
                    VisibleIncident(i.occurred_on, i.owner_agency.name, i.reference)
                    for i in shown
                ),
                others=len(found) - len(shown),
            )
        )
    if batches is not None:  # the caller logs them with the rest of its page
        batches.append(("safeguarding.marac.repeat_flags", audit, {}))
    elif audit:
        record_many(
            actor,
            operation=Operation.CONSULTATION,
            event="safeguarding.marac.repeat_flags",
            records=audit,
        )
    return flags


def referral_rows(start: date, end: date) -> list[ReferralRow]:
    """Referrals made from ``start`` to ``end`` as figure rows (no personal data).

    Withdrawn referrals are not counted: they were never heard.
    """
    return [
        ReferralRow(referred_on=d, is_repeat=rep, agency=name)
        for d, rep, name in MaracReferral.objects.filter(
            referred_on__gte=start, referred_on__lte=end
        )
        .exclude(status=MaracReferral.Status.WITHDRAWN)
        .values_list("referred_on", "is_repeat", "referring_agency__name")
    ]


def figures_for_period(start: date, end: date) -> MaracFigures:
    """The coordinator's figures for a period, with the configured population.

    Raises:
        ValueError: A period ending before it starts, or no population configured.
    """
    s = marac_settings()
    if s.adult_female_population < 1:
        raise ValueError(
            "set [casework.marac] adult_female_population in the partnership file"
        )
    return marac_figures(
        referral_rows(start, end),
        start=start,
        end=end,
        population=s.adult_female_population,
        population_source=s.adult_female_population_source,
    )
