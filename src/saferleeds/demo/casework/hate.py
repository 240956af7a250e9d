"""Demo hate casework: a reporting centre with rita.reporter's account, and about twenty
hate reports (public and third-party, some anonymous) in every state of triage, with a
repeat victim, a repeat location and one report worked as a hate crime case.

Every record is made through the actions the pages use (carol.coordinator, LCC's hate
crime lead, triages), so the audit trail is real. Only the reports' received dates are
moved back afterwards, to spread them over the year as real reports would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from saferleeds.demo.personas import DEMO_PASSWORD, PERSONAS, refuse_outside_demo
from saferleeds.hate.actions import (
    do_close_hate_report,
    do_ensure_centre_staff,
    do_ensure_reporting_centre,
    do_open_hate_case,
    do_receive_hate_report,
    do_refer_hate_report_to_police,
    do_submit_centre_report,
    do_triage_hate_report,
)
from saferleeds.hate.models import HateReport
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for
from saferleeds.people.models import Person

CENTRE = "City One Stop Centre"
CENTRE_ADDRESS = "Merrion House, 110 Merrion Centre, Leeds LS2 8BB"
CENTRE_WORKER = "rita.reporter"
TRIAGER = "carol.coordinator"
REPEAT_EMAIL = "a.reporter@example.org"  # an unlinked repeat victim, by email


@dataclass(frozen=True)
class DemoReport:
    """One demo report and what the hate crime team has done with it."""

    days_ago: int
    what: str
    location: str
    postcode: str
    strands: tuple[str, ...]
    centre: bool = False
    anonymous: bool = True
    email: str = ""
    phone: str = ""
    name: str = ""
    status: str = "new"  # new, triaged, referred, closed, case
    priority: str = "standard"
    repeat_victim: bool = False  # linked at triage to the demo's repeat victim


REPORTS: tuple[DemoReport, ...] = (
    DemoReport(3, "Shouted at about my headscarf while waiting for the bus.", "Bus stop outside Leeds station", "LS1 4DY", ("religion",)),
    DemoReport(5, "Stall holder called my friend a racist name and refused to serve her.", "Kirkgate Market", "LS2 7HY", ("race",), anonymous=False, email="friend.helper@example.org", status="triaged", priority="medium"),
    DemoReport(9, "Group of teenagers followed me and mocked my walking stick.", "Kirkgate Market", "LS2 7HY", ("disability",), centre=True, anonymous=False, phone="07700 900 111", name="Mr Ade", status="new"),
    DemoReport(14, "Graffiti with homophobic slurs sprayed on our front door.", "Harehills Lane", "LS8 5HX", ("sexual_orientation",), anonymous=False, email="couple.home@example.org", status="referred", priority="high", repeat_victim=True),
    DemoReport(21, "Neighbour shouted transphobic abuse across the street again.", "Harehills Lane", "LS8 5HX", ("transgender",), centre=True, anonymous=False, email="couple.home@example.org", status="case", priority="high", repeat_victim=True),
    DemoReport(30, "Stone thrown at the window of our mosque during evening prayers.", "Roundhay Road", "LS8 5AN", ("religion", "race"), status="referred", priority="high"),
    DemoReport(38, "Bus driver made comments about my wheelchair and would not lower the ramp.", "Headrow bus stop", "LS1 3AB", ("disability",), anonymous=False, phone="0113 496 0201", status="closed"),
    DemoReport(45, "Someone posted my photo online with racist comments.", "Online (social media)", "", ("race",), anonymous=False, email=REPEAT_EMAIL, status="triaged"),
    DemoReport(52, "Called a slur about my accent outside a takeaway.", "Kirkgate Market", "LS2 7HY", ("race", "other"), status="new"),
    DemoReport(60, "Man spat at me and shouted about my kippah.", "Street Lane, Moortown", "LS17 6HQ", ("religion",), centre=True, status="triaged", priority="medium"),
    DemoReport(75, "Letter pushed through our door telling us to go home.", "Chapeltown Road", "LS7 3HY", ("race",), anonymous=False, email=REPEAT_EMAIL, status="referred", priority="medium"),
    DemoReport(90, "Pushed over on the bus because I use a white cane.", "Briggate", "LS1 6HD", ("disability",), centre=True, anonymous=False, phone="07700 900 222", status="closed"),
    DemoReport(110, "Comments about my sexuality at the gym, staff did nothing.", "Gym on Kirkstall Road", "LS4 2AZ", ("sexual_orientation",), status="new"),
    DemoReport(130, "My son was called names at the park because he is autistic.", "Potternewton Park", "LS7 4HA", ("disability",), anonymous=False, name="Mrs Begum", phone="07700 900 333", status="triaged"),
    DemoReport(150, "Abuse shouted from a car about my turban.", "Roundhay Road", "LS8 5AN", ("religion", "race"), status="closed"),
    DemoReport(170, "Threats written on the wall of the community centre.", "Harehills Lane", "LS8 5HX", ("sexual_orientation", "transgender"), centre=True, status="referred", priority="high", repeat_victim=True),
    DemoReport(200, "Taxi driver refused my assistance dog and swore at me.", "City Square", "LS1 2ES", ("disability",), status="closed"),
    DemoReport(240, "Students chanting antisemitic songs outside the synagogue.", "Street Lane, Moortown", "LS17 6HQ", ("religion",), status="referred", priority="medium"),
    DemoReport(300, "Hostile comments about my nationality on the train home.", "Leeds station", "LS1 4DY", ("race",), centre=True, status="new"),
    DemoReport(400, "Eggs thrown at our house after we put up a Pride flag.", "Harehills Lane", "LS8 5HX", ("sexual_orientation",), status="closed"),
)  # fmt: skip


# Points for public places in the demo (approximate, from the places' public
# addresses), so repeat locations also match by distance (issue #16): City Square is
# about 100 m from Leeds station's front.
POINTS: dict[str, tuple[float, float]] = {
    "Bus stop outside Leeds station": (53.7953, -1.5466),
    "Leeds station": (53.7950, -1.5476),
    "City Square": (53.7958, -1.5474),
    "Kirkgate Market": (53.7973, -1.5394),
    "Briggate": (53.7975, -1.5425),
}


def _details(spec: DemoReport, occurred_on: date) -> dict[str, Any]:
    contact = "email" if spec.email else "phone" if spec.phone else "none"
    point = POINTS.get(spec.location)
    return {
        "latitude": point[0] if point else None,
        "longitude": point[1] if point else None,
        "what_happened": spec.what,
        "occurred_on": occurred_on,
        "occurred_time": time(18, 30),
        "location": spec.location,
        "postcode": spec.postcode,
        "strands": list(spec.strands),
        "strand_other": "Their accent" if "other" in spec.strands else "",
        "perceived_by": "victim",
        "reporter_is_victim": True,
        "anonymous": spec.anonymous,
        "contact_name": "" if spec.anonymous else spec.name,
        "contact_email": "" if spec.anonymous else spec.email,
        "contact_phone": "" if spec.anonymous else spec.phone,
        "contact_preference": "none" if spec.anonymous else contact,
        "safe_times": "",
    }


def _repeat_victim() -> Person | None:
    """A demo person the council holds, to link the repeat victim's reports to."""
    return (
        Person.objects.filter(agency_refs__agency__code="lcc")
        .order_by("pk")
        .distinct()
        .first()
    )


