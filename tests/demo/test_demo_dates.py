"""The demo tells one story in time (issue #16 item 12): its dates fit together relative
to the day it is loaded, and a second load reports what the first did.

The demo is loaded once for the module, twice over, with ``saferleeds demo load`` as a
user runs it; what it holds is read back through ``saferleeds manage shell`` as JSON.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from saferleeds.demo import generator
from saferleeds.demo.clock import LAG_DAYS, PERIOD_END, DemoCalendar
from tests.cli.test_cli import manage_shell, saferleeds

# Everything with a date the demo holds, as JSON (run inside the loaded data dir).
FACTS = r"""
import json
from django.utils import timezone
from saferleeds.asb.models import AsbCaseReview, AsbComplaint, AsbIntervention
from saferleeds.governance.models import (
    BoardMeeting, Deliverable, Milestone, StatusChange, TensionReport)
from saferleeds.hate.models import HateReport
from saferleeds.incidents.models import Incident, IncidentPerson
from saferleeds.iom.models import (
    IomDecision, IomIntervention, IomMeeting, IomMember, PathwayNeed)
from saferleeds.marac.models import DashAssessment, MaracMeeting, MaracReferral
from saferleeds.nrm.models import NrmReferral
from saferleeds.offending.models import Disposal, Offence
from saferleeds.people.models import Person
from saferleeds.safeguarding.models import (
    Case, CaseDocument, CaseIncident, CaseNote, CasePerson, CaseTask)
from saferleeds.partners.models import SharingAgreement

def d(v):
    return v.isoformat() if v else None

def day(dt):
    return timezone.localtime(dt).date().isoformat() if dt else None

born = dict(Person.objects.values_list("pk", "date_of_birth"))
born = {k: d(v) for k, v in born.items()}
out = {"today": timezone.localdate().isoformat()}
out["cases"] = [
    {"id": c.pk, "ref": c.reference, "type": c.case_type, "opened": d(c.opened_on),
     "review_due": d(c.review_due_on), "consent": d(c.consent_recorded_on),
     "closed": d(c.closed_on)}
    for c in Case.objects.all()]
out["case_events"] = (
    [(n.case_id, "note", day(n.created_at)) for n in CaseNote.objects.all()]
    + [(t.case_id, "task", day(t.created_at)) for t in CaseTask.objects.all()]
    + [(t.case_id, "document", day(t.uploaded_at)) for t in CaseDocument.objects.all()]
    + [(r.case_id, "referral", d(r.referred_on)) for r in MaracReferral.objects.all()]
    + [(a.case_id, "dash", d(a.assessed_on)) for a in DashAssessment.objects.all()])
out["tasks"] = [(d(t.due_on), d(t.completed_on), day(t.created_at))
                for t in CaseTask.objects.all()]
out["incidents"] = [
    (i.pk, i.category, d(i.occurred_on), i.reference) for i in Incident.objects.all()]
out["incident_people"] = [
    (ip.incident_id, ip.person_id, ip.role) for ip in IncidentPerson.objects.all()]
out["case_incidents"] = list(CaseIncident.objects.values_list("case_id", "incident_id"))
out["case_people"] = list(CasePerson.objects.values_list("case_id", "person_id", "role"))
out["born"] = born
out["meetings"] = [(m.pk, d(m.held_on), m.status) for m in MaracMeeting.objects.all()]
out["referrals"] = [
    (r.pk, r.case_id, r.victim_id, d(r.referred_on), r.meeting_id, r.status)
    for r in MaracReferral.objects.all()]
out["dash"] = [(a.case_id, a.victim_id, d(a.assessed_on))
               for a in DashAssessment.objects.all()]
out["offences"] = [(o.person_id, d(o.committed_on), d(o.proven_on), o.role)
                   for o in Offence.objects.all()]
out["disposals"] = [(x.person_id, d(x.disposed_on), x.disposal_type)
                    for x in Disposal.objects.all()]
out["hate"] = [(h.case_id, d(h.occurred_on), day(h.received_at), day(h.triaged_at),
                d(h.police_referred_on)) for h in HateReport.objects.all()]
out["asb"] = [(a.case_id, d(a.behaviour_on), d(a.reported_on))
              for a in AsbComplaint.objects.all()]
out["asb_interventions"] = [(d(i.issued_on), d(i.outcome_on))
                            for i in AsbIntervention.objects.all()]
out["asb_reviews"] = [(d(r.received_on), d(r.acknowledged_on), d(r.decision_on),
                       d(r.review_held_on)) for r in AsbCaseReview.objects.all()]
out["nrm"] = [(r.case_id, d(r.referred_on), d(r.reasonable_grounds_on),
               d(r.conclusive_grounds_on)) for r in NrmReferral.objects.all()]
