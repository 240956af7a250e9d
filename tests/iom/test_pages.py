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
    # The empty state names the agreement that is missing, not an empty table.
    assert 'data-testid="network-empty"' in html
    assert "no information-sharing agreement in force shares them with Leeds" in html
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


@pytest.mark.django_db
def test_the_network_page_draws_compares_and_exports_for_i2(
    client: Client, imported: Any, personas: dict[str, Any], sign_in: Any
) -> None:
    import csv
    import io
    import json
    import zipfile
    from datetime import date

    from saferleeds.importers.offending import read_ocg_nominal_list
    from saferleeds.offending.actions import do_import_ocg_nominals
    from saferleeds.offending.models import Offence
    from saferleeds.people.present import pseudonym
    from tests.offending.conftest import SAMPLES

    wyp = Agency.objects.get(code="wyp")
    do_import_ocg_nominals(
        read_ocg_nominal_list(SAMPLES / "ocg-nominals.csv"), actor=None, agency=wyp
    )
    # 2017Q4: P004-P005; 2018Q1 (with CR-18-0001, P001-P013): P005-P007 joins.
    for crime, day, refs in (
        ("Q4", date(2017, 11, 1), ["P004", "P005"]),
        ("Q1", date(2018, 2, 1), ["P005", "P007"]),
    ):
        for ref in refs:
            Offence.objects.create(
                agency=wyp, reference=f"{crime}-{ref}", person=imported[ref],
                offence_code="028/01", committed_on=day, role="suspect",
                crime_reference=crime,
            )  # fmt: skip
    sign_in(client, personas["pete.practitioner"])
    r = client.get("/iom/network/")
    html = r.content.decode()
    # The drawing's data is JSON in the page (no inline script), the init code static.
    assert '<script id="sl-network-data" type="application/json">' in html
    assert "/static/iom/network.js" in html and "GivenP001" not in html
    data = r.context["graph"]
    kinds = {e["kind"] for e in data["edges"]}
    assert kinds == {"co-offending", "ocg"}
    assert {n["id"] for n in data["nodes"]} >= {pseudonym(imported["P006"].pk)}
    assert 'data-testid="ocg-groups"' in html and "OCG-0417: Harehills" in html

    r = client.get("/iom/network/?period=2018Q1&compare=2017Q4")
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="network-change"' in html
    change = r.context["page"].comparison
    assert pseudonym(imported["P007"].pk) in {m.pseudonym for m in change.joined}
    assert change.ties_added >= 1
    # A period with no crime: said so, and no network of the OCG lists alone.
    quiet = client.get("/iom/network/?period=2030").content.decode()
    assert "No crime you may see ties two people in 2030" in quiet
    assert 'data-testid="key-players"' not in quiet
    bad = client.get("/iom/network/?period=2018Q9&compare=2017Q4")
    assert bad.status_code == 400
    assert "is not a period" in bad.content.decode()
    later = client.get("/iom/network/?period=2017Q4&compare=2018Q1")
    assert later.status_code == 400 and "must start before" in later.content.decode()

    before = AuditEntry.objects.filter(event="iom.network.export").count()
    entities = client.get("/iom/network/i2/entities/")
    assert entities["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(entities.content.decode())))
    assert {r["Entity ID"] for r in rows} >= {pseudonym(imported["P001"].pk)}
    assert rows[0].keys() >= {"Entity ID", "Entity Type", "Label", "Betweenness"}
    links = client.get("/iom/network/i2/links/").content.decode()
    types = {r["Link Type"] for r in csv.DictReader(io.StringIO(links))}
    assert types == {"co-offending", "ocg"}
    bundle = zipfile.ZipFile(io.BytesIO(client.get("/iom/network/i2/zip/").content))
    assert sorted(bundle.namelist()) == ["entities.csv", "links.csv"]
    assert client.get("/iom/network/i2/pdf/").status_code == 404
    # Each download is logged as a disclosure of each person in it.
    exports = AuditEntry.objects.filter(event="iom.network.export")
    assert exports.count() - before == 3 * len(rows)
    assert set(exports.values_list("operation", flat=True)) == {"disclosure"}
    assert json.loads(json.dumps(data))  # the drawing's data is plain JSON


@pytest.mark.django_db
def test_the_empty_network_says_why_for_each_viewer(
    imported: Any, personas: dict[str, Any]
) -> None:
    from datetime import timedelta

    from saferleeds.iom.network import why_empty
    from saferleeds.partners.actions import do_create_agreement
    from saferleeds.partners.policy import actor_for

    def reason(username: str) -> str:
        return why_empty(actor_for(personas[username]))

    # The council's information-governance lead sees their own agency's only.
    assert reason("iris.ig").startswith("Information-governance leads see their own")
    # The analyst: the police hold the offences, and no agreement shares them.
    a = {x.code: x for x in Agency.objects.all()}
    today = timezone.localdate()
    do_create_agreement(
        actor=None, reference="iom-test", providers=[a["wyp"], a["nps"]],
        recipients=[a["wyp"], a["nps"]], title="IOM agreement", purpose="Managing IOM.",
        lawful_basis="s115", record_types=["offence"],
        starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=5),
        signed_by="test", signed_on=today - timedelta(days=5),
    )  # fmt: skip
    text = reason("aisha.analyst")
    assert "held by West Yorkshire Police" in text
    assert "shares them with Leeds City Council" in text
    assert (
        "The IOM agreement shares them with National Probation Service and West "
        "Yorkshire Police only" in text
    )
