"""CLI commands for place-based analysis: hotspots, near repeats, forecasts, profiles.

:func:`register` adds them to the ``saferleeds`` app:

- ``saferleeds hotspots kde`` and ``saferleeds hotspots gistar``: police.uk points of
  the district from the store (``--crime-type``, ``--from YYYY-MM --to YYYY-MM``,
  ``--cell``, ``--bandwidth``, ``--level grid|lsoa``, ``--permutations``,
  ``--format geojson|json|csv``).
- ``saferleeds hotspots counts``: police.uk records per grid cell (``--cell``,
  ``--engine duckdb|spark``, ``--format csv|json|geojson``).
- ``saferleeds near-repeat``: the Knox test on dated partner events (``point_event``)
  or on an analyst's file (``--input FILE.csv``: x, y, date or longitude, latitude,
  date), ``--space 100x3 --time 7x3``, ``--compat exact|nrc``, ``--min-ratio 1.2
  --alpha 0.05``, ``--format json|csv|table``.
- ``saferleeds forecast``: prospective mapping on a grid or an EWMA of monthly counts
  per LSOA or cell, from the dated events; ``--evaluate`` for hit rate and PAI against
  last period's hotspots.
- ``saferleeds neighbourhood profile NAME``: a priority neighbourhood beside the
  district.

Long computations show a spinner on stderr; results go to stdout. Errors are
``error: ...`` on stderr with exit status 2.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Annotated, Any, Literal, NoReturn

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from saferleeds import config
from saferleeds.cli._engine import EngineOption, SparkDataOption, query_source

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

_LSOA = re.compile(r"^[EW]01\d{6}$")
_BANDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[xX]\s*(\d+)\s*$")


# --- shared helpers ---------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    # Escaped: messages may hold brackets ("saferleeds[spark]", a master "local[*]").
    err.print(f"[red]error[/]: {escape(message)}", highlight=False)
    raise typer.Exit(2)


def _check(value: str, allowed: Sequence[str], option: str) -> None:
    if value not in allowed:
        _fail(f"{option} must be {', '.join(allowed[:-1])} or {allowed[-1]}")


@contextmanager
def _spinner(description: str) -> Iterator[None]:
    """A transient spinner on stderr while a long computation runs."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        progress.add_task(description, total=None)
        yield


