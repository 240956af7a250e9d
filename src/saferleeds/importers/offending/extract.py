"""Read an agency's offences and disposals extracts, row by row.

Two files, UTF-8 CSV with a header line (extra columns are ignored):

- offences: ``reference,person_ref,offence_code,offence_date,proven_date,
  disposal_type,role,crime_reference``. ``reference`` is the agency's own key of the
  row (re-importing it updates it); ``person_ref`` the agency's reference of the
  person; ``offence_code`` the Home Office offence classification code (``028/01``,
  ``105A``); ``proven_date`` empty when not proven, else ``disposal_type`` is one
  that proves it (as :func:`saferleeds.analytics.reoffending.read_offences` reads);
  ``role`` ``offender`` or ``suspect``; ``crime_reference`` the crime the offence
  was recorded under, shared by co-offenders (may be empty).
- disposals: ``reference,person_ref,disposal_date,disposal_type``, the type one of
  :data:`DISPOSAL_TYPES`, and optionally ``home_lsoa``: the 2011 or 2021 LSOA code
  (``E01``/``W01`` and six digits) of the person's home when disposed of, the area a
  first-time entrant counts in (empty: not recorded).
- the 10-17 population by area: ``area_code,area_name,year,population_10_17``, as an
  analyst sums ages 10 to 17 of the ONS mid-year estimates or Census 2021 single
  year of age (TS007): an ONS GSS code (LSOA ``E01``, MSOA ``E02``, ward ``E05``,
  district ``E06``-``E09``, or the Welsh ``W``), the area's name, the year of the
  estimate (mid-year, 30 June) and the number of children, a whole number above 0. An
  area and year is the row's key (twice in a file: the second is bad). Unlike the
  partner extracts the file is used whole or not at all: a population with holes
  would give wrong rates.
- OCG nominal lists: ``ocg_reference,ocg_name,person_ref,role,source_agency``: the
  organised crime group's reference and working name in the supplier's OCG mapping,
  the supplier's reference of the person, their role in the group (one of
  :data:`OCG_ROLES`) and the code of the agency whose intelligence nominated them;
  optionally ``nominated_on``, the day the nomination was made or last reviewed
  (``YYYY-MM-DD``, not after today; empty: not dated). A group and person pair is the
  row's key (listed twice in a file: the second is bad).

A file that cannot be read as such (not UTF-8, a missing column, a line with the wrong
number of values, no records) raises :class:`CsvInputError`: nothing of it is used. A
bad value makes only its row bad: it is returned in :attr:`Extract.problems`, naming
file, line and field, and the other rows stay usable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Final, Generic, TypeVar
from zoneinfo import ZoneInfo

from saferleeds.analytics.csvfile import CsvInputError, Row, read_rows
from saferleeds.analytics.reoffending import PROVING_DISPOSALS, UNPROVEN_DISPOSALS

OFFENCE_COLUMNS: Final = (
    "reference",
    "person_ref",
    "offence_code",
    "offence_date",
    "proven_date",
    "disposal_type",
    "role",
    "crime_reference",
)
DISPOSAL_COLUMNS: Final = ("reference", "person_ref", "disposal_date", "disposal_type")
DISPOSAL_OPTIONAL: Final = ("home_lsoa",)
POPULATION_COLUMNS: Final = ("area_code", "area_name", "year", "population_10_17")

# An LSOA code (2011 or 2021), England's or Wales's.
_LSOA = re.compile(r"^[EW]01[0-9]{6}$")
# An ONS GSS code of an area a population can be given for: LSOA, MSOA, ward, or a
# district (unitary, metropolitan, non-metropolitan, London borough).
_GSS = re.compile(r"^(E0[125689]|W0[125]|W06)[0-9]{6}$")
MIN_YEAR: Final = 1991
MAX_YEAR: Final = 2100
OCG_COLUMNS: Final = (
    "ocg_reference",
    "ocg_name",
    "person_ref",
    "role",
    "source_agency",
)
OCG_OPTIONAL: Final = ("nominated_on",)

_LONDON = ZoneInfo("Europe/London")  # "today" as the partnership's clocks say it
OCG_ROLES: Final = ("principal", "member", "associate")
"""A nominal's role in an organised crime group, as OCG mapping records it."""
MAX_OCG_NAME: Final = 120
_AGENCY_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")

ROLES: Final = ("offender", "suspect")
"""A person's part in an offence."""

DISPOSAL_TYPES: Final = (
    "custody_release",
    "court_non_custodial",
    "caution",
    "youth_caution",
    "youth_court_sentence",
)
"""Disposals an agency records: the MoJ index events and the youth disposals that make
first-time entrants."""

MAX_REFERENCE: Final = 60

