"""`saferleeds link ...`: find each agency's records of the same person (issue #13).

- ``saferleeds link pairs FILE.csv [FILE2.csv] --id-column COL --map FIELD=COLUMN ...
  [--threshold P] [--engine duckdb|spark] [--format csv|json]``: with one file, the
  pairs of its records that are the same person (deduplication); with two, the pairs
  linking a record of the first to one of the second. One pair per line on stdout,
  ``id_l,id_r,match_probability`` (CSV with a header, or one JSON object per line).
  The model is trained on the files themselves (Splink, Fellegi-Sunter; no labels).
- ``saferleeds link run [--threshold P] [--review-low P] [--keep-model] [--batch NAME]
  [--as USERNAME]``: link the agency records held in the workspace into resolved
  people (or match one new batch against them); prints records, resolved people,
  pairs to review and time taken.
- ``saferleeds link load FILE.csv --agency CODE --id-column COL --map FIELD=COLUMN
  ... [--batch NAME] [--match] [--as USERNAME]``: keep a partner's extract as its
  agency records (the whole file or nothing; loading it again changes nothing), and
  optionally match them against the people held.
- ``saferleeds link extract [--out FILE.parquet|FILE.csv]``: the pseudonymised
  analytical extract keyed by resolved person, into the analytics store (and a file).
- ``saferleeds link figures [--from FILE] [--period month|quarter|year]``: people
  known to two or more agencies, repeat victims across agencies by period.
- ``saferleeds link review [--as USERNAME] [--decide ID confirm|reject --reason
  TEXT]``: the review queue, or a decision on one pair (as the review page).

Fields: forename, surname, dob, sex, postcode, address, town, identifier. Progress
shows on stderr; errors are one line ``error: FILE:LINE: COLUMN: reason`` on stderr
with exit status 2.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from saferleeds.cli._django import ensure_django

err = Console(stderr=True, soft_wrap=True)

link_app = typer.Typer(
    help="Record linkage: each agency's records of the same person.",
    no_args_is_help=True,
)


def _fail(message: str) -> NoReturn:
    from saferleeds.cli.main import literal

    err.print(Text.assemble(("error", "red"), f": {literal(message)}"))
    raise typer.Exit(2)


@contextmanager
def _status() -> Iterator[Any]:
    """A transient status line on stderr; yields a function that sets its text.

    Nothing is drawn when stderr is not a terminal (a pipe, a log file).
    """
    if not err.is_terminal:
        yield lambda _text: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("Reading the files", total=None)
        yield lambda text: progress.update(task, description=text)


def _mapping(pairs: list[str]) -> dict[str, str]:
    from saferleeds.analytics.linkage import FIELDS

    mapping: dict[str, str] = {}
    for item in pairs:
        field, sep, column = item.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not field or not column:
            _fail(f"--map takes FIELD=COLUMN, e.g. forename=given_name, not {item!r}")
        if field not in FIELDS:
            _fail(f"--map: unknown field {field!r}; the fields are {', '.join(FIELDS)}")
        if field in mapping:
            _fail(f"--map: field {field} is mapped twice")
        mapping[field] = column
    if not mapping:
        _fail("give at least one --map FIELD=COLUMN")
    return mapping


def _write(pairs: Any, fmt: str) -> None:
    ids_l = pairs.column("id_l").to_pylist()
    ids_r = pairs.column("id_r").to_pylist()
    probabilities = pairs.column("match_probability").to_pylist()
    rows = zip(ids_l, ids_r, probabilities, strict=True)
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["id_l", "id_r", "match_probability"])
        writer.writerows((a, b, repr(p)) for a, b, p in rows)
    else:
        for a, b, p in rows:
            sys.stdout.write(
                json.dumps({"id_l": a, "id_r": b, "match_probability": p}) + "\n"
            )


@link_app.command("pairs")
def pairs_cmd(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="One CSV file to deduplicate, or two to link (UTF-8, header line).",
            show_default=False,
        ),
    ],
    id_column: Annotated[
        str,
        typer.Option("--id-column", help="The column identifying each record."),
    ],
    maps: Annotated[
        list[str],
        typer.Option(
            "--map",
            metavar="FIELD=COLUMN",
            help="A field (forename, surname, dob, sex, postcode, address, town, "
            "identifier) and the column holding it; repeat for each field.",
        ),
    ],
    threshold: Annotated[
        float,
        typer.Option(help="The least match probability written, 0 to 1."),
    ] = 0.5,
    engine: Annotated[
        str, typer.Option(help="duckdb (in memory) or spark (local Spark).")
    ] = "duckdb",
    fmt: Annotated[
        str,
        typer.Option("--format", help="csv (with a header) or json (one per line)."),
    ] = "csv",
) -> None:
    """Write the pairs of records that are the same person: id_l,id_r,match_probability.

    With one file, pairs within it (id_l < id_r); with two, id_l from the first file
    and id_r from the second. Dates of birth may be YYYY-MM-DD, DD/MM/YYYY or
    YYYYMMDD. The model (Fellegi-Sunter, with Splink) is trained on the files
    themselves, so give it every record, not a sample.
    """
    from saferleeds.analytics.linkage import (
        ENGINES,
        LinkageError,
        predict_pairs,
        read_records,
    )

    if not 1 <= len(files) <= 2:
        _fail(f"give one file to deduplicate or two to link, not {len(files)}")
    if fmt not in ("csv", "json"):
        _fail(f"--format must be csv or json, not {fmt!r}")
    if engine not in ENGINES:
        _fail(f"--engine must be duckdb or spark, not {engine!r}")
    if not 0.0 <= threshold <= 1.0:
        _fail(f"--threshold must be between 0 and 1, not {threshold}")
    mapping = _mapping(maps)
    try:
        with _status() as status:
            tables = []
            for path in files:
                status(f"Reading {path}")
                tables.append(read_records(path))
            result = predict_pairs(
                tables[0],
                tables[1] if len(tables) > 1 else None,
                mapping=mapping,
                id_column=id_column,
                threshold=threshold,
                engine=engine,
                on_step=status,
            )
    except LinkageError as exc:
        _fail(str(exc))
    except IsADirectoryError as exc:
        _fail(f"{exc.filename}: is a folder, not a CSV file")
    except OSError as exc:
        _fail(f"{exc.filename}: {exc.strerror or exc}")
    except Exception as exc:
        if engine == "spark" and "java" in str(exc).lower():
            _fail(f"Spark could not start ({' '.join(str(exc).split())[:200]})")
        raise
    _write(result, fmt)
    err.print(f"{result.num_rows:,} pairs at match probability >= {threshold:g}.")


def _django() -> None:
    ensure_django()


def _actor(username: str, purpose: str) -> Any:
    from django.contrib.auth import get_user_model

    from saferleeds.partners.policy import actor_for

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        _fail(f"--as: no active user {username!r}")
    return actor_for(user, purpose=purpose)


# The steps a full run reports (``on_step``), for the progress bar's length.
RUN_STEPS = 8


@link_app.command("run")
def run_cmd(
    threshold: Annotated[
        float | None,
        typer.Option(help="Least match probability that links, 0 to 1 (default 0.95)."),
    ] = None,
    review_low: Annotated[
        float | None,
        typer.Option(
            "--review-low",
            help="Least match probability sent to review, 0 to 1 (default 0.5).",
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="duckdb (in memory) or spark (local Spark).")
    ] = "duckdb",
    keep_model: Annotated[
        bool,
        typer.Option(
            "--keep-model",
            help="Score with the model the last run saved instead of training anew.",
        ),
    ] = False,
    batch: Annotated[
        str | None,
        typer.Option(
            help="Match only this batch's unlinked records against the people held "
            "(with the saved model), instead of re-linking everything."
        ),
    ] = None,
    username: Annotated[
        str | None,
        typer.Option(
            "--as", help="A system administrator to run as (default: the system)."
        ),
    ] = None,
) -> None:
    """Link the agency records held in the workspace into resolved people.

    Prints the records, the resolved people, the pairs linked, the pairs to review and
    the time taken. Reviewers' decisions always override the model.
    """
    from saferleeds.analytics.linkage import ENGINES, LinkageError

    if engine not in ENGINES:
        _fail(f"--engine must be duckdb or spark, not {engine!r}")
    _django()
    from django.db import DatabaseError

    from saferleeds.linkage.actions import (
        DEFAULT_REVIEW_LOW,
        DEFAULT_THRESHOLD,
        do_match_new_records,
        do_run_linkage,
    )
    from saferleeds.partners.policy import Forbidden

    actor = _actor(username, "record linkage run") if username else None
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as progress:
            task = progress.add_task("Starting", total=RUN_STEPS)

            def step(text: str) -> None:
                progress.update(task, description=text, advance=1)

            if batch is not None:
                result = do_match_new_records(
                    batch,
                    actor=actor,
                    threshold=threshold,
                    review_low=review_low,
                    engine=engine,
                    on_step=step,
                )
            else:
                result = do_run_linkage(
                    actor=actor,
                    threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
                    review_low=DEFAULT_REVIEW_LOW if review_low is None else review_low,
                    engine=engine,
                    retrain=not keep_model,
                    on_step=step,
                )
            progress.update(task, completed=RUN_STEPS)
    except LinkageError as exc:
        _fail(str(exc))
    except Forbidden as exc:
        _fail(str(exc))
    except DatabaseError as exc:
        _fail(f"the database is not ready ({exc}); run `saferleeds demo load` first")
    out = Console(soft_wrap=True)
    out.print(f"Records: {result.records:,}")
    out.print(f"Resolved people: {result.people:,}")
    out.print(f"Pairs linked by the model: {result.auto_links:,}")
    out.print(f"Pairs to review: {result.to_review:,}")
    out.print(f"Records linked: {result.links:,}; unlinked: {result.unlinks:,}")
    out.print(f"Time taken: {result.seconds:.1f} s")


@link_app.command("load")
def load_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="A partner's extract: a CSV file (UTF-8, header line).",
            show_default=False,
        ),
    ],
    agency: Annotated[
        str, typer.Option(help="The code of the agency whose records they are.")
    ],
    id_column: Annotated[
        str,
        typer.Option("--id-column", help="The column with the agency's reference."),
    ],
    maps: Annotated[
        list[str],
        typer.Option(
            "--map",
            metavar="FIELD=COLUMN",
            help="A field (forename, surname, dob, sex, postcode, address, town, "
            "identifier) and the column holding it; repeat for each field.",
        ),
    ],
    batch: Annotated[
        str | None,
        typer.Option(help="A name for the extract (default: AGENCY-FILE_NAME)."),
    ] = None,
    match: Annotated[
        bool,
        typer.Option(
            "--match",
            help="Then match the new records against the resolved people held, "
            "with the model the last `link run` saved.",
        ),
    ] = False,
    username: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="A practitioner or case coordinator of the agency to load as "
            "(logged as theirs; default: the system).",
        ),
    ] = None,
) -> None:
    """Keep a partner's extract as its agency records: the whole file or nothing.

    The file is checked first (mapped columns present, a reference on every record
    and none repeated, dates of birth as YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD, UTF-8);
    a problem is one line naming the file, line and column, and nothing is kept.
    Loading the same file again changes nothing. With --match the new records are
    then matched against the people held (``link run --batch``).
    """
    from saferleeds.analytics.linkage import LinkageError, agency_rows, read_records

    mapping = _mapping(maps)
    name = batch if batch is not None else f"{agency.lower()}-{file.stem}"
    try:
        rows = agency_rows(
            read_records(file), mapping, id_column, default_name=str(file)
        )
    except LinkageError as exc:
        _fail(str(exc))
    except IsADirectoryError as exc:
        _fail(f"{exc.filename}: is a folder, not a CSV file")
    except OSError as exc:
        _fail(f"{exc.filename}: {exc.strerror or exc}")
    _django()
    from django.db import DatabaseError

    from saferleeds.linkage.actions import (
        LinkageRuleError,
        do_load_agency_extract,
        do_match_new_records,
    )
    from saferleeds.linkage.models import LinkRun
    from saferleeds.partners.policy import Forbidden

    actor = _actor(username, "record linkage load") if username else None
    try:
        if match and not LinkRun.objects.exclude(model_json="").exists():
            # Checked before loading: a --match that cannot run loads nothing either.
            _fail("--match: no model saved yet: run `saferleeds link run` first")
        loaded = do_load_agency_extract(
            rows, actor=actor, agency_code=agency, batch=name, source=str(file)
        )
    except LinkageRuleError as exc:
        _fail(f"{file}: {exc}")
    except Forbidden as exc:
        _fail(str(exc))
    except DatabaseError as exc:
        _fail(f"the database is not ready ({exc}); run `saferleeds demo load` first")
    out = Console(soft_wrap=True)
    out.print(
        f"{file}: {loaded.created:,} new records kept for {loaded.agency} "
        f"(batch {loaded.batch}); {loaded.unchanged:,} held already, unchanged."
    )
    if not match:
        return
    try:
        result = do_match_new_records(loaded.batch, actor=None)
    except LinkageError as exc:
        _fail(str(exc))
    out.print(f"Matched: {result.records:,} new records against the people held.")
    out.print(f"Resolved people: {result.people:,}")
    out.print(f"Pairs to review: {result.to_review:,}")
    out.print(f"Records linked: {result.links:,}; unlinked: {result.unlinks:,}")


@link_app.command("extract")
def extract_cmd(
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write the extract to this file (.parquet or .csv).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Make the pseudonymised analytical extract keyed by resolved person.

    One row per agency record of a resolved person and per incident naming them as
    its victim: the person's keyed pseudonym (SAFERLEEDS_PSEUDONYM_KEY), the kind, the
    agency and the month; no name, date of birth, postcode, reference or id. It
    replaces the analytics store's extract (so pseudonyms under a retired key do not
    stay), and is logged as a disclosure of each person. `link figures` counts from it.
    """
    from saferleeds import config
    from saferleeds.analytics.linkage import PseudonymKey, PseudonymKeyError
    from saferleeds.analytics.linkage.extract import store_extract, write_extract
    from saferleeds.analytics.store import open_store

    if out_file is not None and out_file.suffix.lower() not in (".parquet", ".csv"):
        _fail(f"--out: write a .parquet or a .csv file, not {out_file.name!r}")
    try:
        key_id, secret = config.pseudonym_key()
        key = PseudonymKey.from_hex(key_id, secret)
    except (config.ConfigError, PseudonymKeyError) as exc:
        _fail(f"SAFERLEEDS_PSEUDONYM_KEY: {exc}")
    _django()
    from saferleeds.linkage.access_pages import read_analytical_extract

    table = read_analytical_extract(None, key)
    if out_file is not None:
        try:
            write_extract(table, out_file)
        except OSError as exc:
            _fail(f"{out_file}: {exc.strerror or exc}")
    with open_store(config.analytics_path()) as store:
        rows = store_extract(store.con, table)
    people = len(set(table.column("person").to_pylist()))
    out = Console(soft_wrap=True)
    out.print(
        f"Extract: {rows:,} rows, {people:,} resolved people, pseudonyms under key "
        f"{key.key_id}; stored in the analytics store"
        + (f" and written to {out_file}." if out_file else ".")
    )