out["iom_meetings"] = [(m.pk, d(m.held_on), m.status) for m in IomMeeting.objects.all()]
out["iom_past"] = (
    [d(m.adopted_on) for m in IomMember.objects.all()]
    + [d(x.decided_on) for x in IomDecision.objects.all()]
    + [d(p.assessed_on) for p in PathwayNeed.objects.all()]
    + [d(i.started_on) for i in IomIntervention.objects.all()]
    + [d(i.ended_on) for i in IomIntervention.objects.exclude(ended_on=None)])
out["governance_past"] = (
    [d(x) for x in Deliverable.objects.exclude(rag_updated_on=None).values_list(
        "rag_updated_on", flat=True)]
    + [d(x) for x in StatusChange.objects.values_list("changed_on", flat=True)]
    + [d(x) for x in Milestone.objects.exclude(done_on=None).values_list(
        "done_on", flat=True)]
    + [d(x) for x in BoardMeeting.objects.values_list("held_on", flat=True)]
    + [d(x) for x in TensionReport.objects.values_list("week_starting", flat=True)])
models = [Case, CaseNote, CaseTask, CasePerson, CaseIncident, Incident, IncidentPerson,
          Person, MaracMeeting, MaracReferral, DashAssessment, Offence, Disposal,
          HateReport, AsbComplaint, AsbCaseReview, NrmReferral, IomMeeting, IomMember,
          IomDecision, Deliverable, StatusChange, Milestone, BoardMeeting,
          TensionReport, SharingAgreement]
out["counts"] = {m.__name__: m.objects.count() for m in models}
print("FACTS " + json.dumps(out))
"""


def _facts(data: Path) -> dict[str, Any]:
    out = manage_shell(data, FACTS)
    line = next(x for x in out.splitlines() if x.startswith("FACTS "))
    facts: dict[str, Any] = json.loads(line.removeprefix("FACTS "))
    return facts


def _summary(stderr: str) -> str:
    """What ``demo load`` says the demo holds (from "Loaded" to the linkage line)."""
    text = " ".join(stderr.split())  # the terminal may wrap lines
    start = text.index("Loaded ")
    return text[start : text.index("Record linkage:", start)]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo loaded twice into one data dir: both loads' output and what it holds."""
    data = tmp_path_factory.mktemp("demo-dates")
    first = saferleeds(data, "demo", "load")
    assert first.returncode == 0, first.stderr
    facts = _facts(data)
    second = saferleeds(data, "demo", "load")
    assert second.returncode == 0, second.stderr
    return {
        "first": first.stderr,
        "second": second.stderr,
        "facts": facts,
        "again": _facts(data),
    }