def _clean(v: Any) -> Any:
    """JSON-safe: NaN and infinities become ``None``, numpy scalars plain numbers."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def _write_json(data: Any) -> None:
    sys.stdout.write(json.dumps(_clean(data), indent=1, allow_nan=False) + "\n")


def _write_csv(rows: Sequence[dict[str, Any]]) -> None:
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(_clean(list(rows)))
    sys.stdout.write(buf.getvalue())


def _month_range(
    store: Any, from_month: str | None, to_month: str | None
) -> tuple[date, date]:
    """Months ``--from``/``--to`` (``YYYY-MM``), default the latest police.uk month."""
    from saferleeds.analytics.indicators import latest_month
    from saferleeds.analytics.indicators.periods import parse_month

    try:
        if from_month is None and to_month is None:
            last = latest_month(store)
            if last is None:
                _fail("no police.uk months held; give --from YYYY-MM")
            return last, last
        start = parse_month(from_month or str(to_month))
        end = parse_month(to_month or str(from_month))
    except ValueError as exc:
        _fail(str(exc))
    if end < start:
        _fail("--to is before --from")
    return start, end


def _day_option(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{option} must be a date YYYY-MM-DD, not {text!r}")


def _bands(text: str, option: str) -> tuple[float, int]:
    m = _BANDS.match(text)
    if not m or float(m.group(1)) <= 0 or int(m.group(2)) < 1:
        _fail(f"{option} must be WIDTHxCOUNT, e.g. 100x3, not {text!r}")
    return float(m.group(1)), int(m.group(2))


def _with_count_and_p(row: dict[str, Any], *, harm: bool = False) -> dict[str, Any]:
    """A Gi* row with ``count`` (or ``harm``) and the classifying ``p`` up front."""
    p = row["p_sim"] if row["p_sim"] is not None else min(1.0, 2 * row["p_norm"])
    value: dict[str, Any] = (
        {"harm": round(float(row["value"]), 4)}
        if harm
        else {"count": int(row["value"])}
    )
    first = {"id": row["id"], **value, "z": row["z"], "p": p}
    return {**first, **{k: v for k, v in row.items() if k not in first}}


def _resolve_crime_types(store: Any, given: list[str] | None) -> list[str] | None:
    """``--crime-type`` values as police.uk spells them (any case), or an error.

    Unknown categories (including police.uk's outcome "Not a crime") fail with the
    list of valid names.
    """
    from saferleeds.analytics.indicators.engine import as_engine
    from saferleeds.analytics.police_reference import CRIME_TYPES

    if not given:
        return None
    held = [
        str(r[0])
        for r in as_engine(store).fetch(
            "SELECT DISTINCT crime_type FROM police_street WHERE crime_type IS NOT NULL"
        )
    ]
    known = {c.lower(): c for c in (*CRIME_TYPES, *held)}
    unknown = [g for g in given if g.strip().lower() not in known]
    if unknown:
        _fail(
            f"unknown --crime-type {', '.join(repr(u) for u in unknown)}; the "
            f"police.uk categories are: {', '.join(sorted(set(known.values())))} "
            "(any case)"
        )
    return list(dict.fromkeys(known[g.strip().lower()] for g in given))


def _no_records(
    store: Any, crime_types: list[str] | None, start: date, end: date
) -> NoReturn:
    """Fail for a selection with no records, listing the months that have some."""
    from saferleeds.analytics.indicators.engine import as_engine

    months = [
        f"{r[0]:%Y-%m}"
        for r in as_engine(store).fetch(
            "SELECT DISTINCT month FROM police_street WHERE lsoa_code IN "
            "(SELECT lsoa_code FROM area_lsoa) ORDER BY 1"
        )
    ]
    what = " or ".join(crime_types) if crime_types else "police.uk"
    span = f"{start:%Y-%m}" + (f" to {end:%Y-%m}" if end != start else "")
    _fail(
        f"no located {what} records in the district for {span}; months held: "
        + (", ".join(months) if months else "none (saferleeds import police)")
    )


def _emit_geojson(data: Any, out_file: str | None, summary: str) -> None:
    """GeoJSON to ``--out``, to a pipe, or (at a terminal) only a summary.

    A district's grid is tens of megabytes of GeoJSON: written to a terminal it is
    unreadable, so there the summary is printed instead, with how to get the file.
    """
    if out_file is not None:
        try:
            with open(out_file, "w", encoding="utf-8") as f:
                f.write(json.dumps(_clean(data), allow_nan=False) + "\n")
        except OSError as exc:
            _fail(f"{out_file}: {exc.strerror or exc}")
        err.print(f"{summary}\nWrote {out_file}.", highlight=False, markup=False)
        return
    if sys.stdout.isatty():
        out.print(summary, highlight=False, markup=False)
        out.print(
            "GeoJSON not written to the terminal: give --out FILE.geojson, pipe "
            "the output, or use --format json or csv.",
            highlight=False,
            markup=False,
        )
        return
    _write_json(data)


OutFile = Annotated[
    str | None,
    typer.Option(
        "--out",
        help="Write the GeoJSON to this file (at a terminal, only a summary is "
        "printed otherwise).",
    ),
]


CrimeTypes = Annotated[
    list[str] | None,
    typer.Option(
        "--crime-type", help="police.uk category (repeatable; default every category)."
    ),
]
FromMonth = Annotated[
    str | None, typer.Option("--from", help="First month YYYY-MM (default latest).")
]
ToMonth = Annotated[
    str | None, typer.Option("--to", help="Last month YYYY-MM (default --from).")
]
Cell = Annotated[float, typer.Option("--cell", help="Grid cell side in metres.")]


def _district_points(
    crime_type: list[str] | None, from_month: str | None, to_month: str | None
) -> tuple[Any, date, date]:
    from saferleeds.analytics.hotspots import read_points
    from saferleeds.analytics.store import open_store
    from saferleeds.partnership import current

    with open_store(config.analytics_path(), read_only=True) as store:
        start, end = _month_range(store, from_month, to_month)
        types = _resolve_crime_types(store, crime_type)
        with _spinner("Reading police.uk points"):
            points = read_points(
                store,
                crime_type=types,
                start=start,
                end=end,
                area=current().district_code,
            )
        if len(points) == 0:
            _no_records(store, types, start, end)
    return points, start, end


# --- hotspots ----------------------------------------------------------------------


def kde_cmd(
    crime_type: CrimeTypes = None,
    from_month: FromMonth = None,
    to_month: ToMonth = None,
    cell: Cell = 100.0,
    bandwidth: Annotated[
        float, typer.Option(help="Kernel bandwidth in metres (quartic radius).")
    ] = 250.0,
    kernel: Annotated[str, typer.Option(help="quartic or gaussian.")] = "quartic",
    fmt: Annotated[
        str, typer.Option("--format", help="geojson, json or csv.")
    ] = "geojson",
    out_file: OutFile = None,
) -> None:
    """Kernel density of police.uk records over the district's grid (per km²).

    GeoJSON goes to --out FILE or a pipe; at a terminal only a summary is printed.
    """
    from saferleeds.analytics.hotspots import kde_surface, study_grid

    _check(fmt, ("geojson", "json", "csv"), "--format")
    _check(kernel, ("quartic", "gaussian"), "--kernel")
    if out_file is not None and fmt != "geojson":
        _fail("--out writes GeoJSON; with --format json or csv redirect the output")
    if not cell > 0 or not bandwidth > 0:
        _fail("--cell and --bandwidth must be positive")
    points, start, end = _district_points(crime_type, from_month, to_month)
    with _spinner(f"Kernel density of {len(points):,} records"):
        grid = study_grid(cell)
        surface = kde_surface(
            points.easting,
            points.northing,
            grid,
            bandwidth=bandwidth,
            kernel="gaussian" if kernel == "gaussian" else "quartic",
        )
    if surface.n_outside or surface.n_ignored:
        err.print(
            f"{surface.n_outside:,} of {len(points):,} records lie outside the "
            "district's cells (those within the bandwidth still add density to the "
            f"cells near the edge); {surface.n_ignored:,} reach no cell",
            highlight=False,
        )
    with _spinner("Writing"):
        if fmt == "geojson":
            gj = surface.to_geojson()
            dens = [f["properties"].get("density_per_km2", 0) for f in gj["features"]]
            _emit_geojson(
                gj,
                out_file,
                f"Kernel density ({surface.kernel}, {bandwidth:g} m) of "
                f"{len(points):,} police.uk records "
                f"({', '.join(crime_type) if crime_type else 'every category'}), "
                f"{start:%Y-%m} to {end:%Y-%m}: {len(gj['features']):,} cells of "
                f"{cell:g} m, highest {max(dens, default=0):,.1f} per km².",
            )
            return
        rows = surface.to_rows()
    if fmt == "csv":
        _write_csv(rows)
    else:
        _write_json(
            {
                "from": f"{start:%Y-%m}",
                "to": f"{end:%Y-%m}",
                "crime_types": crime_type or None,
                "cell": cell,
                "kernel": surface.kernel,
                "bandwidth": surface.bandwidth,
                "records": len(points),
                "on_grid": surface.n_points,
                "outside_area": surface.n_outside,
                "beyond_reach": surface.n_ignored,
                "cells": rows,
            }
        )


def gistar_cmd(
    crime_type: CrimeTypes = None,
    from_month: FromMonth = None,
    to_month: ToMonth = None,
    level: Annotated[
        str, typer.Option(help="grid (cells of --cell metres) or lsoa.")
    ] = "grid",
    # 250 m, not the KDE's 100 m: Gi* cells are tested one by one and corrected for false
    # discoveries, and a month of police.uk points over ~56,000 cells of 100 m leaves
    # too few per cell for any to survive the correction; ~9,000 cells of 250 m do.
    cell: Annotated[
        float,
        typer.Option(
            "--cell", help="Grid cell side in metres (default 250: see docs)."
        ),
    ] = 250.0,
    permutations: Annotated[
        int, typer.Option(help="Conditional permutations (0: analytic p-values).")
    ] = 99_999,
    alpha: Annotated[float, typer.Option(help="False discovery rate.")] = 0.05,
    seed: Annotated[int, typer.Option(help="Permutation seed.")] = 0,
    tie_rule: Annotated[
        str,
        typer.Option(
            "--tie-rule",
            help="Permutations tying the observed Gi*: 'both' counts them in both "
            "tails (default), 'esda' in the upper tail only (PySAL esda's rule).",
        ),
    ] = "both",
    fmt: Annotated[
        str, typer.Option("--format", help="geojson, json or csv.")
    ] = "geojson",
    out_file: OutFile = None,
    harm: Annotated[
        bool,
        typer.Option(
            "--harm",
            help="Harm-weighted Gi* (LSOA level): each record counts its category's "
            "harm weight (ONS Crime Severity Score, or SAFERLEEDS_HARM_CODE_WEIGHTS).",
        ),
    ] = False,
    engine: EngineOption = "duckdb",
    spark_data: SparkDataOption = None,
) -> None:
    """Getis-Ord Gi* hot and cold spots of police.uk records, by grid cell or LSOA.

    Each unit gives its count, z-score, p-value (permutation, or analytic with
    --permutations 0), Benjamini-Hochberg q and label (hot, cold, not significant).
    With --harm (needs --level lsoa) the value per LSOA is its harm-weighted total.
    With --engine spark (--level grid) the cells' counts are made on Spark.
    """
    from saferleeds.analytics.areas import UnknownArea
    from saferleeds.analytics.hotspots import (
        counts_gi_star,
        grid_counts,
        lsoa_counts,
        lsoa_gi_star,
        study_grid,
    )
    from saferleeds.analytics.store import open_store

    _check(fmt, ("geojson", "json", "csv"), "--format")
    _check(level, ("grid", "lsoa"), "--level")
    _check(tie_rule, ("both", "esda"), "--tie-rule")
    if out_file is not None and fmt != "geojson":
        _fail("--out writes GeoJSON; with --format json or csv redirect the output")
    ties: Literal["both", "esda"] = "esda" if tie_rule == "esda" else "both"
    if permutations < 0 or not 0 < alpha < 1 or not cell > 0:
        _fail("--permutations must be 0 or more, --alpha in (0, 1), --cell positive")
    p_source: Literal["analytic", "permutation"] = (
        "permutation" if permutations > 0 else "analytic"
    )
    if harm and level != "lsoa":
        _fail("--harm needs --level lsoa")
    if engine != "duckdb" and level != "grid":
        _fail("--engine spark counts grid cells: use it with --level grid")
    if level == "grid":
        from saferleeds.partnership import current

        with query_source(engine, spark_data, _fail) as source:
            start, end = _month_range(source, from_month, to_month)
            types = _resolve_crime_types(source, crime_type)
            grid = study_grid(cell)
            with _spinner(f"Counting records per {cell:g} m cell on {engine}"):
                try:
                    cells = grid_counts(
                        source,
                        grid,
                        crime_type=types,
                        start=start,
                        end=end,
                        area=current().district_code,
                    )
                except UnknownArea as exc:
                    _fail(str(exc))
            if cells.records == 0:
                _no_records(source, types, start, end)
        records = cells.records
        with _spinner(f"Gi* over {cell:g} m cells ({permutations:,} permutations)"):
            result = counts_gi_star(
                cells.counts,
                grid,
                permutations=permutations,
                seed=seed,
                alpha=alpha,
                p_source=p_source,
                tie_rule=ties,
            )
    else:
        with open_store(config.analytics_path(), read_only=True) as store:
            start, end = _month_range(store, from_month, to_month)
            types = _resolve_crime_types(store, crime_type)
            counts = lsoa_counts(store, crime_type=types, start=start, end=end)
            if sum(counts.values()) == 0:
                _no_records(store, types, start, end)
            values: dict[str, float] = dict(counts)
            if harm:
                from saferleeds.analytics.hotspots import lsoa_harm
                from saferleeds.analytics.indicators import default_harm_weights

                values = lsoa_harm(
                    store,
                    default_harm_weights().weights,
                    crime_type=types,
                    start=start,
                    end=end,
                )
        records = sum(counts.values())
        with _spinner(f"Gi* over LSOAs ({permutations:,} permutations)"):
            result = lsoa_gi_star(
                values,
                permutations=permutations,
                seed=seed,
                alpha=alpha,
                p_source=p_source,
                tie_rule=ties,
            )
    with _spinner("Writing"):
        if fmt == "geojson":
            gj = result.to_geojson()
            for f in gj["features"]:
                f["properties"] = _with_count_and_p(f["properties"], harm=harm)
            _emit_geojson(
                gj,
                out_file,
                f"Gi* of {records:,} police.uk records "
                f"({', '.join(crime_type) if crime_type else 'every category'}), "
                f"{start:%Y-%m} to {end:%Y-%m}, by "
                + (f"{cell:g} m cell" if level == "grid" else "LSOA")
                + f": {len(result.hot):,} hot, {len(result.cold):,} cold at a "
                f"{alpha:g} false discovery rate.",
            )
            return
        rows = [_with_count_and_p(r, harm=harm) for r in result.to_rows()]
        if fmt == "csv":
            _write_csv(rows)
            return
        _write_json(
            {
                "level": level,
                "from": f"{start:%Y-%m}",
                "to": f"{end:%Y-%m}",
                "crime_types": crime_type or None,
                "cell": cell if level == "grid" else None,
                "records": records,
                "value": "harm" if harm else "count",
                "permutations": result.permutations,
                "p_source": result.p_source,
                "tie_rule": result.tie_rule,
                "alpha": result.alpha,
                "hot": result.hot,
                "cold": result.cold,
                "units": rows,
            }
        )


def counts_cmd(
    crime_type: CrimeTypes = None,
    from_month: FromMonth = None,
    to_month: ToMonth = None,
    cell: Cell = 250.0,
    engine: EngineOption = "duckdb",
    spark_data: SparkDataOption = None,
    fmt: Annotated[str, typer.Option("--format", help="geojson, json or csv.")] = "csv",
    out_file: OutFile = None,
) -> None:
    """Police.uk records per grid cell of the district (the counts Gi* and maps read).

    One row per cell of the district's grid: its id (E<easting>N<northing>, the
    south-west corner in British National Grid metres) and its count. With --engine
    spark the records are counted on Spark (local, or a cluster under spark-submit),
    with the same numbers as DuckDB.
    """
    from saferleeds.analytics.areas import UnknownArea
    from saferleeds.analytics.hotspots import grid_counts, study_grid
    from saferleeds.partnership import current

    _check(fmt, ("geojson", "json", "csv"), "--format")
    if out_file is not None and fmt != "geojson":
        _fail("--out writes GeoJSON; with --format json or csv redirect the output")
    if not cell > 0:
        _fail("--cell must be positive")
    with query_source(engine, spark_data, _fail) as source:
        start, end = _month_range(source, from_month, to_month)
        types = _resolve_crime_types(source, crime_type)
        with _spinner(f"Counting police.uk records per {cell:g} m cell on {engine}"):
            try:
                result = grid_counts(
                    source,
                    study_grid(cell),
                    crime_type=types,
                    start=start,
                    end=end,
                    area=current().district_code,
                )
            except UnknownArea as exc:
                _fail(str(exc))
        if result.records == 0:
            _no_records(source, types, start, end)
    rows = result.to_rows()
    summary = (
        f"{result.records:,} located police.uk records "
        f"({', '.join(types) if types else 'every category'}), {start:%Y-%m} to "
        f"{end:%Y-%m}, counted on {result.engine} over {len(rows):,} cells of "
        f"{cell:g} m; {result.off_grid + result.outside_area:,} fall outside the "
        "district's cells."
    )
    if fmt == "geojson":
        polygons = result.grid.active_polygons_wgs84()
        _emit_geojson(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": g, "properties": r}
                    for g, r in zip(polygons, rows, strict=True)
                ],
            },
            out_file,
            summary,
        )
        return
    if fmt == "csv":
        _write_csv(rows)
        err.print(summary, highlight=False, markup=False)
        return
    _write_json(
        {
            "from": f"{start:%Y-%m}",
            "to": f"{end:%Y-%m}",
            "crime_types": types,
            "cell": cell,
            "engine": result.engine,
            "records": result.records,
            "outside_area": result.off_grid + result.outside_area,
            "cells": rows,
        }
    )


# --- near repeats ------------------------------------------------------------------


def _read_events(
    crime_type: str | None, start: date | None, end: date | None
) -> tuple[Any, Any, Any, Any]:
    """Longitude, latitude, day and LSOA of the dated events (``point_event``).

    Reads the table directly so the store can stay read-only (``read_events`` would
    create a missing table).
    """
    from saferleeds.analytics.store import open_store

    where: list[str] = ["TRUE"]
    params: list[object] = []
    for sql, v in (
        ("crime_type = ?", crime_type),
        ("day >= ?", start),
        ("day <= ?", end),
    ):
        if v:
            where.append(sql)
            params.append(v)
    with open_store(config.analytics_path(), read_only=True) as store:
        if not store.scalar(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = 'point_event'"
        ):
            rows = []
        else:
            rows = store.execute(
                "SELECT longitude, latitude, day, coalesce(lsoa_code, '') "
                f"FROM point_event WHERE {' AND '.join(where)} ORDER BY day, event_key",
                params,
            ).fetchall()
    if len(rows) < 2:
        _fail(
            f"{len(rows)} dated events"
            + (f" of {crime_type!r}" if crime_type else "")
            + " in the store for that range; load partner offences first "
            "(saferleeds demo load)"
        )
    return (
        np.array([r[0] for r in rows], dtype=np.float64),
        np.array([r[1] for r in rows], dtype=np.float64),
        np.array([r[2] for r in rows], dtype="datetime64[D]"),
        np.array([r[3] for r in rows], dtype=str),
    )


def _events(
    crime_type: str | None, start: date | None, end: date | None
) -> tuple[Any, Any, Any, Any]:
    """Dated events as BNG x, y (metres), days and LSOA codes."""
    from saferleeds.analytics.hotspots import to_bng

    lon, lat, day, lsoa = _read_events(crime_type, start, end)
    x, y = to_bng(lon, lat)
    return np.asarray(x), np.asarray(y), day, lsoa


def _knox_table(
    result: Any, span: str, min_ratio: float, alpha: float, compat: str
) -> Table:
    t = Table(
        title=f"Near repeats: Knox ratio (observed/expected), {result.events:,} "
        f"events {span}, {result.permutations} simulations, "
        + ("NRC-compatible" if compat == "nrc" else "exact")
        + f"; * ratio >= {min_ratio:g} and p <= {alpha:g}"
    )
    t.add_column("distance")
    for label in result.temporal_labels:
        t.add_column(label, justify="right")
    marked = set(result.significant(alpha, min_ratio))
    for i, s in enumerate(result.spatial_labels):
        cells = []
        for j in range(len(result.temporal_labels)):
            r = result.knox_ratio[i][j]
            shown = "-" if math.isnan(r) else f"{r:.2f}"
            star = "*" if (i, j) in marked else ""
            cells.append(f"{shown}{star} ({result.observed[i][j]:,})")
        t.add_row(s, *cells)
    return t


def _file_events(
    path: str, start: date | None, end: date | None
) -> tuple[Any, Any, Any, str]:
    """Events of an analyst's CSV file, within ``--from``/``--to``."""
    from saferleeds.analytics.csvfile import CsvInputError
    from saferleeds.analytics.nearrepeat import read_event_file

    try:
        ev = read_event_file(path)
    except CsvInputError as exc:
        _fail(str(exc))
    keep = np.ones(len(ev.day), dtype=bool)
    if start is not None:
        keep &= ev.day >= np.datetime64(start)
    if end is not None:
        keep &= ev.day <= np.datetime64(end)
    if int(keep.sum()) < 2:
        _fail(f"{path}: {int(keep.sum())} events between --from and --to; need 2")
    cols = ", ".join(ev.columns)
    return ev.x[keep], ev.y[keep], ev.day[keep], cols


