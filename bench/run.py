"""Run every benchmark and print its figures against a named peer, as a ratio.

Benchmarks are not tests: they print numbers, they do not assert them. Run: make bench
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

BENCHMARKS = [
    "import_throughput",
    "indicators",
    "nearrepeat",
    "hotspots",
    "networks",
    "linkage_scale",
    "search",
]
# Run only when named (`bench/run.py loadtest --quick`): it starts PostgreSQL and a server.
OPTIONAL = ["loadtest"]


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
    for name in args.names:
        module = importlib.import_module(name)
        print(f"== {name}: {module.__doc__.strip().splitlines()[0]}")
        module.run(quick=args.quick)


if __name__ == "__main__":
    main()
