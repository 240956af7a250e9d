"""`saferleeds asb ...` commands.

- ``saferleeds asb stats --year 2025 [--format table|json|csv]``: the ASB Case Review
  figures a partnership publishes each year (s.104(10)) for the reporting year that
  starts in ``--year`` (April to March unless ``[casework.asb]
  statistics_year_start_month`` says otherwise). Counts only: no personal data.

Errors are ``error: ...`` on stderr with exit status 2.
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from saferleeds.cli._django import ensure_django

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

LABELS = (
    ("applications", "Applications received"),
    ("thresholds_met", "Threshold met"),
    ("thresholds_not_met", "Threshold not met"),
    ("awaiting_decision", "Awaiting a threshold decision"),
    ("reviews_held", "Reviews held"),
    ("reviews_with_recommendations", "Reviews that made recommendations"),
    ("recommendations", "Recommendations made"),
)


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error[/]: {message}", highlight=False)
    raise typer.Exit(2)


def stats_cmd(
    year: Annotated[
        int | None,
        typer.Option(
            help="The year the reporting year starts in (default: the current one)."
        ),
    ] = None,
    format: Annotated[  # noqa: A002 - the option users type
        str, typer.Option("--format", help="table, json or csv")
    ] = "table",
) -> None:
    """The year's ASB Case Review statistics (applications, thresholds, reviews,
    recommendations, applications by month)."""
    if format not in ("table", "json", "csv"):
        _fail("--format must be table, json or csv")
    if year is not None and not 2014 <= year <= 2100:
        _fail("--year must be between 2014 (the Act) and 2100")
    ensure_django()
    from django.db import DatabaseError
    from django.utils import timezone

    from saferleeds.asb.actions import (
        partnership_statistics,
        statistics_year_start_month,
    )

    today = timezone.localdate()
    if year is None:
        start = statistics_year_start_month()
        year = today.year if today.month >= start else today.year - 1
    try:
        stats = partnership_statistics(year, today=today)
    except DatabaseError as exc:
        _fail(f"the database is not ready ({exc}); run `saferleeds demo load` first")
    data = {"year": year, **stats.as_json()}
    if format == "json":
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    if format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["measure", "period", "count"])
        period = f"{data['first_day']}/{data['last_day']}"
        for key, label in LABELS:
            writer.writerow([label, period, data[key]])
        for month, n in data["applications_by_month"].items():
            writer.writerow(["Applications received", month, n])
        return
    table = Table(
        title=f"ASB Case Review statistics, {data['first_day']} to {data['last_day']}"
    )
    table.add_column("Measure")
    table.add_column("Number", justify="right")
    for key, label in LABELS:
        table.add_row(label, str(data[key]))
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add the asb commands to the CLI."""
    asb_app = typer.Typer(
        help="Anti-social behaviour casework: ASB Case Review statistics.",
        no_args_is_help=True,
    )
    asb_app.command("stats")(stats_cmd)
    app.add_typer(asb_app, name="asb")
