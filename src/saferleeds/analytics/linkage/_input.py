"""Reading and cleaning the records to link: CSV files in, one clean Arrow table out."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pyarrow as pa

FIELDS: Final = (
    "forename",
    "surname",
    "dob",
    "sex",
    "postcode",
    "address",
    "town",
    "identifier",
)
"""The fields a column can be mapped to, in the order comparisons are built."""

FEBRL_MAPPING: Final[Mapping[str, str]] = {
    "forename": "given_name",
    "surname": "surname",
    "dob": "date_of_birth",
    "postcode": "postcode",
    "address": "address_1",
    "town": "suburb",
    "identifier": "soc_sec_id",
}
"""How the FEBRL benchmark files' columns map to the fields."""

LINE_COLUMN: Final = "__line__"
"""Column :func:`read_records` adds: the line of the file each record starts on."""

_SOURCE_KEY: Final = b"saferleeds.source"

# The three date shapes accepted. A value of the right shape whose day or month is not
# on the calendar (FEBRL's 19450493) is a typo in a date, kept as typed for the string
# comparisons; a value of no accepted shape is an error.
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9])([A-Z]{2})$")
_NOT_NAME = re.compile(r"[^\w\s-]")
_SPACE = re.compile(r"\s+")


class LinkageError(ValueError):
    """A linkage request that cannot run: a bad mapping, engine or threshold."""


