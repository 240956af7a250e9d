"""Offender analytics commands (issue #14): proven re-offending and networks.

- ``saferleeds reoffending --cohort YYYYQn --offenders FILE --offences FILE
  [--group FILE] [--format json|table]``: the MoJ proven re-offending figures of a
  quarter's cohort (``cohort, offenders, reoffenders, reoffences, binary_rate, ci_low,
  ci_high, frequency, frequency_per_reoffender``); with ``--group`` (a CSV with a
  ``person_id`` column, say the IOM cohort) the group against the rest.
- ``saferleeds network metrics --edges FILE.csv [--format csv|json] [--period P
  [--compare Q]]``: per node ``node,degree,betweenness,eigenvector,core,community``,
  of the ties dated in period ``P`` (``2018Q1``, ``2018-01``, ``2018`` or
  ``2018-01-01..2018-03-31``; the edge list's optional ``date`` column, the
  workspace's offence dates; undated ties, OCG nominal lists', are in every period);
  with ``--compare Q`` (an earlier period) what changed instead: per node
  ``node,status,degree_before,degree_after,betweenness_before,betweenness_after,
  community_before,community_after,key_rank_before,key_rank_after`` (csv), or that
  and the people joined and left, ties added and removed, communities merged and
  split, and key players rising and falling (json).
- ``saferleeds network key-players --edges FILE.csv [--top N]``: who fragments the
  network most when removed.
- ``saferleeds network export --edges FILE.csv --to graphml|i2 --out PATH``: GraphML,
  or the entity and link CSV pair i2 Analyst's Notebook imports.

- ``saferleeds offending import offences FILE --agency CODE``, ``saferleeds
  offending import disposals FILE --agency CODE`` and ``saferleeds offending import
  ocg FILE --agency CODE`` (an OCG nominal list): an agency's extracts into the
  workspace (:mod:`saferleeds.importers.offending` has the columns). Good rows commit,
  bad ones are quarantined and listed ``FILE:LINE: FIELD: reason``; exit status 0 (all
  imported), 3 (some quarantined) or 2 (the file is unusable: nothing imported).
  Re-running is idempotent by the agency's reference.
- ``saferleeds offending import population FILE [--source TEXT]``: children aged
  10-17 by area and year (``area_code,area_name,year,population_10_17``), the
  denominator of the first-time entrants rate; used whole or not at all (exit status
  2 and every bad row listed, nothing imported); re-running updates by area and year.
- ``saferleeds offending fte [--by district|ward|msoa|lsoa] [--year YYYY]... [--area
  CODE] [--format csv|json]``: first-time entrants per 100,000 children aged 10-17,
  by calendar year and home area (``period,area_code,area_name,entrants,
  population_10_17,population_year,rate_per_100000,note``); without ``--year``, the
  twelve months to the latest entry. Where no population is imported the rate is
  empty and the note says what to import.

Without files, ``reoffending`` and ``network`` use the workspace's offences and
disposals: ``reoffending`` without ``--as`` gives the partnership's figures from every
agency's records (counts only); with ``--as USERNAME`` it reads, as that user, only the
records their agency holds or is shared (each read logged). ``network`` names people,
so without ``--edges`` it needs ``--as USERNAME``: people are named by pseudonym, as
the network page names them to everyone (:func:`saferleeds.iom.network.
read_network_ties`), each record read logged as consulted and what is written out
logged as a disclosure to that user, as the page's exports are. With ``--edges`` the
file's node names are kept. Errors
are one line ``error: FILE:LINE: COLUMN: reason`` on stderr with exit status 2.
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

from saferleeds.cli._django import ensure_django

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

network_app = typer.Typer(
    help="Co-offending and organised-crime networks: measures, key players, export.",
    no_args_is_help=True,
)

NO_OFFENDER_DATA = (
    "the workspace has no offender data yet (saferleeds offending import offences / "
    "disposals): pass --offenders FILE (person_id,index_date,index_type) and "
    "--offences FILE (person_id,offence_date,proven_date,disposal_type)"
)
NO_NETWORK = (
    "the workspace network names people: pass --as USERNAME to read it as that user "
    "(logged; people by pseudonym, as on the network page), or --edges FILE.csv "
    "(columns source,target "
    "and optionally weight)"
)
offending_app = typer.Typer(
    help="Offences and disposals partners supply: import them; first-time entrants.",
    no_args_is_help=True,
)
offending_import_app = typer.Typer(
    help="Import an agency's offences, disposals or OCG extract, or the 10-17 "
    "population.",
    no_args_is_help=True,
)
offending_app.add_typer(offending_import_app, name="import")

AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Read the workspace as this user: only what their agency holds or is "
        "shared, each record read logged.",
        show_default=False,
    ),
]


def _setup_django() -> None:
    ensure_django()


def _actor(username: str) -> Any:
    """The actor of a user named on the command line (purpose: the command)."""
    from django.contrib.auth.models import User

    from saferleeds.partners.policy import actor_for

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        _fail(f"--as: no active user {username!r} (saferleeds users list)")
    return actor_for(user, purpose="saferleeds command line")


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
    iom: Annotated[
        bool,
        typer.Option(
            "--iom",
            help="On the workspace: everyone ever in the IOM cohort against the rest "
            "(as the indicators page compares them).",
        ),
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="json or table.")] = "json",
    as_user: AsOption = None,
) -> None:
    """Proven re-offending of a quarter's cohort, the Ministry of Justice way.

    The index event is each person's first custody release, court non-custodial
    sentence or caution in the quarter; a re-offence is committed in the 12 months
    after it and proven within 18 months of it. Binary rate with a 95% Wilson
    interval, frequency per offender and per re-offender. Without --offenders and
    --offences, on the workspace's disposals and offences (see --as); there --iom
    compares the IOM cohort with the rest, as --group does with a file.
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
    if (offenders is None) != (offences is None):
        missing = "--offenders" if offenders is None else "--offences"
        _fail(f"{missing} FILE is needed too: {NO_OFFENDER_DATA.split(': ', 1)[1]}")
    if iom and group is not None:
        _fail("--iom and --group both name the group: give one")
    if iom and offenders is not None:
        _fail(
            "--iom compares the workspace's IOM cohort: leave out --offenders and --offences"
        )
    try:
        members = _group_ids(group) if group is not None else None
    except CsvInputError as exc:
        _fail(str(exc))
    if offenders is None or offences is None:
        index_events, offence_rows = _workspace_tables(as_user)
        source = "the workspace"
        if iom:
            from saferleeds.iom.queries import member_person_ids

            members = member_person_ids()
            if as_user is not None:
                from saferleeds.partners.policy import pseudonymised
                from saferleeds.people.present import pseudonym

                if pseudonymised(_actor(as_user)):  # the extract names them so
                    members = {pseudonym(int(p)) for p in members}
            if not members:
                _fail(
                    "--iom: nobody has been in the IOM cohort yet (saferleeds iom cohort)"
                )
    else:
        try:
            index_events = read_index_events(offenders)
            offence_rows = read_offences(offences)
        except CsvInputError as exc:
            _fail(str(exc))
        source = str(offences)
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
        _fail(f"{offenders or 'the workspace'}: {exc}{span}")
    first = max(checked, key=lambda r: r.waiting_end)
    if not first.follow_up_complete:
        _warn(
            f"{source}: the data end on {first.data_end}, before the waiting period "
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


def _workspace_tables(as_user: str | None) -> tuple[Any, Any]:
    """The workspace's disposals and offences as the re-offending tables: every
    agency's (the system's figures) or, with ``as_user``, what that user may see."""
    _setup_django()
    from django.db import DatabaseError

    try:
        if as_user is None:
            from saferleeds.offending.queries import workspace_tables

            tables = workspace_tables()
        else:
            from saferleeds.offending.access_pages import read_reoffending_extract

            extract = read_reoffending_extract(
                _actor(as_user), purpose="saferleeds reoffending"
            )
            tables = (extract.index_events, extract.offences)
    except DatabaseError as exc:
        _fail(
            f"the workspace has no offender data yet: its database is not ready "
            f"({exc}); run `saferleeds demo load` first, or pass the files: "
            f"{NO_OFFENDER_DATA.split(': ', 1)[1]}"
        )
    if not tables[0].num_rows:
        if as_user is not None:
            _fail(
                f"{as_user} may see no disposals: their agency holds none and none "
                "are shared with it under an agreement in force"
            )
        _fail(NO_OFFENDER_DATA)
    return tables


# The workspace network read for this command, to log what it writes out: set by
# _edges, logged by _disclose once the output is written (one command per process).
_read: dict[str, Any] = {}


def _edges(
    edges: Path | None, as_user: str | None = None, periods: tuple[Any, ...] = ()
) -> list[Any]:
    """The ties of an edge list (named as in the file), or of the workspace as
    ``as_user`` may see it, people by pseudonym as the network page names them (only
    the offences of ``periods`` read, when given)."""
    from saferleeds.analytics.csvfile import CsvInputError
    from saferleeds.analytics.networks import read_edges

    if edges is None:
        if as_user is None:
            _fail(NO_NETWORK)
        _setup_django()
        from saferleeds.iom.network import read_network_ties
        from saferleeds.partners.policy import NotFound

        actor = _actor(as_user)
        try:
            ties, network = read_network_ties(
                actor, purpose="saferleeds network", periods=periods
            )
        except NotFound:
            _fail(
                f"{as_user} may not see the co-offending network: their roles see no "
                "personal data"
            )
        if not ties:
            within = " in " + " or ".join(p.label for p in periods) if periods else ""
            _fail(
                f"no co-offending ties or OCG ties among the offences and nominal lists "
                f"{as_user} may see{within}"
            )
        _read.update(actor=actor, network=network)
        return list(ties)
    try:
        return read_edges(edges)
    except CsvInputError as exc:
        _fail(str(exc))


def _disclose(command: str, fmt: str, people: int, ties: int) -> None:
    """Log what a command wrote out of the workspace network as a disclosure to the
    user it ran as, as the network page logs its exports (nothing for --edges)."""
    if not _read:
        return
    from saferleeds.iom.network import log_network_export

    log_network_export(
        _read.pop("actor"),
        _read.pop("network"),
        people=people,
        ties=ties,
        fmt=fmt,
        via=f"saferleeds network {command}",
    )


def _network(edges: Path | None, as_user: str | None = None) -> Any:
    from saferleeds.analytics.networks import build_network

    return build_network(_edges(edges, as_user))


def _period(option: str, text: str | None) -> Any:
    from saferleeds.analytics.networks import parse_period

    if text is None:
        return None
    try:
        return parse_period(text)
    except ValueError as exc:
        _fail(f"{option}: {exc}")


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
    as_user: AsOption = None,
    betweenness_k: Annotated[
        int | None,
        typer.Option(
            "--betweenness-k",
            help="Estimate betweenness from K random pivots (large networks); "
            "exact without.",
            show_default=False,
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="Only the ties dated in this period: 2018Q1, 2018-01, 2018 or "
            "2018-01-01..2018-03-31 (undated ties, OCG lists', are in every period).",
            show_default=False,
        ),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            help="An earlier period to compare --period with: who joined and left, "
            "new ties, communities merged or split, key players rising or falling.",
            show_default=False,
        ),
    ] = None,
    top: Annotated[
        int, typer.Option(help="With --compare: how many key players each period has.")
    ] = 10,
) -> None:
    """Per node: node,degree,betweenness,eigenvector,core,community.

    Betweenness is normalised as NetworkX's betweenness_centrality(G,
    normalized=True) on the unweighted graph; eigenvector centrality has unit length;
    communities are Leiden's (modularity, weighted), numbered by size from 0. With
    --compare, what changed from the earlier period instead (see the module help).
    """
    from saferleeds.analytics.networks import (
        METRIC_COLUMNS,
        build_network,
        edges_in,
        node_metrics,
    )

    if fmt not in ("csv", "json"):
        _fail(f"--format must be csv or json, not {fmt!r}")
    if betweenness_k is not None and not 2 <= betweenness_k:
        _fail(f"--betweenness-k must be at least 2, not {betweenness_k}")
    shown, earlier = _period("--period", period), _period("--compare", compare)
    if earlier is not None:
        if shown is None:
            _fail("--compare needs --period: the later period to compare it with")
        if earlier.start >= shown.start:
            _fail(
                f"--compare: {earlier.label} must start before --period "
                f"{shown.label} ({shown.start})"
            )
        if top < 1:
            _fail(f"--top must be at least 1, not {top}")
    periods = tuple(p for p in (shown, earlier) if p is not None)
    ties = _edges(edges, as_user, periods)
    if edges is not None and periods and not any(t.on for t in ties):
        _fail(
            f"{edges}: no tie has a date (add a date column, YYYY-MM-DD), so it has "
            "no periods"
        )
    dated = sorted(t.on for t in ties if t.on is not None)
    for p in periods:
        # Undated ties (OCG lists') are in every period: a period with none of its
        # own would look like a network and say nothing about that period.
        if not any(day in p for day in dated):
            span = f" (the ties run from {dated[0]} to {dated[-1]})" if dated else ""
            _fail(f"no ties in {p.label}{span}")
    g = build_network(edges_in(ties, shown))
    if earlier is not None:
        before = build_network(edges_in(ties, earlier))
        _write_comparison(before, g, shown, earlier, seed=seed, top=top, fmt=fmt)
        people = len(set(before.vs["name"]) | set(g.vs["name"]))
        _disclose("metrics --compare", fmt, people, before.ecount() + g.ecount())
        return
    if not g.vcount():
        _fail("no ties")
    rows = [asdict(m) for m in node_metrics(g, seed=seed, betweenness_k=betweenness_k)]
    _write_rows(rows, METRIC_COLUMNS, fmt)
    _disclose("metrics", fmt, g.vcount(), g.ecount())


