"""Repeat victims and repeat locations among hate reports.

A repeat victim: two or more reports of incidents within the window (12 months by
default, ``[casework.hate] repeat_window_days``) about the same person: the same linked
person, or, for reports not linked to a person, the same contact email address or
telephone number. A repeat location: two or more such reports at the same place, which
is any of (issue #16: not only the exact postcode):

* the same full postcode, or the same description of the place (``location_key``);
* the same street (:func:`street_of`: "12 Boar Ln" and "bus stop on Boar Lane" are
  both Boar Lane) in the same postcode district; a report without a postcode joins the
  street's reports when only one district has a street of that name;
* points within ``[casework.hate] repeat_distance_m`` metres (200 by default), for
  reports that give the point where it happened.

Places are joined transitively (a report on Boar Lane 150 m from a report on Briggate
joins both), and each group says why its reports were joined.

The window is counted back from today over the day the incident happened: a report of
an incident exactly ``window`` days ago still counts, one a day older does not.

Everything here works on a queryset the caller has already limited to what the actor
may see, so the counts never reveal reports the actor could not open.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
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


# Street types as written on Leeds' street signs and as people shorten them.
_STREET_TYPES = {
    "road": "road",
    "rd": "road",
    "street": "street",
    "st": "street",
    "lane": "lane",
    "ln": "lane",
    "avenue": "avenue",
    "ave": "avenue",
    "av": "avenue",
    "terrace": "terrace",
    "ter": "terrace",
    "terr": "terrace",
    "drive": "drive",
    "dr": "drive",
    "close": "close",
    "cl": "close",
    "crescent": "crescent",
    "cres": "crescent",
    "place": "place",
    "pl": "place",
    "grove": "grove",
    "gr": "grove",
    "gardens": "gardens",
    "gdns": "gardens",
    "court": "court",
    "ct": "court",
    "way": "way",
    "walk": "walk",
    "row": "row",
    "square": "square",
    "sq": "square",
    "parade": "parade",
    "mount": "mount",
    "mt": "mount",
    "hill": "hill",
    "view": "view",
    "green": "green",
    "vale": "vale",
    "rise": "rise",
    "mews": "mews",
    "gate": "gate",
    "wharf": "wharf",
    "approach": "approach",
    "boulevard": "boulevard",
    "headrow": "headrow",
}
# Words that end a place's description before its street, never part of a name.
_NOT_NAME = {"on", "at", "in", "of", "off", "near", "outside", "by", "the", "and"}


def street_of(location: str) -> str:
    """The street a place's description names, normalised, or ``""`` if none.

    The last word that is a street type ("Road", "Rd", "Lane"...) with the words
    before it back to a number, a comma or a linking word ("on", "outside"...).

    >>> street_of("Bus stop outside 12 Boar Ln, city centre")
    'boar lane'
    >>> street_of("Roundhay Road near the Fforde Grene")
    'roundhay road'
    >>> street_of("The park")
    ''
    """
    best = ""
    for part in re.split(r"[,;/()]", location.lower()):
        words = re.sub(r"[^a-z0-9' ]+", " ", part).replace("'", "").split()
        for i in range(len(words) - 1, 0, -1):
            kind = _STREET_TYPES.get(words[i])
            if kind is None:
                continue
            name: list[str] = []
            for w in reversed(words[:i]):
                if w.isdigit() or w in _NOT_NAME or any(c.isdigit() for c in w):
                    break
                name.insert(0, w)
                if len(name) == 3:
                    break
            if name:
                best = " ".join([*name, kind])
                break
        if best:
            break
    # "The Headrow" names a street by its type alone.
    if not best and "headrow" in location.lower():
        best = "the headrow"
    return best


def postcode_district(postcode: str) -> str:
    """The outward code of a full postcode ("LS1" of "LS1 6HW"), or ``""``."""
    compact = "".join(postcode.upper().split())
    return compact[:-3] if len(compact) >= 5 else ""


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(min(1.0, h)))


def distance_m() -> int:
    """How close two points must be to count as one location, from the settings."""
    return partnership.current().casework.hate.repeat_distance_m


@dataclass
class Group:
    """Reports that repeat on one victim or one location, newest first.

    ``reasons`` says why reports were joined (locations: "same postcode", "same
    street: Boar Lane (LS1)", "within 200 m").
    """

    key: str
    reports: list[HateReport] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

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
    for r in rows:
        if keys_of[r.pk]:
            k = root(keys_of[r.pk][0])
            victims.setdefault(k, Group(k)).reports.append(r)
    locations = _location_groups(rows)
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


def _location_groups(rows: list[HateReport]) -> dict[str, Group]:
    """Join reports at the same place (see the module docstring); newest first."""
    parent = {r.pk: r.pk for r in rows}
    why: dict[int, set[str]] = defaultdict(set)  # root -> reasons, merged on union

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    def join(a: int, b: int, reason: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
            why[ra] |= why.pop(rb, set())
        why[ra].add(reason)

    def join_all(pks: list[int], reason: str) -> None:
        for other in pks[1:]:
            join(pks[0], other, reason)

    by_key: dict[str, list[int]] = defaultdict(list)
    streets: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r.location_key:
            by_key[r.location_key].append(r.pk)
        street = street_of(r.location)
        if street:
            streets[street][postcode_district(r.postcode)].append(r.pk)
    for key, pks in by_key.items():
        join_all(pks, "same postcode" if key.startswith("postcode:") else "same place")
    for street, districts in streets.items():
        known = [d for d in districts if d]
        for district, pks in districts.items():
            if district:
                join_all(pks, f"same street: {street.title()} ({district})")
        unplaced = districts.get("", [])
        if len(known) == 1:
            unplaced = [*districts[known[0]][:1], *unplaced]
            label = f"same street: {street.title()} ({known[0]})"
        else:
            label = f"same street: {street.title()}"
        if not known or len(known) == 1:
            join_all(unplaced, label)
    _join_near(rows, join)

    groups: dict[str, Group] = {}
    for r in rows:  # newest first, as ``in_window`` gives them
        k = str(root(r.pk))
        groups.setdefault(k, Group(r.location_key or f"report:{k}")).reports.append(r)
    for k, g in groups.items():
        g.key = g.reports[0].location_key or g.key
        g.reasons = sorted(why.get(int(k), set()))
    return groups


def _join_near(rows: list[HateReport], join: Callable[[int, int, str], None]) -> None:
    """Join reports whose points lie within the configured distance (a grid of cells
    the distance wide, so each point is compared with its neighbours only)."""
    limit = distance_m()
    points = [
        (r.pk, (r.latitude, r.longitude))
        for r in rows
        if r.latitude is not None and r.longitude is not None
    ]
    if len(points) < 2:
        return
    cell_lat = limit / 111_320.0  # metres per degree of latitude
    mean_lat = sum(p[0] for _, p in points) / len(points)
    cell_lon = cell_lat / max(0.01, math.cos(math.radians(mean_lat)))
    grid: dict[tuple[int, int], list[tuple[int, tuple[float, float]]]]
    grid = defaultdict(list)
    for pk, (lat, lon) in points:
        grid[(math.floor(lat / cell_lat), math.floor(lon / cell_lon))].append(
            (pk, (lat, lon))
        )
    for (ci, cj), members in grid.items():
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for other, q in grid.get((ci + di, cj + dj), []):
                    for pk, p in members:
                        if other > pk and metres_between(p, q) <= limit:
                            join(pk, other, f"within {limit} m")
