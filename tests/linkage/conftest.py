"""A small partnership of agency records with known truth, for the linkage tests.

Each of ``PEOPLE`` synthetic people is known to the police, the council or both, each
agency's record keyed by hand with the typos real extracts have (a letter swapped in a
name, a missing date of birth or postcode). ``truth`` maps every reference to its
person, and is never given to the model.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from saferleeds.linkage.actions import do_receive_agency_records
from saferleeds.partners.actions import do_create_agreement, do_ensure_user
from saferleeds.partners.models import Agency, Role
from saferleeds.partners.policy import Actor, actor_for

FORENAMES = (
    "amelia olivia isla ava mia ivy lily isabella rosie sophia grace freya "
    "oliver george harry noah jack leo arthur muhammad oscar charlie jacob thomas "
    "aisha fatima zara priya kiran ravi sanjay imran tariq bilal chloe megan "
    "nathan connor liam kyle dylan bethany jade leah holly"
).split()
SURNAMES = (
    "smith jones taylor brown williams wilson johnson davies robinson wright "
    "thompson evans walker white roberts green hall wood jackson clarke khan "
    "hussain ahmed patel begum ali shah iqbal akhtar mahmood kaur singh "
    "kowalski nowak murphy kelly byrne walsh obrien lee chen wang"
).split()
STREETS = (
    "harehills lane, roundhay road, chapeltown road, dewsbury road, kirkstall "
    "road, tong road, york road, selby road, otley road, scott hall road"
).split(", ")
POSTCODES = ("LS8 3", "LS7 4", "LS9 7", "LS11 6", "LS12 2", "LS14 1", "LS6 3")
PEOPLE = 70


@dataclass(frozen=True)
class Population:
    """The records made and who each really is."""

    truth: dict[tuple[str, str], int]  # (agency code, reference) -> person number
    police: Actor
    council: Actor

    def known_to_both(self, k: int = 0) -> tuple[str, str]:
        """The police and council references of the k-th person both agencies know."""
        both = sorted(
            n
            for (code, _), n in self.truth.items()
            if code == "wyp" and ("lcc", f"LCC-{n:04d}") in self.truth
        )
        n = both[k]
        return f"WYP-{n:04d}", f"LCC-{n:04d}"


def _typo(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 2)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _person(n: int, rng: random.Random) -> dict[str, Any]:
    dob = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    return {
        "forename": rng.choice(FORENAMES),
        "surname": rng.choice(SURNAMES),
        "date_of_birth": dob,
        "sex": rng.choice("FM"),
        "postcode": f"{rng.choice(POSTCODES)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTUW')}",
        "address": f"{rng.randrange(1, 300)} {rng.choice(STREETS)}",
        "identifier": f"{rng.randrange(10**9, 10**10)}",
    }


def _keyed(true: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    row = dict(true)
    roll = rng.random()
    if roll < 0.15:
        row["forename"] = _typo(row["forename"], rng)
    elif roll < 0.25:
        row["surname"] = _typo(row["surname"], rng)
    elif roll < 0.32:
        row["date_of_birth"] = None
    elif roll < 0.40:
        row["postcode"] = ""
    if rng.random() < 0.6:
        row["identifier"] = ""  # agencies rarely hold the same identifier
    return row


def make_agreement(codes: tuple[str, ...] = ("lcc", "wyp")) -> None:
    """An agreement in force sharing agency records among these agencies."""
    from django.utils import timezone

    today = timezone.localdate()
    parties = list(Agency.objects.filter(code__in=codes))
    do_create_agreement(
        actor=None,
        reference="linkage-test",
        providers=parties,
        recipients=parties,
        title="Linked records",
        purpose="testing",
        lawful_basis="s115 CDA 1998",
        record_types=["agency_record"],
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=365),
        signed_by="test",
        signed_on=today - timedelta(days=30),
    )


@pytest.fixture
def population(personas: dict[str, Any]) -> Population:
    """Police and council extracts of ``PEOPLE`` people (seeded, with typos)."""
    rng = random.Random(13)
    agencies = {a.code: a for a in Agency.objects.all()}
    senders = {}
    for code in ("wyp", "lcc"):
        user = do_ensure_user(
            f"sender.{code}",
            agency=agencies[code],
            roles=[Role.PRACTITIONER],
            password=None,
            actor=None,
        )
        senders[code] = actor_for(user)
    rows: dict[str, list[dict[str, Any]]] = {"wyp": [], "lcc": []}
    truth: dict[tuple[str, str], int] = {}
    for n in range(PEOPLE):
        true = _person(n, rng)
        roll = rng.random()
        codes = ("wyp", "lcc") if roll < 0.6 else ("wyp",) if roll < 0.8 else ("lcc",)
        for code in codes:
            reference = f"{code.upper()}-{n:04d}"
            rows[code].append({"reference": reference, **_keyed(true, rng)})
            truth[(code, reference)] = n
    for code, extract in rows.items():
        do_receive_agency_records(extract, actor=senders[code], batch=f"{code}-1")
    return Population(truth=truth, police=senders["wyp"], council=senders["lcc"])