CHANGE_COLUMNS = (
    "node",
    "status",
    "degree_before",
    "degree_after",
    "betweenness_before",
    "betweenness_after",
    "community_before",
    "community_after",
    "key_rank_before",
    "key_rank_after",
)


def _change_cell(value: Any) -> Any:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else value


def _write_comparison(
    before: Any, after: Any, shown: Any, earlier: Any, *, seed: int, top: int, fmt: str
) -> None:
    """Write what changed from ``earlier`` to ``shown`` (see the module help)."""
    from saferleeds.analytics.networks import compare_periods, key_players

    result = compare_periods(before, after, seed=seed, top=top)
    b = {m.node: m for m in result.before}
    a = {m.node: m for m in result.after}
    rank_b = {p.node: p.rank for p in key_players(before, top=top)}
    rank_a = {p.node: p.rank for p in key_players(after, top=top)}
    rows = []
    for node in sorted(b.keys() | a.keys()):
        mb, ma = b.get(node), a.get(node)
        rows.append(
            {
                "node": node,
                "status": "stayed" if mb and ma else "joined" if ma else "left",
                "degree_before": mb.degree if mb else None,
                "degree_after": ma.degree if ma else None,
                "betweenness_before": mb.betweenness if mb else None,
                "betweenness_after": ma.betweenness if ma else None,
                "community_before": mb.community if mb else None,
                "community_after": ma.community if ma else None,
                "key_rank_before": rank_b.get(node),
                "key_rank_after": rank_a.get(node),
            }
        )
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CHANGE_COLUMNS)
        for row in rows:
            writer.writerow(_change_cell(row[c]) for c in CHANGE_COLUMNS)
        return
    change = result.change
    payload = {
        "period": shown.label,
        "compare": earlier.label,
        "people_before": before.vcount(),
        "people_after": after.vcount(),
        "joined": list(change.nodes_added),
        "left": list(change.nodes_removed),
        "ties_added": [list(t) for t in change.edges_added],
        "ties_removed": [list(t) for t in change.edges_removed],
        "communities_merged": [
            {"before": list(s.before), "after": s.after[0], "people": s.people}
            for s in result.merged
        ],
        "communities_split": [
            {"before": s.before[0], "after": list(s.after), "people": s.people}
            for s in result.split
        ],
        "community_nmi": change.community_nmi,
        "key_players_rising": [asdict(m) for m in result.rising],
        "key_players_falling": [asdict(m) for m in result.falling],
        "nodes": rows,
    }
    sys.stdout.write(json.dumps(payload) + "\n")


