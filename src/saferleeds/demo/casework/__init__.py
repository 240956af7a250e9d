"""Demo casework: each module seeds its own records on top of the partner data.

Every seeder is safe to repeat (it does nothing if its records exist) and builds its
records through the same actions the pages use, so the audit trail is a real one.
"""

from __future__ import annotations

from datetime import date

from saferleeds.demo.casework import asb, cases, hate, marac, nrm
from saferleeds.demo.personas import refuse_outside_demo


def seed_casework(today: date | None = None) -> dict[str, int]:
    """Seed every casework module; returns records created per module (demo and test
    only: the reporting-centre persona gets the published demo password).

    Args:
        today: The day the demo's dates count from (default: the local date).
    """
    refuse_outside_demo()
    return {
        "cases": cases.seed(today),
        "marac": marac.seed(today),
        "hate": hate.seed(today),
        "asb": asb.seed(today),
        "nrm": nrm.seed(today),
    }