class LinkageInputError(LinkageError):
    """Records that cannot be linked as given, naming where the problem is.

    Attributes:
        file: The file (or the table's name) the records came from.
        line: The line of the file (1 is the header), or ``None``.
        field: The column at fault, or ``None`` when the whole file is.
        reason: What is wrong, in plain words.
    """

    def __init__(
        self, file: str, line: int | None, field: str | None, reason: str
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
        where = file if line is None else f"{file}:{line}"
        super().__init__(
            f"{where}: {field}: {reason}" if field else f"{where}: {reason}"
        )


def read_records(path: str | Path) -> pa.Table:
    """Read a CSV file of records, every column as text, remembering each line.

    The file must be UTF-8 (a byte-order mark is allowed). A space after each comma is
    skipped, as FEBRL's files have one. The result has one string column per header
    name and an ``__line__`` column, the line each record starts on (the header is
    line 1), so that later errors can name it.

    Args:
        path: The CSV file, with a header line.

    Returns:
        The records, with the file's name in the schema metadata.

    Raises:
        LinkageInputError: The file is empty, has no records, is not UTF-8 (naming the
            line and column of the first bad byte), or a line has more or fewer values
            than the header.
    """
    return parse_records(Path(path).read_bytes(), str(path))


def parse_records(data: bytes, name: str) -> pa.Table:
    """:func:`read_records` on a file's bytes already in memory (an upload).

    Args:
        data: The file's bytes.
        name: What errors call the file (its name as the user gave it).

    Returns:
        The records, as :func:`read_records` returns them.

    Raises:
        LinkageInputError: As :func:`read_records`.
    """
    if not data.strip():
        raise LinkageInputError(name, None, None, "the file is empty (no header line)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _undecodable(name, data, exc) from None
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    header = [h.strip() for h in next(reader)]
    columns: list[list[str | None]] = [[] for _ in header]
    lines: list[int] = []
    start = reader.line_num + 1
    for row in reader:
        if not row or row == [""]:
            start = reader.line_num + 1
            continue
        if len(row) != len(header):
            raise LinkageInputError(
                name,
                start,
                None,
                f"{len(row)} values where the header has {len(header)} columns",
            )
        for column, value in zip(columns, row, strict=True):
            column.append(value)
        lines.append(start)
        start = reader.line_num + 1
    if not lines:
        raise LinkageInputError(name, 2, None, "the file has a header but no records")
    arrays = [pa.array(c, type=pa.string()) for c in columns]
    table = pa.table([*arrays, pa.array(lines, pa.int64())], [*header, LINE_COLUMN])
    return table.replace_schema_metadata({_SOURCE_KEY: name.encode()})


def _undecodable(name: str, data: bytes, exc: UnicodeDecodeError) -> LinkageInputError:
    """Where the first byte that is not UTF-8 is: its line and column."""
    line = data.count(b"\n", 0, exc.start) + 1
    line_start = data.rfind(b"\n", 0, exc.start) + 1
    header_end = data.find(b"\n")
    field = None
    if line > 1 and header_end > 0:
        header = next(csv.reader([data[:header_end].decode("utf-8-sig", "replace")]))
        prefix = data[line_start : exc.start].decode("utf-8", "replace")
        index = len(next(csv.reader([prefix]), [""])) - 1
        if 0 <= index < len(header):
            field = header[index].strip()
    bad = data[exc.start : exc.end].hex(" ")
    return LinkageInputError(name, line, field, f"not UTF-8 text (byte {bad})")


def source_name(table: pa.Table, default: str) -> str:
    """The file a table was read from, or ``default`` for a table built in memory."""
    meta = table.schema.metadata or {}
    raw = meta.get(_SOURCE_KEY)
    return raw.decode() if raw else default


def as_arrow(table: Any) -> pa.Table:
    """An Arrow table from a pyarrow table, pandas frame or DuckDB relation."""
    if isinstance(table, pa.Table):
        return table
    for method in ("to_arrow_table", "arrow"):  # DuckDB relations
        if callable(getattr(table, method, None)) and hasattr(table, "columns"):
            result = getattr(table, method)()
            return result if isinstance(result, pa.Table) else result.read_all()
    if hasattr(table, "__arrow_c_stream__"):  # pandas 2.2+, polars, ...
        return pa.table(table)
    if type(table).__name__ == "DataFrame" and hasattr(table, "to_dict"):
        return pa.Table.from_pandas(table, preserve_index=False)
    raise LinkageError(
        f"cannot read records from a {type(table).__name__}: give a pyarrow Table, "
        "a pandas DataFrame or a DuckDB relation"
    )


def check_mapping(mapping: Mapping[str, str]) -> None:
    """Raise :class:`LinkageError` unless ``mapping`` maps known fields to columns."""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise LinkageError(
            f"unknown field {', '.join(unknown)}: the fields are {', '.join(FIELDS)}"
        )
    if not mapping:
        raise LinkageError("map at least one field to a column (FIELD=COLUMN)")
    empty = [f for f, c in mapping.items() if not c]
    if empty:
        raise LinkageError(f"field {empty[0]} is mapped to no column")


def prepare(
    table: Any,
    mapping: Mapping[str, str],
    id_column: str,
    *,
    default_name: str,
) -> pa.Table:
    """The cleaned records: ``unique_id`` and one column per mapped field.

    Cleaning: text is NFKC-normalised, case-folded and its spaces collapsed, empty
    values are missing; names lose punctuation but keep hyphens; a date of birth in
    ``YYYY-MM-DD``, ``DD/MM/YYYY`` or ``YYYYMMDD`` becomes ``YYYY-MM-DD``; a postcode
    is upper-cased, a UK one spaced as ``LS1 4AP`` with its sector (``LS1 4``) and
    district (``LS1``) alongside; other postcodes (FEBRL's four digits) take one and
    two characters fewer as sector and district; an identifier loses spaces and
    hyphens.

    Args:
        table: The records (see :func:`as_arrow`), e.g. from :func:`read_records`.
        mapping: Field to column, e.g. :data:`FEBRL_MAPPING`.
        id_column: The column holding each record's identifier, unique in the table.
        default_name: What errors call the table when it was not read from a file.

    Returns:
        An Arrow table of strings: ``unique_id``, the mapped fields, and
        ``postcode_sector``/``postcode_district`` when postcode is mapped.

    Raises:
        LinkageError: An unknown field in ``mapping``.
        LinkageInputError: A missing column, an empty or repeated identifier, or a
            date of birth in none of the three formats (naming file, line and column).
    """
    check_mapping(mapping)
    records = as_arrow(table)
    name = source_name(records, default_name)
    present = set(records.column_names)
    for column in (id_column, *mapping.values()):
        if column not in present:
            shown = [c for c in records.column_names if c != LINE_COLUMN]
            raise LinkageInputError(
                name, 1, column, f"no such column (the columns are {', '.join(shown)})"
            )
    if records.num_rows == 0:
        raise LinkageInputError(name, None, None, "no records to link")
    if LINE_COLUMN in present:
        lines = [int(v) for v in records.column(LINE_COLUMN).to_pylist()]
    else:
        lines = list(range(2, records.num_rows + 2))

    def values(column: str) -> list[str | None]:
        return [
            None if v is None else str(v) for v in records.column(column).to_pylist()
        ]

    ids = values(id_column)
    seen: dict[str, int] = {}
    for line, raw in zip(lines, ids, strict=True):
        if raw is None or not raw.strip():
            raise LinkageInputError(
                name, line, id_column, "the record has no identifier"
            )
        key = raw.strip()
        if key in seen:
            raise LinkageInputError(
                name, line, id_column, f"identifier {key!r} repeats line {seen[key]}"
            )
        seen[key] = line
    out: dict[str, list[str | None]] = {"unique_id": [i.strip() for i in ids if i]}
    for field in FIELDS:
        if field not in mapping:
            continue
        column = mapping[field]
        raw_values = values(column)
        if field == "dob":
            out["dob"] = [
                _date(v, name, line, column)
                for v, line in zip(raw_values, lines, strict=True)
            ]
        elif field == "postcode":
            parts = [_postcode(v) for v in raw_values]
            out["postcode"] = [p[0] for p in parts]
            out["postcode_sector"] = [p[1] for p in parts]
            out["postcode_district"] = [p[2] for p in parts]
        elif field in ("forename", "surname"):
            out[field] = [_name(v) for v in raw_values]
        elif field == "identifier":
            out[field] = [_identifier(v) for v in raw_values]
        elif field == "sex":
            out[field] = [_sex(v) for v in raw_values]
        else:
            out[field] = [_text(v) for v in raw_values]
    return pa.table({k: pa.array(v, pa.string()) for k, v in out.items()})


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = _SPACE.sub(" ", unicodedata.normalize("NFKC", value).casefold()).strip()
    return cleaned or None


def _name(value: str | None) -> str | None:
    text = _text(value)
    return _text(_NOT_NAME.sub("", text)) if text else None


def _identifier(value: str | None) -> str | None:
    text = _text(value)
    if text is None:
        return None
    return re.sub(r"[\s-]", "", text).upper() or None


def _sex(value: str | None) -> str | None:
    text = _text(value)
    if text in ("m", "male", "man"):
        return "m"
    if text in ("f", "female", "woman"):
        return "f"
    return text


def _postcode(value: str | None) -> tuple[str | None, str | None, str | None]:
    text = _text(value)
    if text is None:
        return None, None, None
    compact = text.replace(" ", "").upper()
    uk = _UK_POSTCODE.match(compact)
    if uk:
        outward, digit, unit = uk.groups()
        return f"{outward} {digit}{unit}", f"{outward} {digit}", outward
    sector = compact[:-1] if len(compact) >= 3 else None
    district = compact[:-2] if len(compact) >= 4 else None
    return compact, sector, district


def _date(value: str | None, name: str, line: int, column: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if m := _ISO.match(text):
        y, mo, d = m.groups()
    elif m := _UK.match(text):
        d, mo, y = m.groups()
    elif m := _COMPACT.match(text):
        y, mo, d = m.groups()
    else:
        raise LinkageInputError(
            name,
            line,
            column,
            f"{text!r} is not a date in YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD",
        )
    # A value of the right shape but not on the calendar (19450493) is a mistyped
    # date: kept as typed, so the string levels still see it is one keystroke away.
    return f"{y}-{int(mo):02d}-{int(d):02d}"


STORED_SEX: Final[Mapping[str, str]] = {"f": "F", "m": "M", "x": "X", "other": "X"}
"""A cleaned sex value (:func:`_sex`) to the code an agency record stores; else U."""


def agency_rows(
    table: Any,
    mapping: Mapping[str, str],
    id_column: str,
    *,
    default_name: str,
) -> list[dict[str, Any]]:
    """An agency's extract as the rows an agency record is made from, checked.

    The same checks as :func:`prepare` (a missing mapped column, an empty or repeated
    identifier, a date of birth in none of the three formats), and a date of birth
    that is not on the calendar is refused too: a stored record keeps a real date.
    Values are kept as the agency typed them (trimmed), not case-folded: the record is
    the agency's, and the model cleans its own copy when it runs.

    Args:
        table: The records, e.g. from :func:`read_records` or :func:`parse_records`.
        mapping: Field to column (:data:`FIELDS`); ``town``, if mapped, is kept at the
            end of the address (an agency record has no town of its own).
        id_column: The column holding the agency's own reference for each record.
        default_name: What errors call the table when it was not read from a file.

    Returns:
        One dict per record: ``line``, ``reference``, ``forename``, ``surname``,
        ``date_of_birth`` (a :class:`~datetime.date` or ``None``), ``sex`` (F, M, X or
        U), ``postcode``, ``address``, ``identifier``.

    Raises:
        LinkageError: An unknown field in ``mapping``.
        LinkageInputError: Naming file, line and column, as :func:`prepare`.
    """
    import datetime as dt

    prepare(table, mapping, id_column, default_name=default_name)  # the checks
    records = as_arrow(table)
    name = source_name(records, default_name)
    if LINE_COLUMN in records.column_names:
        lines = [int(v) for v in records.column(LINE_COLUMN).to_pylist()]
    else:
        lines = list(range(2, records.num_rows + 2))

    def column(field: str) -> list[str]:
        if field not in mapping:
            return [""] * records.num_rows
        return [
            "" if v is None else str(v).strip()
            for v in records.column(mapping[field]).to_pylist()
        ]

    values = {field: column(field) for field in FIELDS}
    ids = [str(v).strip() for v in records.column(id_column).to_pylist()]
    rows: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        born = None
        typed = values["dob"][i]
        if typed:
            iso = _date(typed, name, line, mapping["dob"])
            try:
                born = dt.date.fromisoformat(iso or "")
            except ValueError:
                raise LinkageInputError(
                    name,
                    line,
                    mapping["dob"],
                    f"{typed!r} is not a day on the calendar",
                ) from None
        address = ", ".join(v for v in (values["address"][i], values["town"][i]) if v)
        rows.append(
            {
                "line": line,
                "reference": ids[i],
                "forename": values["forename"][i],
                "surname": values["surname"][i],
                "date_of_birth": born,
                "sex": STORED_SEX.get(_sex(values["sex"][i]) or "", "U"),
                "postcode": values["postcode"][i],
                "address": address,
                "identifier": values["identifier"][i],
            }
        )
    return rows