@network_app.command("key-players")
def key_players_cmd(
    edges: EdgesOption = None,
    top: Annotated[int, typer.Option(help="How many to pick.")] = 10,
    fmt: Annotated[
        str, typer.Option("--format", help="csv (with a header) or json (an array).")
    ] = "csv",
    as_user: AsOption = None,
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
    g = _network(edges, as_user)
    rows = [asdict(k) for k in key_players(g, top=top)]
    _write_rows(rows, ("rank", "node", "fragmentation", "gain"), fmt)
    _disclose("key-players", fmt, g.vcount(), g.ecount())


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
    as_user: AsOption = None,
) -> None:
    """Write the network with its measures as GraphML, or as the entity and link CSV
    pair that i2 Analyst's Notebook imports."""
    from saferleeds.analytics.networks import node_metrics, write_graphml, write_i2

    if to not in ("graphml", "i2"):
        _fail(f"--to must be graphml or i2, not {to!r}")
    g = _network(edges, as_user)
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
    _disclose("export", to, g.vcount(), g.ecount())
    from saferleeds.cli.main import literal

    err.print(
        Text(
            f"{g.vcount():,} people and {g.ecount():,} ties written to "
            + " and ".join(literal(p) for p in written)
        )
    )


def _import_population(path: Path, source: str | None) -> None:
    """Read a 10-17 population file and commit it whole, or nothing of it."""
    from saferleeds.analytics.csvfile import CsvInputError
    from saferleeds.cli.main import literal
    from saferleeds.importers.offending import read_population

    try:
        extract = read_population(path)
    except CsvInputError as exc:
        _fail(f"{exc} (nothing imported)")
    if extract.problems:
        for problem in extract.problems:
            err.print(Text(literal(str(problem))))
        _fail(
            f"{path}: {len(extract.problems):,} bad row"
            f"{'s' if len(extract.problems) > 1 else ''}: nothing imported (a "
            "population with holes would give wrong rates; correct the file and run "
            "again)"
        )
    _setup_django()
    from django.db import DatabaseError

    from saferleeds.offending.actions import do_import_population

    try:
        report = do_import_population(
            extract, actor=None, source=source or f"{path.name} (imported)"
        )
    except DatabaseError as exc:
        _fail(f"the database is not ready ({exc}); run `saferleeds demo load` first")
    years = sorted({r.year for r in extract.rows})
    err.print(
        Text(
            f"{literal(path)}: {report.created:,} new, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged (years {years[0]}"
            + (f"-{years[-1]}" if len(years) > 1 else "")
            + ")"
        )
    )