def near_repeat_cmd(
    input_file: Annotated[
        str | None,
        typer.Option(
            "--input",
            help="A CSV file of events: columns x, y, date (metres) or longitude, "
            "latitude, date; header optional for x, y, date (the NRC's input). "
            "Default: the dated partner events in the store.",
        ),
    ] = None,
    crime_type: Annotated[
        str | None,
        typer.Option(
            "--crime-type", help="Category of the stored events (default Burglary)."
        ),
    ] = None,
    from_day: Annotated[
        str | None, typer.Option("--from", help="First day YYYY-MM-DD.")
    ] = None,
    to_day: Annotated[
        str | None, typer.Option("--to", help="Last day YYYY-MM-DD (inclusive).")
    ] = None,
    space: Annotated[
        str, typer.Option(help="Spatial bands WIDTHxCOUNT in metres.")
    ] = "100x3",
    time: Annotated[str, typer.Option(help="Temporal bands WIDTHxCOUNT in days.")] = (
        "7x3"
    ),
    metric: Annotated[str, typer.Option(help="manhattan or euclidean.")] = "manhattan",
    compat: Annotated[
        str,
        typer.Option(
            help="exact (double precision, same location under 1 m) or nrc (as the "
            "Near Repeat Calculator: float32, same location only at distance 0)."
        ),
    ] = "exact",
    permutations: Annotated[int, typer.Option(help="Monte Carlo simulations.")] = 99,
    seed: Annotated[int, typer.Option(help="Simulation seed.")] = 0,
    min_ratio: Annotated[
        float, typer.Option(help="Smallest Knox ratio marked as a near repeat.")
    ] = 1.2,
    alpha: Annotated[
        float, typer.Option(help="Largest p-value marked as a near repeat.")
    ] = 0.05,
    fmt: Annotated[str, typer.Option("--format", help="json, csv or table.")] = (
        "table"
    ),
) -> None:
    """Knox test for near repeats (Near Repeat Calculator), on a file or the store.

    Pairs of events are counted by distance band (with a same-location band) and
    interval band, and compared with simulations that shuffle the dates. A cell is
    marked when its Knox ratio is at least --min-ratio and p <= --alpha.
    --compat nrc reproduces the Near Repeat Calculator's tables exactly.
    """
    from saferleeds.analytics.nearrepeat import (
        knox_test,
        nrc_bands,
        spatial_bands,
        temporal_bands,
    )

    _check(fmt, ("json", "csv", "table"), "--format")
    _check(metric, ("manhattan", "euclidean"), "--metric")
    _check(compat, ("exact", "nrc"), "--compat")
    if permutations < 1:
        _fail("--permutations must be at least 1")
    if not 0 < alpha <= 1 or not min_ratio > 0:
        _fail("--alpha must be in (0, 1] and --min-ratio positive")
    s_width, s_count = _bands(space, "--space")
    t_width, t_count = _bands(time, "--time")
    if compat == "exact" and s_width <= 1:
        _fail("--space bands must be wider than the 1 m same-location band")
    start, end = _day_option(from_day, "--from"), _day_option(to_day, "--to")
    if input_file is not None:
        if crime_type is not None:
            _fail("--crime-type selects stored events; a file is taken whole")
        x, y, t, source = _file_events(input_file, start, end)
    else:
        x, y, t, _ = _events(crime_type or "Burglary", start, end)
        source = "store"
    s_edges = (
        nrc_bands(s_width, s_count)
        if compat == "nrc"
        else spatial_bands(s_width, s_count)
    )
    with _spinner(f"Knox test on {len(t):,} events ({permutations} simulations)"):
        result = knox_test(
            x,
            y,
            t,
            s_edges,
            temporal_bands(t_width, t_count),
            metric="euclidean" if metric == "euclidean" else "manhattan",
            permutations=permutations,
            seed=seed,
            precision="single" if compat == "nrc" else "double",
        )
    first, last = str(t.min()), str(t.max())
    rows = result.to_rows()
    if fmt == "json":
        _write_json(
            {
                "input": input_file,
                "columns": source if input_file is not None else None,
                "crime_type": None if input_file else (crime_type or "Burglary"),
                "from": first,
                "to": last,
                "compat": compat,
                "min_ratio": min_ratio,
                "alpha": alpha,
                **result.to_dict(),
                "bands": rows,
                "significant": [
                    {
                        "spatial_band": result.spatial_labels[i],
                        "temporal_band": result.temporal_labels[j],
                        "row": i,
                        "column": j,
                    }
                    for i, j in result.significant(alpha, min_ratio)
                ],
            }
        )
    elif fmt == "csv":
        _write_csv(rows)
    else:
        out.print(_knox_table(result, f"{first} to {last}", min_ratio, alpha, compat))


