"""Commands of the `saferleeds` CLI. Each is thin: the work is in analytics, importers
and the apps' actions, which pages call too."""

from __future__ import annotations

import errno
import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
)
from rich.table import Table
from rich.text import Text

from saferleeds import config
from saferleeds.cli._django import ensure_django
from saferleeds.cli.accounts import register as register_accounts
from saferleeds.cli.asb import register as register_asb
from saferleeds.cli.governance import register as register_governance
from saferleeds.cli.hate import register as register_hate
from saferleeds.cli.indicators import register as register_indicators
from saferleeds.cli.iom import register as register_iom
from saferleeds.cli.jsa import register as register_jsa
from saferleeds.cli.link import register as register_link
from saferleeds.cli.marac import register as register_marac
from saferleeds.cli.offending import register as register_offending
from saferleeds.cli.ops import register as register_ops
from saferleeds.cli.places import register as register_places

app = typer.Typer(
    name="saferleeds",
    help="saferleeds: the Community Safety Partnership workspace.",
    no_args_is_help=True,
    add_completion=False,
)
import_app = typer.Typer(help="Import partner and open data.", no_args_is_help=True)
demo_app = typer.Typer(
    help="Demo data: load it, or generate synthetic partner data.", no_args_is_help=True
)
quarantine_app = typer.Typer(help="Rows held back by imports.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The audit log of personal-data processing.", no_args_is_help=True
)
app.add_typer(import_app, name="import")
app.add_typer(demo_app, name="demo")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(audit_app, name="audit")


