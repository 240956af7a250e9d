"""`saferleeds users centre-add | centre-staff-add | centre-list`: third-party hate
incident reporting centres and their staff accounts.

Thin: the work is in ``saferleeds.incidents.actions``, which the demo seeder uses too.
"""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from saferleeds.cli._django import ensure_django

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _setup_django() -> None:
    ensure_django()


def _users_group(app: typer.Typer) -> typer.Typer:
    """The `users` command group (created in cli/main.py before this registers)."""
    for group in app.registered_groups:
        if group.name == "users" and group.typer_instance is not None:
            return group.typer_instance
    raise RuntimeError("the users command group must be added before register(app)")


def centre_add(
    name: Annotated[
        str, typer.Argument(help="The centre's name, e.g. 'City One Stop'.")
    ],
    agency: Annotated[
        str,
        typer.Option(help="Code of the partner agency its reports go to (e.g. lcc)."),
    ],
    address: Annotated[str, typer.Option(help="The centre's address.")] = "",
) -> None:
    """Create a reporting centre, or update its agency and address (safe to repeat)."""
    _setup_django()
    from saferleeds.hate.actions import do_ensure_reporting_centre
    from saferleeds.partners.models import Agency

    target = Agency.objects.filter(code=agency).first()
    if target is None:
        err.print(f"[red]error[/]: no agency with code {agency!r}")
        raise typer.Exit(1)
    centre = do_ensure_reporting_centre(
        name, agency=target, address=address, actor=None
    )
    err.print(
        f"Reporting centre {centre.name!r} (id {centre.pk}) reports to {target.name}."
    )


def centre_staff_add(
    username: Annotated[str, typer.Argument(help="The worker's username.")],
    centre: Annotated[str, typer.Option(help="The centre's name, as created.")],
    first_name: Annotated[str, typer.Option(help="First name.")] = "",
    last_name: Annotated[str, typer.Option(help="Last name.")] = "",
    job_title: Annotated[str, typer.Option(help="Job title.")] = "",
) -> None:
    """Create (or update) a centre worker's account with the reporting-centre role.

    A new account gets a random first password, printed once on standard output; the
    worker signs in with it and sets up two-factor sign-in. Production refuses to start
    while such a password is usable: there, use `saferleeds users invite USERNAME` (or
    the Administration pages) so the worker sets their own.
    """
    _setup_django()
    from django.contrib.auth.models import User

    from saferleeds.hate.actions import do_ensure_centre_staff
    from saferleeds.hate.models import ReportingCentre

    target = ReportingCentre.objects.filter(name=centre).first()
    if target is None:
        err.print(f"[red]error[/]: no reporting centre {centre!r} (users centre-list)")
        raise typer.Exit(1)
    existing = User.objects.filter(username=username).first()
    if existing is not None and not hasattr(existing, "reporting_centre_staff"):
        # Turning a partner worker into centre staff would silently drop their roles.
        err.print(
            f"[red]error[/]: {username!r} is already a user who is not centre staff"
        )
        raise typer.Exit(1)
    password = None if existing else secrets.token_urlsafe(12)
    do_ensure_centre_staff(
        username,
        centre=target,
        password=password,
        first_name=first_name,
        last_name=last_name,
        job_title=job_title,
        actor=None,
    )
    if password:
        from saferleeds.partners.models import Membership

        # A password its owner did not choose: production will not start while it is
        # usable (`saferleeds users invite USERNAME` lets the worker set their own).
        Membership.objects.filter(user__username=username).update(
            password_origin=Membership.PasswordOrigin.ADMINISTRATOR
        )
        err.print(f"Created {username} for {target.name}. First password:")
        sys.stdout.write(password + "\n")
    else:
        err.print(f"Updated {username}: staff of {target.name}.")


def centre_list() -> None:
    """List reporting centres with their agency and staff."""
    _setup_django()
    from saferleeds.hate.models import ReportingCentre

    t = Table(title="Reporting centres")
    t.add_column("centre")
    t.add_column("agency")
    t.add_column("active")
    t.add_column("staff")
    for c in ReportingCentre.objects.select_related("agency").prefetch_related(
        "staff__user"
    ):
        t.add_row(
            c.name,
            c.agency.code,
            "yes" if c.active else "no",
            ", ".join(sorted(s.user.username for s in c.staff.all())),
        )
    out.print(t)


def register(app: typer.Typer) -> None:
    """Add the reporting centre commands to `saferleeds users`."""
    users = _users_group(app)
    users.command("centre-add")(centre_add)
    users.command("centre-staff-add")(centre_staff_add)
    users.command("centre-list")(centre_list)
