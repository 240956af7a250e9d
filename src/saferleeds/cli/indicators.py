"""CLI commands for the strategy's indicators, partner extracts, surveys and harm weights.

:func:`register` adds them to the ``saferleeds`` app:

- ``saferleeds indicators --from PERIOD [--to PERIOD] [--compare previous-period|
  previous-year] [--area CODE|NAME] [--by msoa|ward|lsoa] --format json|csv|table
  [--engine duckdb|spark [--spark-data DIR|URL]]``
- ``saferleeds import partner-extract DIR`` and ``saferleeds import survey FILE``
- ``saferleeds harm-weights show`` and ``saferleeds harm-weights derive``
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from saferleeds import config
from saferleeds.cli._engine import EngineOption, SparkDataOption, query_source

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

FORMATS = ("json", "csv", "table")


def _fail(message: str) -> NoReturn:
    # Text, not markup: messages may hold brackets (a Spark master such as local[*]).
    err.print(Text.assemble(("error", "red"), f": {message}"), highlight=False)
    raise typer.Exit(2)


def _fmt_number(v: Any, digits: int = 1) -> str:
    if v is None:
        return "-"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,.{digits}f}"


def _table(rows: list[dict[str, Any]], title: str) -> Table:
    t = Table(title=title)
    for col, justify in (
        ("indicator", "left"),
        ("area", "left"),
        ("value", "right"),
        ("per 1,000", "right"),
        ("was", "right"),
        ("change", "right"),
        ("p", "right"),
        ("verdict", "left"),
        ("harm", "right"),
    ):
        t.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        value = r["value"]
        percent = r["unit"] == "percent"
        shown = (
            f"{value:.1f}% ({r['ci_low']:.0f}-{r['ci_high']:.0f})"
            if percent and value is not None
            else _fmt_number(value)
        )
        change = (
            f"{r['change']:+.1f} pts"
            if percent and r["change"] is not None
            else "-"
            if r["change_pct"] is None
            else f"{r['change_pct']:+.1f}%"
        )
        t.add_row(
            r["id"],
            f"{r['area_name']}" + (f" #{r['rank']}" if r.get("rank") else ""),
            shown,
            _fmt_number(r["rate_per_1000"], 2),
            _fmt_number(r["comparison_value"]),
            change,
            "-" if r["p_value"] is None else f"{r['p_value']:.2g}",
            r["verdict"] or ("no data" if value is None else ""),
            _fmt_number(r["harm"]),
        )
    return t


def indicators_cmd(
    from_month: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="First month or a period as the indicators page takes it: 2018-07, "
            "2018-Q3, FY2017/18, 2018, R12-2018-07, 2017-07..2018-02 (default: the "
            "latest month held).",
        ),
    ] = None,
    to_month: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Last month, or a period whose last month ends the range (default: "
            "the end of --from).",
        ),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(help="previous-period or previous-year."),
    ] = None,
    area: Annotated[
        str | None,
        typer.Option(
            help="District, MSOA, ward or LSOA code, a ward's name (e.g. "
            '"Gipton and Harehills"), a priority neighbourhood name, or in a store '
            'with a national geography a police force area ("Merseyside Police").'
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(help="msoa, ward or lsoa: one ranked row per sub-area."),
    ] = None,
    indicator: Annotated[
        list[str] | None,
        typer.Option("--indicator", help="Indicator id (repeatable; default all)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json, csv or table")] = "table",
    engine: EngineOption = "duckdb",
    spark_data: SparkDataOption = None,
) -> None:
    """The strategy's key indicators for a period and area, with tested changes.

    Counts come with a rate per 1,000 residents and, for crimes, a harm-weighted total
    (when harm weights are available); comparisons give the change, an exact Poisson
    p-value and a verdict. With --engine spark the same queries run on Spark, with the
    same numbers. Exit status 2 for an unknown area, period or option.
    """
    from saferleeds.analytics.areas import UnknownArea
    from saferleeds.analytics.indicators import (
        COMPARISONS,
        LEVELS,
        compute_indicators,
        latest_month,
        period_between,
    )
    from saferleeds.analytics.indicators.periods import parse_period

    if fmt not in FORMATS:
        err.print(f"[red]error[/]: unknown format {fmt!r}: use json, csv or table")
        raise typer.Exit(2)
    if compare is not None and compare not in COMPARISONS:
        err.print(f"[red]error[/]: --compare must be {' or '.join(COMPARISONS)}")
        raise typer.Exit(2)
    if by is not None and by not in LEVELS:
        err.print(f"[red]error[/]: --by must be {' or '.join(LEVELS)}")
        raise typer.Exit(2)
    with query_source(engine, spark_data, _fail) as store:
        try:
            if from_month is None and to_month is None:
                last = latest_month(store)
                if last is None:
                    err.print(
                        "[red]error[/]: no police.uk months held; give --from YYYY-MM"
                    )
                    raise typer.Exit(2)
                start = end = last
                period = period_between(start, end)
            else:
                first = parse_period(from_month or str(to_month))
                last_p = parse_period(to_month) if to_month else first
                if to_month is None or from_month is None:
                    period = first if from_month else last_p
                else:
                    if last_p.end < first.start:
                        raise ValueError(
                            f"--to {to_month} is before --from {from_month}"
                        )
                    period = period_between(first.start, last_p.end)
            results = compute_indicators(
                store,
                period,
                area=area,
                compare=compare,
                by=by,
                indicators=indicator,
            )
        except (UnknownArea, ValueError, KeyError) as exc:
            err.print(f"[red]error[/]: {exc}", markup=True, highlight=False)
            raise typer.Exit(2) from exc
    rows = [r.to_dict() for r in results]
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif fmt == "csv":
        buf = io.StringIO()
        if rows:
            w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        sys.stdout.write(buf.getvalue())
    else:
        title = f"Key indicators, {period.label}" + (
            f", compared with the {compare.replace('-', ' ')}" if compare else ""
        )
        out.print(_table(rows, title))


def import_partner_extract_cmd(
    folder: Annotated[
        Path, typer.Argument(help="Folder of partner extract CSVs (offences.csv ...).")
    ],
    fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Load partner extracts as pseudonymised incidents (month, LSOA, flags; no names).

    Exit status: 0 every row loaded, 3 some rows rejected, 2 nothing usable.
    """
    from saferleeds.analytics.geography import geography_outdated, load_geography
    from saferleeds.analytics.partner_extract import load_partner_extract
    from saferleeds.analytics.store import open_store
    from saferleeds.partnership import current

    with open_store(config.analytics_path()) as store:
        if geography_outdated(store, current()):
            load_geography(store, current())
        report = load_partner_extract(store, folder)
    if fmt == "json":
        sys.stdout.write(
            json.dumps(
                {
                    "folder": report.folder,
                    "unusable": report.unusable,
                    "files": [
                        {
                            "path": f.path,
                            "source": f.source,
                            "rows_read": f.rows_read,
                            "loaded": f.loaded,
                            "rejected": f.rejected,
                            "period": [f"{m:%Y-%m}" for m in f.period]
                            if f.period
                            else None,
                            "problems": f.problems,
                        }
                        for f in report.files
                    ],
                    "exit_code": report.exit_code,
                },
                indent=2,
            )
            + "\n"
        )
    else:
        if report.unusable:
            err.print(f"[red]error[/]: {report.unusable}", highlight=False)
        for f in report.files:
            span = (
                f", months {f.period[0]:%Y-%m} to {f.period[1]:%Y-%m}"
                if f.period
                else ", covers no months"
            )
            err.print(
                f"{'[yellow]![/]' if f.rejected else '[green]✓[/]'} {f.path}: "
                f"{f.rows_read:,} rows read, {f.loaded:,} loaded, "
                f"{f.rejected:,} rejected{span}",
                highlight=False,
            )
            for p in f.problems[:20]:
                err.print(f"  {p}", markup=False, highlight=False)
    raise typer.Exit(report.exit_code)


