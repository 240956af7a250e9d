"""Load test: signed-in users on mixed journeys against the demo on PostgreSQL (Locust).

Issue #18: 50 concurrent signed-in users (three MARAC coordinators for every analyst; 1-3 s
between pages) walk search, person, case, MARAC home, indicators, map (page and Gi*
layer) and API lists (bench/loadtest_journeys.py). This starts a throw-away PostgreSQL
cluster (scripts/pg.sh), loads the demo into it and a fresh data dir (`saferleeds demo
load`), starts `saferleeds serve` on a free port, runs Locust headless from this machine
and prints p50/p95/p99 per page group against the issue's targets, throughput and
errors. Locust shares the machine's CPUs with the server: say so beside the figures.
It prints numbers and asserts nothing. The statistics are the steady state: they are
reset once every user has spawned (``--reset-stats``) and again once the last one has
signed in (bench/loadtest_journeys.py), so the ramp-up and the sign-ins (PBKDF2,
deliberately slow) are not in the table; the report says how long the steady state ran. ``--people-scale 10`` loads
the demo with ten times the people (``saferleeds demo load --scale 10``).

Run: .venv/bin/python bench/loadtest.py [--quick] [--users 50] [--duration 180]
         [--serve-args "--threads 16"] [--people-scale 10]
     .venv/bin/python bench/run.py loadtest --quick   (optional: not in the default set)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).with_name("saferleeds")
LOCUST = Path(sys.executable).with_name("locust")
JOURNEYS = Path(__file__).resolve().with_name("loadtest_journeys.py")
# saferleeds.demo.personas.DEMO_PASSWORD (importing it needs Django set up).
DEMO_PASSWORD = "safer-leeds-demo"  # noqa: S105 - the demo's published password
# Issue #18's p95 targets, in ms, per page group.
TARGET_P95 = {
    "case": 500,
    "person": 500,
    "api list": 500,
    "marac home": 500,
    "search": 1000,
    "indicators": 1000,
    "map": 1000,
    "map layer": 1000,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _saferleeds(env: dict[str, str], *args: str, say: str = "") -> str:
    """Run the CLI; print its message lines starting with ``say`` (when given)."""
    done = subprocess.run(
        [str(BIN), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"saferleeds {' '.join(args)} failed:\n{done.stderr}")
    text = " ".join(done.stderr.split())  # the terminal width may wrap its lines
    if say and say in text:
        print(f"  {say}{text.split(say, 1)[1].split('. ', 1)[0]}.")
    return done.stdout


def _targets(base: str, env: dict[str, str]) -> dict[str, object]:
    """The password, API tokens and the ids the coordinator may open."""
    import requests

    s = requests.Session()
    page = s.get(f"{base}/sign-in/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    s.post(
        f"{base}/sign-in/",
        data={
            "username": "carol.coordinator",
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": token.group(1),
        },
        headers={"Referer": f"{base}/sign-in/"},
        timeout=30,
    )
    listing = s.get(f"{base}/cases/", timeout=60).text
    cases = sorted({int(c) for c in re.findall(r'href="/cases/(\d+)/"', listing)})
    people: set[int] = set()
    for case in cases:
        page_text = s.get(f"{base}/cases/{case}/", timeout=60).text
        people |= {int(p) for p in re.findall(r'href="/people/(\d+)/"', page_text)}
    if not cases or not people:
        raise SystemExit("the coordinator sees no case or no person: demo not loaded?")
    users = ("carol.coordinator", "aisha.analyst")
    return {
        "password": DEMO_PASSWORD,
        "tokens": {u: _saferleeds(env, "users", "token", u).strip() for u in users},
        "cases": cases,
        "people": sorted(people),
    }


def _wait_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped before answering /healthz")
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not answer /healthz within 120 s")


def _report(
    stats_csv: Path,
    users: int,
    duration: int,
    serve: list[str],
    scale: float,
    steady_s: float | None,
) -> None:
    rows = list(csv.DictReader(stats_csv.open()))
    cpus = os.cpu_count()
    print(
        f"  {users} users for {duration} s, 1-3 s between pages; demo at {scale:g}x "
        f"people; server `{' '.join(serve)}`, Locust and PostgreSQL on the same "
        f"{cpus}-CPU machine"
    )
    if steady_s is None:
        print(
            "  NOT all users signed in: statistics since all had spawned (sign-ins and "
            "ramp-up partly counted)"
        )
    else:
        print(
            "  statistics reset once all users had spawned and signed in: steady state "
            f"for the last {steady_s:.0f} s (ramp-up and sign-ins not counted)"
        )
    print(
        f"  {'page group':<12} {'requests':>8} {'errors':>6} {'req/s':>6} "
        f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'p95 target':>10}"
    )
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        if not int(row["Request Count"]):
            continue  # sign-in, when every sign-in came before the statistics' reset
        row = {k: ("" if v == "N/A" else v) for k, v in row.items()}
        name = row["Name"]
        if name == "sign-in":  # the form (GET), then the password check (POST)
            name = f"sign-in {row['Type']}"
        target = TARGET_P95.get(name)
        p95 = float(row["95%"] or 0)
        verdict = "" if target is None else ("met" if p95 < target else "MISSED")
        label = "all" if name == "Aggregated" else name
        print(
            f"  {label:<12} {int(row['Request Count']):>8} {int(row['Failure Count']):>6} "
            f"{float(row['Requests/s']):>6.1f} {float(row['50%'] or 0):>7.0f} "
            f"{p95:>7.0f} {float(row['99%'] or 0):>7.0f} "
            f"{(f'< {target} ' + verdict) if target else '':>10}"
        )
    failures = stats_csv.with_name(stats_csv.name.replace("_stats", "_failures"))
    if failures.exists():
        for row in csv.DictReader(failures.open()):
            print(
                f"  error: {row['Name']}: {row['Error']} ({row['Occurrences']} times)"
            )


def run(
    quick: bool = False,
    users: int | None = None,
    duration: int | None = None,
    serve_args: str = "",
    people_scale: float = 1.0,
) -> None:
    """Set up PostgreSQL and the demo, serve it, load it and print the table."""
    if not LOCUST.exists():
        raise SystemExit("locust is not installed: .venv/bin/pip install -e '.[bench]'")
    users = users or (10 if quick else 50)
    duration = duration or (30 if quick else 180)
    spawn_rate = max(1, users // 10)  # everyone signed in within ~10 s
    started = subprocess.run(
        [str(ROOT / "scripts/pg.sh"), "start"],
        capture_output=True,
        text=True,
        check=True,
    )
    pg = dict(
        p.split("=", 1)
        for p in shlex.split(started.stdout.strip().removeprefix("export "))
    )
    data = Path(tempfile.mkdtemp(prefix="sl-bench-load-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SAFERLEEDS_")},
            "SAFERLEEDS_ENV": "demo",  # the demo's accounts; no authenticator codes
            "SAFERLEEDS_DATA_DIR": str(data),
            "DATABASE_URL": pg["DATABASE_URL"],
        }
        t0 = time.perf_counter()
        _saferleeds(env, "demo", "load", "--scale", f"{people_scale:g}", say="Loaded")
        print(
            f"  demo ({people_scale:g}x people) loaded into PostgreSQL in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        serve = ["saferleeds", "serve", "--port", str(port), *shlex.split(serve_args)]
        server = subprocess.Popen(
            [str(BIN), *serve[1:]],
            env=env,
            stdout=(data / "server.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        _wait_healthy(base, server)
        targets = data / "targets.json"
        steady = data / "steady"
        targets.write_text(
            json.dumps({**_targets(base, env), "users": users, "steady": str(steady)})
        )
        prefix = data / "locust"
        subprocess.run(
            [
                str(LOCUST),
                "-f",
                str(JOURNEYS),
                "--headless",
                "--host",
                base,
                "--users",
                str(users),
                "--spawn-rate",
                str(spawn_rate),
                "--run-time",
                f"{duration}s",
                "--csv",
                str(prefix),
                "--only-summary",
                "--reset-stats",  # steady state: counted once every user has spawned
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "10",
            ],
            env={**env, "SAFERLEEDS_LOADTEST_TARGETS": str(targets)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,  # Locust exits 1 when any request failed: the table says so
        )
        ended = time.time()
        steady_s = ended - float(steady.read_text()) if steady.exists() else None
        _report(
            Path(f"{prefix}_stats.csv"), users, duration, serve, people_scale, steady_s
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        subprocess.run(
            [str(ROOT / "scripts/pg.sh"), "stop", pg["SL_PG_DIR"]], check=False
        )
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 users for 30 s")
    parser.add_argument("--users", type=int, help="concurrent users (default 50)")
    parser.add_argument("--duration", type=int, help="seconds (default 180)")
    parser.add_argument(
        "--serve-args", default="", help="extra options for `saferleeds serve`"
    )
    parser.add_argument(
        "--people-scale",
        type=float,
        default=1.0,
        help="times the demo's people (default 1; 10 for the 10x run)",
    )
    args = parser.parse_args()
    run(args.quick, args.users, args.duration, args.serve_args, args.people_scale)