def _import(kind: str, path: Path, agency_code: str) -> None:
    """Read one extract and commit it as the agency's (see the module docstring)."""
    from saferleeds.analytics.csvfile import CsvInputError
    from saferleeds.cli.main import literal
    from saferleeds.importers.offending import (
        read_disposal_extract,
        read_ocg_nominal_list,
        read_offence_extract,
    )

    readers = {
        "offences": read_offence_extract,
        "disposals": read_disposal_extract,
        "ocg": read_ocg_nominal_list,
    }
    try:
        extract: Any = readers[kind](path)
    except CsvInputError as exc:
        _fail(f"{exc} (nothing imported)")
    _setup_django()
    from django.db import DatabaseError

    from saferleeds.offending.actions import (
        do_import_disposals,
        do_import_ocg_nominals,
        do_import_offences,
    )
    from saferleeds.partners.models import Agency

    try:
        agency = Agency.objects.filter(code=agency_code.lower()).first()
        if agency is None:
            known = ", ".join(Agency.objects.values_list("code", flat=True))
            _fail(f"--agency: no agency {agency_code!r} (known: {known or 'none'})")
        actions: dict[str, Any] = {
            "offences": do_import_offences,
            "disposals": do_import_disposals,
            "ocg": do_import_ocg_nominals,
        }
        action = actions[kind]
        report = action(extract, actor=None, agency=agency)
    except DatabaseError as exc:
        _fail(f"the database is not ready ({exc}); run `saferleeds demo load` first")
    for problem in report.problems:
        err.print(Text(literal(str(problem))))
    err.print(
        Text(
            f"{literal(path)}: {report.created:,} new, {report.updated:,} updated, "
            f"{report.unchanged:,} unchanged, {len(report.problems):,} quarantined "
            f"({agency.code})"
        )
    )
    raise typer.Exit(report.exit_code)