@transaction.atomic
def seed(today: date | None = None) -> int:
    """Seed the demo's hate records once; returns how many reports were created."""
    refuse_outside_demo()  # creates rita.reporter with the published password
    council = Agency.objects.filter(code="lcc").first()
    carol = User.objects.filter(username=TRIAGER).first()
    if council is None or carol is None:
        return 0  # no partner data to build on
    centre = do_ensure_reporting_centre(
        CENTRE, agency=council, address=CENTRE_ADDRESS, actor=None
    )
    rita = next(p for p in PERSONAS if p.username == CENTRE_WORKER)
    worker = do_ensure_centre_staff(
        rita.username,
        centre=centre,
        password=DEMO_PASSWORD,
        first_name=rita.first_name,
        last_name=rita.last_name,
        job_title=rita.job_title,
        actor=None,
    )
    if HateReport.objects.filter(reporting_centre=centre).exists():
        return 0  # seeded already
    centre_actor = actor_for(worker, purpose="demo seed")
    triager = actor_for(carol, purpose="demo seed")
    victim = _repeat_victim()
    today = today or timezone.localdate()
    created = 0
    for i, spec in enumerate(REPORTS):
        occurred_on = today - timedelta(days=spec.days_ago)
        details = _details(spec, occurred_on)
        if spec.centre:
            report = do_submit_centre_report(
                details,
                actor=centre_actor,
                centre_reference=f"COSC-{2000 + i}",
                centre_notes="Seen at the centre; an advocate can attend interviews.",
            )
        else:
            report = do_receive_hate_report(details, actor=None)
        created += 1
        # Received the day after it happened, in office hours (a demo spread only).
        received = timezone.make_aware(
            datetime.combine(occurred_on + timedelta(days=1), time(10, i % 60))
        )
        HateReport.objects.filter(pk=report.pk).update(
            received_at=min(received, timezone.now())
        )
        _work(report, spec, triager, victim, occurred_on)
    return created


def _work(
    report: HateReport,
    spec: DemoReport,
    triager: Any,
    victim: Person | None,
    occurred_on: date,
) -> None:
    """Take a demo report as far through triage as its status says."""
    if spec.status == "new":
        return
    version = do_triage_hate_report(
        report.pk,
        actor=triager,
        expected_version=report.version,
        priority=spec.priority,
        note="Contacted the reporter; support offered.",
        victim_id=victim.pk if victim and spec.repeat_victim else None,
    ).version
    if spec.status in {"referred", "case"}:
        version = do_refer_hate_report_to_police(
            report.pk,
            actor=triager,
            expected_version=version,
            referred_on=min(occurred_on + timedelta(days=2), timezone.localdate()),
            police_reference=f"13{occurred_on:%y%m%d}{report.pk:04d}",
        ).version
    if spec.status == "case":
        do_open_hate_case(report.pk, actor=triager, expected_version=version)
    if spec.status == "closed":
        do_close_hate_report(report.pk, actor=triager, expected_version=version)