# Home Office Counting Rules classification: a class of 1-3 digits with an optional
# letter, and an optional subclass after a slash ("028/01", "105A", "8/6").
_OFFENCE_CODE = re.compile(r"^[0-9]{1,3}[A-Z]?(/[0-9]{1,3}[A-Z]?)?$")


@dataclass(frozen=True)
class OffenceRow:
    """One good row of an offences extract."""

    line: int
    reference: str
    person_ref: str
    offence_code: str
    offence_date: date
    proven_date: date | None
    disposal_type: str
    role: str
    crime_reference: str


@dataclass(frozen=True)
class DisposalRow:
    """One good row of a disposals extract."""

    line: int
    reference: str
    person_ref: str
    disposal_date: date
    disposal_type: str
    home_lsoa: str = ""


@dataclass(frozen=True)
class PopulationRow:
    """One good row of a 10-17 population file."""

    line: int
    area_code: str
    area_name: str
    year: int
    population_10_17: int

    @property
    def reference(self) -> str:
        """The row's key in the file: the area and the year."""
        return f"{self.area_code}\x1f{self.year}"


@dataclass(frozen=True)
class OcgNominalRow:
    """One good row of an OCG nominal list."""

    line: int
    ocg_reference: str
    ocg_name: str
    person_ref: str
    role: str
    source_agency: str
    nominated_on: date | None = None

    @property
    def reference(self) -> str:
        """The row's key in the file: the group and the person."""
        return f"{self.ocg_reference}\x1f{self.person_ref}"


T = TypeVar("T", OffenceRow, DisposalRow, OcgNominalRow, PopulationRow)


@dataclass
class Extract(Generic[T]):
    """The good rows of a file and the problems of its bad ones, in file order.

    Attributes:
        file: The file, as given.
        rows: Rows whose every value is good.
        problems: One error per bad row (the first bad value of it).
    """

    file: str
    rows: list[T] = field(default_factory=list)
    problems: list[CsvInputError] = field(default_factory=list)


def _reference(row: Row, column: str) -> str:
    value = row.required(column)
    if len(value) > MAX_REFERENCE:
        raise row.error(column, f"longer than {MAX_REFERENCE} characters")
    return value


def _offence(row: Row) -> OffenceRow:
    reference = _reference(row, "reference")
    person_ref = _reference(row, "person_ref")
    code = row.required("offence_code").upper()
    if not _OFFENCE_CODE.match(code):
        raise row.error(
            "offence_code",
            f"{code!r} is not a Home Office offence code (like 028/01 or 105A)",
        )
    offence_date = row.day("offence_date")
    assert offence_date is not None
    proven_date = row.day("proven_date", optional=True)
    disposal = row.get("disposal_type")
    role = row.get("role") or "offender"
    if role not in ROLES:
        raise row.error("role", f"{role!r} is not one of {', '.join(ROLES)}")
    if proven_date is not None:
        if disposal not in PROVING_DISPOSALS:
            raise row.error(
                "disposal_type",
                f"{disposal!r} does not prove an offence, yet proven_date is given "
                f"(proving disposals: {', '.join(PROVING_DISPOSALS)})",
            )
        if proven_date < offence_date:
            raise row.error(
                "proven_date",
                f"{proven_date} is before the offence_date {offence_date}",
            )
        if role != "offender":
            raise row.error("role", "a proven offence's person is its offender")
    elif disposal not in UNPROVEN_DISPOSALS:
        if disposal in PROVING_DISPOSALS:
            raise row.error("proven_date", f"empty, yet disposal_type is {disposal!r}")
        raise row.error(
            "disposal_type",
            f"{disposal!r} is not one of "
            f"{', '.join(PROVING_DISPOSALS + UNPROVEN_DISPOSALS[1:])} (or empty)",
        )
    crime_reference = row.get("crime_reference")
    if len(crime_reference) > MAX_REFERENCE:
        raise row.error("crime_reference", f"longer than {MAX_REFERENCE} characters")
    return OffenceRow(
        line=row.line,
        reference=reference,
        person_ref=person_ref,
        offence_code=code,
        offence_date=offence_date,
        proven_date=proven_date,
        disposal_type=disposal,
        role=role,
        crime_reference=crime_reference,
    )


def _disposal(row: Row) -> DisposalRow:
    reference = _reference(row, "reference")
    person_ref = _reference(row, "person_ref")
    day = row.day("disposal_date")
    assert day is not None
    kind = row.get("disposal_type")
    if kind not in DISPOSAL_TYPES:
        raise row.error(
            "disposal_type", f"{kind!r} is not one of {', '.join(DISPOSAL_TYPES)}"
        )
    home = row.get("home_lsoa").upper()
    if home and not _LSOA.match(home):
        raise row.error(
            "home_lsoa",
            f"{home!r} is not an LSOA code (E01 or W01 and six digits, like "
            "E01011229), or empty when not recorded",
        )
    return DisposalRow(
        line=row.line,
        reference=reference,
        person_ref=person_ref,
        disposal_date=day,
        disposal_type=kind,
        home_lsoa=home,
    )


