"""Changes to offending records: importing an agency's offences, disposals and OCG
nominal lists.

An import takes what :mod:`saferleeds.importers.offending` read from one file and, in
one transaction, commits its good rows as the agency's records and quarantines the
bad ones with their reasons (:class:`~saferleeds.offending.models.QuarantinedRow`;
no values of a bad row are kept). A row whose person the agency does not know (no
``AgencyReference`` of that agency with its ``person_ref``) is bad too. Re-running an
import is idempotent by the agency's ``reference``: a row already held unchanged is
left alone, a changed one is updated (a later extract adding the proven date, say),
and the file's earlier quarantine entries are replaced by this run's.

An OCG nominal list is keyed by group and person instead (one nomination of a person
per group and holding agency); a row naming a source agency the workspace does not
know is bad too.

Every record collected or altered is logged (``offending.offence.import``,
``offending.disposal.import``, ``offending.ocg_nomination.import``) in the same
transaction.

The 10-17 population by area (:func:`do_import_population`) is reference data about
no person: it is used whole or not at all (a file with a bad row imports nothing, as
holes in a denominator would give wrong rates), keyed by area and year, and logged as
one entry per run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from saferleeds.analytics.csvfile import CsvInputError
from saferleeds.audit.log import atomic_action, record_many
from saferleeds.audit.models import Operation
from saferleeds.importers.offending import (
    DisposalRow,
    Extract,
    OcgNominalRow,
    OffenceRow,
    PopulationRow,
)
from saferleeds.offending.models import (
    Disposal,
    OcgNomination,
    Offence,
    PopulationEstimate,
    QuarantinedRow,
)
from saferleeds.offending.records import DISPOSAL, OCG_NOMINATION, OFFENCE
from saferleeds.partners.models import Agency, Role
from saferleeds.partners.policy import Actor, Forbidden
from saferleeds.people.models import AgencyReference

__all__ = [
    "ImportReport",
    "do_import_disposals",
    "do_import_ocg_nominals",
    "do_import_offences",
    "do_import_population",
]

OFFENCE_FIELDS = (
    "person_id",
    "offence_code",
    "committed_on",
    "proven_on",
    "disposal_type",
    "role",
    "crime_reference",
)
DISPOSAL_FIELDS = ("person_id", "disposed_on", "disposal_type", "home_lsoa")
OCG_FIELDS = ("ocg_name", "group_role", "source_agency_id", "nominated_on")


@dataclass(frozen=True)
class ImportReport:
    """What an import did with one file.

    Attributes:
        file: The file.
        created: Rows new to the workspace.
        updated: Rows held already, changed by this file.
        unchanged: Rows held already, the same in this file.
        problems: The bad rows' errors (file, line, field, reason), quarantined.
    """

    file: str
    created: int
    updated: int
    unchanged: int
    problems: tuple[CsvInputError, ...]

    @property
    def exit_code(self) -> int:
        """0 when every row was imported, 3 when some were quarantined."""
        return 3 if self.problems else 0


def _check(actor: Actor | None) -> None:
    # The system (a command run by the operator) or a system administrator imports.
    if actor is not None and not actor.has(frozenset({Role.SYSTEM_ADMIN})):
        raise Forbidden("only a system administrator imports partner extracts")


def _people(agency: Agency, refs: Iterable[str]) -> dict[str, int]:
    """``person_ref -> person id`` of the agency's references among ``refs``."""
    return dict(
        AgencyReference.objects.filter(
            agency=agency, reference__in=set(refs)
        ).values_list("reference", "person_id")
    )


def _unknown_person(file: str, line: int, agency: Agency) -> CsvInputError:
    return CsvInputError(
        file,
        line,
        "person_ref",
        f"no person with this reference is known to {agency.code}",
    )


def _store(
    model: type[Offence] | type[Disposal],
    agency: Agency,
    file: str,
    wanted: dict[str, dict[str, Any]],
    fields: Sequence[str],
) -> tuple[list[Any], list[Any], int]:
    """Create and update the rows keyed by reference; return (created, updated, same)."""
    held = {
        r.reference: r
        for r in model.objects.filter(agency=agency, reference__in=list(wanted))
    }
    created: list[Any] = []
    updated: list[Any] = []
    same = 0
    for reference, values in wanted.items():
        row = held.get(reference)
        if row is None:
            created.append(
                model(agency=agency, reference=reference, source_file=file, **values)
            )
            continue
        if all(getattr(row, f) == values[f] for f in fields):
            same += 1
            continue
        for f in fields:
            setattr(row, f, values[f])
        row.source_file = file
        updated.append(row)
    model.objects.bulk_create(created, batch_size=500)  # type: ignore[attr-defined]
    model.objects.bulk_update(  # type: ignore[attr-defined]
        updated, [*fields, "source_file", "imported_at"], batch_size=500
    )
    return created, updated, same


