"""First-time entrants per 100,000 of the 10-17 population, by period and home area:
the population import (whole or nothing, idempotent, errors with file, line and
field), the home area of an entrant, the rate against a brute-force count, and what
the page and the command say when no population is imported."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from saferleeds.analytics.geography import read_lsoas
from saferleeds.audit.models import AuditEntry
from saferleeds.cli.main import app
from saferleeds.importers.offending import read_disposal_extract, read_population
from saferleeds.offending.actions import do_import_disposals, do_import_population
from saferleeds.offending.models import Disposal, PopulationEstimate
from saferleeds.offending.queries import (
    calendar_year,
    first_time_entrants_by_area,
    fte_event_span,
)
from saferleeds.partners.models import Agency
from saferleeds.partnership import current
from saferleeds.people.models import Person
from tests.offending.conftest import SAMPLES

POPULATION = SAMPLES / "population-10-17-SYNTHETIC.csv"
BAD = SAMPLES / "bad-population.csv"
runner = CliRunner()


def test_bad_rows_are_named_by_file_line_and_field() -> None:
    extract = read_population(BAD)
    assert [(p.line, p.field) for p in extract.problems] == [
        (3, "area_code"),
        (4, "year"),
        (5, "population_10_17"),
        (6, "year"),
        (7, "area_name"),
        (8, "population_10_17"),
    ]
    assert str(extract.problems[0]).startswith(f"{BAD}:3: area_code: 'LEEDS' is not")
    assert "the same area and year is on line 2" in str(extract.problems[3])
    assert "whole number above 0" in str(extract.problems[5])


@pytest.mark.django_db
def test_a_bad_file_imports_nothing_a_good_one_is_idempotent(
    personas: dict[str, Any],
) -> None:
    report = do_import_population(read_population(BAD), actor=None, source="x")
    assert report.exit_code == 2 and len(report.problems) == 6
    assert not PopulationEstimate.objects.exists()

    report = do_import_population(read_population(POPULATION), actor=None, source="s")
    assert (report.created, report.updated, report.unchanged) == (37, 0, 0)
    again = do_import_population(read_population(POPULATION), actor=None, source="s")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 37)
    changed = do_import_population(read_population(POPULATION), actor=None, source="t")
    assert changed.updated == 37 and PopulationEstimate.objects.count() == 37
    events = AuditEntry.objects.filter(event="offending.population.import")
    assert events.count() == 2  # the unchanged run wrote nothing

    done = runner.invoke(app, ["offending", "import", "population", str(BAD)])
    assert done.exit_code == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"{BAD}:3: area_code:")
    assert "6 bad rows: nothing imported" in done.stderr
    assert "Traceback" not in done.stderr
    done = runner.invoke(
        app, ["offending", "import", "population", str(POPULATION), "--source", "t"]
    )
    assert done.exit_code == 0, done.stderr
    assert "0 new, 0 updated, 37 unchanged (years 2017-2019)" in done.stderr


def _brute_force(
    people: dict[int, date],
    disposals: list[tuple[int, date, str, str]],
    period: tuple[date, date],
    ward_of: dict[str, str],
) -> dict[str, int]:
    """First-time entrants by ward, counted one person at a time."""
    out: dict[str, int] = {}
    for person, born in people.items():
        mine = sorted(d for d in disposals if d[0] == person)
        entries = [d for d in mine if d[2] != "custody_release"]
        if not entries:
            continue
        day = entries[0][1]
        age = day.year - born.year
        if (day.month, day.day) < (born.month, born.day):
            age -= 1
        if not 10 <= age <= 17 or not period[0] <= day <= period[1]:
            continue
        homes = [(abs((d[1] - day).days), d[1], d[3]) for d in mine if d[3]]
        if not homes:
            continue
        ward = ward_of.get(min(homes)[2])
        if ward is not None:
            out[ward] = out.get(ward, 0) + 1
    return out


@pytest.mark.django_db
def test_rates_by_ward_equal_a_brute_force_count(personas: dict[str, Any]) -> None:
    rng = random.Random(7)
    lsoas = read_lsoas(current())
    ward_of = {x.code: x.ward_code for x in lsoas if x.ward_code}
    codes = sorted(ward_of)[:40]  # a few wards' LSOAs, so wards get several entrants
    nps = Agency.objects.get(code="nps")
    people: dict[int, date] = {}
    rows: list[tuple[int, date, str, str]] = []
    kinds = ["youth_caution", "youth_court_sentence", "caution", "custody_release"]
    for n in range(300):
        born = date(1998, 1, 1) + timedelta(days=rng.randint(0, 365 * 8))
        person = Person.objects.create(
            given_name="G", family_name=f"F{n}", date_of_birth=born, created_by=nps
        )
        people[person.pk] = born
        for k in range(rng.randint(1, 3)):
            day = date(2017, 1, 1) + timedelta(days=rng.randint(0, 3 * 365))
            home = rng.choice(codes) if rng.random() < 0.85 else ""
            rows.append((person.pk, day, rng.choice(kinds), home))
            Disposal.objects.create(
                agency=nps,
                reference=f"R{n}-{k}",
                person=person,
                disposed_on=day,
                disposal_type=rows[-1][2],
                home_lsoa=home,
            )
    wards = sorted({ward_of[c] for c in codes})
    sizes = {w: 1000 + 37 * i for i, w in enumerate(wards)}
    for w, size in sizes.items():
        PopulationEstimate.objects.create(
            area_code=w, area_name=w, year=2018, population_10_17=size, source="test"
        )
    span = calendar_year(2018)
    figures = first_time_entrants_by_area([span], "ward")
    expected = _brute_force(people, rows, (span.start, span.end), ward_of)
    got = {f.area_code: f.entrants for f in figures if f.entrants and f.area_code}
    assert got == expected and sum(expected.values()) > 20
    for f in figures:
        if f.area_code in sizes:
            assert f.rate == pytest.approx(100_000 * f.entrants / sizes[f.area_code])
            assert f.missing is None
        elif f.area_code:
            assert f.rate is None and f.missing is not None
    # 2019: no population imported for any ward, so no rate and the way to get one.
    later = first_time_entrants_by_area([calendar_year(2019)], "ward", area=wards[0])
    assert later[0].rate is None
    assert later[0].missing == (
        f"rate needs the 10-17 population for {later[0].area_name}, 2019: "
        "saferleeds offending import population FILE"
    )


@pytest.mark.django_db
def test_an_entrant_counts_where_they_live(known_people: dict[str, Person]) -> None:
    # P007 (a youth court sentence) lives in Wetherby, P011 (a youth caution) in
    # Otley and Yeadon: the sample disposals say so in home_lsoa.
    for ref, born in (("P007", date(2003, 1, 1)), ("P011", date(2004, 6, 1))):
        known_people[ref].date_of_birth = born
        known_people[ref].save()
    nps = Agency.objects.get(code="nps")
    assert not do_import_disposals(
        read_disposal_extract(SAMPLES / "disposals-extract.csv"),
        actor=None,
        agency=nps,
    ).problems
    do_import_population(read_population(POPULATION), actor=None, source="SYNTHETIC")
    year = calendar_year(2018)
    by_ward = {f.area_name: f for f in first_time_entrants_by_area([year], "ward")}
    assert (
        by_ward["Wetherby"].entrants == 1 and by_ward["Otley and Yeadon"].entrants == 1
    )
    assert sum(f.entrants for f in by_ward.values()) == 2
    wetherby = by_ward["Wetherby"]
    assert wetherby.rate == pytest.approx(100_000 / wetherby.population)
    # The LSOA has its own row; its MSOA has none, nor all its LSOAs': no rate.
    [lsoa] = first_time_entrants_by_area([year], "lsoa", area="E01011698")
    assert (lsoa.entrants, lsoa.population) == (1, 142)
    [msoa] = first_time_entrants_by_area([year], "msoa", area="E02002330")
    assert (
        msoa.entrants == 1
        and msoa.rate is None
        and "Leeds 001, 2018" in (msoa.missing or "")
    )
    [district] = first_time_entrants_by_area([year], "district")
    assert district.entrants == 2 and district.unplaced == 0
    assert district.rate == pytest.approx(2 * 100_000 / 71_340)
    assert district.synthetic

    done = runner.invoke(
        app, ["offending", "fte", "--by", "ward", "--year", "2018", "--format", "json"]
    )
    assert done.exit_code == 0, done.stderr
    rows = {r["area_name"]: r for r in json.loads(done.stdout)}
    assert rows["Wetherby"]["entrants"] == 1
    assert rows["Wetherby"]["rate_per_100000"] == round(wetherby.rate or 0, 1)
    bad = runner.invoke(app, ["offending", "fte", "--by", "county"])
    assert bad.exit_code == 2 and "--by must be one of" in bad.stderr
    bad = runner.invoke(
        app, ["offending", "fte", "--by", "ward", "--area", "E01011698"]
    )
    assert bad.exit_code == 2 and "is not a ward of the partnership" in bad.stderr
    # A year before every caution and sentence held is refused, naming what is held,
    # rather than answered with a row of zeros.
    held = fte_event_span()
    assert held is not None and held[0].year > 1990
    bad = runner.invoke(app, ["offending", "fte", "--year", "1990"])
    assert bad.exit_code == 2 and bad.stdout == ""
    assert (
        f"no cautions or court sentences in 1990: those held run from {held[0]} to "
        f"{held[1]}" in bad.stderr
    )
    bad = runner.invoke(app, ["offending", "fte", "--year", "2018", "--year", "2999"])
    assert bad.exit_code == 2 and "in 2999:" in bad.stderr
    # Without the year's population the rows say what to import, and so does stderr.
    PopulationEstimate.objects.filter(year=2018).delete()
    done = runner.invoke(app, ["offending", "fte", "--by", "ward", "--year", "2018"])
    assert done.exit_code == 0
    assert (
        "rate needs the 10-17 population for Wetherby, 2018: saferleeds offending"
        " import population FILE" in done.stdout
    )
    assert "33 area-years without a 10-17 population" in done.stderr


@pytest.mark.django_db
def test_the_page_shows_rates_by_ward_and_labels_synthetic_figures(
    client: Client,
    imported: Any,
    personas: dict[str, Any],
    sign_in: Any,
    settings: Any,
    police_store_path: Path,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    sign_in(client, personas["ed.executive"])
    p007 = Person.objects.get(
        agency_refs__reference="P007", agency_refs__agency__code="nps"
    )
    p007.date_of_birth = date(2003, 1, 1)
    p007.save()
    html = client.get("/indicators/", {"period": "2018-07"}).content.decode()
    table = html[html.index('data-testid="fte-by-ward"') :]
    table = table[: table.index("</details>")]
    assert "Rate needs the 10-17 population for Wetherby" in table
    do_import_population(
        read_population(POPULATION), actor=None, source="SYNTHETIC demo figures"
    )
    html = client.get("/indicators/", {"period": "2018-07"}).content.decode()
    start = html.index('data-testid="fte-card"')
    card = html[start : html.index("</li>", start)]
    assert 'data-testid="fte-synthetic"' in card and "synthetic demo figures" in card
    table = html[html.index('data-testid="fte-by-ward"') :]
    table = table[: table.index("</details>")]
    assert "(population: synthetic demo figures)" in table
    ward = client.get("/indicators/", {"period": "2018-07", "area": "E05001443"})
    start = ward.content.decode().index('data-testid="fte-card"')
    card = ward.content.decode()[start:]
    assert "First-time entrants, Wetherby" in card
