"""Offender analytics commands (issue #14): proven re-offending and networks.

- ``saferleeds reoffending --cohort YYYYQn --offenders FILE --offences FILE
  [--group FILE] [--format json|table]``: the MoJ proven re-offending figures of a
  quarter's cohort (``cohort, offenders, reoffenders, reoffences, binary_rate, ci_low,
  ci_high, frequency, frequency_per_reoffender``); with ``--group`` (a CSV with a
  ``person_id`` column, say the IOM cohort) the group against the rest.
- ``saferleeds network metrics --edges FILE.csv [--format csv|json]``: per node
  ``node,degree,betweenness,eigenvector,core,community``.
- ``saferleeds network key-players --edges FILE.csv [--top N]``: who fragments the
  network most when removed.
- ``saferleeds network export --edges FILE.csv --to graphml|i2 --out PATH``: GraphML,
  or the entity and link CSV pair i2 Analyst's Notebook imports.

The workspace holds no offender data or network yet (the offender app comes later), so
the files are needed. Errors are one line ``error: FILE:LINE: COLUMN: reason`` on
stderr with exit status 2.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

network_app = typer.Typer(
    help="Co-offending and organised-crime networks: measures, key players, export.",
    no_args_is_help=True,
)

NO_OFFENDER_DATA = (
    "the workspace has no offender data yet (the offender records of issue #14 are "
    "still to come): pass --offenders FILE (person_id,index_date,index_type) and "
    "--offences FILE (person_id,offence_date,proven_date,disposal_type)"
)
NO_NETWORK = (
    "the workspace has no network yet (the offender records of issue #14 are still to "
    "come): pass --edges FILE.csv (columns source,target and optionally weight)"
)


def _fail(message: str) -> NoReturn:
    from saferleeds.cli.main import literal

    err.print(Text.assemble(("error", "red"), f": {literal(message)}"))
    raise typer.Exit(2)


def _warn(message: str) -> None:
    from saferleeds.cli.main import literal

    err.print(Text.assemble(("warning", "yellow"), f": {literal(message)}"))


def _group_ids(path: Path) -> set[str]:
    from saferleeds.analytics.csvfile import read_rows

    return {row.required("person_id") for row in read_rows(path, ("person_id",))}


def _figures_table(columns: dict[str, dict[str, Any]]) -> Table:
    t = Table(title="Proven re-offending")
    t.add_column("measure")
    for name in columns:
        t.add_column(name, justify="right")
    first = next(iter(columns.values()))
    for key in first:
        cells = []
        for figures in columns.values():
            v = figures[key]
            cells.append(
                "-" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)
            )
        t.add_row(key, *cells)
    return t


def reoffending_cmd(
    cohort: Annotated[
        str,
        typer.Option(help="The quarter of the cohort, YYYYQn (2018Q1: Jan-Mar 2018)."),
    ],
    offenders: Annotated[
        Path | None,
        typer.Option(
            help="CSV of index events: person_id,index_date,index_type "
            "(custody_release, court_non_custodial or caution).",
            show_default=False,
        ),
    ] = None,
    offences: Annotated[
        Path | None,
        typer.Option(
            help="CSV of offences: person_id,offence_date,proven_date,disposal_type "
            "(proven_date empty when not proven).",
            show_default=False,
        ),
    ] = None,
    group: Annotated[
        Path | None,
        typer.Option(
            help="CSV with a person_id column (say the IOM cohort): the group "
            "against the rest of the cohort.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json or table.")] = "json",
) -> None:
    """Proven re-offending of a quarter's cohort, the Ministry of Justice way.

    The index event is each person's first custody release, court non-custodial
    sentence or caution in the quarter; a re-offence is committed in the 12 months
    after it and proven within 18 months of it. Binary rate with a 95% Wilson
    interval, frequency per offender and per re-offender.
    """
    from saferleeds.analytics.csvfile import CsvInputError
    from saferleeds.analytics.reoffending import (
        Quarter,
        compare_groups,
        proven_reoffending,
        read_index_events,
        read_offences,
    )

    if fmt not in ("json", "table"):
        _fail(f"--format must be json or table, not {fmt!r}")
    try:
        quarter = Quarter.parse(cohort)
    except ValueError as exc:
        _fail(f"--cohort: {exc}")
    if offenders is None and offences is None:
        _fail(NO_OFFENDER_DATA)
    if offenders is None or offences is None:
        missing = "--offenders" if offenders is None else "--offences"
        _fail(f"{missing} FILE is needed too: {NO_OFFENDER_DATA.split(': ', 1)[1]}")
    try:
        index_events = read_index_events(offenders)
        offence_rows = read_offences(offences)
        members = _group_ids(group) if group is not None else None
    except CsvInputError as exc:
        _fail(str(exc))
    try:
        if members is None:
            result = proven_reoffending(index_events, offence_rows, quarter)
            figures = result.to_dict()
            checked = [result]
            payload: dict[str, Any] = figures
            columns = {"cohort": figures}
        else:
            comparison = compare_groups(index_events, offence_rows, quarter, members)
            checked = [comparison.group, comparison.rest]
            payload = {
                "group": comparison.group.to_dict(),
                "rest": comparison.rest.to_dict(),
                "difference": comparison.difference,
                "diff_low": comparison.diff_low,
                "diff_high": comparison.diff_high,
                "p_value": comparison.p_value,
            }
            columns = {"group": payload["group"], "rest": payload["rest"]}
    except ValueError as exc:
        dates = index_events.column("index_date")
        span = (
            f" (its index dates run from {min(dates.to_pylist())} to "
            f"{max(dates.to_pylist())})"
        )
        _fail(f"{offenders}: {exc}{span}")
    first = max(checked, key=lambda r: r.waiting_end)
    if not first.follow_up_complete:
        _warn(
            f"{offences}: the data end on {first.data_end}, before the waiting period "
            f"of the cohort's last index event ends ({first.waiting_end}): re-offences "
            "proven after that are missing, so the figures are too low"
        )
    if fmt == "json":
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    out.print(_figures_table(columns))
    if members is not None:
        out.print(
            f"difference {payload['difference']:+.4f} "
            f"(95% CI {payload['diff_low']:+.4f} to {payload['diff_high']:+.4f}), "
            f"Fisher exact p = {payload['p_value']:.4g}"
        )


def _network(edges: Path | None) -> Any:
    from saferleeds.analytics.csvfile import CsvInputError
    from saferleeds.analytics.networks import build_network, read_edges

    if edges is None:
        _fail(NO_NETWORK)
    try:
        return build_network(read_edges(edges))
    except CsvInputError as exc:
        _fail(str(exc))


EdgesOption = Annotated[
    Path | None,
    typer.Option(
        "--edges",
        help="CSV edge list: source,target and optionally weight (a tie's count).",
        show_default=False,
    ),
]
SeedOption = Annotated[
    int, typer.Option(help="Seed of the community detection (same seed, same result).")
]


def _write_rows(rows: list[dict[str, Any]], columns: tuple[str, ...], fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            repr(row[c]) if isinstance(row[c], float) else row[c] for c in columns
        )


@network_app.command("metrics")
def metrics_cmd(
    edges: EdgesOption = None,
    fmt: Annotated[
        str, typer.Option("--format", help="csv (with a header) or json (an array).")
    ] = "csv",
    seed: SeedOption = 1,
    betweenness_k: Annotated[
        int | None,
        typer.Option(
            "--betweenness-k",
            help="Estimate betweenness from K random pivots (large networks); "
            "exact without.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Per node: node,degree,betweenness,eigenvector,core,community.

    Betweenness is normalised as NetworkX's betweenness_centrality(G,
    normalized=True) on the unweighted graph; eigenvector centrality has unit length;
    communities are Leiden's (modularity, weighted), numbered by size from 0.
    """
    from saferleeds.analytics.networks import METRIC_COLUMNS, node_metrics

    if fmt not in ("csv", "json"):
        _fail(f"--format must be csv or json, not {fmt!r}")
    g = _network(edges)
    if betweenness_k is not None and not 2 <= betweenness_k:
        _fail(f"--betweenness-k must be at least 2, not {betweenness_k}")
    rows = [asdict(m) for m in node_metrics(g, seed=seed, betweenness_k=betweenness_k)]
    _write_rows(rows, METRIC_COLUMNS, fmt)


