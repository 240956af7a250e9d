"""Locust users for bench/loadtest.py: signed-in staff walking mixed journeys.

Not run on its own: bench/loadtest.py starts the server, writes the targets (demo
password, API tokens, the case and person ids the coordinator may open) to the JSON file
named by ``SAFERLEEDS_LOADTEST_TARGETS`` and runs ``locust -f`` on this file. Each request
is named by its page group, so Locust's statistics are per group.

The statistics are the steady state: they are reset when the last user has signed in
(and the time is written to the targets' ``steady`` file for the report). Sign-in
hashes the password with PBKDF2 on purpose, so 50 users signing in at once hold the
CPUs for a while; that ramp-up is not what a page costs once staff are working.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

TARGETS = json.loads(open(os.environ["SAFERLEEDS_LOADTEST_TARGETS"]).read())
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Surnames common in Leeds, some typed as they sound: the search tolerates typos.
NAMES = ["smith", "khan", "jones", "ahmed", "brown", "patel", "wilson", "taylor"]
NAMES += ["hussain", "walker", "smyth", "jonson", "ali", "clarke", "wood"]
_RUN: dict[str, Any] = {"signed_in": 0}


@events.init.add_listener
def _keep_environment(environment: Any, **_: Any) -> None:
    _RUN["environment"] = environment


def _signed_in() -> None:
    """Count a user signed in; reset the statistics when it is the last one."""
    _RUN["signed_in"] += 1
    if _RUN["signed_in"] == TARGETS["users"]:
        _RUN["environment"].stats.reset_all()
        Path(TARGETS["steady"]).write_text(f"{time.time()}\n")


class _Staff(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # reading time between pages
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/sign-in/", name="sign-in")
        token = CSRF.search(page.text)
        assert token, "no CSRF token on the sign-in page"
        with self.client.post(
            "/sign-in/",
            data={
                "username": self.username,
                "password": TARGETS["password"],
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": f"{self.host}/sign-in/"},
            name="sign-in",
            catch_response=True,
        ) as r:
            # Signed in: redirected to the role's home page, not back to the form.
            if "/sign-in/" in r.url:
                r.failure(f"{self.username} could not sign in")
            else:
                _signed_in()
        self.api = {"Authorization": f"Token {TARGETS['tokens'][self.username]}"}

    def _api(self, path: str) -> None:
        self.client.get(f"/api/v1/{path}", headers=self.api, name="api list")


class Coordinator(_Staff):
    """A MARAC coordinator: searches people, opens cases and people, the MARAC home."""

    weight = 3
    username = "carol.coordinator"

    @task(3)
    def search(self) -> None:
        self.client.get(
            "/people/", params={"name": random.choice(NAMES)}, name="search"
        )

    @task(3)
    def person(self) -> None:
        self.client.get(f"/people/{random.choice(TARGETS['people'])}/", name="person")

    @task(3)
    def case(self) -> None:
        self.client.get(f"/cases/{random.choice(TARGETS['cases'])}/", name="case")

    @task(2)
    def marac_home(self) -> None:
        self.client.get("/marac/", name="marac home")

    @task(2)
    def api_lists(self) -> None:
        self._api(random.choice(["cases/", "hate-reports/", "iom-members/"]))

    @task(1)
    def indicators(self) -> None:
        self.client.get("/indicators/", name="indicators")


class Analyst(_Staff):
    """A community safety analyst: indicators, the map and its Gi* layer."""

    weight = 1
    username = "aisha.analyst"

    @task(3)
    def indicators(self) -> None:
        self.client.get("/indicators/", name="indicators")

    @task(2)
    def map_page(self) -> None:
        self.client.get("/places/map/", name="map")
        self.client.get("/places/map/layers/gistar-lsoa.geojson", name="map layer")

    @task(1)
    def api_lists(self) -> None:
        self._api("agreements/")
