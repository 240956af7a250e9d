"""Small CSV files read strictly: every problem names the file, line and column.

Used by the offender analytics (re-offending cohorts, first-time entrants, networks),
which take partner extracts as CSV files before the workspace holds them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CsvInputError(ValueError):
    """A file that cannot be used as given, naming where the problem is.

    Attributes:
        file: The file.
        line: The line of the file (1 is the header), or ``None`` for the whole file.
        field: The column at fault, or ``None``.
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


@dataclass(frozen=True)
class Row:
    """One record of a file: its values by column and the line it starts on."""

    file: str
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        """The value of ``column``, stripped ("" when the column is optional and absent)."""
        return self.values.get(column, "").strip()

    def error(self, column: str | None, reason: str) -> CsvInputError:
        """An error naming this row's file and line and ``column``."""
        return CsvInputError(self.file, self.line, column, reason)

    def required(self, column: str) -> str:
        """The value of ``column``, which must not be empty.

        Raises:
            CsvInputError: The value is empty.
        """
        value = self.get(column)
        if not value:
            raise self.error(column, "empty")
        return value

    def day(self, column: str, *, optional: bool = False) -> date | None:
        """The value of ``column`` as a ``YYYY-MM-DD`` date (``None`` if empty and optional).

        Raises:
            CsvInputError: Empty (and not optional), or not a date on the calendar.
        """
        value = self.get(column)
        if not value:
            if optional:
                return None
            raise self.error(column, "empty (a date YYYY-MM-DD is needed)")
        try:
            if not _ISO_DAY.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise self.error(
                column, f"{value!r} is not a date YYYY-MM-DD on the calendar"
            ) from None


def read_rows(
    path: str | Path,
    required: Sequence[str],
    *,
    allow_empty: bool = False,
    header: Sequence[str] | None = None,
) -> Iterator[Row]:
    """Yield the records of a UTF-8 CSV file with a header line, checking its columns.

    Blank lines are skipped. Extra columns are allowed and ignored by the callers.

    Args:
        path: The file.
        required: Columns the header must have.
        allow_empty: Whether a file with a header and no records is acceptable.
        header: The columns of a file that has no header line (its first line is
            then a record, line 1).

    Raises:
        CsvInputError: The file cannot be read, is not UTF-8 (naming the line of the
            first bad byte), lacks a required column, has a line with more or fewer
            values than the header, or (unless ``allow_empty``) has no records.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise CsvInputError(name, None, None, "is a folder, not a CSV file") from None
    except OSError as exc:
        raise CsvInputError(name, None, None, exc.strerror or str(exc)) from None
    if not data.strip():
        raise CsvInputError(name, None, None, "the file is empty (no header line)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvInputError(
            name, line, None, f"not UTF-8 text (byte 0x{data[exc.start]:02x})"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (header if header is not None else next(reader))]
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvInputError(
            name,
            1,
            None,
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the header has {', '.join(header) or 'nothing'})",
        )
    seen = False
    start = reader.line_num + 1
    try:
        for values in reader:
            if not values or all(not v.strip() for v in values):
                start = reader.line_num + 1
                continue
            if len(values) != len(header):
                raise CsvInputError(
                    name,
                    start,
                    None,
                    f"{len(values)} values where the header has {len(header)} columns",
                )
            seen = True
            yield Row(name, start, dict(zip(header, values, strict=True)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvInputError(name, start, None, f"not CSV ({exc})") from None
    if not seen and not allow_empty:
        raise CsvInputError(name, 2, None, "the file has a header but no records")
