"""Import data.police.uk street-level CSVs into the analytics store.

Each file is validated in one vectorised DuckDB pass and applied in one transaction:
good rows commit, bad rows go to ``police_quarantine`` with ``file:line: field: reason``,
and a file that is not a street-level CSV at all commits nothing. Re-importing adds nothing.
A record is matched (re-import, republished outcome) only against held rows of its own
month, so an import reads its month of the store, not all of it (see ``_held_months``):
the records are one Parquet file per month and reporting force, and an import writes
its force's month anew.

Line numbers follow DuckDB's CSV reader: the header is line 1 and each record counts one
line, which is the physical line in any file without line breaks inside quoted fields (all
published police.uk files).
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import hashlib
import re
import shutil
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, cast

import duckdb

from saferleeds.analytics import police_reference as ref
from saferleeds.analytics.store import (
    LEGACY_PART,
    Store,
    ensure_police_view,
    local_police_table,
    part_files,
    parts_dir,
    police_rollup_rows,
    refresh_police_rollup,
)

STREET_FILE = re.compile(r"^(\d{4}-\d{2})-([a-z0-9-]+)-street\.csv(\.gz)?$")
MAX_MEMBER_BYTES = 8 * 1024**3  # a month for all forces is about 0.3 GB
MAX_ZIP_RATIO = 100  # CSV compresses ~8x; far more is a zip bomb
CHUNK = 1 << 20
MAX_HEADER_BYTES = 1 << 20  # a real header is 150 bytes; read this much to report it
SHOWN_CHARS = 60  # how much of a long value from a file messages echo


class UnusableFile(Exception):
    """A file that cannot be imported at all; nothing from it is committed."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass
class FileResult:
    """What importing one file did."""

    path: str
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    quarantined: int = 0
    unusable: str | None = None
    note: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """The outcome of an import over one or more files."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all rows imported, 3 some quarantined, 2 a file was unusable."""
        if any(f.unusable for f in self.files):
            return 2
        if any(f.quarantined for f in self.files):
            return 3
        return 0

    @property
    def added(self) -> int:
        """Rows added across all files."""
        return sum(f.added for f in self.files)

    @property
    def quarantined(self) -> int:
        """Rows quarantined across all files."""
        return sum(f.quarantined for f in self.files)


@dataclass(frozen=True)
class _Source:
    name: str  # what messages call the file (path, or archive!member)
    path: Path  # a readable local file
    problem: str | None = None  # why it is unusable, when that is known before reading


def clip(text: str, limit: int = SHOWN_CHARS) -> str:
    """Return ``text``, or its first ``limit`` characters and its length if longer."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def _open_bytes(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


class _NotText(Exception):
    """Text that does not decode; ``offset`` is the first bad byte's, from the start."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def _decode_all(
    src: _Source, encoding: str, sink: Callable[[str], object] | None = None
) -> None:
    """Decode the whole file in C-speed chunks, passing the text to ``sink``.

    Raises:
        _NotText: At the first byte that does not decode.
    """
    dec = codecs.getincrementaldecoder(encoding)()
    pos = 0  # offset of the next chunk in the (decompressed) file
    with _open_bytes(src.path) as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            pending = len(dec.getstate()[0])  # bytes held back from the last chunk
            try:
                text = dec.decode(chunk)
            except UnicodeDecodeError as exc:
                raise _NotText(pos - pending + exc.start) from exc
            if sink is not None:
                sink(text)
            pos += len(chunk)
        pending = len(dec.getstate()[0])
        try:
            dec.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise _NotText(pos - pending + exc.start) from exc


# Bytes that rule cp1252 out: the five it leaves undefined; three or more non-ASCII bytes
# in a row (Western text has accents, pound signs and quotes one or two at a time, while
# Shift-JIS, GBK, Big5, EUC and Cyrillic or Greek code pages write whole words so); and
# Â or Ã before a byte 0x80-0xBF (UTF-8 for Latin-1 letters, so the file mixes encodings).
_NOT_CP1252 = re.compile(
    rb"(?P<undefined>[\x81\x8d\x8f\x90\x9d])"
    rb"|(?P<run>[\x80-\xff]{3})"
    rb"|(?P<utf8>[\xc2\xc3][\x80-\xbf])"
)
_WHY_NOT_CP1252 = {
    "undefined": "byte 0x{byte:02X} is undefined in cp1252",
    "run": "three non-ASCII bytes in a row, as in Shift-JIS, GBK or Big5",
    "utf8": "it mixes UTF-8 with other bytes",
}


