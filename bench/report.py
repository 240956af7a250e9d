"""One result structure for every benchmark, and the summary table of ``make bench``.

Every benchmark's ``run()`` returns a list of rows made by :func:`row` (issue #17): the
benchmark, its input, our time, the peer and its time, the ratio, the accuracy check,
and peak memory on each side where measured. ``bench/run.py`` prints them as one table
and writes them to ``bench/results/summary.json``. A ratio from a scaled peer time is
marked ``estimated`` (``measured`` false) and printed as such, never as a measured one.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import multiprocessing
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

FIELDS = (
    "benchmark",
    "input",
    "ours_s",
    "peer",
    "peer_s",
    "ratio",
    "measured",
    "repeats_ours",
    "repeats_peer",
    "accuracy",
    "memory_mb_ours",
    "memory_mb_peer",
    "note",
)


def row(
    benchmark: str,
    inputs: str,
    ours_s: float,
    peer: str,
    peer_s: float | None,
    *,
    accuracy: str = "",
    memory_mb_ours: float | None = None,
    memory_mb_peer: float | None = None,
    repeats_ours: int = 3,
    repeats_peer: int = 3,
    estimated: bool = False,
    note: str = "",
) -> dict[str, Any]:
    """One comparison. ``peer_s`` None: a figure with no peer (a target or a limit).

    ``estimated``: the peer's time is scaled from a part of the work, not measured.
    """
    ratio = None if peer_s is None or ours_s <= 0 else round(peer_s / ours_s, 2)
    return {
        "benchmark": benchmark,
        "input": inputs,
        "ours_s": round(ours_s, 4),
        "peer": peer,
        "peer_s": None if peer_s is None else round(peer_s, 4),
        "ratio": ratio,
        "measured": not estimated,
        "repeats_ours": repeats_ours,
        "repeats_peer": repeats_peer,
        "accuracy": accuracy,
        "memory_mb_ours": None if memory_mb_ours is None else round(memory_mb_ours, 1),
        "memory_mb_peer": None if memory_mb_peer is None else round(memory_mb_peer, 1),
        "note": note,
    }


def normalised(r: dict[str, Any]) -> dict[str, Any]:
    """A row with every field of :data:`FIELDS` (older rows lack some), in order."""
    out = {f: r.get(f) for f in FIELDS}
    if out["measured"] is None:
        out["measured"] = True
    if out["repeats_ours"] is None:
        out["repeats_ours"] = r.get("repeats")
    if out["repeats_peer"] is None:
        out["repeats_peer"] = r.get("repeats")
    for f in ("accuracy", "note"):
        out[f] = out[f] or ""
    return out


def median_time(
    fn: Callable[[], Any], repeats: int = 3, *, once_over: float | None = None
) -> tuple[float, Any, int]:
    """Median wall time of ``repeats`` runs of ``fn``, the last result, and the runs made.

    ``once_over``: stop after the first run when it took longer than this many seconds
    (a peer that takes minutes a run), so the figure is one run, said so by the count.
    """
    times: list[float] = []
    result: Any = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        if once_over is not None and times[0] > once_over:
            break
    return statistics.median(times), result, len(times)


def _status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1e3  # kB -> MB
    raise LookupError(field)


def _peak_child(fn: Callable[[], object], conn: Any) -> None:
    # Hand the free heap the parent left (a peer's freed objects) back to the system
    # first, or the run reuses those resident pages and its memory looks near 0. Then
    # reset the peak (VmHWM) to the current resident set and run once.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    gc.collect()
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")
    start = _status_mb("VmRSS")
    fn()
    conn.send(_status_mb("VmHWM") - start)
    conn.close()


def peak_mb(fn: Callable[[], object], method: str = "fork") -> float:
    """Peak resident memory (MB) one run of ``fn`` adds, run in a forked child so C
    allocations count. Pure-Python peers touch the reference counts of shared objects,
    which copies their pages into the child, so for them it overstates.

    ``method="spawn"`` (``fn`` then picklable: a top-level function or a partial of
    one) starts a fresh interpreter instead: for a parent whose DuckDB threads a fork
    could leave holding a lock in the child."""
    ctx = multiprocessing.get_context(method)
    here, there = ctx.Pipe()
    child = ctx.Process(target=_peak_child, args=(fn, there))
    child.start()
    mb = float(here.recv())
    child.join()
    return mb


def _seconds(s: float | None) -> str:
    if s is None:
        return "-"
    return f"{s:.3f} s" if s < 10 else f"{s:.1f} s"


def _ratio(r: dict[str, Any]) -> str:
    if r["ratio"] is None:
        return "-"
    text = f"{r['ratio']:.1f}x" if r["ratio"] >= 1 else f"1/{1 / r['ratio']:.2f}x"
    return text if r["measured"] else f"~{text} ESTIMATED"


def _memory(r: dict[str, Any]) -> str:
    def mb(v: float | None) -> str:
        return "n/m" if v is None else f"{v:,.0f} MB"

    if r["memory_mb_ours"] is None and r["memory_mb_peer"] is None:
        return "not measured"
    return f"{mb(r['memory_mb_ours'])} / {mb(r['memory_mb_peer'])}"


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    """Print rows as one table: benchmark, input, ours, peer, ratio, accuracy, memory.

    Ratio is the peer's time over ours (above 1: we are faster); ``1/2.00x`` means
    we take twice as long. Memory is ours / the peer's; ``n/m``: not measured.
    """
    cells = [
        (
            r["benchmark"],
            r["input"],
            _seconds(r["ours_s"])
            + (f" ({r['repeats_ours']}x)" if r["repeats_ours"] else ""),
            f"{r['peer']}: {_seconds(r['peer_s'])}"
            + (
                f" ({r['repeats_peer']}x)"
                if r["peer_s"] is not None and r["repeats_peer"]
                else ""
            ),
            _ratio(r),
            r["accuracy"] + (f" [{r['note']}]" if r["note"] else ""),
            _memory(r),
        )
        for r in map(normalised, rows)
    ]
    head = (
        "benchmark",
        "input",
        "ours (runs)",
        "peer (runs)",
        "ratio",
        "accuracy",
        "memory ours / peer",
    )
    widths = [max(len(str(c[i])) for c in [*cells, head]) for i in range(len(head))]
    widths = [min(w, 60) for w in widths]
    for line in [head, tuple("-" * w for w in widths), *cells]:
        print(" | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)))


def write_summary(rows: Sequence[dict[str, Any]], name: str = "summary.json") -> Path:
    """Write the rows, normalised, as JSON under ``bench/results/``."""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / name
    out.write_text(
        json.dumps([normalised(r) for r in rows], indent=2) + "\n", encoding="utf-8"
    )
    return out
