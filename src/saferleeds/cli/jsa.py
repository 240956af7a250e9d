"""CLI for the Joint Strategic Assessment: ``saferleeds jsa build``.

:func:`register` adds the ``jsa`` group to the ``saferleeds`` app.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from saferleeds import config

if TYPE_CHECKING:
    from saferleeds.analytics.priority import PartnershipInputs

err = Console(stderr=True, soft_wrap=True)

FORMATS = ("html", "pdf")


def build_cmd(
    year: Annotated[
        str, typer.Option(help="Financial year to assess, e.g. 2017/18 (April-March).")
    ],
    out: Annotated[Path, typer.Option(help="Folder to write the document to.")],
    compare: Annotated[
        str | None,
        typer.Option(help="Year to compare with (default and only: the year before)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="html or pdf")] = "html",
    imd: Annotated[
        Path | None,
        typer.Option(help="English Indices of Deprivation LSOA CSV for the context."),
    ] = None,
) -> None:
    """Build the Joint Strategic Assessment for a financial year from the data held.

    Writes jsa-YYYY-YY.html (or .pdf) in --out: executive summary of significant
    changes, context, a chapter per shared priority, harm-weighted volume and a
    methods annex. The partnership's priority scores, horizon scan and
    recommendations entered for the year (on the assessment's pages) are used when
    present. Exit status 2 for a year with no data or a bad option.
    """
    from saferleeds.analytics.areas import UnknownArea
    from saferleeds.analytics.jsa import NoData, build_assessment, parse_year
    from saferleeds.analytics.jsa_html import render_html, write_pdf
    from saferleeds.analytics.store import open_store

    if fmt not in FORMATS:
        err.print(f"[red]error[/]: unknown format {fmt!r}: use html or pdf")
        raise typer.Exit(2)
    try:
        period = parse_year(year)
        comparison = parse_year(compare) if compare else None
    except ValueError as exc:
        err.print(f"[red]error[/]: {exc}", markup=True, highlight=False)
        raise typer.Exit(2) from exc
    started = time.perf_counter()
    inputs = _partnership_inputs(period.start.year)
    store_path = config.analytics_path()
    if not store_path.exists():
        err.print(
            f"[red]error[/]: no analytics store at {store_path}: import data first "
            "(saferleeds demo load or saferleeds import police)",
            highlight=False,
        )
        raise typer.Exit(2)
    with open_store(store_path, read_only=True) as store:
        try:
            assessment = build_assessment(
                store, period, comparison=comparison, imd_path=imd, inputs=inputs
            )
        except (NoData, UnknownArea, ValueError, OSError) as exc:
            err.print(f"[red]error[/]: {exc}", markup=False, highlight=False)
            raise typer.Exit(2) from exc
    html_text = render_html(assessment)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"jsa-{period.start.year}-{period.end.year % 100:02d}"
    if fmt == "html":
        path = out / f"{stem}.html"
        path.write_text(html_text, encoding="utf-8")
    else:
        path = out / f"{stem}.pdf"
        try:
            write_pdf(html_text, path)
        except (ImportError, OSError) as exc:
            err.print(
                f"[red]error[/]: PDF needs WeasyPrint and Debian's pango: {exc}",
                markup=False,
                highlight=False,
            )
            raise typer.Exit(2) from exc
    err.print(
        f"[green]✓[/] {path}: {period.label}, "
        f"{len(assessment.summary)} significant finding(s), "
        f"{time.perf_counter() - started:.1f} s",
        highlight=False,
    )


def _partnership_inputs(year: int) -> PartnershipInputs | None:
    """The scores, scan and recommendations entered for the year, from the database.

    A database not set up yet (only an analytics store held) has none: the document is
    built from the data alone, and the command says so.
    """
    from django.db import DatabaseError

    from saferleeds.cli._django import ensure_django

    ensure_django()
    from saferleeds.governance.priorities import partnership_inputs

    try:
        return partnership_inputs(year)
    except DatabaseError as exc:
        err.print(
            "note: the partnership's entered scores, horizon scan and "
            f"recommendations were not read ({exc}); built from the data alone",
            markup=False,
            highlight=False,
        )
        return None


def register(app: typer.Typer) -> None:
    """Add the ``jsa`` group (``build``) to the ``saferleeds`` app."""
    jsa = typer.Typer(
        help="The Joint Strategic Assessment, generated from the data.",
        no_args_is_help=True,
    )
    jsa.command("build")(build_cmd)
    app.add_typer(jsa, name="jsa")
