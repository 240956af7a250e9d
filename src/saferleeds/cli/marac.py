"""`saferleeds marac ...`: the MARAC coordinator's figures from the command line.

- ``saferleeds marac figures --from YYYY-MM-DD --to YYYY-MM-DD [--format table|json]``:
  referrals in the period (both days included), repeats and the repeat rate,
  referrals per 10,000 women aged 16+ (annualised when the period is not a whole year;
  SafeLives expects about 40 a year), and referrals by referring agency. Counts only:
  nobody's details.

Errors are ``error: ...`` on stderr with exit status 2.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from saferleeds.cli._django import ensure_django

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

marac_app = typer.Typer(help="MARAC figures.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error[/]: {message}", highlight=False)
    raise typer.Exit(2)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} must be a date like 2025-04-01, not {value!r}")


@marac_app.command("figures")
def figures(
    start: Annotated[str, typer.Option("--from", help="First day counted, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="Last day counted, YYYY-MM-DD")],
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Referrals, repeat rate, rate per 10,000 women 16+ and referrals by agency."""
    if fmt not in ("table", "json"):
        _fail("--format must be table or json")
    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        _fail(f"--to ({last}) is before --from ({first})")
    ensure_django()
    from saferleeds.marac.queries import figures_for_period

    try:
        result = figures_for_period(first, last)
    except ValueError as exc:
        _fail(str(exc))
    if fmt == "json":
        # Plain stdout (no Rich wrapping) so the output pipes into jq unchanged.
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    table = Table(title=f"MARAC referrals, {first} to {last} ({result.days} days)")
    table.add_column("Measure")
    table.add_column("Value", justify="right")
    table.add_row("Referrals", str(result.referrals))
    table.add_row("Repeat referrals", str(result.repeats))
    table.add_row(
        "Repeat rate",
        f"{result.repeat_rate:.1%}" if result.repeat_rate is not None else "-",
    )
    table.add_row("Per 10,000 women 16+ (period)", f"{result.per_10k:.1f}")
    table.add_row(
        "Per 10,000 women 16+ a year" + (" (annualised)" if result.annualised else ""),
        f"{result.per_10k_annual:.1f}",
    )
    table.add_row("SafeLives expects a year", str(result.expected_per_10k))
    out.print(table)
    agencies = Table(title="By referring agency")
    agencies.add_column("Agency")
    agencies.add_column("Referrals", justify="right")
    for name, n in result.by_agency:
        agencies.add_row(name, str(n))
    out.print(agencies)
    out.print(
        f"Women aged 16+: {result.population:,} ({result.population_source or 'source not given'})",
        highlight=False,
    )
    if result.annualised:
        out.print(
            "The period is not a whole year: the yearly rate is scaled by "
            f"365.25 / {result.days} days.",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    """Add the marac commands to the CLI."""
    app.add_typer(marac_app, name="marac")