def _quarantine(
    agency: Agency, extract: str, file: str, problems: Sequence[CsvInputError]
) -> None:
    QuarantinedRow.objects.filter(
        agency=agency, extract=extract, source_file=file
    ).delete()
    QuarantinedRow.objects.bulk_create(
        [
            QuarantinedRow(
                agency=agency,
                extract=extract,
                source_file=file,
                line=p.line or 0,
                field=p.field or "",
                reason=p.reason[:500],
            )
            for p in problems
        ]
    )


def _log(
    actor: Actor | None,
    kind: str,
    agency: Agency,
    file: str,
    created: list[Any],
    updated: list[Any],
) -> None:
    detail = {"agency": agency.code, "file": file}
    event = f"offending.{kind}.import"
    record_many(
        actor,
        operation=Operation.COLLECTION,
        event=event,
        records=[(kind, r.pk, r.person_id) for r in created],
        detail=detail,
    )
    record_many(
        actor,
        operation=Operation.ALTERATION,
        event=event,
        records=[(kind, r.pk, r.person_id) for r in updated],
        detail=detail,
    )


def _import(
    extract: Extract[Any],
    *,
    actor: Actor | None,
    agency: Agency,
    model: Any,
    fields: Any,
    kind: str,
    quarantine_as: str,
    values: Callable[[Any], dict[str, Any]],
) -> ImportReport:
    """Commit an extract's good rows as ``agency``'s (``values``: a row's fields but
    its person), quarantine the rest, log what was added or changed."""
    _check(actor)
    people = _people(agency, (r.person_ref for r in extract.rows))
    problems = list(extract.problems)
    wanted: dict[str, dict[str, Any]] = {}
    for r in extract.rows:
        person_id = people.get(r.person_ref)
        if person_id is None:
            problems.append(_unknown_person(extract.file, r.line, agency))
            continue
        wanted[r.reference] = {"person_id": person_id, **values(r)}
    created, updated, same = _store(model, agency, extract.file, wanted, fields)
    problems.sort(key=lambda p: p.line or 0)
    _quarantine(agency, quarantine_as, extract.file, problems)
    _log(actor, kind, agency, extract.file, created, updated)
    return ImportReport(extract.file, len(created), len(updated), same, tuple(problems))


@atomic_action
def do_import_offences(
    extract: Extract[OffenceRow], *, actor: Actor | None, agency: Agency
) -> ImportReport:
    """Commit an offences extract's good rows as ``agency``'s, quarantine the rest.

    Args:
        extract: What :func:`~saferleeds.importers.offending.read_offence_extract`
            read from the file.
        actor: Who imports (``None``: the system, run by the operator).
        agency: The supplying agency, which holds the records.

    Raises:
        Forbidden: The actor is not a system administrator.
    """
    return _import(
        extract,
        actor=actor,
        agency=agency,
        model=Offence,
        fields=OFFENCE_FIELDS,
        kind=OFFENCE,
        quarantine_as=QuarantinedRow.Extract.OFFENCES,
        values=lambda r: {
            "offence_code": r.offence_code,
            "committed_on": r.offence_date,
            "proven_on": r.proven_date,
            "disposal_type": r.disposal_type,
            "role": r.role,
            "crime_reference": r.crime_reference,
        },
    )


@atomic_action
def do_import_disposals(
    extract: Extract[DisposalRow], *, actor: Actor | None, agency: Agency
) -> ImportReport:
    """Commit a disposals extract's good rows as ``agency``'s, quarantine the rest.

    Args:
        extract: What :func:`~saferleeds.importers.offending.read_disposal_extract`
            read from the file.
        actor: Who imports (``None``: the system, run by the operator).
        agency: The supplying agency, which holds the records.

    Raises:
        Forbidden: The actor is not a system administrator.
    """
    return _import(
        extract,
        actor=actor,
        agency=agency,
        model=Disposal,
        fields=DISPOSAL_FIELDS,
        kind=DISPOSAL,
        quarantine_as=QuarantinedRow.Extract.DISPOSALS,
        values=lambda r: {
            "disposed_on": r.disposal_date,
            "disposal_type": r.disposal_type,
            "home_lsoa": r.home_lsoa,
        },
    )