def _cp1252_objection(src: _Source) -> tuple[int, str] | None:
    """Where and why the file is not plausibly cp1252, or ``None`` if it is."""
    with _open_bytes(src.path) as f:
        pos = 0  # offset of buf[0]
        buf = b""
        for chunk in iter(lambda: f.read(CHUNK), b""):
            buf += chunk  # the last two bytes of the previous chunk, then this one
            m = _NOT_CP1252.search(buf)
            if m is not None:
                kind = cast(str, m.lastgroup)
                why = _WHY_NOT_CP1252[kind].format(byte=m.group()[0])
                return pos + m.start(), why
            keep = min(2, len(buf))
            pos += len(buf) - keep
            buf = buf[len(buf) - keep :]
    return None


def _line_and_byte(src: _Source, offset: int, encoding: str) -> tuple[int, int]:
    """The 1-based line holding byte ``offset``, and that byte's value."""
    newlines = 0
    dec = codecs.getincrementaldecoder(encoding)(errors="replace")
    with _open_bytes(src.path) as f:
        left = offset
        while left > 0:
            chunk = f.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            if encoding == "utf-16":
                newlines += dec.decode(chunk).count("\n")
            else:  # ASCII-compatible: a newline byte is a newline
                newlines += chunk.count(b"\n")
        byte = f.read(1)
    return newlines + 1, byte[0] if byte else 0


def _not_text(src: _Source, offset: int, encoding: str, detail: str) -> UnusableFile:
    line, byte = _line_and_byte(src, offset, encoding)
    return UnusableFile(
        src.name,
        f"not text in UTF-8, UTF-16 or cp1252: line {line}, byte offset {offset}: "
        + detail.format(byte=byte)
        + "; save it as UTF-8 (with or without a BOM)",
    )


