"""The fixed cast of demo agencies and personas, one per role.

The demo seeder and the tests use this same cast, so a persona named in a test is the
one a user can sign in as in the demo.
"""

from __future__ import annotations

from dataclasses import dataclass

from saferleeds import config
from saferleeds.partners.models import Agency, Role

DEMO_PASSWORD = "safer-leeds-demo"  # noqa: S105 - demo-only, printed by `make demo`
# Where demo accounts with the published password may exist: the demo, and the tests.
DEMO_ENVIRONMENTS = ("demo", "test")


class DemoRefused(RuntimeError):
    """Demo data (and its published password) is refused outside demo and test."""


def refuse_outside_demo() -> None:
    """Raise :class:`DemoRefused` unless SAFERLEEDS_ENV is demo or test.

    Security finding 1 (issue #11): the demo accounts' password is published, so whoever
    signs in first as one of them owns the account. Every seeder that creates them calls
    this first (``demo.seed.seed_demo``, ``demo.casework.seed_casework`` and the hate
    seeder that creates the reporting-centre persona).
    """
    env = config.environment()
    if env not in DEMO_ENVIRONMENTS:
        raise DemoRefused(
            f"the demo (accounts with a published password) cannot be loaded when "
            f"SAFERLEEDS_ENV={env}; create the first administrator with "
            "`saferleeds users create-admin USERNAME --agency CODE` instead"
        )


@dataclass(frozen=True)
class AgencySpec:
    """An agency to create."""

    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class Persona:
    """A named demo user."""

    username: str
    first_name: str
    last_name: str
    agency: str
    roles: tuple[Role, ...]
    job_title: str


RA = Agency.Kind.RESPONSIBLE_AUTHORITY
CO = Agency.Kind.CO_OPERATING_BODY

# The strategy's responsible authorities, then co-operating bodies.
AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec("lcc", "Leeds City Council", RA),
    AgencySpec("wyp", "West Yorkshire Police", RA),
    AgencySpec("wyfrs", "West Yorkshire Fire and Rescue Service", RA),
    AgencySpec("nps", "National Probation Service", RA),
    AgencySpec("ccg", "NHS Leeds Clinical Commissioning Group", RA),
    AgencySpec("crc", "West Yorkshire Community Rehabilitation Company", CO),
    AgencySpec("wypcc", "Office of the Police and Crime Commissioner", CO),
)

PERSONAS: tuple[Persona, ...] = (
    Persona(
        "aisha.analyst",
        "Aisha",
        "Khan",
        "lcc",
        (Role.ANALYST,),
        "Community safety analyst",
    ),
    Persona(
        "pete.practitioner",
        "Pete",
        "Walsh",
        "wyp",
        (Role.PRACTITIONER,),
        "Neighbourhood police officer",
    ),
    Persona(
        "carol.coordinator",
        "Carol",
        "Nowak",
        "lcc",
        (Role.CASE_COORDINATOR,),
        "MARAC coordinator",
    ),
    Persona(
        "ed.executive",
        "Ed",
        "Okafor",
        "lcc",
        (Role.EXECUTIVE,),
        "Safer Leeds Executive member",
    ),
    Persona(
        "fran.agencyadmin",
        "Fran",
        "Hughes",
        "wyfrs",
        (Role.AGENCY_ADMIN,),
        "Fire service systems administrator",
    ),
    Persona(
        "iris.ig",
        "Iris",
        "Patel",
        "lcc",
        (Role.IG_LEAD,),
        "Information governance lead",
    ),
    Persona(
        "sam.sysadmin",
        "Sam",
        "Reid",
        "lcc",
        (Role.SYSTEM_ADMIN,),
        "saferleeds system administrator",
    ),
    Persona(
        "nadia.probation",
        "Nadia",
        "Ahmed",
        "nps",
        (Role.PRACTITIONER,),
        "Probation officer (IOM)",
    ),
    Persona(
        "harry.health",
        "Harry",
        "Boateng",
        "ccg",
        (Role.PRACTITIONER,),
        "Safeguarding nurse",
    ),
    # Staff of a third-party hate reporting centre: reports for victims and sees only the
    # references her centre sent (her centre is seeded by demo/casework/hate.py).
    Persona(
        "rita.reporter",
        "Rita",
        "Gordon",
        "lcc",
        (Role.REPORTING_CENTRE,),
        "Volunteer, City One Stop Centre",
    ),
)
