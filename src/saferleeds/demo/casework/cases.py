"""Demo case core: tasks, documents, consent and areas on the MARAC cases, and two
general safeguarding cases, all made through the case actions (a real audit trail).

Dates are relative to today so that the case list's "overdue" and "review due" filters
always have something to show.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.demo.casework.marac import demo_marac_cases
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, NotFound, actor_for
from saferleeds.places.models import Area
from saferleeds.safeguarding.actions import cases as actions
from saferleeds.safeguarding.models import Case, RiskLevel

# The first general case (CASE-<year opened>-001): present means already seeded.
MARKER = r"^CASE-[0-9]{4}-001$"


def demo_pdf(lines: list[str]) -> bytes:
    """A small, valid one-page PDF showing ``lines`` (Helvetica, no dependencies)."""
    text = "BT /F1 11 Tf 72 770 Td 14 TL " + " ".join(
        "({}) '".format(
            line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        )
        for line in lines
    )
    stream = text.encode("latin-1", "replace") + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _actor(username: str) -> Actor | None:
    user = User.objects.filter(username=username).first()
    return actor_for(user, purpose="demo data") if user else None


def _case_area(case: Case) -> Area | None:
    """The LSOA of the case's first incident with a place, if any."""
    link = (
        case.incidents.select_related("incident__place__lsoa")
        .filter(incident__place__lsoa__isnull=False)
        .order_by("incident__occurred_on")
        .first()
    )
    return link.incident.place.lsoa if link else None


def _seed_marac_case(
    n: int, case: Case, carol: Actor, pete: Actor | None, today: date
) -> int:
    """Tasks, consent, area, a place and (for some) a document on one MARAC case."""
    agencies = {a.code: a for a in Agency.objects.all()}
    created = 0
    area = _case_area(case)
    case = actions.do_update_case(
        case.pk,
        actor=carol,
        expected_version=case.version,
        changes={
            "risk_level": RiskLevel.HIGH,
            "area_id": area.pk if area else None,
            "review_due_on": today + timedelta(days=3 * n - 4),
            "summary": "High-risk domestic abuse: repeated incidents reported by "
            "partner agencies. Heard at the Leeds MARAC.",
        },
    )
    consent = [
        (Case.Consent.GIVEN, ""),
        (
            Case.Consent.OVERRIDDEN,
            "Risk of serious harm to the victim and children outweighs the refusal "
            "(MARAC information sharing agreement, section 4).",
        ),
        (Case.Consent.NOT_SOUGHT, ""),
    ][n % 3]
    if consent[0] != Case.Consent.NOT_SOUGHT:
        case = actions.do_record_consent(
            case.pk,
            actor=carol,
            expected_version=case.version,
            consent=consent[0],
            recorded_on=max(case.opened_on, today - timedelta(days=20)),
            note=consent[1],
        )
    tasks = [
        ("IDVA to contact the victim and agree a safety plan", "lcc", -6 + n),
        ("Flag the victim's address for an urgent police response", "wyp", 2 * n),
        ("GP practice to be told of the MARAC and the safety plan", "ccg", 10 + n),
    ]
    for title, code, days in tasks:
        if code not in agencies:
            continue
        task = actions.do_add_case_task(
            case.pk,
            actor=carol,
            title=title,
            owner_agency_id=agencies[code].pk,
            due_on=max(case.opened_on, today + timedelta(days=days)),
        )
        created += 1
        if code == "wyp" and pete is not None and n % 2:
            actions.do_complete_case_task(
                task.pk,
                actor=pete,
                expected_version=task.version,
                completed_on=today - timedelta(days=1),
                note="Address flagged on the command and control system; "
                "response officers briefed.",
            )
    place = case.incidents.filter(incident__place__isnull=False).first()
    if place is not None:
        try:
            actions.do_link_place_to_case(
                case.pk, place.incident.place_id, actor=carol, note="Victim's home"
            )
        except NotFound:
            pass  # recorded by an agency that does not share places with the council
    if n <= 2:
        actions.do_upload_case_document(
            case.pk,
            actor=carol,
            title="MARAC action plan",
            filename=f"{case.reference}-action-plan.pdf",
            data=demo_pdf(
                [
                    f"Leeds MARAC action plan: {case.reference}",
                    "Synthetic demo document: every person in this demo is invented.",
                    "1. IDVA to contact the victim and agree a safety plan.",
                    "2. Police to flag the address for an urgent response.",
                    "3. GP practice to be told of the MARAC.",
                ]
            ),
        )
        created += 1
    return created