# --- forecasts -----------------------------------------------------------------------


def _month_index(days: Any) -> tuple[Any, list[str]]:
    """Month number of each day (0 = the first month) and the month labels."""
    months = np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]")
    first, last = months.min(), months.max()
    idx = (months - first).astype(np.int64)
    labels = [str(first + k) for k in range(int((last - first).astype(np.int64)) + 1)]
    return idx, labels


def _lsoa_areas_m2(codes: Sequence[str]) -> tuple[list[float], dict[str, Any]]:
    """Land area (m², British National Grid) and WGS84 polygon of each LSOA."""
    import shapely

    from saferleeds.analytics.hotspots import lsoa_boundaries, to_bng

    shapes = lsoa_boundaries()

    def bng(c: Any) -> Any:
        e, n = to_bng(c[:, 0], c[:, 1])
        return np.column_stack([e, n])

    areas = [
        float(shapely.transform(shapes[c], bng).area) if c in shapes else 0.0
        for c in codes
    ]
    return areas, shapes


def _cell_id(grid: Any, index: int) -> str:
    """``E<easting>N<northing>`` of a forecast cell's south-west corner (m)."""
    row, col = divmod(index, grid.nx)
    return f"E{grid.x0 + col * grid.cell_size:.0f}N{grid.y0 + row * grid.cell_size:.0f}"