def import_survey_cmd(
    path: Annotated[Path, typer.Argument(help="Survey CSV (see data/survey/README).")],
) -> None:
    """Load resident survey answers (feel safe, confidence) with optional weights.

    Exit status: 0 every row loaded, 3 some rows rejected, 2 nothing loaded.
    """
    from saferleeds.analytics.geography import geography_outdated, load_geography
    from saferleeds.analytics.indicators.survey import load_survey
    from saferleeds.analytics.store import open_store
    from saferleeds.partnership import current

    if not path.is_file():
        err.print(f"[red]error[/]: {path}: no such file")
        raise typer.Exit(2)
    with open_store(config.analytics_path()) as store:
        if geography_outdated(store, current()):
            load_geography(store, current())
        report = load_survey(store, path)
    for p in report.problems[:20]:
        err.print(f"  {p}", markup=False, highlight=False)
    err.print(
        f"{report.rows_read:,} answers read, {report.loaded:,} loaded, "
        f"{len(report.problems):,} rejected."
    )
    raise typer.Exit(report.exit_code)


def harm_show_cmd() -> None:
    """Show the harm weights in use, their status and source."""
    from saferleeds.analytics.indicators.harm import (
        SHIPPED_WEIGHTS,
        data_dir_weights_path,
        default_harm_weights,
    )

    local = data_dir_weights_path()
    w = default_harm_weights()
    err.print(
        f"file: {local if local.is_file() else SHIPPED_WEIGHTS}\nstatus: {w.status}\n"
        f"source: {w.source}\nnote: {w.note}",
        highlight=False,
        markup=False,
    )
    t = Table(title="Harm weight per police.uk category")
    t.add_column("category")
    t.add_column("weight", justify="right")
    from saferleeds.analytics.police_reference import ASB, CRIME_TYPES

    for c in CRIME_TYPES:
        if c != ASB:
            t.add_row(c, str(w.weights.get(c, "-")))
    out.print(t)


