"""`saferleeds users create-admin | invite | unsafe`: the first administrator of a fresh
install, one-time invitation links, and the accounts production refuses to start with.

Thin: the work is in ``saferleeds.partners.accounts``, which the Administration pages
call too. An administrator never sets a password: each command prints a one-time link by
which the user sets their own (and then an authenticator app).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from saferleeds import config
from saferleeds.cli._django import ensure_django

if TYPE_CHECKING:
    from saferleeds.partners.accounts import IssuedInvitation

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _setup_django() -> None:
    ensure_django()


def _default_base_url() -> str:
    hosts = [
        h.strip()
        for h in (config.get("SAFERLEEDS_ALLOWED_HOSTS") or "").split(",")
        if h.strip()
    ]
    host = hosts[0] if hosts else "127.0.0.1"
    if config.environment() == "production":
        return f"https://{host}"
    return f"http://{host}:8000"


BaseUrl = Annotated[
    str | None,
    typer.Option(
        help="The site's address as users reach it (default: https:// and the first "
        "of SAFERLEEDS_ALLOWED_HOSTS in production, http://HOST:8000 otherwise)."
    ),
]


def _print_link(issued: IssuedInvitation, base_url: str | None) -> None:
    from django.urls import reverse
    from django.utils import timezone

    path = reverse("invitation", kwargs={"token": issued.token})
    expires = timezone.localtime(issued.expires_at).strftime("%-d %B %Y at %H:%M")
    err.print(
        f"One-time link for {issued.user.username}: it sets their password, then "
        f"their authenticator app. It works once, until {expires}; it is not stored, "
        "so pass it on now, privately:"
    )
    # Plain stdout, no Rich markup, so `$(saferleeds users invite x)` is just the link.
    sys.stdout.write(f"{(base_url or _default_base_url()).rstrip('/')}{path}\n")


def create_admin(
    username: Annotated[str, typer.Argument(help="The new administrator's username.")],
    agency: Annotated[str, typer.Option(help="Code of their agency (e.g. lcc).")],
    name: Annotated[str, typer.Option(help="Full name, e.g. 'Sam Reid'.")] = "",
    email: Annotated[str, typer.Option(help="E-mail address (for the record).")] = "",
    job_title: Annotated[str, typer.Option(help="Job title.")] = "",
    agency_name: Annotated[
        str | None,
        typer.Option(help="Create the agency with this name if it does not exist."),
    ] = None,
    base_url: BaseUrl = None,
) -> None:
    """Create a system administrator and print their one-time link (fresh installs).

    The account has no usable password until its owner sets one through the link.
    """
    _setup_django()
    from saferleeds.partners.accounts import do_create_agency, do_invite_user
    from saferleeds.partners.models import Agency, Role

    target = Agency.objects.filter(code=agency).first()
    try:
        if target is None and agency_name:
            target = do_create_agency(
                agency, agency_name, Agency.Kind.RESPONSIBLE_AUTHORITY, actor=None
            )
        if target is None:
            err.print(
                f"[red]error[/]: no agency with code {agency!r}; add "
                "--agency-name NAME to create it"
            )
            raise typer.Exit(1)
        first, _, last = name.strip().partition(" ")
        issued = do_invite_user(
            username,
            agency=target,
            roles=[Role.SYSTEM_ADMIN],
            first_name=first,
            last_name=last,
            email=email,
            job_title=job_title,
            actor=None,
        )
    except ValueError as exc:
        err.print(f"[red]error[/]: {exc}")
        raise typer.Exit(1) from exc
    err.print(f"Created system administrator {username} ({target.name}).")
    _print_link(issued, base_url)


def invite(
    username: Annotated[str, typer.Argument(help="The user to send a new link to.")],
    base_url: BaseUrl = None,
) -> None:
    """Issue a new one-time link; the user's current password stops working.

    For a forgotten password, and for every account `saferleeds serve` refuses to start
    with in production (demo, seeded or administrator-set passwords).
    """
    _setup_django()
    from django.contrib.auth.models import User

    from saferleeds.partners.accounts import do_reissue_invitation
    from saferleeds.partners.policy import Forbidden

    user = User.objects.filter(username=username).first()
    if user is None:
        err.print(f"[red]error[/]: no user {username!r} (saferleeds users list)")
        raise typer.Exit(1)
    try:
        issued = do_reissue_invitation(user.pk, actor=None)
    except Forbidden as exc:
        err.print(f"[red]error[/]: {username}: {exc}")
        raise typer.Exit(1) from exc
    _print_link(issued, base_url)


def unsafe() -> None:
    """List active accounts whose password its owner did not set (exit 1 if any)."""
    _setup_django()
    from saferleeds.partners.accounts import unsafe_accounts

    users = unsafe_accounts()
    for user in users:
        out.print(user.username, markup=False, highlight=False)
    if users:
        err.print(
            f"{len(users)} account(s): send each a link with "
            "`saferleeds users invite USERNAME`."
        )
        raise typer.Exit(1)
    err.print("Every active account's password was set by its owner.")


def production_start_refusal() -> str | None:
    """The one-line reason production must not start, or ``None`` (Django set up)."""
    if config.environment() != "production":
        return None
    from saferleeds.partners.accounts import unsafe_accounts, unsafe_accounts_message

    count = len(unsafe_accounts())
    return unsafe_accounts_message(count) if count else None


def register(app: typer.Typer) -> None:
    """Add the account commands to `saferleeds users`."""
    from saferleeds.cli.hate import _users_group

    users = _users_group(app)
    users.command("create-admin")(create_admin)
    users.command("invite")(invite)
    users.command("unsafe")(unsafe)