def _cell_polygon(grid: Any, index: int) -> dict[str, Any]:
    from saferleeds.analytics.hotspots import from_bng

    row, col = divmod(index, grid.nx)
    x = grid.x0 + col * grid.cell_size
    y = grid.y0 + row * grid.cell_size
    s = grid.cell_size
    lon, lat = from_bng(
        np.array([x, x + s, x + s, x, x]), np.array([y, y, y + s, y + s, y])
    )
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [round(a, 6), round(b, 6)]
                for a, b in zip(lon.tolist(), lat.tolist(), strict=True)
            ]
        ],
    }


def _print_evaluation(ev: Any, fmt: str, what: str) -> None:
    if fmt == "json":
        _write_json(ev.to_dict())
        return
    if fmt == "csv":
        _write_csv(ev.to_rows())
        return
    lines = [
        f"Forecast evaluation: {what}; {ev.units:,} units, held-out periods "
        f"{ev.periods[0]} to {ev.periods[-1]} ({len(ev.periods)})",
        f"{'method':<12} {'coverage':>8} {'hit rate':>9} {'PAI':>7} {'events':>7}",
    ]
    for method, by_cov in ev.summary().items():
        for cov, v in by_cov.items():
            hr, pai = v["hit_rate"], v["pai"]
            lines.append(
                f"{method:<12} {cov:>8.0%} "
                f"{'-' if math.isnan(hr) else f'{hr:.1%}':>9} "
                f"{'-' if math.isnan(pai) else f'{pai:.2f}':>7} {int(v['events']):>7}"
            )
    lines.append(
        "PAI: hit rate over the share of area selected (1 = no better than chance); "
        f"{ev.methods[-1]} is last period's hotspots."
    )
    sys.stdout.write("\n".join(lines) + "\n")


