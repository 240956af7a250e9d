"""Access to the Joint Strategic Assessment for the pages: who may build it, which
years can be built, and the document as HTML or PDF.

The assessment is built from the analytics store by
:func:`saferleeds.analytics.jsa.build_assessment` and rendered by
:mod:`saferleeds.analytics.jsa_html`, exactly as ``saferleeds jsa build`` does, so the
page and the command give the same document. It holds aggregate figures only (counts,
rates, tests; no person), so reading it is not audited; who may read it is
:func:`~saferleeds.governance.rules.may_read_assessment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from saferleeds.analytics.indicators import Period
from saferleeds.analytics.indicators.periods import financial_year_of
from saferleeds.analytics.jsa import NoData, build_assessment, parse_year
from saferleeds.analytics.jsa_html import render_html, write_pdf
from saferleeds.analytics.store import open_store
from saferleeds.governance.priorities import partnership_inputs
from saferleeds.governance.rules import may_read_assessment
from saferleeds.partners.policy import Actor, Forbidden

__all__ = [
    "NO_ASSESSMENT",
    "AssessmentError",
    "Document",
    "assessment_years",
    "build_document",
    "file_stem",
    "pdf_bytes",
]

NO_ASSESSMENT = (
    "The Joint Strategic Assessment is for analysts, the executive and community "
    "safety officers."
)


class AssessmentError(ValueError):
    """A year or comparison that cannot be built (said to the user as it is)."""


@dataclass(frozen=True)
class Document:
    """A built assessment.

    Attributes:
        period: The assessment year.
        comparison: The year compared with.
        html: The self-contained HTML document.
        findings: How many significant findings the summary reports.
    """

    period: Period
    comparison: Period
    html: str
    findings: int


def _require(actor: Actor) -> None:
    if not may_read_assessment(actor):
        raise Forbidden(NO_ASSESSMENT)


def file_stem(period: Period) -> str:
    """``jsa-2017-18``: the CLI's file name for the year."""
    return f"jsa-{period.start.year}-{period.end.year % 100:02d}"


def assessment_years(actor: Actor, store_path: Path) -> list[str]:
    """Financial years with any police.uk month held, latest first (``2018/19``).

    Raises:
        Forbidden: The actor may not read the assessment.
    """
    _require(actor)
    if not store_path.exists():
        return []
    with open_store(store_path, read_only=True) as store:
        row = store.execute(
            "SELECT min(month), max(month) FROM police_street"
        ).fetchone()
    if row is None or row[0] is None:
        return []
    first, last = (financial_year_of(m).start.year for m in row)
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(last, first - 1, -1)]


def build_document(
    actor: Actor, store_path: Path, year: str, compare: str | None = None
) -> Document:
    """Build the assessment for a financial year as the CLI does.

    Args:
        actor: Who asks.
        store_path: The analytics store.
        year: Financial year, ``2017/18``.
        compare: Year compared with (default and only: the year before).

    Raises:
        Forbidden: The actor may not read the assessment.
        AssessmentError: A bad year, an unsupported comparison, or no data.
    """
    _require(actor)
    try:
        period = parse_year(year)
        comparison = parse_year(compare) if compare else None
    except ValueError as exc:
        raise AssessmentError(f"Enter a financial year like 2017/18 ({exc})") from exc
    if not store_path.exists():
        raise AssessmentError("No data held: import police.uk data first.")
    with open_store(store_path, read_only=True) as store:
        try:
            a = build_assessment(
                store,
                period,
                comparison=comparison,
                inputs=partnership_inputs(period.start.year),
            )
        except NoData as exc:
            raise AssessmentError(str(exc)) from exc
        except ValueError as exc:
            raise AssessmentError(str(exc)) from exc
    assert a.comparison is not None
    return Document(a.period, a.comparison, render_html(a), len(a.summary))


def pdf_bytes(document: Document, work_dir: Path) -> bytes:
    """The document as PDF (WeasyPrint), written in ``work_dir`` and read back."""
    path = work_dir / f"{file_stem(document.period)}.pdf"
    write_pdf(document.html, path)
    return path.read_bytes()
