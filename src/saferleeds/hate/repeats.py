"""Repeat victims and repeat locations among hate reports.

A repeat victim: two or more reports of incidents within the window (12 months by
default, ``[casework.hate] repeat_window_days``) about the same person: the same linked
person, or, for reports not linked to a person, the same contact email address or
telephone number. A repeat location: two or more such reports with the same
``location_key`` (the full postcode, else the normalised description of the place).

The window is counted back from today over the day the incident happened: a report of
an incident exactly ``window`` days ago still counts, one a day older does not.

Everything here works on a queryset the caller has already limited to what the actor
may see, so the counts never reveal reports the actor could not open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from saferleeds import partnership
from saferleeds.hate.models import HateReport


def window_days() -> int:
    """The repeat window in days, from the partnership's settings."""
    return partnership.current().casework.hate.repeat_window_days


def window_start(today: date | None = None) -> date:
    """The earliest incident date that still counts towards repeats."""
    return (today or timezone.localdate()) - timedelta(days=window_days())


def victim_keys(report: HateReport) -> set[str]:
    """What identifies the report's victim: the linked person, else the contact details.

    Anonymous, unlinked reports have no key and are never repeats.
    """
    if report.victim_id is not None:
        return {f"person:{report.victim_id}"}
    keys = set()
    if report.contact_email:
        keys.add(f"email:{report.contact_email.strip().lower()}")
    digits = re.sub(r"\D", "", report.contact_phone)
    if digits.startswith("44"):  # +44 7700 ... and 07700 ... are the same number
        digits = "0" + digits[2:]
    if len(digits) >= 10:
        keys.add(f"phone:{digits}")
    return keys


@dataclass
class Group:
    """Reports that repeat on one victim or one location, newest first."""

    key: str
    reports: list[HateReport] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many reports."""
        return len(self.reports)

    @property
    def latest(self) -> HateReport:
        """The most recent report."""
        return self.reports[0]


@dataclass
class Repeats:
    """Repeat groups among the reports in the window, and each report's counts."""

    victims: list[Group]
    locations: list[Group]
    victim_count: dict[int, int]  # report id -> reports about the same victim
    location_count: dict[int, int]  # report id -> reports at the same location


def in_window(
    reports: QuerySet[HateReport], today: date | None = None
) -> list[HateReport]:
    """The reports of incidents within the window, newest first."""
    return list(
        reports.filter(occurred_on__gte=window_start(today)).order_by(
            "-occurred_on", "-received_at", "-pk"
        )
    )


def find_repeats(reports: QuerySet[HateReport], today: date | None = None) -> Repeats:
    """Group the visible reports in the window by victim and by location.

    Victims are grouped transitively: a report sharing an email address with one report
    and a telephone number with another joins all three.
    """
    rows = in_window(reports, today)
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    keys_of = {r.pk: sorted(victim_keys(r)) for r in rows}
    for keys in keys_of.values():
        for other in keys[1:]:
            parent[root(other)] = root(keys[0])
    victims: dict[str, Group] = {}
    locations: dict[str, Group] = {}
    for r in rows:
        if keys_of[r.pk]:
            k = root(keys_of[r.pk][0])
            victims.setdefault(k, Group(k)).reports.append(r)
        if r.location_key:
            locations.setdefault(r.location_key, Group(r.location_key)).reports.append(
                r
            )
    victim_count = {r.pk: g.count for g in victims.values() for r in g.reports}
    location_count = {r.pk: g.count for g in locations.values() for r in g.reports}

    def repeated(groups: dict[str, Group]) -> list[Group]:
        found = [g for g in groups.values() if g.count >= 2]
        return sorted(found, key=lambda g: (-g.count, -g.latest.pk))

    return Repeats(
        victims=repeated(victims),
        locations=repeated(locations),
        victim_count=victim_count,
        location_count=location_count,
    )
