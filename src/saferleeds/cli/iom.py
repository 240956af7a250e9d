"""Integrated Offender Management commands (issue #14): candidates and the cohort.

- ``saferleeds iom candidates --as USERNAME [--format text|json] [--limit N]``: the
  people not in the cohort whose selection score reaches the threshold, highest first,
  each score with its three parts (recency, frequency, gravity), as the IOM page lists
  them.
- ``saferleeds iom cohort --as USERNAME [--format text|json]``: the active members of
  the cohort (Fixed, Flex, Free) with their scores and latest decisions, and the next
  cohort review due.

Both read the workspace as that user through the IOM page's reader
(:func:`saferleeds.iom.access_pages.read_iom_home`): only the offences and IOM records
their agency holds or is shared, every record shown logged as consulted. IOM records
name people, so ``--as`` is needed, and opened by practitioners and case coordinators
only. Errors are one line ``error: reason`` on stderr with exit status 2.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from saferleeds.cli._django import ensure_django

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

iom_app = typer.Typer(
    help="Integrated Offender Management: selection candidates and the cohort.",
    no_args_is_help=True,
)

NEEDS_AS = (
    "IOM records name people: pass --as USERNAME to read them as that user (a "
    "practitioner or case coordinator; each record shown is logged)"
)

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Read the workspace as this user: only what their agency holds or is "
        "shared, each record shown logged.",
        show_default=False,
    ),
]
FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]


def _fail(message: str) -> NoReturn:
    from saferleeds.cli.main import literal

    err.print(Text.assemble(("error", "red"), f": {literal(message)}"))
    raise typer.Exit(2)


def _read_home(
    username: str | None, *, candidates_shown: int, with_members: bool
) -> Any:
    """The IOM home page's reading as the user, in one transaction (its audit entries
    commit with it), or a one-line error."""
    if username is None:
        _fail(NEEDS_AS)
    ensure_django()
    from django.contrib.auth.models import User
    from django.db import DatabaseError, transaction

    from saferleeds.iom.access_pages import read_iom_home
    from saferleeds.partners.policy import Forbidden, actor_for

    try:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            _fail(f"--as: no active user {username!r} (saferleeds users list)")
        actor = actor_for(user, purpose="saferleeds iom")
        with transaction.atomic():
            return read_iom_home(
                actor, candidates_shown=candidates_shown, with_members=with_members
            )
    except Forbidden as exc:
        _fail(
            f"{username} may not open IOM records: they are for practitioners and "
            f"case coordinators ({exc})"
        )
    except DatabaseError as exc:
        _fail(
            f"the database is not ready ({exc}); run `saferleeds demo load` first, "
            "or `saferleeds manage migrate`"
        )


def _score(s: Any) -> dict[str, Any]:
    return {
        "score": round(s.score, 2),
        "recency": round(s.recency, 2),
        "frequency": round(s.frequency, 2),
        "gravity": round(s.gravity, 2),
        "offences_in_window": s.offences_in_window,
        "severity_in_window": round(s.severity_in_window, 2),
        "last_offence": s.last_offence.isoformat(),
    }


def _check_format(fmt: str) -> None:
    if fmt not in ("text", "json"):
        _fail(f"--format must be text or json, not {fmt!r}")


@iom_app.command("candidates")
def candidates_cmd(
    as_user: AsOption = None,
    fmt: FormatOption = "text",
    limit: Annotated[
        int, typer.Option(help="List at most this many, highest score first.")
    ] = 25,
) -> None:
    """People not in the cohort whose selection score reaches the threshold.

    Each score shows its three parts: recency (halving every half-life since the
    latest offence), frequency (offences in the window) and gravity (their ONS Crime
    Severity Score weights); the IOM page states the formula. Scored on the offences
    the user may see, on today or the last day of the offending data if earlier.
    """
    _check_format(fmt)
    if limit < 1:
        _fail(f"--limit must be at least 1, not {limit}")
    home = _read_home(as_user, candidates_shown=limit, with_members=False)
    p = home.parameters
    rows = [
        {"rank": n, "person_id": c.person_id, "name": c.name, **_score(c.score)}
        for n, c in enumerate(home.candidates, 1)
    ]
    if fmt == "json":
        payload = {
            "scored_on": home.today.isoformat(),
            "threshold": p.candidate_threshold,
            "total": home.candidates_total,
            "candidates": rows,
        }
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    t = Table(
        title=f"IOM candidates scored on {home.today:%d %B %Y} "
        f"(score {p.candidate_threshold:g} or more)"
    )
    t.add_column("rank", justify="right")
    t.add_column("person", justify="right")
    t.add_column("name", no_wrap=True, min_width=20)
    for column in ("score", "recency", "frequency", "gravity"):
        t.add_column(column, justify="right")
    t.add_column("last offence", no_wrap=True)
    for r in rows:
        t.add_row(
            str(r["rank"]),
            str(r["person_id"]),
            Text(r["name"]),
            f"{r['score']:.1f}",
            f"{r['recency']:.1f}",
            f"{r['frequency']:.1f}",
            f"{r['gravity']:.1f}",
            r["last_offence"],
        )
    out.print(t)
    err.print(
        f"{len(rows):,} of {home.candidates_total:,} candidates shown; recency "
        f"{p.recency_points:g} points halving every {p.half_life_days:g} days, "
        f"frequency {p.frequency_points:g} at {p.frequency_cap} offences in "
        f"{p.window_days} days, gravity {p.gravity_points:g} at severity "
        f"{p.gravity_cap:g}.",
        highlight=False,
    )


@iom_app.command("cohort")
def cohort_cmd(as_user: AsOption = None, fmt: FormatOption = "text") -> None:
    """The active members of the IOM cohort and the next cohort review due.

    Members are listed Fixed, then Flex, then Free, each with their selection score
    today (blank: no offence the user may see) and the date of their latest decision.
    """
    _check_format(fmt)
    home = _read_home(as_user, candidates_shown=0, with_members=True)
    rows = [
        {
            "member_id": r.member.pk,
            "person_id": r.member.person_id,
            "name": r.name,
            "cohort": r.member.cohort,
            "lead_agency": r.member.agency.code,
            "adopted_on": r.member.adopted_on.isoformat(),
            "last_decision": r.last_decision.isoformat() if r.last_decision else None,
            "score": _score(r.score) if r.score else None,
        }
        for r in home.members
    ]
    meeting = home.next_meeting
    due = (
        {"meeting_id": meeting.pk, "held_on": meeting.held_on.isoformat()}
        if meeting
        else None
    )
    if fmt == "json":
        payload = {
            "scored_on": home.today.isoformat(),
            "members": rows,
            "next_review": due,
        }
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    t = Table(title=f"IOM cohort: {len(rows):,} active members")
    t.add_column("member", justify="right")
    t.add_column("person", justify="right")
    t.add_column("name", no_wrap=True, min_width=20)
    t.add_column("cohort")
    t.add_column("lead agency")
    t.add_column("adopted")
    t.add_column("last decision")
    t.add_column("score", justify="right")
    for r in rows:
        t.add_row(
            str(r["member_id"]),
            str(r["person_id"]),
            Text(r["name"]),
            r["cohort"].capitalize(),
            r["lead_agency"],
            r["adopted_on"],
            r["last_decision"] or "-",
            f"{r['score']['score']:.1f}" if r["score"] else "-",
        )
    out.print(t)
    err.print(
        f"Next cohort review: {meeting.held_on:%d %B %Y}."
        if meeting
        else "No cohort review is scheduled.",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the `iom` commands to the CLI."""
    app.add_typer(iom_app, name="iom")
