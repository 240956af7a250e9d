"""Fixtures of the offending tests: people known to the police and probation under the
sample extracts' references, and the samples imported."""

from __future__ import annotations

from typing import Any

import pytest

from saferleeds.importers.offending import read_disposal_extract, read_offence_extract
from saferleeds.offending.actions import do_import_disposals, do_import_offences
from saferleeds.partners.models import Agency
from saferleeds.people.models import AgencyReference, Person
from tests.conftest import PACKAGE

SAMPLES = PACKAGE / "importers" / "offending" / "samples"
OFFENCES = SAMPLES / "offences-extract.csv"
DISPOSALS = SAMPLES / "disposals-extract.csv"
REFS = [f"P{n:03d}" for n in range(1, 14)]


@pytest.fixture
def known_people(personas: dict[str, Any]) -> dict[str, Person]:
    """P001..P013, each known to WYP and NPS under that reference."""
    wyp, nps = Agency.objects.get(code="wyp"), Agency.objects.get(code="nps")
    people = {}
    for ref in REFS:
        person = Person.objects.create(
            given_name=f"Given{ref}", family_name=f"Family{ref}", created_by=wyp
        )
        for agency in (wyp, nps):
            AgencyReference.objects.create(person=person, agency=agency, reference=ref)
        people[ref] = person
    return people


@pytest.fixture
def imported(known_people: dict[str, Person]) -> dict[str, Person]:
    """The sample offences (held by WYP) and disposals (held by NPS) imported."""
    wyp, nps = Agency.objects.get(code="wyp"), Agency.objects.get(code="nps")
    assert not do_import_offences(
        read_offence_extract(OFFENCES), actor=None, agency=wyp
    ).problems
    assert not do_import_disposals(
        read_disposal_extract(DISPOSALS), actor=None, agency=nps
    ).problems
    return known_people