def _population(row: Row) -> PopulationRow:
    code = row.required("area_code").upper()
    if not _GSS.match(code):
        raise row.error(
            "area_code",
            f"{code!r} is not an ONS code of an LSOA (E01), MSOA (E02), ward (E05) "
            "or district (E06, E08, E09 or W06) and six digits",
        )
    name = row.required("area_name")
    if len(name) > MAX_OCG_NAME:
        raise row.error("area_name", f"longer than {MAX_OCG_NAME} characters")
    text = row.required("year")
    if not text.isdigit() or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise row.error("year", f"{text!r} is not a year from {MIN_YEAR} to {MAX_YEAR}")
    count = row.required("population_10_17").replace(",", "")
    if not count.isdigit() or int(count) == 0:
        raise row.error(
            "population_10_17",
            f"{row.get('population_10_17')!r} is not a whole number above 0 (the "
            "children aged 10 to 17 in the area)",
        )
    return PopulationRow(
        line=row.line,
        area_code=code,
        area_name=name,
        year=int(text),
        population_10_17=int(count),
    )


def _ocg_nominal(row: Row) -> OcgNominalRow:
    ocg_reference = _reference(row, "ocg_reference")
    name = row.required("ocg_name")
    if len(name) > MAX_OCG_NAME:
        raise row.error("ocg_name", f"longer than {MAX_OCG_NAME} characters")
    person_ref = _reference(row, "person_ref")
    role = row.required("role").lower()
    if role not in OCG_ROLES:
        raise row.error("role", f"{role!r} is not one of {', '.join(OCG_ROLES)}")
    source = row.required("source_agency").lower()
    if not _AGENCY_CODE.match(source):
        raise row.error("source_agency", f"{source!r} is not an agency code")
    nominated_on = row.day("nominated_on", optional=True)
    if nominated_on is not None and nominated_on > datetime.now(_LONDON).date():
        raise row.error(
            "nominated_on",
            f"{nominated_on} is after today: the day the nomination was made or "
            "last reviewed",
        )
    return OcgNominalRow(
        line=row.line,
        ocg_reference=ocg_reference,
        ocg_name=name,
        person_ref=person_ref,
        role=role,
        source_agency=source,
        nominated_on=nominated_on,
    )


def _read(
    path: str | Path,
    columns: tuple[str, ...],
    parse: Callable[[Row], T],
    repeated: tuple[str, str] = ("reference", "the same reference"),
) -> Extract[T]:
    # Every line is read first: a file unusable as a whole yields nothing at all.
    rows = list(read_rows(path, columns))
    extract: Extract[T] = Extract(str(path))
    first_line: dict[str, int] = {}
    for row in rows:
        try:
            parsed = parse(row)
        except CsvInputError as exc:
            extract.problems.append(exc)
            continue
        seen = first_line.setdefault(parsed.reference, row.line)
        if seen != row.line:
            extract.problems.append(
                row.error(repeated[0], f"repeated: {repeated[1]} is on line {seen}")
            )
            continue
        extract.rows.append(parsed)
    return extract


def read_offence_extract(path: str | Path) -> Extract[OffenceRow]:
    """Read an offences extract (columns :data:`OFFENCE_COLUMNS`).

    Raises:
        CsvInputError: The file is unusable as a whole (see the module docstring).
    """
    return _read(path, OFFENCE_COLUMNS, _offence)


def read_disposal_extract(path: str | Path) -> Extract[DisposalRow]:
    """Read a disposals extract (columns :data:`DISPOSAL_COLUMNS`).

    Raises:
        CsvInputError: The file is unusable as a whole (see the module docstring).
    """
    return _read(path, DISPOSAL_COLUMNS, _disposal)


def read_population(path: str | Path) -> Extract[PopulationRow]:
    """Read a 10-17 population file (columns :data:`POPULATION_COLUMNS`).

    The caller uses it whole or not at all: any problem, nothing is imported.

    Raises:
        CsvInputError: The file is unusable as a whole (see the module docstring).
    """
    return _read(
        path,
        POPULATION_COLUMNS,
        _population,
        ("year", "the same area and year"),
    )


def read_ocg_nominal_list(path: str | Path) -> Extract[OcgNominalRow]:
    """Read an OCG nominal list (columns :data:`OCG_COLUMNS`).

    Raises:
        CsvInputError: The file is unusable as a whole (see the module docstring).
    """
    return _read(
        path,
        OCG_COLUMNS,
        _ocg_nominal,
        ("person_ref", "the same person in the same group"),
    )