def harm_derive_cmd(
    code_weights: Annotated[
        Path,
        typer.Option(
            help="CSV of weights per Home Office offence code: offence_code,weight "
            "(e.g. the shipped ONS Crime Severity Score weights) or the Cambridge "
            "Crime Harm Index 2020 values sheet (offence_code,cchi_days: median "
            "days per code)."
        ),
    ],
    source: Annotated[
        str,
        typer.Option(help="Where the weights come from (recorded in the table)."),
    ] = "ONS Crime Severity Score weights per offence code",
    force: Annotated[
        str, typer.Option(help="Force whose offence mix weights the mean.")
    ] = "West Yorkshire",
    year: Annotated[
        str, typer.Option(help="Financial year of the offence mix.")
    ] = "2017/18",
    prc: Annotated[
        Path | None,
        typer.Option(help="Police recorded crime open data table (default shipped)."),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Default: DATA_DIR/harm/policeuk-category-weights.csv"
        ),
    ] = None,
) -> None:
    """Derive police.uk category weights: count-weighted means of offence-code weights.

    See saferleeds/data/harm/README.md for the exact method. Exit status 3 if some
    category has no weighted offence code (the table is then written as blocked).
    """
    from saferleeds.analytics.indicators.harm import (
        HARM_DIR,
        data_dir_weights_path,
        derive_category_weights,
        read_code_weights,
        write_category_weights,
    )

    weights = read_code_weights(code_weights)
    derived = derive_category_weights(
        weights,
        prc or HARM_DIR / "prc-west-yorkshire-201718.csv",
        force=force,
        financial_year=year,
    )
    target = out_path or data_dir_weights_path()
    write_category_weights(
        derived,
        target,
        source=f"{source}; mapped to police.uk categories by {force} {year} "
        "offence volumes",
        note="approximate: police.uk categories are coarser than the offence codes "
        "the weights are set for",
    )
    t = Table(title=f"Derived weights ({force} {year} offence mix) -> {target}")
    for col in ("category", "weight", "coverage", "unmatched codes"):
        t.add_column(col)
    for d in derived:
        t.add_row(
            d.category,
            "-" if d.weight is None else str(d.weight),
            f"{100 * d.coverage:.1f}%",
            ", ".join(d.unmatched_codes[:8])
            + (" ..." if len(d.unmatched_codes) > 8 else ""),
        )
    out.print(t)
    raise typer.Exit(0 if all(d.weight is not None for d in derived) else 3)


def _import_group(app: typer.Typer) -> typer.Typer:
    for info in app.registered_groups:
        if info.name == "import" and info.typer_instance is not None:
            return info.typer_instance
    group = typer.Typer(help="Import partner and open data.", no_args_is_help=True)
    app.add_typer(group, name="import")
    return group


def register(app: typer.Typer) -> None:
    """Add the indicator commands to the ``saferleeds`` app.

    Adds ``indicators`` and ``harm-weights`` to ``app``, and ``partner-extract`` and
    ``survey`` to its ``import`` group (created if the app has none).
    """
    app.command("indicators")(indicators_cmd)
    imports = _import_group(app)
    imports.command("partner-extract")(import_partner_extract_cmd)
    imports.command("survey")(import_survey_cmd)
    harm_app = typer.Typer(
        help="Harm weights for police.uk categories.", no_args_is_help=True
    )
    harm_app.command("show")(harm_show_cmd)
    harm_app.command("derive")(harm_derive_cmd)
    app.add_typer(harm_app, name="harm-weights")
