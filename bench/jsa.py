"""The Joint Strategic Assessment for a Leeds-sized store: ten years, about 1.2M rows.

Input: synthetic police.uk-shaped rows over the 120 months April 2008 to March 2018 and
the 482 Leeds LSOAs (about 10,000 a month, Leeds' real volume, with the real category
mix), written to an analytics store and rolled up as imports do. Timed: the whole
document for 2017/18 compared with 2016/17 (``build_assessment`` + ``render_html``,
what ``saferleeds jsa build --format html`` does after opening the store), and the PDF
(WeasyPrint) on top. Target (issue #15): under 60 s on this machine.

The peer is the floor of doing it by hand in a notebook: read the two years' records
into pandas and count them by category, MSOA and month (no tests, charts or document).
The ratio says how many times that floor our whole document costs (below 1: the
document is cheaper than the notebook's first step).
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from report import median_time, row

from saferleeds.analytics.geography import load_geography
from saferleeds.analytics.jsa import build_assessment, parse_year
from saferleeds.analytics.jsa_html import render_html, write_pdf
from saferleeds.analytics.store import open_store, refresh_police_rollup
from saferleeds.partnership import current

FIRST = "2008-04-01"
MONTHS = 120
# West Yorkshire's 2017/18 police.uk mix in Leeds, per 1,000 records (ASB included).
MIX = [
    ("Anti-social behaviour", 260),
    ("Violence and sexual offences", 520),
    ("Criminal damage and arson", 610),
    ("Burglary", 680),
    ("Other theft", 750),
    ("Vehicle crime", 810),
    ("Public order", 870),
    ("Shoplifting", 915),
    ("Other crime", 935),
    ("Drugs", 955),
    ("Theft from the person", 968),
    ("Robbery", 978),
    ("Bicycle theft", 988),
    ("Possession of weapons", 1000),
]


def make_store(path: Path, n_rows: int) -> None:
    """A store with Leeds geography and ``n_rows`` rows spread over 120 months."""
    case = " ".join(f"WHEN r < {hi} THEN '{t}'" for t, hi in MIX)
    with open_store(path) as store:
        store.execute("SET enable_progress_bar = false")
        load_geography(store, current())
        store.execute(
            f"""
            INSERT INTO police_street
            WITH codes AS (SELECT list(lsoa_code ORDER BY lsoa_code) AS c FROM area_lsoa),
            raw AS (
                SELECT i, hash(i) AS h, hash(i * 7 + 3) % 1000 AS r,
                       -- a slow trend and a seasonal swing, so the tests find changes
                       (i * {MONTHS}) // {n_rows} AS m
                FROM range({n_rows}) t(i)
            )
            SELECT 'k' || i, NULL, (DATE '{FIRST}' + to_months(m::INTEGER))::DATE,
                   'West Yorkshire Police', 'West Yorkshire Police', -1.55, 53.8,
                   'On or near Somewhere', codes.c[1 + (h % len(codes.c))::INTEGER],
                   NULL, CASE {case} END, NULL, NULL, true, 'bench', i, 0
            FROM raw, codes
            ORDER BY m
            """
        )
        refresh_police_rollup(store)
        store.execute("CHECKPOINT")


def _document(path: Path) -> str:
    period = parse_year("2017/18")
    with open_store(path, read_only=True) as store:
        assessment = build_assessment(store, period)
    return render_html(assessment)


def _notebook(path: Path) -> Any:
    """The peer: the two years' records into pandas, counted by type, MSOA and month."""
    with open_store(path, read_only=True) as store:
        df = store.execute(
            "SELECT p.month, p.crime_type, a.msoa_code FROM police_street p "
            "JOIN area_lsoa a USING (lsoa_code) "
            "WHERE p.month >= DATE '2016-04-01' AND p.month < DATE '2018-04-01'"
        ).df()
    return df.groupby(["crime_type", "msoa_code", "month"]).size()


def _pages(pdf: Path) -> str:
    """The PDF's page count by poppler's ``pdfinfo`` (installed for the tests)."""
    try:
        out = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return next(
        (ln.split()[-1] for ln in out.splitlines() if ln.startswith("Pages:")), "?"
    )


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Print the document's time (HTML, then PDF) against the target and the peer."""
    n_rows = 120_000 if quick else 1_200_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        t = time.perf_counter()
        make_store(path, n_rows)
        built = time.perf_counter() - t
        html_s, html_text, runs = median_time(lambda: _document(path))
        pdf = Path(tmp) / "jsa.pdf"
        t = time.perf_counter()
        write_pdf(html_text, pdf)
        pdf_s = time.perf_counter() - t
        peer_s, counts, peer_runs = median_time(lambda: _notebook(path))
        pages = _pages(pdf)
        inputs = f"{n_rows:,} rows, {MONTHS} months, 482 LSOAs"
        total = html_s + pdf_s
        print(
            f"{inputs} (store built in {built:.1f} s): JSA 2017/18 HTML "
            f"{html_s:.2f} s (median of {runs}, {len(html_text):,} bytes) + PDF "
            f"{pdf_s:.2f} s ({pages} pages) = {total:.2f} s (target < 60 s) | "
            f"notebook floor (pandas counts, {len(counts):,} cells) {peer_s:.2f} s",
            flush=True,
        )
        return [
            row(
                "jsa build (html+pdf)",
                inputs,
                total,
                "pandas notebook floor (read + count only)",
                peer_s,
                repeats_ours=runs,
                repeats_peer=peer_runs,
                accuracy=f"{pages} PDF pages; target < 60 s "
                + ("met" if total < 60 else "NOT met"),
                note="the peer does a fraction of the work: a floor, not a rival",
            )
        ]


if __name__ == "__main__":
    run()
