"""Time the map page and its Gi* layer through the Django test client, cache off and on.

Issue #18: the map page recomputed its LSOA Gi* (99,999 permutations) on every view and
again for the layer. The pages now cache what they compute by the store's data version
(``SAFERLEEDS_ANALYTICS_CACHE``: run once with ``off``, once with ``file``). This builds a store like the demo's (the shipped
police.uk months and the demo's synthetic dated offences, at the demo's seed and scale)
in a throw-away data dir, signs in the analyst and prints the median time of the page
and of the ``gistar-lsoa`` layer: the first view, then the median of later ones. It prints numbers and asserts nothing.

Run: SAFERLEEDS_ANALYTICS_CACHE=off .venv/bin/python bench/map_page.py [--rounds 5]
     SAFERLEEDS_ANALYTICS_CACHE=file .venv/bin/python bench/map_page.py
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _setup() -> Path:
    os.environ.setdefault("SAFERLEEDS_ENV", "demo")  # no authenticator code to enter
    data = Path(tempfile.mkdtemp(prefix="sl-bench-map-"))
    os.environ["SAFERLEEDS_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferleeds.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    logging.disable(logging.WARNING)
    from saferleeds import config
    from saferleeds.analytics.events import load_events
    from saferleeds.analytics.geography import load_geography
    from saferleeds.analytics.store import open_store
    from saferleeds.demo.generator import generate
    from saferleeds.demo.partner_data import DEMO_SCALE, DEMO_SEED
    from saferleeds.importers.police import import_police
    from saferleeds.partnership import current

    shipped = Path(__file__).resolve().parents[1] / "src/saferleeds/data/police"
    generate(data / "synthetic", seed=DEMO_SEED, scale=DEMO_SCALE)
    with open_store(config.analytics_path()) as store:
        load_geography(store, current())
        import_police(store, [shipped])
        load_events(store, data / "synthetic" / "offences.csv")
    return data


def _ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run(rounds: int) -> None:
    """Measure and print; the database and store must be set up (``_setup``)."""
    from django.test import Client

    from saferleeds.demo.personas import AGENCIES, PERSONAS
    from saferleeds.partners.actions import do_ensure_agency, do_ensure_user

    agencies = {
        a.code: do_ensure_agency(a.code, a.name, a.kind, actor=None) for a in AGENCIES
    }
    analyst = next(p for p in PERSONAS if p.username == "aisha.analyst")
    user = do_ensure_user(
        analyst.username,
        agency=agencies[analyst.agency],
        roles=analyst.roles,
        password=None,
        actor=None,
    )
    client = Client(SERVER_NAME="localhost")  # an allowed host outside the test env
    client.force_login(user)

    def page() -> object:
        r = client.get("/places/map/")
        assert r.status_code == 200, r.status_code
        return r

    def layer() -> object:
        r = client.get("/places/map/layers/gistar-lsoa.geojson")
        assert r.status_code == 200, r.status_code
        return r

    mode = os.environ.get("SAFERLEEDS_ANALYTICS_CACHE") or "file"
    for name, fn in (("page", page), ("gistar-lsoa layer", layer)):
        cold = _ms(fn)
        warm = [_ms(fn) for _ in range(rounds)]
        print(
            f"  cache {mode:<5} {name:<18} first {cold:7.1f} ms, then median "
            f"{statistics.median(warm):7.1f} ms (min {min(warm):.1f}, max {max(warm):.1f})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    _setup()
    run(args.rounds)