def _day(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# --- the calendar ----------------------------------------------------------------------


def test_the_calendar_moves_the_generated_period_to_end_weeks_before_the_load() -> None:
    assert str(generator.PERIOD_END) == PERIOD_END.isoformat()
    for today in (date(2026, 12, 5), date(2031, 2, 28), date(2024, 2, 29)):
        cal = DemoCalendar.of(today)
        assert cal.shift_days % 7 == 0  # weekdays kept
        assert (
            today - timedelta(days=LAG_DAYS + 6)
            <= cal.last_day
            <= today - timedelta(days=LAG_DAYS)
        )
        assert abs(cal.shift_days - 365.2425 * cal.shift_years) <= 183 + 7
        assert cal.day(PERIOD_END) == cal.last_day
        # Dates of birth keep day and month (an agency's day-month swap stays one).
        assert cal.born(date(1980, 3, 11)) == date(1980 + cal.shift_years, 3, 11)
        assert cal.born(date(1980, 11, 3)) == date(1980 + cal.shift_years, 11, 3)
        # The same day gives the same calendar: the demo is deterministic given it.
        assert DemoCalendar.of(today) == cal
    seven = DemoCalendar(date(2025, 12, 5))
    assert seven.shift_years == 7
    assert seven.born(date(1984, 2, 29)) == date(1991, 2, 28)


# --- the loaded demo -------------------------------------------------------------------


def test_a_second_load_reports_and_holds_what_the_first_did(
    loaded: dict[str, Any],
) -> None:
    assert _summary(loaded["second"]) == _summary(loaded["first"])
    assert "police.uk: 60,172 rows held" in _summary(loaded["first"])
    assert "0 added" in loaded["second"]  # the second imported nothing new
    assert loaded["again"]["counts"] == loaded["facts"]["counts"]
    counts = loaded["facts"]["counts"]
    summary = _summary(loaded["first"])
    assert f"{counts['Person']:,} people" in summary
    assert f"{counts['Incident']:,} incidents" in summary
    assert f"{counts['Case']} cases" in summary
    assert f"{counts['SharingAgreement']} sharing agreements" in summary


def test_nothing_that_has_happened_is_dated_after_today(
    loaded: dict[str, Any],
) -> None:
    f = loaded["facts"]
    today = date.fromisoformat(f["today"])
    past: list[tuple[str, str | None]] = [
        *(("incident", i[2]) for i in f["incidents"]),
        *(("case opened", c["opened"]) for c in f["cases"]),
        *(("consent", c["consent"]) for c in f["cases"]),
        *(("case closed", c["closed"]) for c in f["cases"]),
        *((f"case {kind}", on) for _, kind, on in f["case_events"]),
        *(("task done", t[1]) for t in f["tasks"]),
        *(("referral", r[3]) for r in f["referrals"]),
        *(("dash", a[2]) for a in f["dash"]),
        *(("offence", o[1]) for o in f["offences"]),
        *(("proven", o[2]) for o in f["offences"]),
        *(("disposal", x[1]) for x in f["disposals"]),
        *(("hate", x) for h in f["hate"] for x in h[1:]),
        *(("asb", x) for a in f["asb"] for x in a[1:]),
        *(("asb intervention", i[0]) for i in f["asb_interventions"]),
        *(("asb review", x) for r in f["asb_reviews"] for x in r),
        *(("nrm", x) for r in f["nrm"] for x in r[1:]),
        *(("iom", x) for x in f["iom_past"]),
        *(("governance", x) for x in f["governance_past"]),
    ]
    late = [(what, on) for what, on in past if on and date.fromisoformat(on) > today]
    assert not late, late
    assert len(past) > 2000


def test_partner_casework_is_recent(loaded: dict[str, Any]) -> None:
    """Two years of partner incidents ending weeks before the load (the police.uk
    months stay the real ones: the banner says so)."""
    f = loaded["facts"]
    today = date.fromisoformat(f["today"])
    days = sorted(date.fromisoformat(i[2]) for i in f["incidents"])
    assert today - timedelta(days=2 * 366 + LAG_DAYS + 7) <= days[0]
    # The latest generated incident is LAG_DAYS to a week more before today; the
    # demo's own repeat incident (a breach last week) is after it.
    generated = [date.fromisoformat(i[2]) for i in f["incidents"] if "DEMO" not in i[3]]
    assert (
        today - timedelta(days=LAG_DAYS + 13)
        <= max(generated)
        <= today - timedelta(days=LAG_DAYS)
    )
    offences = [date.fromisoformat(o[1]) for o in f["offences"]]
    assert min(offences) >= days[0] and max(offences) <= max(generated)


def test_references_carry_the_year_the_case_was_opened(
    loaded: dict[str, Any],
) -> None:
    cases = loaded["facts"]["cases"]
    dated = [c for c in cases if re.fullmatch(r"[A-Z]+-\d{4}-\d+", c["ref"])]
    assert len(dated) >= 8, cases
    for c in dated:
        assert c["ref"].split("-")[1] == c["opened"][:4], c
    marac = sorted(c["ref"] for c in cases if c["type"] == "marac")
    assert len({r[-3:] for r in marac}) == len(marac)  # numbers stay unique


def test_a_case_is_opened_before_its_events(loaded: dict[str, Any]) -> None:
    f = loaded["facts"]
    opened = {c["id"]: date.fromisoformat(c["opened"]) for c in f["cases"]}
    early = [
        (case, kind, on)
        for case, kind, on in f["case_events"]
        if date.fromisoformat(on) < opened[case]
    ]
    assert not early, early
    for c in f["cases"]:
        for field in ("review_due", "consent", "closed"):
            assert not c[field] or c[field] >= c["opened"], c
    # A hate case is opened from its report: the report came first.
    for case, occurred, received, _, _ in f["hate"]:
        if case is not None:
            assert occurred <= received <= opened[case].isoformat()
    # A MARAC case opens with its first incident; its incidents are its own history.
    incidents = {i[0]: i[2] for i in f["incidents"]}
    first: dict[int, str] = {}
    for case, incident in f["case_incidents"]:
        first[case] = min(first.get(case, "9999"), incidents[incident])
    for c in f["cases"]:
        if c["type"] == "marac" and c["id"] in first:
            assert c["opened"] == first[c["id"]], c
    for _, behaviour, reported in f["asb"]:
        assert behaviour <= reported
    for _, referred, rg, cg in f["nrm"]:
        assert all(x is None or referred <= x for x in (rg, cg))


def test_marac_meetings_form_one_sequence(loaded: dict[str, Any]) -> None:
    f = loaded["facts"]
    today = date.fromisoformat(f["today"])
    meetings = {m[0]: (date.fromisoformat(m[1]), m[2]) for m in f["meetings"]}
    days = [d for d, _ in meetings.values()]
    assert len(set(days)) == len(days), "one meeting a day"
    held = sorted(d for d, s in meetings.values() if s == "held")
    coming = sorted(d for d, s in meetings.values() if s == "scheduled")
    assert held and all(d <= today for d in held)
    # The next meeting is due; none is left scheduled in the past.
    assert len(coming) == 1 and coming[0] > today
    assert min(days) >= today - timedelta(days=2 * 366 + LAG_DAYS + 21)
    by_case: dict[int, list[tuple[date, date | None, str]]] = defaultdict(list)
    for _, case, _, referred, meeting, status in f["referrals"]:
        on = date.fromisoformat(referred)
        at = meetings[meeting][0] if meeting else None
        if at is not None:
            assert on <= at  # referred before the meeting that hears it
        if status in ("heard", "closed"):
            assert at is not None and at <= today
        by_case[case].append((on, at, status))
    # A case's referrals follow one another: the next after the last was heard.
    for case, referrals in by_case.items():
        referrals.sort()
        for (_, heard, _), (after, _, _) in zip(referrals, referrals[1:], strict=False):
            assert heard is not None and heard <= after, (case, referrals)
    assert sum(len(r) > 1 for r in by_case.values()) >= 2  # repeats in the history


def test_iom_reviews_past_and_next(loaded: dict[str, Any]) -> None:
    f = loaded["facts"]
    today = date.fromisoformat(f["today"])
    held = [date.fromisoformat(m[1]) for m in f["iom_meetings"] if m[2] == "held"]
    due = [date.fromisoformat(m[1]) for m in f["iom_meetings"] if m[2] != "held"]
    assert held and max(held) < today and due and min(due) > today


def test_ages_fit_each_role(loaded: dict[str, Any]) -> None:
    f = loaded["facts"]
    born = {int(k): _day(v) for k, v in f["born"].items()}
    incidents = {i[0]: (i[1], date.fromisoformat(i[2])) for i in f["incidents"]}
    da_victims = [
        _age(born[person], incidents[incident][1])
        for incident, person, role in f["incident_people"]
        if role == "victim"
        and incidents[incident][0] == "domestic_abuse"
        and born.get(person)
    ]
    marac_victims = [
        _age(born[victim], date.fromisoformat(on))
        for _, _, victim, on, _, _ in f["referrals"]
        if born.get(victim)
    ] + [
        _age(born[victim], date.fromisoformat(on))
        for _, victim, on in f["dash"]
        if born.get(victim)
    ]
    assert len(da_victims) > 100 and marac_victims
    assert 18 <= min(da_victims + marac_victims)
    assert max(da_victims + marac_victims) <= 85
    offenders = [
        _age(b, date.fromisoformat(on))
        for p, on, _, _ in f["offences"]
        if (b := born[p]) is not None
    ]
    assert len(offenders) > 100 and min(offenders) >= 10
    # Youth disposals are children's (first-time entrants are 10 to 17); adults' are
    # adults'.
    youth = {"youth_caution", "youth_court_sentence"}
    for person, on, kind in f["disposals"]:
        birth = born[person]
        if birth is None:
            continue
        age = _age(birth, date.fromisoformat(on))
        if kind in youth:
            assert 10 <= age <= 17, (person, on, kind)
        elif kind in ("caution", "court_non_custodial"):
            assert age >= 18, (person, on, kind)
    assert any(kind in youth for _, _, kind in f["disposals"])


# --- a pinned day ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_partner_data_follows_a_pinned_day(personas: dict[str, Any]) -> None:
    """The loader's "today" is injected: the same records land relative to it."""
    from saferleeds.demo.partner_data import seed_partner_data
    from saferleeds.incidents.models import Incident
    from saferleeds.people.models import Person
    from saferleeds.safeguarding.models import Case

    pinned = date(2031, 5, 14)
    seed_partner_data(today=pinned)
    cal = DemoCalendar(pinned)
    days = list(Incident.objects.values_list("occurred_on", flat=True))
    assert cal.first_day <= min(days) and max(days) <= cal.last_day
    assert max(days) >= cal.last_day - timedelta(days=7)
    for c in Case.objects.filter(case_type=Case.Type.MARAC):
        assert c.reference == f"MARAC-{c.opened_on.year}-{c.reference[-3:]}"
        assert cal.first_day <= c.opened_on <= cal.last_day
    born = [b for b in Person.objects.values_list("date_of_birth", flat=True) if b]
    # People were 10 to 90 at the generator's start (1 January 2017), moved with it.
    assert min(born).year >= 2017 - 91 + cal.shift_years
    assert max(born).year <= 2017 - 10 + cal.shift_years
