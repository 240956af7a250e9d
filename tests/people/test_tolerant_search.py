"""People search that finds misspelt names (issue #16, item 3).

"Jessica Marshall" finds "Jessica Marshaall", "Harjit Patel" finds "Harjit Pattel",
"Smyth" finds "Smith"; transpositions, sounds and nicknames match, and a date of birth
with day and month swapped; results are ranked and say why they matched. Access is
unchanged: only people the viewer may see are returned, each audited as before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from saferleeds.analytics.namesearch import NameIndex, compare_word, swapped
from saferleeds.audit.models import AuditEntry
from saferleeds.partners.policy import actor_for
from saferleeds.people.access import PeopleQuery, read_people_search
from saferleeds.people.actions import do_create_person, do_update_person
from tests.web.test_people_pages import build_world


@pytest.fixture
def world(personas: dict[str, Any]) -> dict[str, Any]:
    w = build_world(personas)
    pete = actor_for(personas["pete.practitioner"])
    for ref, given, family, born in [
        ("WY-T-1", "Jessica", "Marshaall", date(1991, 4, 3)),
        ("WY-T-2", "Harjit", "Pattel", date(1979, 11, 30)),
        ("WY-T-3", "John", "Smith", date(1966, 2, 1)),
        ("WY-T-4", "William", "Okafor", None),
        ("WY-T-5", "Katherine", "Brown", None),
    ]:
        w[given.lower()] = do_create_person(
            actor=pete,
            reference=ref,
            given_name=given,
            family_name=family,
            date_of_birth=born,
        )
    return w


def names(page: Any) -> list[str]:
    return [r.display_name for r in page.results]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("Jessica Marshall", "Jessica Marshaall"),
        ("Harjit Patel", "Harjit Pattel"),
        ("Smyth", "John Smith"),
        ("Jesscia Marshaall", "Jessica Marshaall"),  # transposed letters
        ("Marhsall", "Jessica Marshaall"),
        ("Bill Okafor", "William Okafor"),  # nickname
        ("Kate Brown", "Katherine Brown"),
        ("Harjeet Patel", "Harjit Pattel"),  # sounds alike
        ("smi", "John Smith"),  # a prefix, as before
    ],
)
def test_misspelt_names_are_found(
    world: dict[str, Any], personas: dict[str, Any], typed: str, found: str
) -> None:
    pete = actor_for(personas["pete.practitioner"])
    page = read_people_search(pete, PeopleQuery(name=typed))
    assert found in names(page)
    assert page.results[names(page).index(found)].matched  # says why


def test_results_are_ranked_and_say_why(
    world: dict[str, Any], personas: dict[str, Any]
) -> None:
    pete = actor_for(personas["pete.practitioner"])
    page = read_people_search(pete, PeopleQuery(name="Smith"))
    assert names(page)[0] in {"Alice Smith", "John Smith"}  # exact first
    assert page.results[0].matched == ("family name exact",)
    page = read_people_search(pete, PeopleQuery(name="Jessica Marshall"))
    (first,) = page.results
    assert first.matched == (
        "given name exact",
        "family name one letter different (marshall ~ marshaall)",
    )


def test_date_of_birth_with_day_and_month_swapped(
    world: dict[str, Any], personas: dict[str, Any]
) -> None:
    pete = actor_for(personas["pete.practitioner"])
    page = read_people_search(pete, PeopleQuery(date_of_birth=date(1991, 3, 4)))
    assert names(page) == ["Jessica Marshaall"]
    assert page.results[0].matched == ("date of birth with day and month swapped",)
    page = read_people_search(
        pete, PeopleQuery(name="Jessica", date_of_birth=date(1991, 4, 3))
    )
    assert names(page) == ["Jessica Marshaall"]
    # A wrong date still excludes: no date, no match.
    page = read_people_search(
        pete, PeopleQuery(name="Jessica", date_of_birth=date(1991, 4, 4))
    )
    assert names(page) == []


def test_access_and_audit_unchanged(
    world: dict[str, Any], personas: dict[str, Any]
) -> None:
    # Nina Hidden is held by probation, shared with no one: Carol never finds her,
    # however close the spelling.
    carol = actor_for(personas["carol.coordinator"])
    page = read_people_search(carol, PeopleQuery(name="Nina Hiden"))
    assert "Nina Hidden" not in names(page)
    page = read_people_search(carol, PeopleQuery(name="Jessica Marshall"))
    assert names(page) == ["Jessica Marshaall"]
    audited = AuditEntry.objects.filter(
        event="people.person.search", actor_username="carol.coordinator"
    )
    assert {e.record_id for e in audited} == {str(world["jessica"].pk)}
    nadia = actor_for(personas["nadia.probation"])
    assert "Nina Hidden" in names(
        read_people_search(nadia, PeopleQuery(name="Nina Hiden"))
    )


def test_index_follows_edits(world: dict[str, Any], personas: dict[str, Any]) -> None:
    pete = actor_for(personas["pete.practitioner"])
    assert names(read_people_search(pete, PeopleQuery(name="Okafor")))
    person = world["william"]
    do_update_person(
        person.pk,
        actor=pete,
        expected_version=person.version,
        changes={"family_name": "Okoro"},
    )
    assert "William Okoro" in names(read_people_search(pete, PeopleQuery(name="Okoro")))
    assert not names(read_people_search(pete, PeopleQuery(name="Okafor")))


def test_search_page_shows_why(
    world: dict[str, Any], personas: dict[str, Any], sign_in: Any
) -> None:
    client = sign_in(Client(), personas["carol.coordinator"])
    html = client.get("/people/", {"name": "Jessica Marshall"}).content.decode()
    assert "Jessica Marshaall" in html and "Why it matched" in html
    assert "Family name one letter different" in html or "one letter different" in html


def test_matcher_levels() -> None:
    assert compare_word("patel", "pattel", given=False)[0] == 0.9
    assert compare_word("smyth", "smith", given=False)[0] >= 0.85
    assert compare_word("bill", "william", given=True)[1] == "nickname"
    assert compare_word("bill", "william", given=False)[0] == 0  # family: no nicknames
    assert compare_word("jones", "smith", given=False) == (0.0, "")
    assert swapped(date(1991, 4, 3)) == date(1991, 3, 4)
    assert swapped(date(1991, 4, 13)) is None and swapped(date(1991, 4, 4)) is None
    index = NameIndex([(1, "Mohammed", "Khan", None), (2, "Muhammad", "Khan", None)])
    assert {m.person_id for m in index.search("Mohamed Khan")} == {1, 2}
    index.remove(1)
    assert [m.person_id for m in index.search("Mohamed Khan")] == [2]
