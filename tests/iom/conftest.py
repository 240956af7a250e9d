"""Fixtures of the IOM tests: the offending samples' people, with recent offences."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from saferleeds.offending.models import Offence
from saferleeds.partners.models import Agency
from saferleeds.people.models import Person
from tests.offending.conftest import imported, known_people  # noqa: F401


@pytest.fixture
def offenders(imported: dict[str, Person]) -> dict[str, Person]:  # noqa: F811
    """The samples imported, and recent offences (held by WYP) for P001..P003: P001
    a prolific burglar, P002 a few thefts, P003 one old shoplifting."""
    wyp = Agency.objects.get(code="wyp")
    today = timezone.localdate()
    plan: list[tuple[str, int, str]] = [
        *[("P001", 10 + 30 * n, "028/01") for n in range(8)],
        ("P002", 40, "049/00"),
        ("P002", 200, "049/00"),
        ("P003", 700, "046/00"),
    ]
    for n, (ref, days, code) in enumerate(plan):
        Offence.objects.create(
            agency=wyp,
            reference=f"T-{n}",
            person=imported[ref],
            offence_code=code,
            committed_on=today - timedelta(days=days),
            role="offender",
        )
    return imported