@link_app.command("figures")
def figures_cmd(
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="An extract file (.parquet or .csv); default the analytics store's.",
            show_default=False,
        ),
    ] = None,
    period: Annotated[
        str, typer.Option(help="month, quarter or year, for repeat victims.")
    ] = "quarter",
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """People known to two or more agencies, and repeat victims across agencies.

    Counted from the pseudonymised extract (`link extract`): a repeat victim across
    agencies is a person named as the victim of two or more incidents in the period,
    recorded by two or more different agencies.
    """
    import duckdb

    from saferleeds import config
    from saferleeds.analytics.linkage import LinkageError
    from saferleeds.analytics.linkage.extract import (
        EXTRACT_TABLE,
        PERIODS,
        people_known_to,
        read_extract,
        repeat_victims_across_agencies,
    )
    from saferleeds.analytics.store import open_store

    if period not in PERIODS:
        _fail(f"--period must be month, quarter or year, not {period!r}")
    if fmt not in ("text", "json"):
        _fail(f"--format must be text or json, not {fmt!r}")
    try:
        if from_file is not None:
            table = read_extract(from_file)
            con = duckdb.connect()
            known = people_known_to(con, table)
            repeats = repeat_victims_across_agencies(con, table, period=period)  # type: ignore[arg-type]
        elif not config.analytics_path().exists():
            _fail("no analytics store yet: run `saferleeds link extract` first")
        else:
            with open_store(config.analytics_path(), read_only=True) as store:
                if not store.scalar(
                    "SELECT count(*) FROM information_schema.tables "
                    f"WHERE table_name = '{EXTRACT_TABLE}'"
                ):
                    _fail(
                        "no extract in the analytics store: run `saferleeds link extract`"
                    )
                known = people_known_to(store.con)
                repeats = repeat_victims_across_agencies(store.con, period=period)  # type: ignore[arg-type]
    except LinkageError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"{getattr(exc, 'filename', '') or from_file}: {exc.strerror or exc}")
    if fmt == "json":
        sys.stdout.write(
            json.dumps(
                {
                    "people_known_to_two_or_more_agencies": known,
                    "period": period,
                    "repeat_victims_across_agencies": [
                        {"period_start": d.isoformat(), "people": n} for d, n in repeats
                    ],
                },
                indent=2,
            )
            + "\n"
        )
        return
    out = Console(soft_wrap=True)
    out.print(f"People known to two or more agencies: {known:,}")
    table_out = Table(title=f"Repeat victims across agencies, by {period}")
    table_out.add_column("Period starting")
    table_out.add_column("People", justify="right")
    for d, n in repeats:
        table_out.add_row(d.isoformat(), f"{n:,}")
    out.print(table_out)


