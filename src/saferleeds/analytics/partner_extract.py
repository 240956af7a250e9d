"""Load partner extracts into the analytics store as pseudonymised incidents.

Partners share extracts of offences (police), domestic-abuse incidents (any agency),
hate-incident reports (police, online, third-party centres) and ASB complaints
(council): the files :func:`saferleeds.demo.generator.generate` writes. For indicators
only a little of each record is needed, so only that is kept, one row per incident in
``partner_incident``:

- ``incident_key``: a hash of the extract kind and the partner's own id, so loading an
  extract again replaces its rows instead of adding them. It is a de-duplication key,
  not a secret: ids like ``OF000123`` can be re-hashed by anyone holding the extract.
- ``source`` (extract kind), ``agency`` or reporting channel, ``month``,
  ``category`` (police.uk crime type, hate strands or ASB category), ``lsoa_code``,
  and the flags ``alcohol``, ``drug``, ``domestic``, ``hate``.

Names, dates of birth, person record ids, exact dates and coordinates are never read
into the store: what remains is month, LSOA and category flags.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from saferleeds.analytics.indicators.engine import lit
from saferleeds.analytics.indicators.registry import (
    ASB_COMPLAINT,
    DOMESTIC_ABUSE,
    HATE_REPORT,
    OFFENCE,
)
from saferleeds.analytics.police_reference import CRIME_TYPES
from saferleeds.analytics.store import Store

PARTNER_SCHEMA = """
CREATE TABLE IF NOT EXISTS partner_incident (
    incident_key VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    agency VARCHAR,
    month DATE NOT NULL,
    category VARCHAR,
    lsoa_code VARCHAR NOT NULL,
    alcohol BOOLEAN NOT NULL,
    drug BOOLEAN NOT NULL,
    domestic BOOLEAN NOT NULL,
    hate BOOLEAN NOT NULL,
    load_id BIGINT NOT NULL
);
-- One row per extract file loaded: what it covers (whole months from period_start to
-- period_end are "held" for its kind), and what happened to its rows.
CREATE TABLE IF NOT EXISTS partner_extract_load (
    load_id BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    folder VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;
"""

_FLAG = "CASE lower(trim(coalesce({c}, ''))) WHEN '1' THEN TRUE WHEN 'true' THEN TRUE WHEN 'yes' THEN TRUE WHEN '0' THEN FALSE WHEN 'false' THEN FALSE WHEN 'no' THEN FALSE WHEN '' THEN FALSE END"


@dataclass(frozen=True)
class _Kind:
    file: str
    source: str
    id_col: str
    agency: str  # SQL expression over the raw columns
    category: str
    flags: dict[
        str, str
    ]  # store flag -> SQL expression (raw column via _FLAG, or a constant)
    flag_cols: tuple[str, ...]


KINDS: tuple[_Kind, ...] = (
    _Kind(
        "offences.csv",
        OFFENCE,
        "offence_id",
        "'WYP'",
        "crime_type",
        {
            "alcohol": _FLAG.format(c="alcohol_related"),
            "drug": _FLAG.format(c="drug_related"),
            "domestic": _FLAG.format(c="domestic"),
            "hate": _FLAG.format(c="hate"),
        },
        ("alcohol_related", "drug_related", "domestic", "hate"),
    ),
    _Kind(
        "da_incidents.csv",
        DOMESTIC_ABUSE,
        "incident_id",
        "nullif(trim(agency), '')",
        "NULL",
        {
            "alcohol": _FLAG.format(c="alcohol_related"),
            "drug": _FLAG.format(c="drug_related"),
            "domestic": "TRUE",
            "hate": "FALSE",
        },
        ("alcohol_related", "drug_related"),
    ),
    _Kind(
        "hate_reports.csv",
        HATE_REPORT,
        "report_id",
        "nullif(trim(reported_via), '')",
        "nullif(trim(strands), '')",
        {"alcohol": "FALSE", "drug": "FALSE", "domestic": "FALSE", "hate": "TRUE"},
        (),
    ),
    _Kind(
        "asb_complaints.csv",
        ASB_COMPLAINT,
        "complaint_id",
        "'LCC'",
        "nullif(trim(category), '')",
        {"alcohol": "FALSE", "drug": "FALSE", "domestic": "FALSE", "hate": "FALSE"},
        (),
    ),
)


@dataclass
class PartnerFileResult:
    """What happened to one extract file.

    Attributes:
        path: The file.
        source: Its extract kind.
        rows_read: Data rows in the file.
        loaded: Rows stored (new or replacing an earlier load of the same incident).
        rejected: Rows not stored, each with a problem in ``problems``.
        problems: ``file:line: field: reason`` for rejected rows (at most 1,000).
        period: The whole months the file is taken to cover.
    """

    path: str
    source: str
    rows_read: int = 0
    loaded: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    period: tuple[date, date] | None = None


@dataclass
class PartnerLoadReport:
    """The result of loading one extract folder.

    Attributes:
        folder: The folder loaded.
        files: One result per extract file found.
        unusable: Why nothing could be loaded, or ``None``.
    """

    folder: str
    files: list[PartnerFileResult] = field(default_factory=list)
    unusable: str | None = None

    @property
    def loaded(self) -> int:
        """Rows stored across files."""
        return sum(f.loaded for f in self.files)

    @property
    def rejected(self) -> int:
        """Rows rejected across files."""
        return sum(f.rejected for f in self.files)

    @property
    def exit_code(self) -> int:
        """0 all rows loaded, 3 some rejected, 2 nothing usable."""
        if self.unusable or not self.files:
            return 2
        return 3 if self.rejected else 0


def ensure_partner_schema(store: Store) -> None:
    """Create the partner tables if missing (safe to repeat)."""
    store.con.execute(PARTNER_SCHEMA)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _manifest_period(folder: Path) -> tuple[date, date] | None:
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        start, end = json.loads(manifest.read_text(encoding="utf-8"))["period"]
        return date.fromisoformat(start), date.fromisoformat(end)
    except (KeyError, ValueError, TypeError):
        return None


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """The first and last whole months inside ``[start, end]`` (as first days).

    A month counts only if the extract covers it from its first to its last day, so a
    part-month is never mistaken for a month with little crime.
    """
    first = date(start.year, start.month, 1)
    if start.day != 1:
        first = (first + timedelta(days=32)).replace(day=1)
    last = date(end.year, end.month, 1)
    if (end + timedelta(days=1)).month == end.month:  # not the month's last day
        last = (last - timedelta(days=1)).replace(day=1)
    return (first, last) if first <= last else None


def _load_file(
    store: Store,
    kind: _Kind,
    path: Path,
    folder: Path,
    declared: tuple[date, date] | None,
) -> PartnerFileResult:
    con = store.con
    res = PartnerFileResult(str(path), kind.source)
    header_row = con.execute(
        f"SELECT * FROM read_csv({lit(str(path))}, all_varchar=true, header=true) LIMIT 0"
    )
    columns = [d[0] for d in header_row.description]
    needed = {kind.id_col, "date", "lsoa_code", *kind.flag_cols}
    if kind.source == OFFENCE:
        needed.add("crime_type")
    if kind.source == DOMESTIC_ABUSE:
        needed.add("agency")
    if kind.source == HATE_REPORT:
        needed |= {"strands", "reported_via"}
    if kind.source == ASB_COMPLAINT:
        needed.add("category")
    missing = sorted(needed - set(columns))
    if missing:
        res.problems.append(f"{path}:1: header: missing column(s) {', '.join(missing)}")
        res.rejected = int(
            con.execute(
                f"SELECT count(*) FROM read_csv({lit(str(path))}, all_varchar=true, header=true)"
            ).fetchone()[0]  # type: ignore[index]
        )
        res.rows_read = res.rejected
        return res
    types = ", ".join(lit(t) for t in CRIME_TYPES)
    flag_checks = " ".join(
        f"WHEN ({_FLAG.format(c=c)}) IS NULL THEN '{c}: not 0/1: ' || coalesce({c}, '')"
        for c in kind.flag_cols
    )
    crime_check = (
        f"WHEN crime_type NOT IN ({types}) THEN 'crime_type: not a police.uk category: ' || coalesce(crime_type, '')"
        if kind.source == OFFENCE
        else ""
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _partner_raw AS
        SELECT row_number() OVER () + 1 AS line, *
        FROM read_csv({lit(str(path))}, all_varchar=true, header=true)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _partner_checked AS
        SELECT *, CASE
            WHEN coalesce(trim({kind.id_col}), '') = '' THEN '{kind.id_col}: empty'
            WHEN TRY_CAST(trim("date") AS DATE) IS NULL THEN 'date: not a date YYYY-MM-DD: ' || coalesce("date", '')
            WHEN NOT regexp_full_match(coalesce(trim(lsoa_code), ''), '[EW]01[0-9]{{6}}') THEN 'lsoa_code: not an LSOA code: ' || coalesce(lsoa_code, '')
            {crime_check}
            {flag_checks}
        END AS problem
        FROM _partner_raw
        """
    )
    res.rows_read = int(con.execute("SELECT count(*) FROM _partner_raw").fetchone()[0])  # type: ignore[index]
    res.rejected = int(
        con.execute(
            "SELECT count(*) FROM _partner_checked WHERE problem IS NOT NULL"
        ).fetchone()[0]  # type: ignore[index]
    )
    for line, problem in con.execute(
        "SELECT line, problem FROM _partner_checked WHERE problem IS NOT NULL "
        "ORDER BY line LIMIT 1000"
    ).fetchall():
        res.problems.append(f"{path}:{line}: {problem}")
    span = con.execute(
        'SELECT min(TRY_CAST(trim("date") AS DATE)), max(TRY_CAST(trim("date") AS DATE)) '
        "FROM _partner_checked WHERE problem IS NULL"
    ).fetchone()
    if declared is not None:
        period = whole_months(*declared)
    elif span and span[0] is not None:
        # No manifest: assume whole months from the first record's to the last's.
        period = (
            date(span[0].year, span[0].month, 1),
            date(span[1].year, span[1].month, 1),
        )
    else:
        period = None
    res.period = period
    load_id = int(con.execute("SELECT nextval('import_id_seq')").fetchone()[0])  # type: ignore[index]
    flags = ", ".join(f"{expr} AS {name}" for name, expr in kind.flags.items())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _partner_new AS
        SELECT left(sha256({lit(kind.source)} || ':' || trim({kind.id_col})), 32) AS incident_key,
               {lit(kind.source)} AS source,
               {kind.agency} AS agency,
               date_trunc('month', TRY_CAST(trim("date") AS DATE))::DATE AS month,
               {kind.category} AS category,
               trim(lsoa_code) AS lsoa_code,
               {flags},
               {load_id}::BIGINT AS load_id
        FROM _partner_checked WHERE problem IS NULL
        QUALIFY row_number() OVER (PARTITION BY trim({kind.id_col}) ORDER BY line DESC) = 1
        """
    )
    con.execute(
        "DELETE FROM partner_incident WHERE incident_key IN "
        "(SELECT incident_key FROM _partner_new)"
    )
    con.execute(
        "INSERT INTO partner_incident SELECT incident_key, source, agency, month, "
        "category, lsoa_code, alcohol, drug, domestic, hate, load_id FROM _partner_new"
    )
    res.loaded = int(con.execute("SELECT count(*) FROM _partner_new").fetchone()[0])  # type: ignore[index]
    now = datetime.now(UTC)
    if period is not None:
        con.execute(
            "INSERT INTO partner_extract_load VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                load_id,
                kind.source,
                str(folder),
                path.name,
                _sha256(path),
                period[0],
                period[1],
                res.rows_read,
                res.loaded,
                res.rejected,
                now,
            ],
        )
    con.execute(
        "INSERT INTO import_run VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            load_id,
            f"partner-extract:{kind.source}",
            str(path),
            _sha256(path),
            now,
            now,
            res.rows_read,
            res.loaded,
            0,
            res.rejected,
            None
            if period
            else "no valid rows: the file covers no months and is not counted as held",
        ],
    )
    for t in ("_partner_raw", "_partner_checked", "_partner_new"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return res


def load_partner_extract(
    store: Store,
    folder: Path,
    *,
    period: tuple[date, date] | None = None,
) -> PartnerLoadReport:
    """Load a folder of partner extracts into ``partner_incident``.

    Reads whichever of ``offences.csv``, ``da_incidents.csv``, ``hate_reports.csv`` and
    ``asb_complaints.csv`` the folder holds. Rows with a bad id, date, LSOA code, crime
    type or flag are rejected with ``file:line: field: reason``; the rest commit in one
    transaction. Loading the same extract again changes nothing (rows are replaced by
    their key). Each file is recorded in ``partner_extract_load`` (and the store's
    ``import_run`` ledger) with the whole months it covers.

    Args:
        store: The analytics store (writable).
        folder: The extract folder.
        period: First and last day the extract covers. Default: the ``period`` in the
            folder's ``manifest.json`` (as the synthetic generator writes), else the
            months from each file's first to last record.

    Returns:
        The per-file results; ``exit_code`` 0, 3 (some rows rejected) or 2 (unusable).
    """
    folder = Path(folder)
    report = PartnerLoadReport(str(folder))
    if not folder.is_dir():
        report.unusable = f"{folder}: not a folder"
        return report
    found = [(k, folder / k.file) for k in KINDS if (folder / k.file).is_file()]
    if not found:
        report.unusable = (
            f"{folder}: no partner extract files (expected any of "
            f"{', '.join(k.file for k in KINDS)})"
        )
        return report
    declared = period or _manifest_period(folder)
    ensure_partner_schema(store)
    con = store.con
    con.execute("BEGIN")
    try:
        for kind, path in found:
            report.files.append(_load_file(store, kind, path, folder, declared))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return report