@network_app.command("key-players")
def key_players_cmd(
    edges: EdgesOption = None,
    top: Annotated[int, typer.Option(help="How many to pick.")] = 10,
    fmt: Annotated[
        str, typer.Option("--format", help="csv (with a header) or json (an array).")
    ] = "csv",
) -> None:
    """The people whose removal fragments the network most: rank,node,fragmentation,gain.

    Greedy: each is the person whose removal, with those above, leaves the most pairs
    of people unable to reach each other (Borgatti's fragmentation, 0 to 1).
    """
    from saferleeds.analytics.networks import key_players

    if fmt not in ("csv", "json"):
        _fail(f"--format must be csv or json, not {fmt!r}")
    if top < 1:
        _fail(f"--top must be at least 1, not {top}")
    g = _network(edges)
    rows = [asdict(k) for k in key_players(g, top=top)]
    _write_rows(rows, ("rank", "node", "fragmentation", "gain"), fmt)


@network_app.command("export")
def export_cmd(
    out_path: Annotated[
        Path,
        typer.Option(
            "--out",
            help="graphml: the file to write; i2: the folder to write entities.csv "
            "and links.csv in.",
            show_default=False,
        ),
    ],
    edges: EdgesOption = None,
    to: Annotated[str, typer.Option(help="graphml or i2.")] = "graphml",
    seed: SeedOption = 1,
) -> None:
    """Write the network with its measures as GraphML, or as the entity and link CSV
    pair that i2 Analyst's Notebook imports."""
    from saferleeds.analytics.networks import node_metrics, write_graphml, write_i2

    if to not in ("graphml", "i2"):
        _fail(f"--to must be graphml or i2, not {to!r}")
    g = _network(edges)
    metrics = node_metrics(g, seed=seed)
    try:
        if to == "graphml":
            write_graphml(g, out_path, metrics)
            written = [out_path]
        else:
            out_path.mkdir(parents=True, exist_ok=True)
            written = [out_path / "entities.csv", out_path / "links.csv"]
            write_i2(g, written[0], written[1], metrics)
    except OSError as exc:
        _fail(f"{exc.filename or out_path}: {exc.strerror or exc}")
    from saferleeds.cli.main import literal

    err.print(
        Text(
            f"{g.vcount():,} people and {g.ecount():,} ties written to "
            + " and ".join(literal(p) for p in written)
        )
    )


def register(app: typer.Typer) -> None:
    """Add `reoffending` and the `network` commands to the CLI."""
    app.command("reoffending")(reoffending_cmd)
    app.add_typer(network_app, name="network")