@link_app.command("review")
def review_cmd(
    username: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="The practitioner or case coordinator reviewing: shows the records "
            "side by side (logged as theirs). Without it, only ids and agencies.",
        ),
    ] = None,
    decide: Annotated[
        tuple[int, str] | None,
        typer.Option(
            metavar="ID confirm|reject",
            help="Decide a pair: confirm (same person) or reject (not).",
        ),
    ] = None,
    reason: Annotated[
        str | None, typer.Option(help="Why (required with --decide).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most pairs listed.")] = 50,
) -> None:
    """List the pairs of agency records awaiting review, or decide one.

    The same decisions as the review page (/linkage/review/): a decision overrides
    the model on every later run and takes effect at once.
    """
    _django()
    from saferleeds.linkage.access_pages import read_review_queue
    from saferleeds.linkage.actions import LinkageRuleError, do_decide_pair
    from saferleeds.linkage.models import LinkPair
    from saferleeds.partners.policy import Forbidden, NotFound

    out = Console(soft_wrap=True)
    if decide is not None:
        pair_id, verdict = decide
        if verdict not in ("confirm", "reject"):
            _fail(f"--decide ID confirm|reject, not {verdict!r}")
        if not username:
            _fail("--decide needs --as USERNAME: the reviewer")
        if not reason:
            _fail("--decide needs --reason TEXT")
        actor = _actor(username, "record linkage review (command line)")
        try:
            result = do_decide_pair(pair_id, verdict, actor=actor, reason=reason)
        except Forbidden as exc:
            _fail(str(exc))
        except NotFound:
            _fail(f"no pair {pair_id} whose records {username} may see")
        except LinkageRuleError as exc:
            _fail(str(exc))
        out.print(
            f"Pair {pair_id}: {result.pair.get_status_display()}. Records linked: "
            f"{result.links}; unlinked: {result.unlinks}."
        )
        return
    table = Table(title="Pairs to review (least certain first)")
    table.add_column("Pair", justify="right")
    if username:
        actor = _actor(username, "record linkage review (command line)")
        try:
            queue = read_review_queue(actor, limit=limit)
        except Forbidden as exc:
            _fail(str(exc))
        for col in ("First record", "Second record"):
            table.add_column(col)
        table.add_column("Weight", justify="right")
        table.add_column("Probability", justify="right")
        for row in queue.rows:
            table.add_row(
                str(row.id),
                *(
                    Text(
                        f"{v.forename} {v.surname}, {v.date_of_birth or 'no DOB'}, "
                        f"{v.postcode or 'no postcode'} ({v.agency} {v.reference})"
                    )
                    for v in (row.left, row.right)
                ),
                f"{row.match_weight:.1f}",
                f"{row.match_probability:.3f}",
            )
        count = len(queue.rows)
    else:
        pairs = sorted(
            LinkPair.objects.filter(status=LinkPair.Status.PENDING).select_related(
                "record_l__agency", "record_r__agency"
            ),
            key=lambda p: (abs(p.match_probability - 0.5), p.pk),
        )[:limit]
        for col in ("First agency", "Second agency"):
            table.add_column(col)
        table.add_column("Probability", justify="right")
        for p in pairs:
            table.add_row(
                str(p.pk),
                p.record_l.agency.name,
                p.record_r.agency.name,
                f"{p.match_probability:.3f}",
            )
        count = len(pairs)
    out.print(table)
    out.print(f"{count} pair{'s' if count != 1 else ''} listed.")


def register(app: typer.Typer) -> None:
    """Add the link commands to the CLI."""
    app.add_typer(link_app, name="link")