FileArgument = Annotated[
    Path, typer.Argument(help="The CSV extract.", show_default=False)
]
AgencyOption = Annotated[
    str,
    typer.Option(
        "--agency", help="Code of the supplying agency (it holds the records)."
    ),
]


@offending_import_app.command("offences")
def import_offences_cmd(path: FileArgument, agency: AgencyOption) -> None:
    """Import offences: reference,person_ref,offence_code,offence_date,proven_date,
    disposal_type,role,crime_reference.

    person_ref is the agency's own reference of a person already known to it; rows
    already held (same agency and reference) are updated, not repeated.
    """
    _import("offences", path, agency)


@offending_import_app.command("disposals")
def import_disposals_cmd(path: FileArgument, agency: AgencyOption) -> None:
    """Import disposals: reference,person_ref,disposal_date,disposal_type.

    disposal_type is custody_release, court_non_custodial, caution, youth_caution or
    youth_court_sentence.
    """
    _import("disposals", path, agency)


@offending_import_app.command("ocg")
def import_ocg_cmd(path: FileArgument, agency: AgencyOption) -> None:
    """Import an OCG nominal list: ocg_reference,ocg_name,person_ref,role,source_agency
    and optionally nominated_on (the day the nomination was made or last reviewed).

    role is principal, member or associate; source_agency the code of the agency
    whose intelligence nominated the person; person_ref the supplying agency's own
    reference of a person already known to it. A group and person already held are
    updated, not repeated. Everyone on one group's list is tied in the network.
    """
    _import("ocg", path, agency)


