"""`saferleeds link ...`: find each agency's records of the same person (issue #13).

- ``saferleeds link pairs FILE.csv [FILE2.csv] --id-column COL --map FIELD=COLUMN ...
  [--threshold P] [--engine duckdb|spark] [--format csv|json]``: with one file, the
  pairs of its records that are the same person (deduplication); with two, the pairs
  linking a record of the first to one of the second. One pair per line on stdout,
  ``id_l,id_r,match_probability`` (CSV with a header, or one JSON object per line).
  The model is trained on the files themselves (Splink, Fellegi-Sunter; no labels).

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
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

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


def register(app: typer.Typer) -> None:
    """Add the link commands to the CLI."""
    app.add_typer(link_app, name="link")
