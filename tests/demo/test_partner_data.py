"""The demo's partner data: users of different agencies see what their agreements say."""

from __future__ import annotations

from typing import Any

import pytest

from saferleeds.demo.partner_data import seed_partner_data
from saferleeds.partners.policy import actor_for
from saferleeds.people.access import people_visible_to
from saferleeds.people.models import AgencyReference
from saferleeds.safeguarding.models import CaseMember, CasePerson


def held_by(*codes: str) -> set[int]:
    return set(
        AgencyReference.objects.filter(agency__code__in=codes).values_list(
            "person_id", flat=True
        )
    )


def on_cases_of(username: str) -> set[int]:
    cases = CaseMember.objects.filter(user__username=username).values_list(
        "case_id", flat=True
    )
    return set(
        CasePerson.objects.filter(case_id__in=cases).values_list("person_id", flat=True)
    )


@pytest.mark.django_db
def test_views_differ_by_agency_as_the_agreements_say(personas: dict[str, Any]) -> None:
    report = seed_partner_data()
    assert report.created and report.people > 0 and report.cases > 0
    assert seed_partner_data().created is False  # safe to repeat

    def sees(username: str) -> set[int]:
        return set(
            people_visible_to(actor_for(personas[username])).values_list(
                "pk", flat=True
            )
        )

    expected = {
        # Community safety protocol: LCC and WYP share people both ways; IOM: WYP and
        # probation share people both ways. The council is not in the IOM agreement.
        "pete.practitioner": held_by("wyp", "lcc", "nps")
        | on_cases_of("pete.practitioner"),
        "carol.coordinator": held_by("lcc", "wyp") | on_cases_of("carol.coordinator"),
        "nadia.probation": held_by("nps", "wyp"),
        # MARAC shares cases and notes only: health sees its own people and its cases'.
        "harry.health": held_by("ccg") | on_cases_of("harry.health"),
        # Analysts see their agency's view, pseudonymised.
        "aisha.analyst": held_by("lcc", "wyp"),
        # Roles without casework see no one; the IG lead only their own agency's people.
        "ed.executive": set(),
        "iris.ig": held_by("lcc"),
    }
    seen = {u: sees(u) for u in expected}
    assert seen == expected
    four = [
        seen[u]
        for u in (
            "pete.practitioner",
            "nadia.probation",
            "harry.health",
            "carol.coordinator",
        )
    ]
    assert all(a != b for i, a in enumerate(four) for b in four[i + 1 :])
    assert on_cases_of("harry.health") - held_by("ccg"), (
        "health sees MARAC parties via cases"
    )