def _encoding_of(src: _Source) -> str:
    """Return 'utf-8', 'utf-16' or 'cp1252' for the file's text, by full validation.

    UTF-8 (with or without a BOM) and UTF-16 with a BOM are taken as they say; anything
    else is taken as cp1252 only if it reads as Western text (``_NOT_CP1252``). Otherwise
    the file is unusable, naming the line and byte offset of its first non-UTF-8 byte.
    """
    try:
        with _open_bytes(src.path) as f:
            head = f.read(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        try:
            _decode_all(src, "utf-8")
            return "utf-8"
        except _NotText as bad:
            objection = _cp1252_objection(src)
            if objection is None:
                return "cp1252"
            where, why = objection
            raise _not_text(
                src,
                bad.offset,
                "utf-8",
                "byte 0x{byte:02X} is not UTF-8, and the file does not read as cp1252 "
                f"(byte offset {where}: {why})",
            ) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise UnusableFile(src.name, f"cannot read: {exc}") from exc


def _transcode(src: _Source, encoding: str, tmp: Path) -> Path:
    out = tmp / "transcoded.csv"
    try:
        with out.open("w", encoding="utf-8", newline="") as dst:
            _decode_all(src, encoding, dst.write)
    except _NotText as bad:
        raise _not_text(
            src, bad.offset, encoding, f"byte 0x{{byte:02X}} is not {encoding}"
        ) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise UnusableFile(src.name, f"cannot read: {exc}") from exc
    return out


def _check_header(src: _Source, path: Path) -> None:
    try:
        with _open_bytes(path) as f:
            first = f.readline(MAX_HEADER_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnusableFile(src.name, f"cannot read: {exc}") from exc
    if not first.strip():
        raise UnusableFile(src.name, "empty file: no header line")
    try:
        text = first.decode("utf-8-sig").strip("\r\n")
    except UnicodeDecodeError as exc:
        raise UnusableFile(src.name, "line 1: header is not text") from exc
    found = [c.strip().strip('"') for c in text.split(",")]
    if tuple(found) != ref.HEADER:
        present = set(found)
        missing = [c for c in ref.HEADER if c not in present]
        extra = [c for c in found if c not in ref.HEADER]
        detail = []
        if missing:
            detail.append(f"missing {', '.join(missing)}")
        if extra:
            more = f" and {len(extra) - 5:,} more" if len(extra) > 5 else ""
            detail.append(f"unexpected {', '.join(clip(c) for c in extra[:5])}{more}")
        if not detail:
            detail.append("columns in the wrong order")
        raise UnusableFile(
            src.name,
            "line 1: header: not a data.police.uk street-level CSV ("
            + "; ".join(detail)
            + ")",
        )


def expand_inputs(
    paths: Iterable[Path | str], forces: Iterable[str] | None, tmp: Path
) -> Iterator[_Source]:
    """Yield the street-level files named by paths: files, folders or archive zips.

    Folders and zips are searched for ``YYYY-MM-<force>-street.csv``; when ``forces``
    is given, only those forces' files are taken from them. Named files are always taken.
    """
    wanted = set(forces) if forces else None

    def take(name: str) -> bool:
        m = STREET_FILE.match(Path(name).name)
        if m is None:
            return False
        return wanted is None or m.group(2) in wanted

    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(p.rglob("*-street.csv*")):
                if take(f.name):
                    yield _Source(str(f), f)
        elif p.suffix.lower() == ".zip" and zipfile.is_zipfile(p):
            yield from _expand_zip(p, take, tmp)
        else:
            yield _Source(str(p), p)


def _expand_zip(p: Path, take: Callable[[str], bool], tmp: Path) -> Iterator[_Source]:
    """Extract the wanted members; a damaged member is unusable, the others still go."""
    try:
        z = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        yield _Source(str(p), p, f"damaged zip archive: {exc}")
        return
    with z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            if info.is_dir() or not take(info.filename):
                continue
            name = f"{p}!{info.filename}"
            # Never trust member paths: keep only the base name inside our temp folder.
            dest = tmp / f"zip-{abs(hash(name))}" / Path(info.filename).name
            if info.file_size > MAX_MEMBER_BYTES:
                yield _Source(
                    name, dest, f"member larger than {MAX_MEMBER_BYTES} bytes"
                )
                continue
            if (
                info.compress_size
                and info.file_size / info.compress_size > MAX_ZIP_RATIO
            ):
                yield _Source(name, dest, "compression ratio suggests a zip bomb")
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                # zipfile stops at the size the headers declare and checks the CRC-32
                # at the end, so a member whose sizes lie fails the check too.
                with z.open(info) as src, dest.open("wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                NotImplementedError,  # a compression method zipfile cannot read
                RuntimeError,  # an encrypted member
                ValueError,
            ) as exc:
                dest.unlink(missing_ok=True)
                yield _Source(name, dest, f"damaged zip member: {exc}")
                continue
            yield _Source(name, dest)


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


_COLS_SPEC = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in ref.COLUMNS) + "}"
_TYPES = "[" + ", ".join(_sql_str(t) for t in ref.CRIME_TYPES) + "]"
_OUTCOMES = "[" + ", ".join(_sql_str(t) for t in ref.OUTCOMES) + "]"


def _header_of(column_sql: str) -> str:
    """SQL mapping a store column name back to the CSV's own header name."""
    whens = " ".join(
        f"WHEN {_sql_str(c)} THEN {_sql_str(h)}"
        for c, h in zip(ref.COLUMNS, ref.HEADER, strict=True)
    )
    return f"CASE {column_sql} {whens} ELSE 'row' END"


@dataclass(frozen=True)
class _Rule:
    cond: str  # SQL that is true when the row breaks the rule
    field: str  # the CSV column named in the message
    reason: str  # SQL for the reason text

    def failed(self) -> str:
        return f"coalesce({self.cond}, false)"

    def entry(self) -> str:
        return (
            f"CASE WHEN {self.failed()} THEN "
            f"{{'field': '{self.field}', 'reason': {self.reason}}} END"
        )


def _show(col: str) -> str:
    quote = "''''"  # SQL literal: a string holding one single quote
    return f"coalesce({quote} || {col} || {quote}, '(blank)')"


_RULES = (
    _Rule(
        "month IS NULL OR NOT regexp_full_match(month, '\\d{4}-(0[1-9]|1[0-2])')",
        "Month",
        f"'not a month YYYY-MM: ' || {_show('month')}",
    ),
    _Rule("reported_by IS NULL", "Reported by", "'blank'"),
    _Rule("falls_within IS NULL", "Falls within", "'blank'"),
    _Rule(
        f"crime_type IS NULL OR NOT list_contains({_TYPES}, crime_type)",
        "Crime type",
        f"'not one of the 14 police.uk categories: ' || {_show('crime_type')}",
    ),
    _Rule(
        f"crime_type IS DISTINCT FROM '{ref.ASB}' AND crime_id IS NULL",
        "Crime ID",
        "'blank on a crime row (only ASB rows have no Crime ID)'",
    ),
    _Rule(
        "crime_id IS NOT NULL AND NOT regexp_full_match(crime_id, '[0-9A-Za-z]{1,128}')",
        "Crime ID",
        f"'not an identifier: ' || {_show('crime_id')}",
    ),
    _Rule(
        f"last_outcome IS NOT NULL AND NOT list_contains({_OUTCOMES}, last_outcome)",
        "Last outcome category",
        f"'not a known police.uk outcome: ' || {_show('last_outcome')}",
    ),
    _Rule(
        "(longitude IS NULL) <> (latitude IS NULL)",
        "Longitude/Latitude",
        "'one coordinate given without the other'",
    ),
    _Rule(
        "longitude IS NOT NULL AND TRY_CAST(longitude AS DOUBLE) IS NULL",
        "Longitude",
        f"'not a number: ' || {_show('longitude')}",
    ),
    _Rule(
        "latitude IS NOT NULL AND TRY_CAST(latitude AS DOUBLE) IS NULL",
        "Latitude",
        f"'not a number: ' || {_show('latitude')}",
    ),
    _Rule(
        f"TRY_CAST(longitude AS DOUBLE) NOT BETWEEN {ref.GB_LON[0]} AND {ref.GB_LON[1]}",
        "Longitude",
        "'outside Great Britain: ' || longitude",
    ),
    _Rule(
        f"TRY_CAST(latitude AS DOUBLE) NOT BETWEEN {ref.GB_LAT[0]} AND {ref.GB_LAT[1]}",
        "Latitude",
        "'outside Great Britain: ' || latitude",
    ),
    _Rule(
        "lsoa_code IS NOT NULL AND NOT regexp_full_match(lsoa_code, '[EW]01\\d{6}')",
        "LSOA code",
        f"'not an LSOA code (E01/W01 and 6 digits): ' || {_show('lsoa_code')}",
    ),
)
# Rows repeating a Crime ID seen earlier in the same file (joined from temp table dup).
_DUP_RULE = _Rule(
    "dup.first_ord IS NOT NULL AND dup.first_ord <> s.ord",
    "Crime ID",
    "'duplicate of the Crime ID at line ' || dup.first_line::VARCHAR",
)
_VALID = "NOT (" + " OR ".join(r.failed() for r in _RULES) + ")"

_CONTENT = (
    "concat_ws(chr(31), "
    + ", ".join(f"coalesce({c}, '')" for c in ref.COLUMNS if c != "crime_id")
    + ")"
)


def _read_csv(con: duckdb.DuckDBPyConnection, csv_path: Path) -> None:
    # A parallel read (all cores) whose row order DuckDB keeps (preserve_insertion_order,
    # its default): each row's rowid in the new table is its record's position in the
    # file, so ``ord`` is a view column, not a window over the scan. The validity of
    # each row is computed in the same pass, so clean rows never build error lists.
    con.execute(
        f"""
        CREATE TEMP TABLE stg0 AS
        SELECT *, {_VALID} AS valid
        FROM read_csv({_sql_str(str(csv_path))}, columns={_COLS_SPEC}, header=true,
            auto_detect=false, delim=',', quote='"', escape='"', parallel=true,
            store_rejects=true, rejects_table='rej_errors', rejects_scan='rej_scans',
            strict_mode=true, encoding='utf-8')
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW stg AS SELECT rowid + 1 AS ord, * FROM stg0"
    )


def _stage(store: Store, src: _Source, csv_path: Path) -> int:
    """Read the file into temp table ``stg`` and define view ``stgl`` (+ ``line``)."""
    con = store.con
    con.execute("DROP VIEW IF EXISTS temp.stg")
    for t in ("stg0", "rej_errors", "rej_scans", "shift", "dup"):
        con.execute(f"DROP TABLE IF EXISTS temp.{t}")
    try:
        _read_csv(con, csv_path)
    except (duckdb.InvalidInputException, duckdb.IOException) as exc:
        if "no space left on device" in str(exc).lower():
            raise  # the disk, not the file: reported as such by the caller
        first = (str(exc).splitlines() or [""])[0]
        raise UnusableFile(
            src.name, f"cannot parse as CSV: {clip(first, 300)}"
        ) from exc
    rejected = int(store.scalar("SELECT count(DISTINCT line) FROM rej_errors"))
    if rejected:
        # Map each accepted record's ordinal to its line: the rejected lines are gaps.
        con.execute(
            """
            CREATE TEMP TABLE shift AS
            SELECT line - i - 1 AS a, max(i) AS j FROM (
                SELECT line, row_number() OVER (ORDER BY line) AS i
                FROM (SELECT DISTINCT line FROM rej_errors)
            ) GROUP BY a
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP VIEW stgl AS
            SELECT s.*, s.ord + 1 + coalesce(sh.j, 0) AS line
            FROM stg s ASOF LEFT JOIN shift sh ON s.ord > sh.a
            """
        )
    else:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW stgl AS SELECT *, ord + 1 AS line FROM stg"
        )
    # Repeated Crime IDs, exactly: first the 64-bit hashes seen twice (an aggregate
    # of integers, not of millions of 64-character strings), then the IDs among the
    # few rows with those hashes.
    con.execute(
        """
        CREATE TEMP TABLE dup AS
        SELECT crime_id AS dup_crime_id, min(ord) AS first_ord, min(line) AS first_line
        FROM stgl
        WHERE crime_id IS NOT NULL AND hash(crime_id) IN (
            SELECT hash(crime_id) AS h FROM stg0 WHERE crime_id IS NOT NULL
            GROUP BY h HAVING count(*) > 1)
        GROUP BY crime_id HAVING count(*) > 1
        """
    )
    return int(store.scalar("SELECT count(*) FROM stg")) + rejected


_GOOD = "s.valid AND (dup.first_ord IS NULL OR dup.first_ord = s.ord)"


def _good_rows(dups: bool = True) -> str:
    """``FROM`` and ``WHERE`` of the staged rows to keep, as ``s``: the valid ones,
    and of rows repeating a Crime ID the first only (``dups=False``: none repeats)."""
    if dups:
        return f"stgl s LEFT JOIN dup ON dup.dup_crime_id = s.crime_id WHERE {_GOOD}"
    return "stgl s WHERE s.valid"


_INSERT_COLS = (
    "s.crime_id, strptime(s.month, '%Y-%m')::DATE, s.reported_by, s.falls_within, "
    "s.longitude::DOUBLE, s.latitude::DOUBLE, s.location, s.lsoa_code, s.lsoa_name, "
    "s.crime_type, s.last_outcome, s.context, s.longitude IS NOT NULL"
)


def _held_months(store: Store) -> str:
    """SQL on the held records ``p`` selecting the months the staged file's rows hold.

    A police.uk file holds one month, and a record's key (its Crime ID, or the ASB
    content hash, which includes the month) is matched only among held rows of the same
    month. In a store on disk the held records are already only those months' (temp
    table ``held``, from their Parquet files); in an in-memory store the months are
    literal constants, so DuckDB skips every row group of ``police_street`` whose zone
    map lies outside them. Either way an import reads its own month, not the store.
    """
    lo, hi = store.con.execute(
        "SELECT min(month), max(month) FROM stg WHERE valid"
    ).fetchone() or (None, None)
    if lo is None:
        return "false"  # no good rows: nothing to match
    return f"p.month BETWEEN DATE '{lo}-01' AND DATE '{hi}-01'"


def _window(store: Store) -> tuple[date, date] | None:
    """The first and last month of the staged file's good rows, if it has any."""
    lo, hi = store.con.execute(
        "SELECT min(month), max(month) FROM stg WHERE valid"
    ).fetchone() or (None, None)
    if lo is None:
        return None
    return date(int(lo[:4]), int(lo[5:7]), 1), date(int(hi[:4]), int(hi[5:7]), 1)


