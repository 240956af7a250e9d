"""The network page in headless Chromium, axe-checked: the drawn graph (Cytoscape.js,
vendored) renders every person of the network with no CSP violation, key players and
OCG ties marked; the table alternative is there, and is the page with JavaScript off.

Screenshots go to test-artifacts/network-*.png for a person to look at.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from saferleeds.offending.models import OcgNomination, Offence
from saferleeds.partners.models import Agency
from saferleeds.people.models import Person
from tests.web.axe import assert_accessible
from tests.web.conftest import browser_sign_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def network(transactional_db: None, personas: dict[str, Any]) -> list[Person]:
    """Two crews of four joined through one person (a key player), and an OCG list
    tying two of one crew with a third person; held by the police."""
    wyp = Agency.objects.get(code="wyp")
    people = [
        Person.objects.create(given_name=f"Given{n}", family_name="Net", created_by=wyp)
        for n in range(10)
    ]
    crimes = [
        [0, 1], [1, 2], [2, 3], [0, 3],  # crew A
        [5, 6], [6, 7], [7, 8], [5, 8],  # crew B
        [3, 4], [4, 5],  # the bridge
    ]  # fmt: skip
    for n, crew in enumerate(crimes):
        for i in crew:
            Offence.objects.create(
                agency=wyp, reference=f"NET-{n}-{i}", person=people[i],
                offence_code="028/01", committed_on=date(2018, 1, 1 + n),
                role="suspect", crime_reference=f"NET-CR-{n}",
            )  # fmt: skip
    for i in (0, 1, 9):
        OcgNomination.objects.create(
            agency=wyp, ocg_reference="OCG-1", ocg_name="Test crew", person=people[i],
            group_role="member", source_agency=wyp,
        )  # fmt: skip
    return people


def test_the_network_is_drawn_and_listed(
    live_server: Any, page: Any, browser: Any, personas: dict[str, Any], network: Any
) -> None:
    base = live_server.url
    browser_sign_in(page, base, personas["pete.practitioner"])
    page.goto(f"{base}/iom/network/")
    page.wait_for_selector("#sl-network[data-nodes]", timeout=20000)
    drawn = page.evaluate(
        "() => ({nodes: window.slNetwork.nodes().length,"
        " edges: window.slNetwork.edges().length,"
        " keys: window.slNetwork.nodes('.key').length,"
        " ocg: window.slNetwork.edges('.ocg').length,"
        " canvases: document.querySelectorAll('#sl-network canvas').length})"
    )
    # 10 people; 10 co-offending pairs and the OCG's 3 pairs (0-1 is both).
    assert drawn["nodes"] == 10 and drawn["edges"] == 12, drawn
    assert drawn["keys"] >= 1 and drawn["ocg"] == 2 and drawn["canvases"] >= 1
    assert page.get_by_test_id("central").locator("tbody tr").count() == 10
    assert "Given" not in page.inner_text("main")  # pseudonyms only
    page.select_option("#sl-network-size", "degree")
    legend = page.inner_text("#sl-network-legend")
    assert "Community 0" in legend and "Key player" in legend
    lesser = assert_accessible(page)
    screenshot(page, "network-drawn")
    assert not page.problems, page.problems
    del lesser

    # Two periods compared: crew A's crimes (1-4 January) against the rest.
    page.goto(
        f"{base}/iom/network/?period=2018-01-05..2018-01-31"
        "&compare=2018-01-01..2018-01-04"
    )
    page.wait_for_selector("#sl-network[data-nodes]", timeout=20000)
    change = page.get_by_test_id("network-change").inner_text()
    assert "5 joined, 1 left" in change  # people 4-8 joined; 2 left (crew A)
    assert page.get_by_test_id("key-players-rising").is_visible()
    assert_accessible(page)
    screenshot(page, "network-compare")
    assert not page.problems, page.problems

    # Without JavaScript the drawing stays hidden and the tables are the page.
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    for cookie in page.context.cookies():
        context.add_cookies([cookie])
    plain.goto(f"{base}/iom/network/")
    assert not plain.locator("#sl-network-panel").is_visible()
    assert plain.get_by_test_id("central").locator("tbody tr").count() == 10
    assert plain.get_by_test_id("key-players").is_visible()
    context.close()


def test_the_empty_network_names_the_missing_agreement(
    live_server: Any, page: Any, personas: dict[str, Any], network: Any
) -> None:
    base = live_server.url
    browser_sign_in(page, base, personas["aisha.analyst"])
    page.goto(f"{base}/iom/network/")
    text = page.get_by_test_id("network-empty").inner_text()
    assert "held by West Yorkshire Police" in text
    assert "no information-sharing agreement in force shares them with Leeds" in text
    assert page.locator("#sl-network").count() == 0
    assert_accessible(page)
    screenshot(page, "network-empty")
    assert not page.problems, page.problems