def forecast_cmd(
    method: Annotated[
        str,
        typer.Option(help="prospective (Bowers et al. 2004) or ewma (monthly counts)."),
    ] = "prospective",
    level: Annotated[
        str | None,
        typer.Option(
            help="grid or lsoa (default grid for prospective, lsoa for ewma)."
        ),
    ] = None,
    crime_type: Annotated[
        str | None,
        typer.Option(
            "--crime-type", help="Category of the dated events (default all)."
        ),
    ] = None,
    from_day: Annotated[
        str | None, typer.Option("--from", help="First day YYYY-MM-DD of history.")
    ] = None,
    to_day: Annotated[
        str | None, typer.Option("--to", help="Last day YYYY-MM-DD of history.")
    ] = None,
    cell: Cell = 150.0,
    bandwidth: Annotated[
        float, typer.Option(help="Prospective: an event's reach in metres.")
    ] = 400.0,
    window_days: Annotated[
        float, typer.Option(help="Prospective: how many days back events count.")
    ] = 56.0,
    half_life: Annotated[float, typer.Option(help="EWMA: half-life in months.")] = 3.0,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="Print hit rate and PAI against last period's hotspots on held-out "
            "periods instead of the forecast.",
        ),
    ] = False,
    periods: Annotated[
        int | None,
        typer.Option(
            help="Held-out periods for --evaluate (weeks for prospective, default 8; "
            "months for ewma, default 3)."
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="geojson, json or csv (--evaluate: text default)."
        ),
    ] = "geojson",
) -> None:
    """Where crime is likely next: prospective hotspots or an EWMA, from dated events.

    Prospective mapping scores grid cells at the day after the history ends (weekly
    evaluation periods); the EWMA forecasts next month's count per LSOA or cell.
    Both are compared with last period's hotspots by --evaluate.
    """
    from saferleeds.analytics.forecast import (
        Grid,
        count_surface,
        evaluate_area_forecast,
        evaluate_grid_forecast,
        ewma_forecast,
        prospective_surface,
    )

    _check(method, ("prospective", "ewma"), "--method")
    lvl = level or ("grid" if method == "prospective" else "lsoa")
    _check(lvl, ("grid", "lsoa"), "--level")
    _check(fmt, ("geojson", "json", "csv"), "--format")
    if method == "prospective" and lvl == "lsoa":
        _fail(
            "prospective mapping scores grid cells: use --level grid, or --method ewma"
        )
    if not cell > 0 or not bandwidth > 0 or not window_days > 0 or not half_life > 0:
        _fail("--cell, --bandwidth, --window-days and --half-life must be positive")
    n_periods = (
        periods if periods is not None else (8 if method == "prospective" else 3)
    )
    if n_periods < 1:
        _fail("--periods must be at least 1")
    start, end = _day_option(from_day, "--from"), _day_option(to_day, "--to")
    x, y, t, lsoa = _events(crime_type, start, end)
    what = f"{crime_type or 'all crime'} events {t.min()} to {t.max()}"
    last = date.fromisoformat(str(t.max()))
    at = (end or last) + timedelta(days=1)
    if method == "prospective":
        grid = Grid.covering(x, y, cell)
        if evaluate:
            origins = [
                np.datetime64(at - timedelta(days=7 * k))
                for k in range(n_periods, 0, -1)
            ]
            with _spinner(f"Evaluating prospective mapping over {n_periods} weeks"):
                ev = evaluate_grid_forecast(
                    x,
                    y,
                    t,
                    origins,
                    period_days=7.0,
                    bandwidth=bandwidth,
                    window_days=window_days,
                    grid=grid,
                    dataset=what,
                )
            _print_evaluation(ev, fmt if fmt != "geojson" else "text", what)
            return
        with _spinner("Prospective surface"):
            score = prospective_surface(
                x,
                y,
                t,
                grid,
                np.datetime64(at),
                bandwidth=bandwidth,
                window_days=window_days,
            )
            naive = count_surface(
                x, y, t, grid, np.datetime64(at - timedelta(days=7)), np.datetime64(at)
            )
        units = [int(i) for i in np.flatnonzero(score > 0)]
        ids = [_cell_id(grid, i) for i in units]
        scores = [float(score[i]) for i in units]
        extra = [{"last_week": int(naive[i])} for i in units]
        shapes_of: Callable[[int], dict[str, Any]] = lambda k: _cell_polygon(  # noqa: E731
            grid, units[k]
        )
    else:
        months, labels = _month_index(t)
        if lvl == "lsoa":
            from saferleeds.analytics.store import open_store

            with open_store(config.analytics_path(), read_only=True) as store:
                codes = [
                    str(r[0])
                    for r in store.execute(
                        "SELECT lsoa_code FROM area_lsoa ORDER BY lsoa_code"
                    ).fetchall()
                ]
            pos = {c: k for k, c in enumerate(codes)}
            unit = np.array([pos.get(str(c), -1) for c in lsoa], dtype=np.int64)
            counts = np.zeros((len(codes), len(labels)), dtype=np.float64)
            keep = unit >= 0
            np.add.at(counts, (unit[keep], months[keep]), 1.0)
            areas, shapes = _lsoa_areas_m2(codes)
            unit_ids = codes
            area_arg: Any = areas
        else:
            grid = Grid.covering(x, y, cell)
            unit = grid.cell_of(x, y)
            counts = np.zeros((grid.cells, len(labels)), dtype=np.float64)
            np.add.at(counts, (unit[unit >= 0], months[unit >= 0]), 1.0)
            unit_ids = [_cell_id(grid, i) for i in range(grid.cells)]
            area_arg = None
        if evaluate:
            if len(labels) < n_periods + 1:
                _fail(
                    f"{len(labels)} months of events: too few to hold out {n_periods}"
                )
            with _spinner(f"Evaluating the EWMA over {n_periods} months"):
                ev = evaluate_area_forecast(
                    counts,
                    holdout=n_periods,
                    half_life=half_life,
                    areas=area_arg,
                    periods=labels,
                    dataset=what,
                )
            _print_evaluation(ev, fmt if fmt != "geojson" else "text", what)
            return
        forecast = ewma_forecast(counts, half_life=half_life)
        units = (
            list(range(len(unit_ids)))
            if lvl == "lsoa"
            else [int(i) for i in np.flatnonzero(forecast > 0)]
        )
        ids = [unit_ids[i] for i in units]
        scores = [float(forecast[i]) for i in units]
        extra = [{"last_month": int(counts[i, -1])} for i in units]
        if lvl == "lsoa":
            shapes_of = lambda k: dict(shapes[ids[k]].__geo_interface__)  # noqa: E731
        else:
            shapes_of = lambda k: _cell_polygon(grid, units[k])  # noqa: E731
        at = date.fromisoformat(f"{np.datetime64(labels[-1], 'M') + 1}-01")
    order = sorted(range(len(ids)), key=lambda k: (-scores[k], ids[k]))
    rank = {k: r + 1 for r, k in enumerate(order)}
    rows = [
        {"id": ids[k], "rank": rank[k], "score": scores[k], **extra[k]} for k in order
    ]
    if fmt == "csv":
        _write_csv(rows)
    elif fmt == "json":
        _write_json(
            {
                "method": method,
                "level": lvl,
                "crime_type": crime_type,
                "history_from": str(t.min()),
                "history_to": str(t.max()),
                "forecast_from": at.isoformat(),
                "cell": cell if lvl == "grid" else None,
                "units": rows,
            }
        )
    else:
        with _spinner("Writing GeoJSON"):
            _write_json(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {"type": "Feature", "geometry": shapes_of(k), "properties": r}
                        for k, r in zip(order, rows, strict=True)
                    ],
                }
            )


