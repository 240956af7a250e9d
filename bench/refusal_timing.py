"""Time a forbidden record against a missing one: the answers should take the same time.

Security finding 9 (issue #11): a forbidden person took 28 ms and a missing one 13 ms,
as only the refusal was logged. Both are now logged, so both do one lookup and one
audit write. This prints the median and spread of each, through the access gate and
through the API (GET /api/v1/people/<id>/), on a throw-away SQLite database (or the one
DATABASE_URL names). It prints numbers and asserts nothing.

Run: .venv/bin/python bench/refusal_timing.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable


def _setup() -> None:
    os.environ.setdefault("SAFERLEEDS_ENV", "test")
    os.environ.setdefault("SAFERLEEDS_DATA_DIR", tempfile.mkdtemp(prefix="sl-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferleeds.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    logging.disable(
        logging.WARNING
    )  # one "Refused: ... 404" line per request otherwise


def _time(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _show(label: str, ms: list[float]) -> None:
    q = statistics.quantiles(ms, n=10)
    print(
        f"  {label:<22} median {statistics.median(ms):6.2f} ms"
        f"   p10 {q[0]:6.2f}   p90 {q[-1]:6.2f}"
    )


def run(rounds: int = 200) -> None:
    """Measure and print; the database must be migrated (``_setup``)."""
    from django.contrib.auth.models import User
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from saferleeds.demo.personas import AGENCIES, DEMO_PASSWORD, PERSONAS
    from saferleeds.partners.actions import do_ensure_agency, do_ensure_user
    from saferleeds.partners.policy import NotFound, actor_for
    from saferleeds.people.access import access_person_by_id
    from saferleeds.people.actions import do_create_person

    agencies = {
        a.code: do_ensure_agency(a.code, a.name, a.kind, actor=None) for a in AGENCIES
    }
    for p in PERSONAS:
        do_ensure_user(
            p.username,
            agency=agencies[p.agency],
            roles=p.roles,
            password=DEMO_PASSWORD,
            actor=None,
        )
    users = {u.username: u for u in User.objects.all()}
    hidden = do_create_person(
        actor=actor_for(users["harry.health"]),
        reference="BENCH-1",
        given_name="Robert",
        family_name="Quarmby",
    )
    ids = {"forbidden": hidden.pk, "missing": hidden.pk + 10**6}
    pete = actor_for(users["pete.practitioner"], purpose="bench")

    def gate(pk: int) -> Callable[[], object]:
        def call() -> object:
            try:
                return access_person_by_id(pete, pk)
            except NotFound:
                return None

        return call

    token = Token.objects.get_or_create(user=users["pete.practitioner"])[0].key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    print(f"== {rounds} rounds each, interleaved warm-up first")
    for label, make in (
        ("access gate", gate),
        ("API /people/<id>/", lambda pk: lambda: client.get(f"/api/v1/people/{pk}/")),
    ):
        for pk in ids.values():
            _time(make(pk), 5)
        print(label)
        for name, pk in ids.items():
            _show(name, _time(make(pk), rounds))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    _setup()
    run(args.rounds)
