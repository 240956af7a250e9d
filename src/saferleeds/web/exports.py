"""Spreadsheet exports that cannot run formulas (CWE-1236, OWASP ASVS 1.2.10)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise(value: object) -> object:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe.

    Numbers stay numbers (a negative number is data, not a formula); only text is changed.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """RFC 4180 CSV (UTF-8 with BOM, so Excel reads it as UTF-8), formulas neutralised."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for row in rows:
        w.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(
    sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> bytes:
    """One visible sheet, generated (never hand-edited), formulas neutralised."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([_xlsx_cell(h) for h in header])
    for row in rows:
        ws.append([_xlsx_cell(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _xlsx_cell(value: object) -> object:
    # XML cannot hold most control characters. Drop them first, then neutralise: the
    # other order would turn "\x0b=1" (not a formula) into "=1" (a formula).
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralise(value)