def _forces(store: Store) -> list[str]:
    """The reporting forces of the staged file's good rows (a police.uk file has one)."""
    return [
        str(r[0])
        for r in store.con.execute(
            "SELECT DISTINCT reported_by FROM stg WHERE valid ORDER BY 1"
        ).fetchall()
    ]


def _load_held(
    store: Store, window: tuple[date, date] | None, forces: list[str]
) -> int:
    """Copy the held records of the staged file's months and reporting forces into
    temp table ``held``.

    Reads only those months' Parquet files of those forces (and any holding every
    force of such a month, from an older store, which are then split), and rows of
    those months written by other means; never the rest of the store. Returns how many
    rows came from that table.
    """
    con = store.con
    local = local_police_table(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE held AS SELECT * FROM {local} LIMIT 0")
    if window is None:
        return 0
    lo, hi = window
    between = f"month BETWEEN DATE '{lo.isoformat()}' AND DATE '{hi.isoformat()}'"
    months = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT month FROM police_part WHERE {between} ORDER BY month"
        ).fetchall()
    ]
    files = part_files(store, months, set(forces))
    if files:
        listed = "[" + ", ".join(_sql_str(f) for f in files) + "]"
        con.execute(f"INSERT INTO held BY NAME SELECT * FROM read_parquet({listed})")
    # Of the rows written by other means, the file's forces' only: another force's
    # rows of the month may sit in both that table and its own Parquet file, and
    # rewriting that force's file from the table's rows alone would lose the file's.
    return _count(
        con,
        f"INSERT INTO held BY NAME SELECT * FROM {local} WHERE {between} "
        f"AND {_of_forces(forces)}",
    )


