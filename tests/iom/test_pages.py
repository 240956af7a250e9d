"""The IOM pages without a browser: a coordinator reviews the cohort, adopts a
candidate, records a pathway need and an intervention; who may see what."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.iom.models import IomMeeting, IomMember
from saferleeds.partners.models import Agency


@pytest.mark.django_db
def test_a_cohort_review_in_the_pages(
    client: Client, offenders: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    sign_in(client, personas["pete.practitioner"])
    person = offenders["P001"]

    # The person page links the offender page; the offender page shows the score.
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert f'href="/iom/offenders/{person.pk}/"' in html
    html = client.get(f"/iom/offenders/{person.pk}/").content.decode()
    assert "GivenP001 FamilyP001" in html and "028/01" in html
    assert "Not in the cohort" in html and 'data-testid="score-history"' in html

    # Schedule the review.
    today = timezone.localdate()
    r = client.post(
        "/iom/meetings/new/",
        {"held_day": today.day, "held_month": today.month, "held_year": today.year,
         "chair": "DI Shaw", "venue": ""},
    )  # fmt: skip
    meeting = IomMeeting.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/iom/meetings/{meeting.pk}/"

    html = client.get("/iom/").content.decode()
    assert 'data-testid="candidates"' in html and "GivenP001 FamilyP001" in html
    assert "How the selection score is worked out" in html
    assert f'href="/iom/candidates/{person.pk}/adopt/"' in html
    assert f'href="/iom/meetings/{meeting.pk}/"' in html

    # Adopt: a missing reason is an error on the form, then it is adopted.
    adopt = f"/iom/candidates/{person.pk}/adopt/"
    assert "selection score" in client.get(adopt).content.decode()
    r = client.post(adopt, {"cohort": "fixed", "reason": "", "meeting": meeting.pk})
    assert r.status_code == 400
    assert "Give the reason for adopting this person" in r.content.decode()
    r = client.post(
        adopt, {"cohort": "fixed", "reason": "Prolific burglar", "meeting": meeting.pk}
    )
    member = IomMember.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/iom/members/{member.pk}/"
    html = client.get(r["Location"]).content.decode()
    assert "Fixed" in html and "Prolific burglar" in html

    # A pathway need and an intervention.
    r = client.post(
        f"/iom/members/{member.pk}/needs/new/",
        {"pathway": "drugs_alcohol", "level": "high", "notes": "Heroin use"},
    )
    assert r.status_code == 302
    nps = Agency.objects.get(code="nps")
    r = client.post(
        f"/iom/members/{member.pk}/interventions/new/",
        {"pathway": "drugs_alcohol", "description": "Drug rehabilitation requirement",
         "owner_agency": nps.pk, "status": "active"},
    )  # fmt: skip
    assert r.status_code == 302
    html = client.get(f"/iom/members/{member.pk}/").content.decode()
    assert "Heroin use" in html and "Drug rehabilitation requirement" in html
    assert nps.name in html

    # The review meeting lists the decision; a retain decision is recorded there.
    html = client.get(f"/iom/meetings/{meeting.pk}/").content.decode()
    assert "Prolific burglar" in html
    r = client.post(
        f"/iom/members/{member.pk}/decide/",
        {"decision": "retain", "reason": "Still offending", "meeting": meeting.pk},
    )
    assert r.status_code == 302
    r = client.post(f"/iom/meetings/{meeting.pk}/held/")
    assert r.status_code == 302
    html = client.get(f"/iom/meetings/{meeting.pk}/").content.decode()
    assert "Still offending" in html and "Held" in html

    # Every page read was logged.
    events = set(AuditEntry.objects.values_list("event", flat=True))
    assert {"iom.candidates", "iom.member.view", "iom.meeting.view"} <= events
    assert "iom.offender.view" in events


@pytest.mark.django_db
def test_who_sees_the_pages(
    client: Client, offenders: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    sign_in(client, personas["pete.practitioner"])
    person = offenders["P001"]
    client.post(
        f"/iom/candidates/{person.pk}/adopt/",
        {"cohort": "flex", "reason": "Burglary"},
    )
    member = IomMember.objects.get()
    client.logout()

    # An analyst: IOM pages are casework (403); the offender page by id is a 404.
    sign_in(client, personas["aisha.analyst"])
    assert client.get("/iom/").status_code == 403
    assert client.get(f"/iom/members/{member.pk}/").status_code == 403
    assert client.get(f"/iom/offenders/{person.pk}/").status_code == 404
    client.logout()

    # Probation, with no agreement with the police: the member and a missing one
    # are the same 404.
    sign_in(client, personas["nadia.probation"])
    home = client.get("/iom/").content.decode()
    assert "GivenP001" not in home
    missing = client.get("/iom/members/999999/")
    hidden = client.get(f"/iom/members/{member.pk}/")
    assert missing.status_code == hidden.status_code == 404

    def page(r: Any) -> str:
        return re.sub(r'value="[^"]{40,}"', "", r.content.decode())

    assert page(missing) == page(hidden)


@pytest.mark.django_db
def test_the_network_page_shows_pseudonyms_and_key_players(
    client: Client, imported: Any, personas: dict[str, Any], sign_in: Any
) -> None:
    from saferleeds.offending.models import Offence
    from saferleeds.people.present import pseudonym

    # The samples tie P002 and P003 (crime CR-19-0007); add a star around P001.
    wyp = Agency.objects.get(code="wyp")
    for n, ref in enumerate(["P004", "P005", "P006"]):
        for person in (imported["P001"], imported[ref]):
            Offence.objects.create(
                agency=wyp, reference=f"N-{n}-{person.pk}", person=person,
                offence_code="028/01", committed_on=timezone.localdate(),
                role="suspect", crime_reference=f"STAR-{n}",
            )  # fmt: skip
    sign_in(client, personas["aisha.analyst"])  # LCC: nothing shared with her
    html = client.get("/iom/network/").content.decode()
    assert "No one among the offences you may see" in html
    client.logout()
    sign_in(client, personas["pete.practitioner"])
    html = client.get("/iom/network/").content.decode()
    hub = pseudonym(imported["P001"].pk)
    assert 'data-testid="key-players"' in html and hub in html
    assert "GivenP001" not in html
    first = html.index('data-testid="key-players"')
    assert html.index(hub, first) < html.index(pseudonym(imported["P004"].pk), first)
    assert AuditEntry.objects.filter(event="offending.offence.extract").exists()
    graphml = client.get("/iom/network/graphml/")
    assert graphml["Content-Type"] == "application/graphml+xml"
    body = graphml.content.decode()
    assert hub in body and "<graphml" in body and "GivenP001" not in body
