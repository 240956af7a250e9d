"""Operating the service: `backup`, `restore` and `check` (issue #18)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from saferleeds.cli._django import ensure_django

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

BACKUP_PARTIAL_EXIT = 3  # the backup was made, but some documents were missing


def backup_cmd(
    dest: Annotated[
        Path, typer.Argument(help="A new directory to write the backup to.")
    ],
    wait: Annotated[
        float,
        typer.Option(
            "--wait",
            min=0,
            metavar="SECONDS",
            help="How long to wait for an import to release the analytics store.",
        ),
    ] = 60.0,
) -> None:
    """Back up the database, the analytics store, the documents and the audit head.

    Runs while the service is up. Writes DEST/manifest.json with a SHA-256 per file,
    the rows and a digest per table, and the audit chain head; prints the manifest's
    own SHA-256 (keep it elsewhere, and pass it to `restore --expect-manifest`).
    Exit 1 if no backup was made, 3 if it was but documents were missing.
    """
    ensure_django()
    from django.db import Error as DatabaseError

    from saferleeds.ops.backup import BackupError, backup

    try:
        result = backup(dest, store_wait=wait)
    except (BackupError, DatabaseError, OSError) as exc:
        err.print(Text.assemble(("error", "red"), f": {exc}"))
        raise typer.Exit(1) from exc
    m = result.manifest
    rows = sum(t["rows"] for t in m["database"]["tables"].values())
    store_rows = sum((m["store"] or {}).get("tables", {}).values())
    head = m["audit_head"]
    err.print(
        Text(
            f"Backed up to {result.path}: {m['database']['engine']} database "
            f"({len(m['database']['tables'])} tables, {rows:,} rows), analytics store "
            f"({store_rows:,} rows), {m['documents']['count']} documents, audit head "
            f"#{head['seq']}."
        )
    )
    out.print(f"manifest sha256 {result.manifest_sha256}", highlight=False)
    out.print(f"audit head #{head['seq']} {head['hash']}", highlight=False)
    missing = m["documents"]["missing_or_changed"]
    if missing:
        err.print(
            Text.assemble(
                ("warning", "yellow"),
                f": {len(missing)} document(s) missing from the document folder or "
                f"changed since upload, not in the backup: {', '.join(missing[:5])}",
            )
        )
        raise typer.Exit(BACKUP_PARTIAL_EXIT)


def restore_cmd(
    src: Annotated[Path, typer.Argument(help="A backup directory made by `backup`.")],
    expect_manifest: Annotated[
        str | None,
        typer.Option(
            metavar="SHA256",
            help="The manifest SHA-256 `backup` printed: refuse any other manifest.",
        ),
    ] = None,
) -> None:
    """Restore a backup into an empty instance (new data directory, empty database).

    Every file is checked against the manifest first: an altered or incomplete backup
    is refused, and so is a target that already holds data. Afterwards the rows and
    digests per table and the audit chain are compared with the manifest.
    """
    ensure_django()
    from django.db import Error as DatabaseError

    from saferleeds.ops.backup import BackupError, restore

    try:
        m = restore(src, expect_manifest=expect_manifest)
    except (BackupError, DatabaseError, OSError) as exc:
        err.print(Text.assemble(("error", "red"), f": {exc}"))
        raise typer.Exit(1) from exc
    head = m["audit_head"]
    err.print(
        Text(
            f"Restored {src} (made {m['created_at']} by saferleeds "
            f"{m['saferleeds_version']}): {len(m['database']['tables'])} tables with "
            "the recorded rows and digests, analytics store, "
            f"{m['documents']['count']} documents; audit chain verified to head "
            f"#{head['seq']}. Next: `saferleeds check`, then "
            f"`saferleeds audit verify --expect-head {head['hash']}`."
        )
    )


def check_cmd() -> None:
    """Check configuration, secrets, database, migrations and the store before start-up.

    Prints one line per check and exits 1 if any failed.
    """
    from saferleeds.ops.checks import Check, configuration

    results = configuration()
    if all(c.ok for c in results):
        try:
            ensure_django()
        except Exception as exc:  # noqa: BLE001 - settings refused: reported, exit 1
            results.append(Check("settings", False, str(exc)))
        else:
            from saferleeds.ops.checks import service

            results += service()
    for c in results:
        err.print(
            Text.assemble(
                ("✓ ", "green") if c.ok else ("✗ ", "red"), f"{c.name}: {c.detail}"
            )
        )
    if not all(c.ok for c in results):
        raise typer.Exit(1)
    err.print("All checks passed.")


store_app = typer.Typer(help="The analytics store.", no_args_is_help=True)


@store_app.command("rebuild")
def store_rebuild_cmd(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="The police.uk street-level files (or folders, zips) to build from."
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
) -> None:
    """Set a damaged or unreadable analytics store aside and build a new one.

    The damaged file is kept beside the store as analytics.duckdb.damaged-<UTC time>
    (for investigation; delete it when done), then the files given are imported into a
    new store exactly as `saferleeds import police` does, with the same exit statuses.
    A store that reads fine is left alone (exit 2): add files to it with
    `saferleeds import police`.
    """
    from saferleeds import config
    from saferleeds.cli.main import STORE_WAIT, import_police_cmd
    from saferleeds.ops.faults import set_aside_store
    from saferleeds.ops.health import store as store_probe

    path = config.analytics_path()
    if path.exists():
        probe = store_probe(path)
        if probe.ok:
            err.print(
                Text.assemble(
                    ("error", "red"),
                    f": the analytics store {path} reads fine ({probe.detail}); "
                    "nothing was set aside. Add files to it with "
                    "`saferleeds import police`.",
                )
            )
            raise typer.Exit(2)
        aside = set_aside_store(path)
        err.print(Text(f"Set the unreadable store aside as {aside}."))
    import_police_cmd(
        paths, force=force, all_forces=all_forces, fmt="text", wait=STORE_WAIT
    )


@store_app.command("export-parquet")
def store_export_parquet_cmd(
    dest: Annotated[
        Path,
        typer.Argument(help="Directory to write <table>.parquet files into."),
    ],
) -> None:
    """Write the store's police.uk records and geography as Parquet, for Spark.

    The tables the indicators and hotspot counts read (police_street, area_lsoa,
    area_neighbourhood and, where loaded, partner_incident, partner_extract_load,
    survey_response). Copy the folder to storage the cluster reads (HDFS, S3) and
    give it to `--engine spark --spark-data URL` under spark-submit.
    """
    from saferleeds import config
    from saferleeds.analytics.spark import export_parquet
    from saferleeds.analytics.store import open_store

    path = config.analytics_path()
    if not path.exists():
        err.print(
            Text.assemble(
                ("error", "red"),
                f": no analytics store at {path}: run `saferleeds import police` first",
            )
        )
        raise typer.Exit(2)
    if dest.exists() and not dest.is_dir():
        err.print(Text.assemble(("error", "red"), f": {dest}: is a file, not a folder"))
        raise typer.Exit(2)
    with open_store(path, read_only=True) as store:
        written = export_parquet(store, dest)
    err.print(Text(f"Wrote {', '.join(written)} to {dest}."))


def register(app: typer.Typer) -> None:
    """Add `backup`, `restore`, `check`, `store rebuild` and `store export-parquet`."""
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
    app.command("check")(check_cmd)
    app.add_typer(store_app, name="store")