@offending_import_app.command("population")
def import_population_cmd(
    path: Annotated[Path, typer.Argument(help="The CSV file.", show_default=False)],
    source: Annotated[
        str | None,
        typer.Option(
            help='Where the figures come from, as the pages say it (say "ONS '
            "mid-year estimates 2022\"); default: the file's name.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import children aged 10-17 by area and year: area_code,area_name,year,
    population_10_17.

    area_code is an ONS code of an LSOA (E01), MSOA (E02), ward (E05) or the district;
    the count the sum of ages 10 to 17 of the ONS mid-year estimates or Census 2021
    TS007 (single year of age). Any bad row: nothing is imported (exit status 2).
    An area and year already held is updated, not repeated.
    """
    _import_population(path, source)


FTE_COLUMNS = (
    "period",
    "area_code",
    "area_name",
    "entrants",
    "population_10_17",
    "population_year",
    "rate_per_100000",
    "note",
)


@offending_app.command("fte")
def fte_cmd(
    by: Annotated[
        str, typer.Option(help="district, ward, msoa or lsoa: the home areas.")
    ] = "district",
    year: Annotated[
        list[int] | None,
        typer.Option(
            help="A calendar year to count (repeat for several); default: the twelve "
            "months to the latest entry.",
            show_default=False,
        ),
    ] = None,
    area: Annotated[
        str | None,
        typer.Option(
            help="Only this area (an ONS code of the --by level).", show_default=False
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
) -> None:
    """First-time entrants per 100,000 children aged 10-17, by period and home area.

    Children aged 10-17 at their first caution or court sentence (Youth Justice Board
    method), in the area they live in (the disposals' home_lsoa), counts from every
    agency's records. Without an imported population the rate is empty and the note
    says what to import.
    """
    if fmt not in ("csv", "json"):
        _fail(f"--format must be csv or json, not {fmt!r}")
    _setup_django()
    from django.db import DatabaseError

    from saferleeds.offending.queries import (
        FTE_LEVELS,
        calendar_year,
        first_time_entrants_by_area,
        fte_event_span,
        latest_fte_period,
    )

    if by not in FTE_LEVELS:
        _fail(f"--by must be one of {', '.join(FTE_LEVELS)}, not {by!r}")
    try:
        if year:
            periods = [calendar_year(y) for y in sorted(set(year))]
            held = fte_event_span()
            if held is None:
                _fail(
                    "the workspace has no cautions or court sentences yet (saferleeds "
                    "offending import disposals / offences)"
                )
            outside = [p.label for p in periods if p.end < held[0] or p.start > held[1]]
            if outside:
                _fail(
                    f"no cautions or court sentences in {', '.join(outside)}: those held "
                    f"run from {held[0]} to {held[1]}"
                )
        else:
            latest = latest_fte_period()
            if latest is None:
                _fail(
                    "the workspace has no cautions or court sentences yet (saferleeds "
                    "offending import disposals / offences)"
                )
            periods = [latest]
        try:
            figures = first_time_entrants_by_area(
                periods, by, area=area.upper() if area else None
            )
        except ValueError as exc:
            _fail(f"--area: {exc}")
    except DatabaseError as exc:
        _fail(f"the database is not ready ({exc}); run `saferleeds demo load` first")
    rows = [
        {
            "period": f.period.label,
            "area_code": f.area_code,
            "area_name": f.area_name,
            "entrants": f.entrants,
            "population_10_17": f.population,
            "population_year": f.population_year,
            "rate_per_100000": None if f.rate is None else round(f.rate, 1),
            "note": f.missing
            or (f"population: {f.population_source}" if f.population else ""),
        }
        for f in figures
    ]
    missing = sorted({(f.area_name, f.population_year) for f in figures if f.missing})
    if missing:
        first = missing[0]
        _warn(
            f"{len(missing):,} area-year{'s' if len(missing) > 1 else ''} without a "
            f"10-17 population, no rate (first: {first[0]}, {first[1]}): saferleeds "
            "offending import population FILE"
        )
    if fmt == "json":
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(FTE_COLUMNS)
    for row in rows:
        writer.writerow("" if row[c] is None else row[c] for c in FTE_COLUMNS)


def register(app: typer.Typer) -> None:
    """Add `reoffending`, the `network` and the `offending` commands to the CLI."""
    app.command("reoffending")(reoffending_cmd)
    app.add_typer(network_app, name="network")
    app.add_typer(offending_app, name="offending")
