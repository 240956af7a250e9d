"""OCG nominal lists (issue #14 follow-up): imported strictly with file, line and field
errors, quarantined, idempotent; linked to people; ties of a type of their own in the
network; seen only under an information-sharing agreement, pseudonymised for analysts;
and the network's periods and their comparison on the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from saferleeds.analytics.csvfile import CsvInputError
from saferleeds.analytics.networks import CO_OFFENDING, SAME_OCG
from saferleeds.audit.models import AuditEntry
from saferleeds.cli import app
from saferleeds.importers.offending import read_ocg_nominal_list
from saferleeds.offending.access_pages import read_co_offending_network
from saferleeds.offending.actions import do_import_ocg_nominals
from saferleeds.offending.models import OcgNomination, Offence, QuarantinedRow
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Forbidden, actor_for
from saferleeds.people.present import pseudonym
from tests.offending.conftest import SAMPLES

runner = CliRunner()
GOOD = SAMPLES / "ocg-nominals.csv"
BAD = SAMPLES / "bad-ocg-nominals.csv"


def _actor(username: str) -> Any:
    from django.contrib.auth.models import User

    return actor_for(User.objects.get(username=username))


def _share(
    record_types: list[str], recipients: tuple[str, ...] = ("nps", "lcc")
) -> None:
    a = {x.code: x for x in Agency.objects.all()}
    today = timezone.localdate()
    do_create_agreement(
        actor=None,
        reference="test-ocg",
        providers=[a["wyp"]],
        recipients=[a[c] for c in recipients],
        title="Organised crime",
        purpose="Disrupting organised crime groups",
        lawful_basis="s115 CDA 1998",
        record_types=record_types,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=365),
        signed_by="test",
        signed_on=today - timedelta(days=30),
    )


@pytest.mark.django_db
def test_a_nominal_list_links_its_people_and_is_idempotent(known_people: Any) -> None:
    wyp, nps = Agency.objects.get(code="wyp"), Agency.objects.get(code="nps")
    report = do_import_ocg_nominals(read_ocg_nominal_list(GOOD), actor=None, agency=wyp)
    assert (report.created, report.updated, report.problems) == (6, 0, ())
    held = {
        (n.ocg_reference, n.person_id): n
        for n in OcgNomination.objects.select_related()
    }
    p001 = held["OCG-0417", known_people["P001"].pk]
    assert (p001.group_role, p001.ocg_name, p001.agency_id) == (
        "principal",
        "Harehills supply line",
        wyp.pk,
    )
    assert held["OCG-0417", known_people["P006"].pk].source_agency_id == nps.pk
    logged = AuditEntry.objects.filter(event="offending.ocg_nomination.import")
    assert logged.count() == 6
    before = AuditEntry.objects.count()
    again = do_import_ocg_nominals(read_ocg_nominal_list(GOOD), actor=None, agency=wyp)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert OcgNomination.objects.count() == 6 and AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_a_changed_role_is_updated_not_repeated(
    known_people: Any, tmp_path: Path
) -> None:
    wyp = Agency.objects.get(code="wyp")
    do_import_ocg_nominals(read_ocg_nominal_list(GOOD), actor=None, agency=wyp)
    later = tmp_path / "later.csv"
    later.write_text(
        GOOD.read_text().replace("P004,member", "P004,principal"), encoding="utf-8"
    )
    report = do_import_ocg_nominals(
        read_ocg_nominal_list(later), actor=None, agency=wyp
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 5)
    n = OcgNomination.objects.get(person=known_people["P004"])
    assert n.group_role == "principal" and n.source_file == str(later)


@pytest.mark.django_db
def test_bad_rows_are_quarantined_with_file_line_field(known_people: Any) -> None:
    wyp = Agency.objects.get(code="wyp")
    report = do_import_ocg_nominals(read_ocg_nominal_list(BAD), actor=None, agency=wyp)
    assert report.created == 1 and report.exit_code == 3
    got = [str(p) for p in report.problems]
    assert got[0].startswith(f"{BAD}:3: role: 'kingpin' is not one of principal")
    assert got[1].startswith(f"{BAD}:4: person_ref: no person with this reference")
    assert got[2].startswith(f"{BAD}:5: person_ref: repeated: the same person")
    assert got[3].startswith(f"{BAD}:6: ocg_name: ")
    assert got[4].startswith(f"{BAD}:7: source_agency: no agency 'nca'")
    assert got[5].startswith(f"{BAD}:8: nominated_on: '20/06/2018' is not a date")
    held = QuarantinedRow.objects.filter(extract="ocg").order_by("line")
    assert [(q.line, q.field) for q in held] == [
        (3, "role"),
        (4, "person_ref"),
        (5, "person_ref"),
        (6, "ocg_name"),
        (7, "source_agency"),
        (8, "nominated_on"),
    ]
    do_import_ocg_nominals(read_ocg_nominal_list(BAD), actor=None, agency=wyp)
    assert QuarantinedRow.objects.filter(extract="ocg").count() == 6  # replaced


@pytest.mark.django_db
def test_an_unusable_list_is_refused_whole_and_only_admins_import(
    known_people: Any, personas: dict[str, Any], tmp_path: Path
) -> None:
    f = tmp_path / "no-role.csv"
    f.write_text("ocg_reference,ocg_name,person_ref,source_agency\nA,B,P001,wyp\n")
    with pytest.raises(CsvInputError, match="role"):
        read_ocg_nominal_list(f)
    wyp = Agency.objects.get(code="wyp")
    with pytest.raises(Forbidden):
        do_import_ocg_nominals(
            read_ocg_nominal_list(GOOD),
            actor=_actor("pete.practitioner"),
            agency=wyp,
        )
    assert not OcgNomination.objects.exists()


@pytest.mark.django_db
def test_the_command(known_people: Any) -> None:
    done = runner.invoke(
        app, ["offending", "import", "ocg", str(GOOD), "--agency", "wyp"]
    )
    assert done.exit_code == 0, done.stderr
    assert "6 new, 0 updated, 0 unchanged, 0 quarantined (wyp)" in done.stderr
    bad = runner.invoke(
        app, ["offending", "import", "ocg", str(BAD), "--agency", "wyp"]
    )
    assert bad.exit_code == 3
    assert f"{BAD}:3: role:" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.django_db
def test_groups_tie_their_members_as_a_type_of_their_own(imported: Any) -> None:
    wyp = Agency.objects.get(code="wyp")
    do_import_ocg_nominals(read_ocg_nominal_list(GOOD), actor=None, agency=wyp)
    pete = _actor("pete.practitioner")  # WYP holds both
    network = read_co_offending_network(pete)
    ids = {ref: str(p.pk) for ref, p in imported.items()}
    kinds: dict[tuple[str, str], set[str]] = {}
    for e in network.edges:
        kinds.setdefault(tuple(sorted((e.source, e.target))), set()).add(e.kind)
    # OCG-0417: P001, P004, P006 pairwise; OCG-0522: P009, P010, P002 pairwise.
    for a, b in (("P001", "P004"), ("P004", "P006"), ("P009", "P002")):
        assert kinds[tuple(sorted((ids[a], ids[b])))] == {SAME_OCG}
    assert kinds[tuple(sorted((ids["P002"], ids["P003"])))] == {CO_OFFENDING}
    assert [len(g.members) for g in network.groups] == [3, 3]
    assert network.groups[0].label.startswith("OCG-")  # identified: reference, name
    assert network.nominations == 6
    logged = AuditEntry.objects.filter(event="offending.ocg_nomination.extract")
    assert logged.count() == 6


@pytest.mark.django_db
def test_nominations_are_seen_only_under_an_agreement(imported: Any) -> None:
    wyp = Agency.objects.get(code="wyp")
    do_import_ocg_nominals(read_ocg_nominal_list(GOOD), actor=None, agency=wyp)
    nadia = _actor("nadia.probation")
    assert read_co_offending_network(nadia).nominations == 0
    _share(["ocg_nomination"])
    nadia = _actor("nadia.probation")
    seen = read_co_offending_network(nadia)
    assert seen.nominations == 6 and seen.offences == 0  # offences are not shared
    aisha = _actor("aisha.analyst")  # the council's analyst: pseudonymised
    network = read_co_offending_network(aisha)
    assert network.pseudonymised and network.nominations == 6
    assert [g.label for g in network.groups] == ["OCG 1", "OCG 2"]  # no reference
    names = {x for e in network.edges for x in (e.source, e.target)}
    assert pseudonym(imported["P001"].pk) in names
    assert not any(x.isdigit() for x in names)


def _dated_workspace(imported: Any) -> None:
    """Crimes in 2017Q4 and 2018Q1 among P001..P006: in 2018Q1 a new person (P006)
    bridges two pairs that were apart."""
    wyp = Agency.objects.get(code="wyp")
    from datetime import date

    plan = [
        ("Q4A", date(2017, 11, 1), ["P001", "P004"]),
        ("Q4B", date(2017, 12, 1), ["P005", "P007"]),
        ("Q1A", date(2018, 1, 10), ["P001", "P004"]),
        ("Q1B", date(2018, 2, 10), ["P005", "P007"]),
        ("Q1C", date(2018, 3, 10), ["P004", "P006", "P005"]),
    ]
    for crime, day, refs in plan:
        for ref in refs:
            Offence.objects.create(
                agency=wyp, reference=f"{crime}-{ref}", person=imported[ref],
                offence_code="028/01", committed_on=day, role="suspect",
                crime_reference=crime,
            )  # fmt: skip


@pytest.mark.django_db
def test_network_metrics_of_a_period_and_its_change(imported: Any) -> None:
    _dated_workspace(imported)
    # The command names people by pseudonym, as the network page does, for everyone.
    ids = {ref: pseudonym(p.pk) for ref, p in imported.items()}
    q1 = runner.invoke(
        app,
        ["network", "metrics", "--as", "pete.practitioner", "--period", "2018Q1"],
    )
    assert q1.exit_code == 0, q1.stderr
    nodes = {r["node"] for r in csv.DictReader(io.StringIO(q1.stdout))}
    # CR-18-0001 (P001 and P013, 14 March 2018) is in 2018Q1; CR-19-0007 is not.
    assert ids["P006"] in nodes and ids["P013"] in nodes and ids["P002"] not in nodes
    done = runner.invoke(
        app,
        [
            "network", "metrics", "--as", "pete.practitioner", "--period", "2018Q1",
            "--compare", "2017Q4", "--format", "json",
        ],
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    change = json.loads(done.stdout)
    assert (change["period"], change["compare"]) == ("2018Q1", "2017Q4")
    assert ids["P006"] in change["joined"]
    assert [ids["P004"], ids["P006"]] in change["ties_added"] or [
        ids["P006"],
        ids["P004"],
    ] in change["ties_added"]
    rising = {m["node"]: m for m in change["key_players_rising"]}
    assert rising
    rows = {r["node"]: r for r in change["nodes"]}
    # The bridges of 2018Q1's three-person crime lead (ties between equally placed
    # people are broken by name, and pseudonyms vary with record ids: either one).
    [first] = [n for n, r in rows.items() if r["key_rank_after"] == 1]
    assert first in {ids["P004"], ids["P005"]}
    assert rows[ids["P006"]]["status"] == "joined"
    csv_done = runner.invoke(
        app,
        [
            "network", "metrics", "--as", "pete.practitioner", "--period", "2018Q1",
            "--compare", "2017Q4",
        ],
    )  # fmt: skip
    header = csv_done.stdout.splitlines()[0]
    assert header == (
        "node,status,degree_before,degree_after,betweenness_before,"
        "betweenness_after,community_before,community_after,key_rank_before,"
        "key_rank_after"
    )


@pytest.mark.django_db
def test_period_errors_are_one_line(imported: Any) -> None:
    def fails(args: list[str], words: str) -> None:
        done = runner.invoke(
            app, ["network", "metrics", "--as", "pete.practitioner", *args]
        )
        assert done.exit_code == 2, done.stdout
        assert words in done.stderr and "Traceback" not in done.stderr

    fails(["--period", "2018Q7"], "--period: '2018Q7' is not a period")
    fails(["--compare", "2017Q4"], "--compare needs --period")
    fails(["--period", "2017Q4", "--compare", "2018Q1"], "must start before")
    fails(["--period", "1999"], "no co-offending ties or OCG ties")


@pytest.mark.django_db
def test_the_person_page_shows_a_nomination_to_those_who_may_see_it(
    client: Any, imported: Any, personas: dict[str, Any], sign_in: Any
) -> None:
    wyp = Agency.objects.get(code="wyp")
    do_import_ocg_nominals(read_ocg_nominal_list(GOOD), actor=None, agency=wyp)
    person = imported["P001"]
    sign_in(client, personas["pete.practitioner"])
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert "Organised crime group nominal: Harehills supply line" in html
    assert "OCG-0417" in html and "Principal" in html
    assert AuditEntry.objects.filter(
        actor_username="pete.practitioner", record_type="ocg_nomination"
    ).exists()
    client.logout()
    sign_in(client, personas["nadia.probation"])  # nothing shared with probation
    html = client.get(f"/people/{person.pk}/").content.decode()
    assert "Organised crime group nominal" not in html


@pytest.mark.django_db
def test_the_demo_lists_the_police_ocgs_shared_with_probation(
    personas: dict[str, Any],
) -> None:
    from saferleeds.demo.ocg import MIN_MEMBERS, seed_ocg_nominals
    from saferleeds.demo.offending import seed_offending
    from saferleeds.demo.partner_data import seed_partner_data

    seed_partner_data()
    seed_offending()
    report = seed_ocg_nominals()
    assert report.created and report.groups >= 1
    assert report.nominations >= MIN_MEMBERS * report.groups
    per_group: dict[str, list[str]] = {}
    for ref, role in OcgNomination.objects.values_list("ocg_reference", "group_role"):
        per_group.setdefault(ref, []).append(role)
    assert all(roles.count("principal") == 1 for roles in per_group.values())
    again = seed_ocg_nominals()
    assert not again.created and again.nominations == report.nominations
    # The IOM agreement shares the police's lists with probation; the council sees none.
    nadia = read_co_offending_network(_actor("nadia.probation"))
    assert nadia.nominations == report.nominations
    assert any(e.kind == SAME_OCG for e in nadia.edges)
    assert read_co_offending_network(_actor("aisha.analyst")).nominations == 0


@pytest.mark.django_db
def test_nomination_dates_time_the_groups_ties(
    imported: Any, client: Any, personas: dict[str, Any], sign_in: Any
) -> None:
    """A tie of a group counts from the later of its two people's nomination days, so
    the change between periods shows who was nominated in between; the network page
    lists each group's first and last days."""
    from datetime import date

    from saferleeds.analytics.networks import edges_in, parse_period

    wyp = Agency.objects.get(code="wyp")
    do_import_ocg_nominals(read_ocg_nominal_list(GOOD), actor=None, agency=wyp)
    p006 = OcgNomination.objects.get(person=imported["P006"])
    assert p006.nominated_on == date(2018, 2, 15)
    network = read_co_offending_network(_actor("pete.practitioner"))
    [harehills] = [g for g in network.groups if g.label.startswith("OCG-0417")]
    assert harehills.nominated == (date(2017, 11, 20), date(2018, 2, 15))
    [seacroft] = [g for g in network.groups if g.label.startswith("OCG-0522")]
    assert seacroft.nominated == (date(2018, 6, 1), date(2018, 6, 1))
    ocg = [e for e in network.edges if e.kind == SAME_OCG]
    p = {ref: str(person.pk) for ref, person in imported.items()}

    def pairs(period: str) -> set[tuple[str, str]]:
        return {
            tuple(sorted((e.source, e.target)))  # type: ignore[misc]
            for e in edges_in(ocg, parse_period(period))
        }

    q4, q1 = pairs("2017Q4"), pairs("2018Q1")
    assert tuple(sorted((p["P001"], p["P004"]))) in q4
    assert tuple(sorted((p["P001"], p["P006"]))) not in q4
    assert tuple(sorted((p["P001"], p["P006"]))) in q1
    # Seacroft's ties begin in June 2018, P002's undated nomination taking the other's.
    assert tuple(sorted((p["P009"], p["P010"]))) not in q1
    assert tuple(sorted((p["P002"], p["P009"]))) in pairs("2018Q2")

    sign_in(client, personas["pete.practitioner"])
    html = client.get("/iom/network/").content.decode()
    table = html[html.index('data-testid="ocg-groups"') :]
    table = table[: table.index("</table>")]
    assert "Nominated or reviewed" in table
    assert "20 Nov 2017 to 15 Feb 2018" in table and "1 Jun 2018" in table


def test_a_nomination_date_after_today_is_bad(tmp_path: Path) -> None:
    from datetime import date

    f = tmp_path / "later.csv"
    later = date.today() + timedelta(days=2)  # noqa: DTZ011 - clear of time zones
    f.write_text(
        "ocg_reference,ocg_name,person_ref,role,source_agency,nominated_on\n"
        f"A,B,P001,member,wyp,{later}\n",
        encoding="utf-8",
    )
    [problem] = read_ocg_nominal_list(f).problems
    assert (problem.line, problem.field) == (2, "nominated_on")
    assert "is after today" in problem.reason
