"""The indicators page's first-time entrants card, next to re-offending: children aged
10-17 at their first caution or court sentence in the latest twelve months, per 100,000
of the 10-17 population when it is set, a count otherwise; not shown without records."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from saferleeds.offending.models import Disposal, Offence, PopulationEstimate
from saferleeds.offending.queries import latest_first_time_entrants
from saferleeds.partners.models import Agency
from saferleeds.people.models import Person


def _card(html: str) -> str:
    start = html.index('data-testid="fte-card"')
    return html[start : html.index("</li>", start)]


def _dispose(person: Person, day: date, kind: str, ref: str) -> None:
    Disposal.objects.create(
        agency=Agency.objects.get(code="nps"),
        reference=ref,
        person=person,
        disposed_on=day,
        disposal_type=kind,
    )


@pytest.mark.django_db
def test_first_time_entrants_in_the_latest_year(known_people: dict[str, Any]) -> None:
    p = known_people
    assert latest_first_time_entrants() is None
    # P001 turns 18 on 2 March 2019: 17 at a youth caution on 1 March, an entrant.
    p["P001"].date_of_birth = date(2001, 3, 2)
    # P002 turns 18 on 1 March 2019: 18 at a caution that day, not an entrant.
    p["P002"].date_of_birth = date(2001, 3, 1)
    # P003 was 14 at a court sentence but entered at 13, in the year before.
    p["P003"].date_of_birth = date(2004, 6, 1)
    # P004 was cautioned (proven offence) at 12 in the year: an entrant.
    p["P004"].date_of_birth = date(2006, 1, 1)
    for ref in ("P001", "P002", "P003", "P004"):
        p[ref].save()
    _dispose(p["P001"], date(2019, 3, 1), "youth_caution", "D1")
    _dispose(p["P002"], date(2019, 3, 1), "caution", "D2")
    _dispose(p["P003"], date(2018, 1, 10), "youth_caution", "D3")
    _dispose(p["P003"], date(2018, 9, 10), "youth_court_sentence", "D4")
    Offence.objects.create(
        agency=Agency.objects.get(code="wyp"),
        reference="O1",
        person=p["P004"],
        offence_code="049/00",
        committed_on=date(2018, 5, 1),
        proven_on=date(2018, 6, 1),
        disposal_type="caution",
        role="offender",
    )
    # P005 has no date of birth: not counted, said so.
    _dispose(p["P005"], date(2019, 1, 5), "youth_caution", "D5")

    figure = latest_first_time_entrants(date(2019, 12, 31))
    assert figure is not None
    assert (figure.period.start, figure.period.end) == (
        date(2018, 3, 2),
        date(2019, 3, 1),
    )
    assert figure.entrants == 2 and figure.undated == 1
    assert figure.rate is None and figure.population is None
    # The twelve months' middle day is in 2018: the mid-2018 estimate is the one.
    assert figure.missing == (
        "rate needs the 10-17 population for Leeds, 2018: "
        "saferleeds offending import population FILE"
    )
    PopulationEstimate.objects.create(
        area_code="E08000035",
        area_name="Leeds",
        year=2018,
        population_10_17=80_000,
        source="ONS mid-2018 (test)",
    )
    rated = latest_first_time_entrants(date(2019, 12, 31))
    assert rated is not None and rated.rate == pytest.approx(2 * 100_000 / 80_000)
    assert rated.missing is None and rated.population_source == "ONS mid-2018 (test)"
    # Entries after "today" are left out: the year ends at the one before.
    earlier = latest_first_time_entrants(date(2019, 2, 28))
    assert earlier is not None and earlier.period.end == date(2019, 1, 5)


@pytest.mark.django_db
def test_the_card_is_next_to_re_offending(
    client: Client,
    imported: Any,
    personas: dict[str, Any],
    sign_in: Any,
    settings: Any,
    police_store_path: Path,
) -> None:
    settings.SAFERLEEDS_ANALYTICS_PATH = police_store_path
    sign_in(client, personas["ed.executive"])
    child = Person.objects.create(
        given_name="Young",
        family_name="Person",
        date_of_birth=date(2003, 1, 1),
        created_by=Agency.objects.get(code="nps"),
    )
    _dispose(child, date(2020, 2, 1), "youth_caution", "YC-1")
    html = client.get("/indicators/", {"period": "2018-07"}).content.decode()
    assert html.index(">Re-Offending</a>") < html.index('data-testid="fte-card"')
    card = _card(html)
    assert '<p class="sl-card__value">1</p>' in card
    assert "12 months to 1 Feb 2020" in card
    assert (
        "Rate needs the 10-17 population for Leeds, 2019: "
        "<code>saferleeds offending import population FILE</code>"
    ) in card

    PopulationEstimate.objects.create(
        area_code="E08000035",
        area_name="Leeds",
        year=2019,
        population_10_17=50_000,
        source="test estimate",
    )
    card = _card(client.get("/indicators/", {"period": "2018-07"}).content.decode())
    assert '<p class="sl-card__value">2.0</p>' in card
    assert (
        "Per 100,000 children aged 10-17 living in Leeds: 1 of 50,000 "
        "(mid-2019, test estimate)"
    ) in card
    assert "Including 1 with no home area recorded" in card
    assert 'data-testid="fte-synthetic"' not in card
    # An MSOA's page has its own card: the child has no home recorded, so none there.
    area = client.get("/indicators/", {"period": "2018-07", "area": "E02002402"})
    card = _card(area.content.decode())
    assert '<p class="sl-card__value">0</p>' in card and "Leeds 073" in card