def _general_cases(carol: Actor, pete: Actor | None, today: date) -> int:
    opened = today - timedelta(days=45)
    lsoas = list(Area.objects.filter(level=Area.Level.LSOA).order_by("code")[:40])
    lcc = Agency.objects.filter(code="lcc").first()
    wyp = Agency.objects.filter(code="wyp").first()
    first = actions.do_create_case(
        actor=carol,
        reference=f"CASE-{opened.year}-001",
        case_type=Case.Type.GENERAL,
        title="Older resident targeted by doorstep fraud",
        summary="Repeat cold-calling and pressure selling; family worried about "
        "financial abuse. Trading Standards and adult social care involved.",
        opened_on=opened,
        area_id=lsoas[5].pk if len(lsoas) > 5 else None,
        risk_level=RiskLevel.MEDIUM,
        review_due_on=today + timedelta(days=12),
    )
    created = 1
    if lcc is not None:
        actions.do_add_case_task(
            first.pk,
            actor=carol,
            title="Install a call blocker and a 'no cold callers' sticker",
            owner_agency_id=lcc.pk,
            due_on=today - timedelta(days=3),
        )
        created += 1
    actions.do_add_case_note(
        first.pk,
        actor=carol,
        kind="fact",
        text="Visited with adult social care. Three unsolicited callers in the last "
        "month; cheque for £2,400 written to a roofing firm.",
    )
    actions.do_add_case_note(
        first.pk,
        actor=carol,
        kind="assessment",
        text="Capacity is not in doubt but the resident is isolated and at risk of "
        "further targeting.",
    )
    if pete is not None and wyp is not None:
        opened = today - timedelta(days=20)
        second = actions.do_create_case(
            actor=pete,
            reference=f"CASE-{opened.year}-002",
            case_type=Case.Type.GENERAL,
            title="Suspected cuckooing of a vulnerable tenant's flat",
            opened_on=opened,
            area_id=lsoas[12].pk if len(lsoas) > 12 else None,
            risk_level=RiskLevel.HIGH,
            review_due_on=today + timedelta(days=4),
        )
        created += 1
        carol_user = User.objects.filter(username="carol.coordinator").first()
        if carol_user is not None:
            actions.do_add_case_member(second.pk, carol_user, actor=pete)
        actions.do_add_case_task(
            second.pk,
            actor=pete,
            title="Housing officer to visit with the neighbourhood team",
            owner_agency_id=lcc.pk if lcc else wyp.pk,
            due_on=today + timedelta(days=2),
        )
        actions.do_record_consent(
            second.pk,
            actor=pete,
            expected_version=second.version,
            consent=Case.Consent.GIVEN,
            recorded_on=today - timedelta(days=19),
        )
        created += 1
    return created


def seed(today: date | None = None) -> int:
    """Seed the demo's case-core records once; returns how many were created."""
    if Case.objects.filter(reference__regex=MARKER).exists():
        return 0
    today = today or timezone.localdate()
    carol = _actor("carol.coordinator")
    if carol is None:
        return 0
    pete = _actor("pete.practitioner")
    created = 0
    marac = [
        c for _, c in sorted(demo_marac_cases().items()) if c.status == Case.Status.OPEN
    ]
    for n, case in enumerate(marac, start=1):
        if case.lead_agency_id != carol.agency_id or case.pk not in carol.case_ids:
            continue
        created += _seed_marac_case(n, case, carol, pete, today)
    created += _general_cases(carol, pete, today)
    return created