@atomic_action
def do_import_ocg_nominals(
    extract: Extract[OcgNominalRow], *, actor: Actor | None, agency: Agency
) -> ImportReport:
    """Commit an OCG nominal list's good rows as ``agency``'s, quarantine the rest.

    A row is bad when its person is not known to ``agency``, its source agency is
    not in the workspace, or it names the same person in the same group as an
    earlier row (two of the agency's references of one person). Re-importing is
    idempotent by group and person: a changed role, name or source is updated.

    Args:
        extract: What :func:`~saferleeds.importers.offending.read_ocg_nominal_list`
            read from the file.
        actor: Who imports (``None``: the system, run by the operator).
        agency: The supplying agency, which holds the records.

    Raises:
        Forbidden: The actor is not a system administrator.
    """
    _check(actor)
    people = _people(agency, (r.person_ref for r in extract.rows))
    codes = dict(Agency.objects.values_list("code", "id"))
    problems = list(extract.problems)
    wanted: dict[tuple[str, int], dict[str, Any]] = {}
    first_line: dict[tuple[str, int], int] = {}
    for r in extract.rows:
        person_id = people.get(r.person_ref)
        if person_id is None:
            problems.append(_unknown_person(extract.file, r.line, agency))
            continue
        source = codes.get(r.source_agency)
        if source is None:
            problems.append(
                CsvInputError(
                    extract.file,
                    r.line,
                    "source_agency",
                    f"no agency {r.source_agency!r} in the workspace",
                )
            )
            continue
        key = (r.ocg_reference, person_id)
        if key in first_line:
            problems.append(
                CsvInputError(
                    extract.file,
                    r.line,
                    "person_ref",
                    f"the same person in the same group as line {first_line[key]}",
                )
            )
            continue
        first_line[key] = r.line
        wanted[key] = {
            "ocg_name": r.ocg_name,
            "group_role": r.role,
            "source_agency_id": source,
            "nominated_on": r.nominated_on,
        }
    held = {
        (n.ocg_reference, n.person_id): n
        for n in OcgNomination.objects.filter(
            agency=agency, ocg_reference__in={k[0] for k in wanted}
        )
    }
    created: list[OcgNomination] = []
    updated: list[OcgNomination] = []
    same = 0
    for (group, person_id), values in wanted.items():
        row = held.get((group, person_id))
        if row is None:
            created.append(
                OcgNomination(
                    agency=agency,
                    ocg_reference=group,
                    person_id=person_id,
                    source_file=extract.file,
                    **values,
                )
            )
        elif all(getattr(row, f) == values[f] for f in OCG_FIELDS):
            same += 1
        else:
            for f in OCG_FIELDS:
                setattr(row, f, values[f])
            row.source_file = extract.file
            updated.append(row)
    OcgNomination.objects.bulk_create(created, batch_size=500)
    OcgNomination.objects.bulk_update(
        updated, [*OCG_FIELDS, "source_file", "imported_at"], batch_size=500
    )
    problems.sort(key=lambda p: p.line or 0)
    _quarantine(agency, QuarantinedRow.Extract.OCG_NOMINALS, extract.file, problems)
    _log(actor, OCG_NOMINATION, agency, extract.file, created, updated)
    return ImportReport(extract.file, len(created), len(updated), same, tuple(problems))


POPULATION_FIELDS = ("area_name", "population_10_17", "source")
POPULATION_EVENT = "offending.population.import"


@atomic_action
def do_import_population(
    extract: Extract[PopulationRow], *, actor: Actor | None, source: str
) -> ImportReport:
    """Commit a 10-17 population file whole, or nothing of it when a row is bad.

    Re-importing is idempotent by area and year: a changed name, count or source is
    updated, the same row left alone.

    Args:
        extract: What :func:`~saferleeds.importers.offending.read_population` read.
        actor: Who imports (``None``: the system, run by the operator).
        source: Where the figures come from, as the pages will say it (say "ONS
            mid-year estimates 2022").

    Returns:
        What was done; with problems, nothing was (``exit_code`` 2).

    Raises:
        Forbidden: The actor is not a system administrator.
    """
    _check(actor)
    if extract.problems:
        return _PopulationReport(extract.file, 0, 0, 0, tuple(extract.problems))
    held = {
        (p.area_code, p.year): p
        for p in PopulationEstimate.objects.filter(
            area_code__in={r.area_code for r in extract.rows}
        )
    }
    created: list[PopulationEstimate] = []
    updated: list[PopulationEstimate] = []
    same = 0
    for r in extract.rows:
        values = {
            "area_name": r.area_name,
            "population_10_17": r.population_10_17,
            "source": source[:200],
        }
        row = held.get((r.area_code, r.year))
        if row is None:
            created.append(
                PopulationEstimate(
                    area_code=r.area_code,
                    year=r.year,
                    source_file=extract.file,
                    **values,
                )
            )
        elif all(getattr(row, f) == v for f, v in values.items()):
            same += 1
        else:
            for f, v in values.items():
                setattr(row, f, v)
            row.source_file = extract.file
            updated.append(row)
    PopulationEstimate.objects.bulk_create(created, batch_size=500)
    PopulationEstimate.objects.bulk_update(
        updated, [*POPULATION_FIELDS, "source_file", "imported_at"], batch_size=500
    )
    if created or updated:
        record_many(
            actor,
            operation=Operation.ALTERATION if updated else Operation.COLLECTION,
            event=POPULATION_EVENT,
            records=[("population_estimate", "", None)],
            detail={
                "file": extract.file,
                "source": source[:200],
                "created": len(created),
                "updated": len(updated),
                "years": sorted({r.year for r in extract.rows}),
            },
        )
    return _PopulationReport(extract.file, len(created), len(updated), same, ())


@dataclass(frozen=True)
class _PopulationReport(ImportReport):
    """An import report whose problems mean nothing was imported (exit status 2)."""

    @property
    def exit_code(self) -> int:
        """0 when the file was imported, 2 when it was not (some row is bad)."""
        return 2 if self.problems else 0