def _of_forces(forces: list[str]) -> str:
    """SQL: the record's reporting force is one of ``forces``."""
    if not forces:
        return "false"
    return "reported_by IN (" + ", ".join(_sql_str(f) for f in forces) + ")"


@contextlib.contextmanager
def _unordered(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Let DuckDB write a Parquet file from all cores, in any row order (its writer
    keeps the order on one core otherwise: 4.2 s against 2.6 s for ten million rows).
    Nothing reads the records' file order: each keeps its source line."""
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute("RESET preserve_insertion_order")


def _write_parts(
    store: Store,
    window: tuple[date, date],
    forces: list[str],
    moved: int,
    written: list[Path],
) -> None:
    """Write each month of ``held`` to a new Parquet file and name it in ``police_part``.

    Runs inside the import's transaction; each file goes on ``written`` before it is
    written, and the caller deletes them if the transaction does not commit. The files
    they replace stay until no version of the store names them (see
    ``saferleeds.analytics.store._clean``).
    """
    con = store.con
    assert store.path is not None
    folder = parts_dir(store.path)
    months = set()
    for month, force in con.execute(
        "SELECT DISTINCT month, reported_by FROM held ORDER BY ALL"
    ).fetchall():
        _write_month(con, folder, month, force, "SELECT * FROM held", written)
        months.add(month)
    for month in sorted(months):
        # A file of every force of the month, from an older store, was read whole
        # into held and is now written force by force.
        con.execute(
            "DELETE FROM police_part WHERE month = ? AND reported_by = ?",
            [month, LEGACY_PART],
        )
    if moved:
        lo, hi = window
        con.execute(
            f"DELETE FROM {local_police_table(con)} WHERE month BETWEEN "
            f"DATE '{lo.isoformat()}' AND DATE '{hi.isoformat()}' "
            f"AND {_of_forces(forces)}"
        )


def _new_rows(
    name: str,
    import_id: int,
    among: tuple[str, str] | None = None,
    *,
    dups: bool = True,
) -> tuple[str, str]:
    """The SELECTs of the staged file's good rows as records: ``(crimes, asb)``.

    Crimes are keyed on their Crime ID. ASB rows have none: their key is a hash of the
    row plus its occurrence among identical rows of the file, so identical incidents at
    one snap point all count and a re-import matches each again. With ``among``
    (``(table, months predicate on p)``) only rows whose key that table does not hold.
    ``dups=False`` (no Crime ID repeats in the file) leaves out the join that drops
    repeats.
    """
    crimes = f"""
        SELECT s.crime_id, {_INSERT_COLS}, {name}, s.line, {import_id}
        FROM {_good_rows(dups)} AND s.crime_id IS NOT NULL"""
    asb = f"""
        SELECT s.row_key, {_INSERT_COLS}, {name}, s.line, {import_id}
        FROM (SELECT *, 'asb:' || h || ':'
                     || row_number() OVER (PARTITION BY h ORDER BY ord) AS row_key
              FROM (SELECT *, sha256({_CONTENT}) AS h
                    FROM stgl WHERE valid AND crime_id IS NULL)) s"""
    if among is not None:
        table, held = among
        crimes += f"""
          AND NOT EXISTS (
              SELECT 1 FROM {table} p
              WHERE {held} AND p.row_key = s.crime_id
                AND p.month = strptime(s.month, '%Y-%m')::DATE)"""
        asb += f"""
        WHERE NOT EXISTS (
            SELECT 1 FROM {table} p WHERE {held} AND p.row_key = s.row_key)"""
    return crimes, asb


def _write_new_parts(
    store: Store, window: tuple[date, date], rows: tuple[str, str], written: list[Path]
) -> int:
    """Write the new records of each month in ``window`` straight to a new Parquet
    file and name it in ``police_part`` (no file of those months is held).

    Returns the rows written. As :func:`_write_parts`, each file goes on ``written``
    first, for the caller to delete if the transaction does not commit.
    """
    con = store.con
    assert store.path is not None
    folder = parts_dir(store.path)
    names = [r[0] for r in con.execute("DESCRIBE held").fetchall()]
    aliased = ", ".join(f'"{n}"' for n in names)
    crimes, asb = rows
    lo, hi = window
    added = 0
    for month, force in con.execute(
        "SELECT DISTINCT strptime(month, '%Y-%m')::DATE AS m, reported_by FROM stg "
        f"WHERE valid AND m BETWEEN DATE '{lo.isoformat()}' AND DATE '{hi.isoformat()}' "
        "ORDER BY ALL"
    ).fetchall():
        added += _write_month(
            con,
            folder,
            month,
            force,
            f"SELECT * FROM ({crimes} UNION ALL {asb}) AS t({aliased})",
            written,
        )
    return added


def _write_month(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    month: date,
    force: str,
    rows: str,
    written: list[Path],
) -> int:
    """Write the rows of ``month`` and reporting ``force`` of the SELECT ``rows`` to a
    new Parquet file under ``folder`` and name it in ``police_part``; return how many.
    The file goes on ``written`` before it is written; no row, no file."""
    rel = f"{month:%Y-%m}/{uuid.uuid4().hex}.parquet"
    out = folder / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    written.append(out)
    with _unordered(con):
        n = _count(
            con,
            f"COPY (SELECT * FROM ({rows}) WHERE month = DATE '{month.isoformat()}' "
            f"AND reported_by = {_sql_str(force)}) "
            f"TO {_sql_str(str(out))} (FORMAT parquet, COMPRESSION zstd)",
        )
    if not n:
        out.unlink()
        written.pop()
        return 0
    con.execute(
        "INSERT OR REPLACE INTO police_part VALUES (?, ?, ?, ?, ?)",
        [month, rel, str(out.resolve()), n, force],
    )
    return n


def _apply(store: Store, src: _Source, sha: str, result: FileResult) -> None:
    """Apply the staged file in one transaction.

    A store on disk keeps its records as Parquet files by month and reporting force:
    the file's months of its forces are read into temp table ``held``, matched and
    extended there, and written back as new files (or, none held, its rows go straight
    to new files); an in-memory store keeps them in table ``police_street``.
    """
    con = store.con
    started = datetime.now(UTC)
    parted = store.path is not None
    written: list[Path] = []
    con.execute("BEGIN")
    try:
        rollup_rows = police_rollup_rows(store)  # before any row is written
        import_id = int(store.scalar("SELECT nextval('import_id_seq')"))
        name = _sql_str(src.name)
        # Bad rows: validation failures (error lists built only for these) and rows the
        # CSV reader rejected.
        entries = ", ".join([r.entry() for r in _RULES] + [_DUP_RULE.entry()])
        raw = ", ".join(f"coalesce(s.{c}, '')" for c in ref.COLUMNS)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE bad AS
            SELECT line, e.field AS field, e.reason AS reason, raw FROM (
                SELECT s.line, concat_ws(',', {raw}) AS raw,
                       unnest(list_filter([{entries}], lambda x: x IS NOT NULL)) AS e
                FROM stgl s LEFT JOIN dup ON dup.dup_crime_id = s.crime_id
                WHERE NOT ({_GOOD}))
            UNION ALL
            SELECT line,
                   CASE WHEN error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS')
                        THEN 'row' ELSE {_header_of("column_name")} END,
                   lower(error_type) || ': ' || error_message, csv_line
            FROM rej_errors
            """
        )
        result.quarantined = int(store.scalar("SELECT count(DISTINCT line) FROM bad"))
        con.execute(
            f"""
            INSERT INTO police_quarantine
            SELECT DISTINCT ON (b.line, b.field) '{sha}', {name}, b.line, b.field,
                   b.reason, b.raw, {import_id}
            FROM bad b
            WHERE NOT EXISTS (
                SELECT 1 FROM police_quarantine q
                WHERE q.source_sha256 = '{sha}' AND q.line = b.line AND q.field = b.field)
            """
        )
        held = _held_months(store)
        window = _window(store)
        forces = _forces(store)
        moved = _load_held(store, window, forces) if parted else 0
        fresh = (
            parted
            and window is not None
            and not _count(con, "SELECT count(*) FROM held")
        )
        source = "held" if parted else "police_street"
        if fresh:
            # None of the file's months is held yet (the usual case: a new month):
            # nothing to match or update, so its rows go straight to their Parquet
            # files, with no copy of them in a temp table first.
            assert window is not None
            dups = bool(_count(con, "SELECT count(*) FROM dup"))
            result.added = _write_new_parts(
                store, window, _new_rows(name, import_id, dups=dups), written
            )
            if written:
                # Remade once, when next needed (see ensure_police_view): a view made
                # now would name every file of the store, at every file imported.
                store.police_view_stale = True
            # The rollup counts the same rows from the staged file, not the new files.
            source = (
                "(SELECT strptime(s.month, '%Y-%m')::DATE AS month, s.lsoa_code, "
                f"s.crime_type, s.reported_by FROM {_good_rows(dups)})"
            )
        else:
            # A republished month may carry a newer outcome for a crime we already
            # hold.
            result.updated = _count(
                con,
                f"""
                UPDATE {source} p
                SET last_outcome = s.last_outcome, context = s.context
                FROM {_good_rows()} AND {held} AND p.row_key = s.crime_id
                  AND p.month = strptime(s.month, '%Y-%m')::DATE
                  AND (p.last_outcome IS DISTINCT FROM s.last_outcome
                       OR p.context IS DISTINCT FROM s.context)
                """,
            )
            crimes, asb = _new_rows(name, import_id, among=(source, held))
            result.added = _count(con, f"INSERT INTO {source} {crimes}") + _count(
                con, f"INSERT INTO {source} {asb}"
            )
            if (
                parted
                and window is not None
                and (result.added or result.updated or moved)
            ):
                _write_parts(store, window, forces, moved, written)
                store.police_view_stale = True
        _refresh_rollup(store, rollup_rows, result.added, source, forces)
        con.execute(
            "INSERT INTO import_run VALUES (?, 'police', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                import_id,
                src.name,
                sha,
                started,
                datetime.now(UTC),
                result.rows_read,
                result.added,
                result.updated,
                result.quarantined,
                result.note,
            ],
        )
        con.execute("COMMIT")
    except BaseException:
        # A COMMIT that failed (a full disk) has already ended the transaction: a
        # ROLLBACK error then must not hide why (the caller reports the real cause).
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        for f in written:
            f.unlink(missing_ok=True)
        raise
    result.problems = [
        f"{src.name}:{line}: {fld}: {reason}"
        for line, fld, reason in con.execute(
            "SELECT line, field, reason FROM bad ORDER BY line, field LIMIT 50"
        ).fetchall()
    ]


def _refresh_rollup(
    store: Store, rows_before: int | None, added: int, source: str, forces: list[str]
) -> None:
    """Recount the indicators' rollup for the staged file's months and reporting
    forces (same transaction).

    Only those are recounted, from ``source`` (which holds all their rows), while the
    rollup is known to hold (``rows_before``); otherwise it is rebuilt in full, once.
    """
    lo, hi = store.con.execute(
        "SELECT min(month), max(month) FROM stg WHERE valid"
    ).fetchone() or (None, None)
    if rows_before is None:
        refresh_police_rollup(store)
    elif lo is not None:
        first = date(int(lo[:4]), int(lo[5:7]), 1)
        last = date(int(hi[:4]), int(hi[5:7]), 1)
        refresh_police_rollup(
            store, first, last, rows=rows_before + added, source=source, forces=forces
        )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def import_file(store: Store, src: _Source, tmp: Path) -> FileResult:
    """Validate and apply one street-level file; see the module docstring."""
    result = FileResult(path=src.name)
    try:
        if src.problem is not None:
            raise UnusableFile(src.name, src.problem)
        if not src.path.is_file():
            raise UnusableFile(src.name, "no such file")
        encoding = _encoding_of(src)
        csv_path = src.path
        if encoding != "utf-8":
            csv_path = _transcode(src, encoding, tmp)
            result.note = f"transcoded from {encoding}"
        _check_header(src, csv_path)
        # Hash the file (for the run ledger and quarantine keys) while DuckDB parses it:
        # both release the GIL, and the machine has two cores.
        with ThreadPoolExecutor(max_workers=1) as pool:
            sha = pool.submit(_sha256, src.path)
            result.rows_read = _stage(store, src, csv_path)
            digest = sha.result()
        _apply(store, src, digest, result)
    except UnusableFile as exc:
        result.unusable = exc.problem
    return result


def import_police(
    store: Store,
    paths: Iterable[Path | str],
    *,
    forces: Iterable[str] | None = None,
    on_file: Callable[[FileResult], None] | None = None,
) -> ImportReport:
    """Import police.uk street-level files, folders or archive zips into the store.

    Args:
        store: A writable analytics store.
        paths: CSV (or .csv.gz) files, folders holding them, or data.police.uk zips.
        forces: Force slugs (e.g. ``west-yorkshire``) to take from folders and zips;
            ``None`` takes every force.
        on_file: Called after each file, for progress reporting.

    Returns:
        Per-file results; ``exit_code`` is 0, 3 (rows quarantined) or 2 (a file unusable).

    Examples:
        >>> with open_store(None) as s:                      # doctest: +SKIP
        ...     import_police(s, ["2018-07-west-yorkshire-street.csv"]).added
        31635
    """
    report = ImportReport()
    with ExitStack() as stack:
        tmp = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="sl-import-"))
        )
        try:
            for src in expand_inputs(paths, forces, tmp):
                res = import_file(store, src, tmp)
                report.files.append(res)
                if on_file:
                    on_file(res)
        except UnusableFile as exc:
            res = FileResult(path=exc.path, unusable=exc.problem)
            report.files.append(res)
            if on_file:
                on_file(res)
        finally:
            ensure_police_view(store)  # once, naming every file now held
    return report
