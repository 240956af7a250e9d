"""The partnership's proven re-offending figures from every agency's records.

Aggregates only (counts, rates, intervals: nobody's details leave this module), as
``marac.queries`` gives the MARAC figures: the indicators page and ``saferleeds
reoffending`` without ``--as`` read them. Per-person extracts for an actor go through
:mod:`saferleeds.offending.access_pages` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import pyarrow as pa
from django.db.models import Max, Min

from saferleeds.analytics.fte import DISPOSAL_SCHEMA, PER, Span, entrant_counts
from saferleeds.analytics.reoffending import Quarter, Reoffending, proven_reoffending
from saferleeds.offending.models import Disposal, Offence, PopulationEstimate
from saferleeds.offending.tables import index_table, offence_table
from saferleeds.people.models import Person

__all__ = [
    "FTE_LEVELS",
    "FteFigure",
    "area_level",
    "calendar_year",
    "cohort_quarters",
    "first_time_entrants_by_area",
    "fte_areas",
    "latest_fte_period",
    "latest_first_time_entrants",
    "latest_complete_reoffending",
    "reoffending_figures",
    "workspace_tables",
]


def workspace_tables() -> tuple[pa.Table, pa.Table]:
    """Every agency's disposals and offences as the re-offending tables, people named
    by record id. For aggregate figures only: never shown per person."""
    disposals = Disposal.objects.order_by("id").values_list(
        "person_id", "disposed_on", "disposal_type"
    )
    offences = (
        Offence.objects.filter(role=Offence.Role.OFFENDER)
        .order_by("id")
        .values_list("person_id", "committed_on", "proven_on", "disposal_type")
    )
    return index_table(disposals, str), offence_table(offences, str)


def workspace_version() -> tuple[object, ...]:
    """A fingerprint of what the re-offending and first-time entrants figures read.

    The indicators page caches those figures (``saferleeds.core.analytics_cache``) with
    this in the key, so a page view reuses them until a partner's extract, a person
    or a population estimate changes. One aggregate query per table: a row added or
    removed changes its count, a row saved changes its latest ``imported_at`` /
    ``updated_at`` (``auto_now``), and a bulk ``update()`` re-pointing records to
    another person (a merge) changes the sum of their person ids.
    """
    from django.db.models import Count, Max, Sum

    def fingerprint(qs: object, stamp: str, *sums: str) -> tuple[object, ...]:
        agg = {"n": Count("pk"), "at": Max(stamp)}
        agg |= {f"s{i}": Sum(col) for i, col in enumerate(sums)}
        row = qs.aggregate(**agg)  # type: ignore[attr-defined]
        return tuple(row[k] for k in sorted(row))

    return (
        fingerprint(Offence.objects, "imported_at", "person_id"),
        fingerprint(Disposal.objects, "imported_at", "person_id"),
        fingerprint(PopulationEstimate.objects, "imported_at", "population_10_17"),
        fingerprint(Person.objects, "updated_at"),
    )


def cohort_quarters() -> list[Quarter]:
    """Quarters with at least one disposal, latest first."""
    days = Disposal.objects.dates("disposed_on", "month", order="DESC")
    seen: list[Quarter] = []
    for d in days:
        q = Quarter(d.year, (d.month - 1) // 3 + 1)
        if q not in seen:
            seen.append(q)
    return seen


def reoffending_figures(cohort: Quarter | str) -> Reoffending:
    """Proven re-offending of a quarter's cohort over every agency's records.

    Raises:
        ValueError: Nobody has an index event in the quarter.
    """
    index_events, offences = workspace_tables()
    return proven_reoffending(index_events, offences, cohort)


def latest_complete_reoffending(today: date | None = None) -> Reoffending | None:
    """The latest cohort whose follow-up and waiting period the data cover.

    A cohort counts once its last index event's 18 months have passed (before
    ``today``, when given) and the offences data reach that far, as the MoJ publishes
    only cohorts whose re-offences can all have been proven. ``None``: no such cohort.
    """
    quarters = cohort_quarters()
    if not quarters:
        return None
    index_events, offences = workspace_tables()
    for quarter in quarters:
        result = proven_reoffending(index_events, offences, quarter)
        if result.follow_up_complete and (today is None or result.waiting_end < today):
            return result
    return None


# --- First-time entrants -----------------------------------------------------------------

# Entry disposals (``analytics.fte``) of the workspace's records: disposals on their
# date, and proven offences on the day they were proven (a conviction or caution; the
# only date a custodial sentence has, its disposal being the release).
_FTE_DISPOSAL = {
    Disposal.Type.YOUTH_CAUTION: "youth_caution",
    Disposal.Type.CAUTION: "caution",
    Disposal.Type.YOUTH_COURT_SENTENCE: "court_sentence",
    Disposal.Type.COURT_NON_CUSTODIAL: "court_sentence",
}
_FTE_OFFENCE = {
    Offence.DisposalType.CAUTION: "caution",
    Offence.DisposalType.COURT_NON_CUSTODIAL: "court_sentence",
    Offence.DisposalType.CUSTODY: "court_sentence",
}
FTE_LEVELS = ("district", "ward", "msoa", "lsoa")
"""Areas first-time entrants are counted by: the partnership's district, its wards,
MSOAs or LSOAs (each LSOA's ward is the ONS best-fit lookup's)."""
POPULATION_COMMAND = "saferleeds offending import population FILE"
# Entrants whose home area is not recorded, in a table by area.
NOT_RECORDED = ""


@dataclass(frozen=True)
class FteFigure:
    """First-time entrants to the youth justice system of one area in one period.

    Attributes:
        period: The period counted.
        area_code: The area's ONS code ("": entrants with no home area recorded).
        area_name: Its name.
        entrants: Children aged 10-17 whose first caution or court sentence fell in
            the period, living in the area.
        population: Children aged 10-17 living there (``None``: not imported).
        population_year: The year of the estimate the rate uses (the year of the
            period's middle day; mid-year estimates are for 30 June).
        population_source: Where the population comes from, as imported.
        rate: Entrants per 100,000 of that population (``None`` without it).
        undated: People with an entry in the period but no date of birth, not counted.
        unplaced: Entrants counted in the district with no home area recorded (the
            district only: they are in no ward, MSOA or LSOA).
    """

    period: Span
    area_code: str
    area_name: str
    entrants: int
    population: int | None
    population_year: int
    population_source: str
    rate: float | None
    undated: int = 0
    unplaced: int = 0

    @property
    def missing(self) -> str | None:
        """What to do for a rate, when there is none (``None``: there is one)."""
        if self.rate is not None or not self.area_code:
            return None
        return (
            f"rate needs the 10-17 population for {self.area_name}, "
            f"{self.population_year}: {POPULATION_COMMAND}"
        )

    @property
    def synthetic(self) -> bool:
        """Whether the population is made-up demo figures (the page says so)."""
        return "synthetic" in self.population_source.lower()


def _year_to(end: date) -> Span:
    try:
        start = end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February: the year from 1 March
        start = date(end.year - 1, 3, 1)
    return Span(f"12 months to {end.day} {end:%b %Y}", start, end)


def calendar_year(year: int) -> Span:
    """The calendar year as a period, labelled by its number."""
    return Span(str(year), date(year, 1, 1), date(year, 12, 31))


def population_year(period: Span) -> int:
    """The year of the population estimate for a period: its middle day's."""
    return (period.start + (period.end - period.start) / 2).year


@lru_cache(maxsize=1)
def _geography() -> dict[str, dict[str, tuple[str, str]]]:
    """``{lsoa: {level: (code, name)}}`` of the partnership's LSOAs (the shipped
    lookup; wards by the ONS best-fit LSOA-to-ward lookup)."""
    from saferleeds.analytics.geography import read_lsoas
    from saferleeds.partnership import current

    out: dict[str, dict[str, tuple[str, str]]] = {}
    for x in read_lsoas(current()):
        levels = {
            "lsoa": (x.code, x.name),
            "msoa": (x.msoa_code, x.msoa_name),
            "district": (x.district_code, x.district_name),
        }
        if x.ward_code:
            levels["ward"] = (x.ward_code, x.ward_name or x.ward_code)
        out[x.code] = levels
    return out


def fte_areas(level: str) -> dict[str, str]:
    """The partnership's areas of a level: ``{code: name}``.

    Raises:
        ValueError: ``level`` is not one of :data:`FTE_LEVELS`.
    """
    if level not in FTE_LEVELS:
        raise ValueError(f"--by must be one of {', '.join(FTE_LEVELS)}, not {level!r}")
    return {g[level][0]: g[level][1] for g in _geography().values() if level in g}


def area_level(code: str) -> str | None:
    """The level of one of the partnership's areas, by its code (``None``: not one)."""
    for level in FTE_LEVELS:
        if code in fte_areas(level):
            return level
    return None


def _population(code: str, level: str, year: int) -> tuple[int | None, str]:
    """The 10-17 population of an area in a year, and its source: the imported row of
    the area, or else the sum of its LSOAs' when every one of them was imported."""
    row = PopulationEstimate.objects.filter(area_code=code, year=year).first()
    if row is not None:
        return row.population_10_17, row.source
    if level == "lsoa":
        return None, ""
    lsoas = [lsoa for lsoa, g in _geography().items() if g.get(level, ("",))[0] == code]
    rows = list(
        PopulationEstimate.objects.filter(area_code__in=lsoas, year=year).values_list(
            "population_10_17", "source"
        )
    )
    if not lsoas or len(rows) < len(lsoas):
        return None, ""
    sources = sorted({source for _, source in rows})
    return sum(n for n, _ in rows), "; ".join(sources) + f" (sum of {len(rows)} LSOAs)"


def _entry_events(
    today: date | None,
) -> tuple[list[tuple[int, date, str]], dict[int, list[tuple[date, str]]]]:
    """Every entry event ``(person id, day, analytics.fte kind)`` on or before
    ``today``, and each person's recorded homes ``{person: [(day, lsoa)]}``."""
    events: list[tuple[int, date, str]] = [
        (person, day, _FTE_DISPOSAL[kind])
        for person, day, kind in Disposal.objects.filter(
            disposal_type__in=list(_FTE_DISPOSAL)
        ).values_list("person_id", "disposed_on", "disposal_type")
    ]
    events += [
        (person, day, _FTE_OFFENCE[kind])
        for person, day, kind in Offence.objects.filter(
            role=Offence.Role.OFFENDER,
            proven_on__isnull=False,
            disposal_type__in=list(_FTE_OFFENCE),
        ).values_list("person_id", "proven_on", "disposal_type")
    ]
    if today is not None:
        events = [e for e in events if e[1] <= today]
    homes: dict[int, list[tuple[date, str]]] = {}
    for person, day, lsoa in (
        Disposal.objects.exclude(home_lsoa="")
        .order_by("disposed_on", "id")
        .values_list("person_id", "disposed_on", "home_lsoa")
    ):
        homes.setdefault(person, []).append((day, lsoa))
    return events, homes


def _home(homes: list[tuple[date, str]], day: date) -> str:
    """The home LSOA recorded nearest ``day`` (the earlier on a tie), or ""."""
    if not homes:
        return ""
    return min(homes, key=lambda h: (abs((h[0] - day).days), h[0]))[1]


def first_time_entrants_by_area(
    periods: Sequence[Span],
    level: str = "district",
    *,
    area: str | None = None,
    today: date | None = None,
) -> list[FteFigure]:
    """First-time entrants per 100,000 children aged 10-17, by period and area, over
    every agency's disposals and proven offences (counts only, no people).

    Args:
        periods: The periods, each with both ends included.
        level: One of :data:`FTE_LEVELS`.
        area: Only this area of the level (default: every area of it).
        today: Entries after it are not counted.

    Returns:
        One figure per period and area, in the order of ``periods`` then area name
        (areas with no entrant too, with a count of 0); below the district, a last
        row per period of the entrants with no home area recorded (``area_code``
        ""), when there are any. A figure with no population imported for its area
        and year has no rate and says what to run (:attr:`FteFigure.missing`).

    Raises:
        ValueError: An unknown level, or ``area`` is not one of its areas.

    Notes:
        A person's first entry (:func:`saferleeds.analytics.fte.entrant_counts`) is
        their earliest caution or court sentence of any age the records hold: a
        youth or adult caution or non-custodial sentence on its disposal date, or a
        proven offence's caution, court or custodial sentence on its proven date.
        They count when aged 10-17 on it; people with no date of birth cannot be aged
        and are left out (``undated``). The area is the child's home: the LSOA
        recorded with their disposal nearest the entry's date (``home_lsoa`` of the
        disposals extract), as the Ministry of Justice counts first-time entrants by
        area of residence (MoJ "First time entrants into the Criminal Justice
        System"; YJB "Youth Justice Statistics", local tables). In the district figure
        an entrant with no home recorded counts (the partnership's own agencies dealt
        with them: assumed resident, and said so as ``unplaced``); one whose home is
        outside the partnership does not. The population is the imported estimate
        of the area for the year of the period's middle day, or the sum of its
        LSOAs' when each of them is imported.
    """
    names = fte_areas(level)
    if area is not None and area not in names:
        raise ValueError(f"{area!r} is not a {level} of the partnership")
    wanted = {area: names[area]} if area is not None else names
    events, homes = _entry_events(today)
    born = dict(
        Person.objects.filter(pk__in={p for p, _, _ in events}).values_list(
            "pk", "date_of_birth"
        )
    )
    geography = _geography()
    district = level == "district"

    def area_at(person: int, day: date) -> str | None:
        lsoa = _home(homes.get(person, []), day)
        if not lsoa:
            return NOT_RECORDED
        place = geography.get(lsoa)
        if place is None or level not in place:
            return None  # lives outside the partnership (or in no ward)
        return place[level][0]

    rows = []
    for person, day, kind in events:
        if born.get(person) is None or born[person] > day:
            continue
        at = area_at(person, day)
        if at is None:
            continue
        rows.append((str(person), born[person], day, kind, at))
    table = pa.table(
        [list(column) for column in zip(*rows, strict=True)]
        if rows
        else [[] for _ in DISPOSAL_SCHEMA],
        schema=DISPOSAL_SCHEMA,
    )
    counts = entrant_counts(table, periods)
    first: dict[int, date] = {}
    for person, day, _ in events:
        first[person] = min(day, first.get(person, day))
    out: list[FteFigure] = []
    for period in periods:
        year = population_year(period)
        undated = sum(
            1
            for person, day in first.items()
            if born.get(person) is None and period.start <= day <= period.end
        )
        unplaced = counts.get((period.label, NOT_RECORDED), 0)
        for code, name in sorted(wanted.items(), key=lambda a: (a[1], a[0])):
            n = counts.get((period.label, code), 0) + (unplaced if district else 0)
            size, source = _population(code, level, year)
            out.append(
                FteFigure(
                    period=period,
                    area_code=code,
                    area_name=name,
                    entrants=n,
                    population=size,
                    population_year=year,
                    population_source=source,
                    rate=PER * n / size if size else None,
                    undated=undated if district else 0,
                    unplaced=unplaced if district else 0,
                )
            )
        if not district and area is None and unplaced:
            out.append(
                FteFigure(
                    period=period,
                    area_code=NOT_RECORDED,
                    area_name="Home area not recorded",
                    entrants=unplaced,
                    population=None,
                    population_year=year,
                    population_source="",
                    rate=None,
                )
            )
    return out


def latest_fte_period(today: date | None = None) -> Span | None:
    """The twelve months to the latest entry on or before ``today`` (``None``: the
    records hold no entry)."""
    events, _ = _entry_events(today)
    if not events:
        return None
    return _year_to(max(day for _, day, _ in events))


def fte_event_span(today: date | None = None) -> tuple[date, date] | None:
    """The first and last day of the cautions and court sentences held (on or before
    ``today``), so a caller can refuse a period outside them rather than answer an
    empty one with zeros (``None``: the records hold none). Two aggregates, no rows."""
    disposals = Disposal.objects.filter(disposal_type__in=list(_FTE_DISPOSAL))
    offences = Offence.objects.filter(
        role=Offence.Role.OFFENDER,
        proven_on__isnull=False,
        disposal_type__in=list(_FTE_OFFENCE),
    )
    if today is not None:
        disposals = disposals.filter(disposed_on__lte=today)
        offences = offences.filter(proven_on__lte=today)
    ends = [
        disposals.aggregate(lo=Min("disposed_on"), hi=Max("disposed_on")),
        offences.aggregate(lo=Min("proven_on"), hi=Max("proven_on")),
    ]
    held = [e for e in ends if e["lo"] is not None]
    if not held:
        return None
    return min(e["lo"] for e in held), max(e["hi"] for e in held)


def latest_first_time_entrants(
    today: date | None = None, area: str | None = None
) -> FteFigure | None:
    """First-time entrants in the twelve months to the latest entry on or before
    ``today``, in the district or one of its wards, MSOAs or LSOAs (counts only).

    Args:
        today: Entries after it are not counted (default: none is left out).
        area: An area's code (default: the partnership's district).

    Returns:
        The figure (see :func:`first_time_entrants_by_area`), or ``None`` when the
        records hold no entry, or ``area`` is not one of the partnership's areas.
    """
    span = latest_fte_period(today)
    if span is None:
        return None
    level = "district" if area is None else area_level(area)
    if level is None:
        return None
    [figure] = first_time_entrants_by_area([span], level, area=area, today=today)
    return figure
