"""`saferleeds governance ...`: the partnership's plan from the command line.

- ``saferleeds governance seed [--file PLAN.toml]``: add the strategy's priorities,
  outcomes, deliverables with their lead agencies, and boards (the shipped Safer Leeds
  2018-21 plan by default). Idempotent: loading again adds nothing and changes nothing
  the partnership has changed since (a RAG status, a board, an agency's name).

Errors are ``error: ...`` on stderr with exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from saferleeds.cli._django import ensure_django

err = Console(stderr=True, soft_wrap=True)

governance_app = typer.Typer(help="The partnership's plan.", no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error[/]: {message}", highlight=False)
    raise typer.Exit(2)


@governance_app.command("seed")
def seed(
    file: Annotated[
        Path | None,
        typer.Option("--file", help="A plan file (default: the shipped strategy)"),
    ] = None,
) -> None:
    """Load the strategy's priorities, outcomes, deliverables with leads, and boards."""
    ensure_django()
    from saferleeds.governance.actions import do_load_plan
    from saferleeds.governance.plan_file import SHIPPED_PLAN, PlanFileError

    try:
        loaded = do_load_plan(file or SHIPPED_PLAN, actor=None)
    except PlanFileError as exc:
        _fail(str(exc))
    err.print(
        f"Plan: added {loaded.priorities} priorities, {loaded.outcomes} outcomes, "
        f"{loaded.deliverables} deliverables, {loaded.boards} boards and "
        f"{loaded.agencies} agencies"
        + ("" if loaded.added else " (already loaded)")
        + ".",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the governance commands to the CLI."""
    app.add_typer(governance_app, name="governance")