def _print_version(value: bool) -> None:
    if value:
        from saferleeds import __version__

        sys.stdout.write(f"saferleeds {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """saferleeds: the Community Safety Partnership workspace."""


out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

SHIPPED_POLICE = Path(__file__).resolve().parent.parent / "data" / "police"
STORE_BUSY_EXIT = 4  # import police: the store stayed in use by another process
STORE_WAIT = 60.0  # seconds import police waits for the store by default

# Characters from files and paths that a terminal would act on rather than show: C0 and C1
# controls (ESC starts ANSI sequences), bidirectional and invisible format characters, and
# the lone surrogates that stand for path bytes that are not UTF-8.
_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    r"\ufeff\ud800-\udfff]"
)


def _escape_char(m: re.Match[str]) -> str:
    o = ord(m.group())
    if 0xDC80 <= o <= 0xDCFF:  # surrogateescape: the original byte of a path
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def literal(text: object) -> str:
    r"""Text from a file or path made safe to show: control characters as escapes.

    Print the result with ``Text`` (or ``markup=False, highlight=False``) so that Rich
    markup in it is shown, not interpreted.

    Examples:
        >>> literal("[bold]\x1b[31m.csv")
        '[bold]\\x1b[31m.csv'
    """
    return _UNSAFE.sub(_escape_char, str(text))


def _setup_django() -> None:
    ensure_django()


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
    )


def _run_police_import(
    paths: list[Path],
    forces: list[str] | None,
    *,
    quiet: bool = False,
    wait: float = STORE_WAIT,
) -> Any:
    from saferleeds.analytics.geography import geography_outdated, load_geography
    from saferleeds.analytics.store import StoreBusy, open_store
    from saferleeds.importers.police import import_police
    from saferleeds.importers.police.importer import clip
    from saferleeds.partnership import current

    store_path = config.analytics_path()

    def on_wait() -> None:
        err.print(
            Text(
                "Waiting for another process (another import writing it) to "
                f"release the analytics store {literal(store_path)}; giving "
                f"up after {wait:g} s (--wait SECONDS)."
            )
        )

    def on_file(res: Any) -> None:
        progress.advance(task)
        if quiet:
            return
        if res.unusable:
            err.print(
                Text.assemble(
                    ("error", "red"),
                    f": {literal(res.path)}: {literal(clip(res.unusable, 1000))}",
                )
            )
        else:
            err.print(
                Text.assemble(
                    ("!", "yellow") if res.quarantined else ("✓", "green"),
                    f" {literal(res.path)}: "
                    f"{res.rows_read:,} rows read, {res.added:,} added, "
                    f"{res.updated:,} updated, {res.quarantined:,} quarantined"
                    + (f" ({literal(res.note)})" if res.note else ""),
                )
            )

    try:
        with (
            open_store(store_path, wait=wait, on_wait=on_wait) as store,
            _progress() as progress,
        ):
            if geography_outdated(store, current()):
                load_geography(store, current())
            task = progress.add_task("Importing police.uk files", total=None)
            return import_police(store, paths, forces=forces, on_file=on_file)
    except StoreBusy as exc:
        message = (
            f"the analytics store {literal(store_path)} is still in use by another "
            f"process after waiting {wait:g} s; nothing was imported. Try again when "
            "it is free, or wait longer with --wait SECONDS."
        )
        err.print(Text.assemble(("error", "red"), f": {message}"))
        if quiet:
            sys.stdout.write(
                json.dumps(
                    {"files": [], "exit_code": STORE_BUSY_EXIT, "error": message},
                    indent=2,
                )
                + "\n"
            )
        raise typer.Exit(STORE_BUSY_EXIT) from exc


@import_app.command("police")
def import_police_cmd(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Street-level CSVs (or .csv.gz), monthly folders, or archive zips."
        ),
    ],
    force: Annotated[
        list[str] | None,
        typer.Option(
            "--force", help="Force slug to take from folders and zips (repeatable)."
        ),
    ] = None,
    all_forces: Annotated[
        bool, typer.Option(help="Take every force from folders and zips.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            metavar="SECONDS",
            help="How long to wait while another import writes the store (readers, "
            f"such as the web server, never make it wait); exit {STORE_BUSY_EXIT} if "
            "it is still busy.",
        ),
    ] = STORE_WAIT,
) -> None:
    """Import data.police.uk street-level crime files into the analytics store.

    Every row is validated; bad rows are quarantined with file:line: field: reason and
    good rows commit. Re-importing the same files adds nothing. Exit status: 0 every row
    imported, 3 some rows quarantined, 2 a file was unusable (nothing from it committed),
    4 the store stayed in use by another process for --wait seconds (nothing imported).
    Folders and zips are filtered to the partnership's forces unless --force or
    --all-forces is given. Paths and text from files are shown literally, with control
    characters as escapes such as \\x1b, in text and JSON output alike.
    """
    from saferleeds.partnership import current

    forces = None if all_forces else (force or list(current().police_forces) or None)
    report = _run_police_import(paths, forces, quiet=fmt == "json", wait=wait)
    if fmt == "json":
        # ASCII JSON of literal() text: nothing in it is a control character to a terminal.
        payload = {
            "files": [
                {
                    "path": literal(f.path),
                    "rows_read": f.rows_read,
                    "added": f.added,
                    "updated": f.updated,
                    "quarantined": f.quarantined,
                    "unusable": None if f.unusable is None else literal(f.unusable),
                    "problems": [literal(p) for p in f.problems],
                }
                for f in report.files
            ],
            "exit_code": report.exit_code,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        if not report.files:
            which = f" for force {', '.join(forces)}" if forces else ""
            err.print(
                Text.assemble(
                    ("error", "red"),
                    f": no street-level files{literal(which)} found in the paths given "
                    "(files are named YYYY-MM-<force>-street.csv; --all-forces takes "
                    "every force)",
                )
            )
            raise typer.Exit(2)
        from saferleeds.importers.police.importer import clip

        shown = 0
        for f in report.files:
            for p in f.problems:
                if shown < 20:
                    err.print(Text(f"  {literal(clip(p, 1000))}"))
                shown += 1
        if report.quarantined > shown:
            shown = report.quarantined
        if shown > 20:
            err.print("  ... and more: saferleeds quarantine list")
        err.print(
            f"{report.added:,} rows added, {report.quarantined:,} quarantined, "
            f"{sum(1 for f in report.files if f.unusable)} unusable file(s)."
        )
    raise typer.Exit(report.exit_code if report.files else 2)


@app.command()
def summary(
    area: Annotated[
        str | None,
        typer.Option(
            help="District, MSOA or LSOA code, or a priority neighbourhood name "
            "(default: the partnership's district); 'all' for every record imported, "
            "neighbouring districts included."
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or table")] = "table",
) -> None:
    """Summarise the police.uk records held: crimes, ASB, by month, by type, quarantined.

    Counts the partnership's district unless --area says otherwise, and says which.
    """
    from saferleeds.analytics.areas import UnknownArea, area_filter
    from saferleeds.analytics.store import open_store
    from saferleeds.analytics.summary import summarise
    from saferleeds.partnership import current

    if fmt not in ("json", "table"):
        err.print("[red]error[/]: --format must be json or table")
        raise typer.Exit(2)
    chosen = None if area == "all" else (area or current().district_code)
    with open_store(config.analytics_path(), read_only=True) as store:
        try:
            s = summarise(store, chosen)
            f = area_filter(store, chosen)
        except UnknownArea as exc:
            reason = (
                f"the partnership's district {chosen} is not in the store's "
                "geography: import police data first, or give --area all"
                if area is None
                else str(exc)
            )
            err.print(f"[red]error[/]: {reason}", highlight=False)
            raise typer.Exit(2) from exc
    where = (
        "every record imported (all areas)"
        if chosen is None
        else f"{f.name} ({f.code})"
        if f.code != f.name
        else f.name
    )
    if fmt == "json":
        s = {"area": {"code": chosen, "name": f.name if chosen else None}, **s}
        sys.stdout.write(json.dumps(s, indent=2) + "\n")
        return
    t = Table(title=f"police.uk records: {where}")
    t.add_column("")
    t.add_column("records", justify="right")
    t.add_row("recorded crimes", f"{s['crimes']:,}")
    t.add_row("ASB incidents", f"{s['asb']:,}")
    t.add_row("quarantined rows (all areas)", f"{s['quarantined']:,}")
    for m, n in s["by_month"].items():
        t.add_row(f"month {m}", f"{n:,}")
    for ty, n in s["by_type"].items():
        t.add_row(ty, f"{n:,}")
    out.print(t)
    if area is None:
        err.print(
            f"Counted: {where}, the partnership's area. Use --area all for every "
            "record imported.",
            highlight=False,
        )


@quarantine_app.command("list")
def quarantine_list(
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 100,
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """List quarantined rows as file:line: field: reason."""
    from saferleeds.analytics.store import open_store

    with open_store(config.analytics_path(), read_only=True) as store:
        rows = store.execute(
            "SELECT source_file, line, field, reason FROM police_quarantine "
            "ORDER BY source_file, line, field LIMIT ?",
            [limit],
        ).fetchall()
    if fmt == "json":
        sys.stdout.write(
            json.dumps(
                [
                    {"file": f, "line": n, "field": fl, "reason": r}
                    for f, n, fl, r in rows
                ],
                indent=2,
            )
            + "\n"
        )
        return
    for f, n, fl, r in rows:
        out.print(Text(literal(f"{f}:{n}: {fl}: {r}")))


@audit_app.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None,
        typer.Option(
            help="A head hash kept outside the database earlier: it must be in "
            "the chain (catches a chain rewritten whole by a superuser)."
        ),
    ] = None,
) -> None:
    """Check the audit hash chain; exit 1 naming the first broken entry if any.

    When every entry holds but the stored chain head does not match the last of them,
    says so (the stored head and the last entry), naming no entry.

    On success prints the head (last entry's number and hash): keep it outside the
    database (with the backups, say) and pass it back with --expect-head later.
    """
    _setup_django()
    from saferleeds.audit.models import AuditEntry, ChainHead
    from saferleeds.audit.verify import verify_chain

    with _progress() as progress:
        progress.add_task("Verifying the audit chain", total=None)
        count, broken = verify_chain()
    if broken is not None:
        err.print(f"[red]BROKEN[/]: {broken} ({count:,} entries read)")
        raise typer.Exit(1)
    if expect_head and not AuditEntry.objects.filter(hash=expect_head).exists():
        err.print(
            f"[red]BROKEN[/]: the kept head {expect_head} is not in the chain: "
            "entries were rewritten or removed"
        )
        raise typer.Exit(1)
    head = ChainHead.objects.filter(id=1).first()
    err.print(f"[green]OK[/]: {count:,} audit entries, chain intact")
    out.print(
        f"head #{head.seq if head else 0} {head.hash if head else '0' * 64}",
        highlight=False,
    )


@demo_app.command("load")
def demo_load(
    scale: Annotated[
        float,
        typer.Option(
            help="Times the demo's people, incidents and offences (10: ten times the "
            "people, for load tests). Only a first load uses it.",
            min=0.01,
        ),
    ] = 1.0,
) -> None:
    """Migrate the database and load the demo: agencies, personas, areas, police.uk data.

    Safe to repeat: nothing is duplicated and nothing a user changed is lost. Refused
    outside demo and test: the demo accounts' password is published.
    """
    if config.environment() not in ("demo", "test"):
        # Before Django starts: nothing is migrated or created (the seeder refuses too).
        err.print(
            f"[red]error[/]: refusing to load the demo with SAFERLEEDS_ENV="
            f"{config.environment()}: its accounts have a published password; create "
            "the first administrator with `saferleeds users create-admin USERNAME "
            "--agency CODE`",
            highlight=False,
        )
        raise typer.Exit(2)
    _setup_django()
    from django.core.management import call_command

    from saferleeds.demo.seed import seed_demo

    err.print(f"Data directory: {config.data_dir()}")
    with _progress() as progress:
        task = progress.add_task("Migrating the database", total=3)
        call_command("migrate", interactive=False, verbosity=0)
        progress.update(
            task, advance=1, description="Seeding agencies, users and areas"
        )

        def linkage_step(text: str) -> None:
            # The linkage runs within the seeding: say which of its steps is on.
            progress.update(task, description=f"Seeding; record linkage: {text}")

        seeded = seed_demo(on_step=linkage_step, scale=scale)
        progress.update(task, advance=1, description="Importing police.uk demo months")
    report = _run_police_import([SHIPPED_POLICE], None)
    from saferleeds.analytics.events import load_events
    from saferleeds.analytics.indicators.survey import SAMPLE_SURVEY, load_survey
    from saferleeds.analytics.partner_extract import load_partner_extract
    from saferleeds.analytics.store import open_store
    from saferleeds.demo.generator import generate
    from saferleeds.demo.partner_data import DEMO_SCALE, DEMO_SEED

    # The same synthetic partner data as the workspace, as the pseudonymised extract the
    # indicators read (hate, domestic abuse, drug- and alcohol-related), and a sample survey.
    synthetic = config.data_dir() / "synthetic"
    if not (synthetic / "manifest.json").exists():
        generate(synthetic, seed=DEMO_SEED, scale=DEMO_SCALE * scale)
    with open_store(config.analytics_path()) as store:
        load_partner_extract(store, synthetic)
        load_survey(store, SAMPLE_SURVEY)
        load_events(store, synthetic / "offences.csv")
        # What the store holds, not what this run added: a re-run prints the same.
        police_rows = store.scalar("SELECT count(*) FROM police_street")
    err.print(
        f"Loaded {seeded.agencies} agencies, {seeded.users} demo users, {seeded.areas} areas, "
        f"{seeded.people:,} people, {seeded.incidents:,} incidents, {seeded.cases} cases, "
        f"{seeded.agreements} sharing agreements; police.uk: {police_rows:,} rows held."
    )
    err.print(
        "Casework: "
        + ", ".join(f"{n:,} {what}" for what, n in seeded.casework.items())
        + "."
    )
    if seeded.linkage is not None:
        q = seeded.linkage
        # The model's own links only: the pairs it sent to review are not linked yet.
        err.print(
            f"Record linkage: {q.records:,} agency records resolved into "
            f"{q.people:,} people in {q.seconds:.1f} s; {q.to_review:,} pairs to "
            f"review. Against the planted truth ({q.true_pairs:,} pairs): precision "
            f"{q.precision:.4f}, recall {q.recall:.4f} (the model's links at match "
            f"probability >= {q.threshold:g})."
        )
    if report.exit_code == 2:
        raise typer.Exit(2)


@demo_app.command("generate")
def demo_generate(
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same files.")
    ] = 1,
    scale: Annotated[
        float, typer.Option(help="1.0 is about 2,000 people; scales linearly.")
    ] = 1.0,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write; default DATA_DIR/synthetic."),
    ] = None,
) -> None:
    """Write synthetic partner data (people, incidents, offences) with planted ground truth."""
    from saferleeds.demo.generator import generate

    target = out_dir or config.data_dir() / "synthetic"
    with _progress() as progress:
        progress.add_task(
            f"Generating synthetic partner data into {target}", total=None
        )
        report = generate(target, seed=seed, scale=scale)
    t = Table(title=f"Synthetic data in {report.out_dir}")
    t.add_column("file")
    t.add_column("rows", justify="right")
    for name, n in report.counts.items():
        t.add_row(name, f"{n:,}")
    out.print(t)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    threads: Annotated[int, typer.Option(help="Worker threads (per process).")] = 8,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            metavar="N",
            help="Production: run N worker processes under gunicorn (0: two per "
            "CPU plus one). Without it, the embedded one-process server (waitress).",
        ),
    ] = None,
    trusted_proxy: Annotated[
        str | None,
        typer.Option(
            help="Address of a reverse proxy in front (e.g. 127.0.0.1): its "
            "X-Forwarded-For/-Proto are believed, so lock-out and the audit log see "
            "real client addresses. Never set it without such a proxy."
        ),
    ] = None,
) -> None:
    """Serve the web app until interrupted: waitress, or gunicorn with --workers.

    In production, refuses to start (exit 2) while any active account has a password its
    owner did not set (`saferleeds users unsafe` lists them).
    """
    _setup_django()
    from saferleeds.cli.accounts import production_start_refusal

    refusal = production_start_refusal()
    if refusal:
        err.print(f"[red]error[/]: {refusal}", highlight=False)
        raise typer.Exit(2)
    from saferleeds.cli import serving
    from saferleeds.demo.personas import DEMO_PASSWORD, PERSONAS
    from saferleeds.wsgi import application

    if workers is not None:
        workers = workers or serving.default_workers()
    err.print(
        f"saferleeds is running at [bold]http://{host}:{port}/[/] (Ctrl-C to stop)"
        + (f", {workers} worker processes of {threads} threads" if workers else "")
    )
    if config.environment() == "demo":
        err.print(f"Demo sign-ins (password [bold]{DEMO_PASSWORD}[/]):")
        for p in PERSONAS:
            err.print(
                f"  {p.username:<20} {', '.join(r.label for r in p.roles)}, "
                f"{p.agency.upper()}"
            )
    proxy: dict[str, Any] = {}
    if trusted_proxy:
        proxy = {
            "trusted_proxy": trusted_proxy,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            "clear_untrusted_proxy_headers": True,
        }
    if workers:
        from django.db import connections

        # Each worker opens its own: a connection must not cross the fork.
        connections.close_all()
        app = application
        if trusted_proxy:
            app = serving.behind_proxy(application, trusted_proxy)
        serving.run_gunicorn(
            app, serving.gunicorn_options(host, port, workers, threads)
        )
        return
    try:
        # Graceful on SIGTERM: requests in flight finish, then exit 0.
        serving.run_waitress(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="saferleeds",
            **proxy,
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            err.print(
                f"[red]error[/]: port {port} on {host} is already in use; "
                "stop the other server or choose another port (make demo PORT=8001)"
            )
            raise typer.Exit(2) from exc
        raise


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def manage(ctx: typer.Context) -> None:
    """Run a Django management command, e.g. `saferleeds manage check --deploy`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferleeds.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["saferleeds manage", *ctx.args])


# --- users (owned by saferleeds.api: partner systems sign in with these tokens) ---------

users_app = typer.Typer(help="Users and their API tokens.", no_args_is_help=True)


@users_app.command("token")
def users_token(
    username: Annotated[str, typer.Argument(help="The user the token is for.")],
) -> None:
    """Print the user's API token, creating it if they have none.

    A partner system sends it as `Authorization: Token <key>`; it acts as that user,
    with that user's agency and roles.
    """
    _setup_django()
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    user = User.objects.filter(username=username).first()
    if user is None:
        err.print(f"[red]error[/]: no user {username!r} (saferleeds users list)")
        raise typer.Exit(1)
    token, created = Token.objects.get_or_create(user=user)
    if created:
        err.print(f"Created an API token for {username}.")
    # Plain stdout, no Rich markup, so `$(saferleeds users token x)` is just the key.
    sys.stdout.write(token.key + "\n")


@users_app.command("list")
def users_list(
    fmt: Annotated[str, typer.Option("--format", help="json or table")] = "table",
) -> None:
    """List users with their agency (code) and roles."""
    _setup_django()
    from django.contrib.auth.models import User

    from saferleeds.partners.models import Membership, RoleGrant

    agency_of = dict(
        Membership.objects.values_list("user_id", "agency__code")
    )  # users without a membership have no agency
    roles_of: dict[int, list[str]] = {}
    for user_id, role in RoleGrant.objects.order_by("role").values_list(
        "user_id", "role"
    ):
        roles_of.setdefault(user_id, []).append(role)
    rows: list[dict[str, Any]] = [
        {
            "username": username,
            "agency": agency_of.get(pk, ""),
            "roles": roles_of.get(pk, []),
        }
        for pk, username in User.objects.order_by("username").values_list(
            "pk", "username"
        )
    ]
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    if fmt != "table":
        err.print(f"[red]error[/]: unknown format {fmt!r}: use json or table")
        raise typer.Exit(2)
    t = Table(title="Users")
    t.add_column("username")
    t.add_column("agency")
    t.add_column("roles")
    for row in rows:
        t.add_row(row["username"], row["agency"], ", ".join(row["roles"]))
    out.print(t)


app.add_typer(users_app, name="users")

# Indicators: `saferleeds indicators`, `import partner-extract`, `import survey`,
# `harm-weights` (saferleeds.cli.indicators).
register_indicators(app)
# Place analysis: `hotspots`, `near-repeat`, `forecast`, `neighbourhood` (cli.places).
register_places(app)
register_marac(app)
register_asb(app)
register_hate(app)
register_accounts(app)
register_link(app)
# Offenders (issue #14): `reoffending`, `network` (saferleeds.cli.offending).
register_offending(app)
# IOM (issue #14): `iom candidates`, `iom cohort` (saferleeds.cli.iom).
register_iom(app)
# The plan (issue #15): `governance seed` (saferleeds.cli.governance).
register_governance(app)
# Joint Strategic Assessment (issue #15): `jsa build` (saferleeds.cli.jsa).
register_jsa(app)
# Operating it (issue #18): `backup`, `restore`, `check` (saferleeds.cli.ops).
register_ops(app)


@users_app.command("reset-2fa")
def users_reset_2fa(
    username: Annotated[str, typer.Argument(help="The user who lost their device.")],
) -> None:
    """Remove a user's authenticator devices; they set up a new one at next sign-in.

    For a lost or replaced phone, after checking who is asking. Logged in the audit log.
    """
    _setup_django()
    from django.contrib.auth.models import User
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from saferleeds.audit.log import record
    from saferleeds.audit.models import Operation

    user = User.objects.filter(username=username).first()
    if user is None:
        err.print(f"[red]error[/]: no user {username!r} (saferleeds users list)")
        raise typer.Exit(1)
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        record(
            None,
            operation=Operation.ERASURE,
            event="partners.user.reset_2fa",
            record_type="user",
            record_id=user.pk,
            detail={"devices": removed},
        )
    err.print(
        f"Removed {removed} authenticator device(s) for {username}; they set up "
        "a new one at their next sign-in."
    )