# --- neighbourhood profiles ----------------------------------------------------------


def _n(v: Any, digits: int = 1) -> str:
    if v is None:
        return "-"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,.{digits}f}"


def _profile_tables(p: dict[str, Any]) -> list[Table]:
    tables: list[Table] = []
    for ind in p["indicators"]:
        t = Table(
            title=f"{p['name']}: {ind['label']}, {p['period']} "
            f"(was: {p['comparison_period']}; rate ratio "
            f"{_n(ind['rate_ratio'], 2)})"
        )
        t.add_column("area")
        for col in ("count", "per 1,000", "was", "change", "p", "verdict"):
            t.add_column(col, justify="left" if col == "verdict" else "right")
        for who, key in (
            (p["name"], "neighbourhood"),
            (p["district_name"], "district"),
        ):
            f = ind[key]
            t.add_row(
                who,
                _n(f["value"]),
                _n(f["rate_per_1000"], 2),
                _n(f["comparison_value"]),
                "-" if f["change_pct"] is None else f"{f['change_pct']:+.1f}%",
                "-" if f["p_value"] is None else f"{f['p_value']:.2g}",
                f["verdict"] or "",
            )
        tables.append(t)
    hot = Table(title="Hotspots: LSOA Gi* over the district")
    for col in ("LSOA", "crimes", "z", "p", "q", "label"):
        hot.add_column(col, justify="left" if col in ("LSOA", "label") else "right")
    for h in p["hotspots"]:
        hot.add_row(
            h["lsoa_code"],
            _n(h["count"]),
            f"{h['z']:.2f}",
            f"{h['p']:.2g}",
            f"{h['q']:.2g}",
            h["label"],
        )
    places = Table(
        title=f"Repeat locations ({_n(p['located_records'])} located records"
        + (
            f"; {p['top5_share']:.0%} at the top 5% of places)"
            if p["top5_share"] is not None
            else ")"
        )
    )
    for col in ("rank", "longitude", "latitude", "records"):
        places.add_column(col, justify="right")
    for r in p["repeat_locations"]:
        places.add_row(
            str(r["rank"]),
            f"{r['longitude']:.6f}",
            f"{r['latitude']:.6f}",
            _n(r["count"]),
        )
    if not p["harm_locations"]:
        return [*tables, hot, places]
    harmful = Table(title="Top places by harm (ONS Crime Severity Score, approximate)")
    for col in ("rank", "longitude", "latitude", "records", "harm"):
        harmful.add_column(col, justify="right")
    for r in p["harm_locations"]:
        harmful.add_row(
            str(r["rank"]),
            f"{r['longitude']:.6f}",
            f"{r['latitude']:.6f}",
            _n(r["count"]),
            f"{r['harm']:,.0f}",
        )
    return [*tables, hot, places, harmful]


