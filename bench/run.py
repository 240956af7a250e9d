"""Run every benchmark and print its figures against a named peer, as a ratio.

Benchmarks are not tests: they print numbers, they do not assert them. Run: make bench

After the benchmarks, one summary table of every comparison (benchmark, input, ours,
peer, ratio, accuracy, memory; see ``bench/report.py``), also written as JSON to
``bench/results/summary.json`` (``summary-quick.json`` with --quick). A ratio from a
scaled peer time is printed as ``~Nx ESTIMATED``, never as a measured one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402 - found through the path above

BENCHMARKS = [
    "import_throughput",
    "indicators",
    "jsa",
    "nearrepeat",
    "hotspots",
    "networks",
    "linkage_scale",
    "search",
]
# Run only when named (`bench/run.py loadtest --quick`): it starts PostgreSQL and a server;
# spark starts a JVM (Spark local mode) and needs Java; national builds a 60M-row
# store (about 20 minutes; --quick: 1.2M rows).
OPTIONAL = ["loadtest", "spark", "national"]


def main() -> None:
    """Run the named benchmarks (default: all)."""
    parser = argparse.ArgumentParser(
        description=__doc__, epilog=f"Optional, only when named: {', '.join(OPTIONAL)}"
    )
    parser.add_argument("names", nargs="*", default=BENCHMARKS)
    parser.add_argument(
        "--quick", action="store_true", help="small inputs, for a smoke run"
    )
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    failed: list[str] = []
    for name in args.names:
        module = importlib.import_module(name)
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}", flush=True)
        try:
            rows.extend(module.run(quick=args.quick) or [])
        except Exception:  # report it and go on: the other benchmarks still count
            traceback.print_exc()
            failed.append(name)
    print("\n== summary (ratio: the peer's time over ours; above 1, we are faster)")
    report.print_table(rows)
    out = report.write_summary(
        rows, "summary-quick.json" if args.quick else "summary.json"
    )
    print(f"written to {out}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