def profile_cmd(
    name: Annotated[
        str,
        typer.Argument(
            help="A priority neighbourhood's name, or LSOA codes separated by commas."
        ),
    ],
    period_text: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="2018-07, 2018-Q3, FY2017/18, 2018, R12-2018-07 or 2017-07..2018-02 "
            "(default the latest police.uk month).",
        ),
    ] = None,
    permutations: Annotated[
        int, typer.Option(help="Gi* permutations (0: analytic p-values).")
    ] = 9_999,
    fmt: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
) -> None:
    """A priority neighbourhood beside the district: crime, trend, hotspots, places."""
    from saferleeds.analytics.areas import UnknownArea
    from saferleeds.analytics.indicators import latest_month, month_period, parse_period
    from saferleeds.analytics.profiles import neighbourhood_profile
    from saferleeds.analytics.store import open_store

    _check(fmt, ("json", "table"), "--format")
    if permutations < 0:
        _fail("--permutations must be 0 or more")
    parts = [s.strip() for s in name.split(",") if s.strip()]
    target: str | list[str] = (
        parts if parts and all(_LSOA.match(s) for s in parts) else name
    )
    with open_store(config.analytics_path(), read_only=True) as store:
        try:
            if period_text is None:
                last = latest_month(store)
                if last is None:
                    _fail("no police.uk months held; give --period")
                period = month_period(last.year, last.month)
            else:
                period = parse_period(period_text)
            with _spinner(f"Profiling {name}"):
                profile = neighbourhood_profile(
                    store, target, period, permutations=permutations
                )
        except (UnknownArea, ValueError, KeyError) as exc:
            _fail(str(exc))
    data = profile.to_dict()
    if fmt == "json":
        _write_json(data)
        return
    for t in _profile_tables(data):
        out.print(t)
    if data["harm_note"]:
        err.print(f"harm: {data['harm_note']}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the place commands to the ``saferleeds`` app.

    Adds the ``hotspots`` group (``kde``, ``gistar``), ``near-repeat``, ``forecast``
    and the ``neighbourhood`` group (``profile``).
    """
    hotspots = typer.Typer(
        help="Hotspots of police.uk records: kernel density, Gi* and grid counts.",
        no_args_is_help=True,
    )
    hotspots.command("kde")(kde_cmd)
    hotspots.command("gistar")(gistar_cmd)
    hotspots.command("counts")(counts_cmd)
    app.add_typer(hotspots, name="hotspots")
    app.command("near-repeat")(near_repeat_cmd)
    app.command("forecast")(forecast_cmd)
    neighbourhood = typer.Typer(
        help="Priority neighbourhoods of the partnership.", no_args_is_help=True
    )
    neighbourhood.command("profile")(profile_cmd)
    app.add_typer(neighbourhood, name="neighbourhood")
