"""Demo offences and disposals, made from the synthetic partner data's crimes.

The generator's police offences with suspects (its solo offenders, fixed duos and the
planted co-offending network) are in the workspace as West Yorkshire Police crime
incidents with their suspects (:mod:`saferleeds.demo.partner_data`). Each suspect of
each becomes an offence held by the police, under the crime's reference, so the
co-offending network is the generator's. About half are proven, some weeks or months
later, by a caution (the police's disposal) or a court sentence (probation's: a
non-custodial sentence, or custody and a release months later); children's are youth
cautions and youth court sentences. An outcome that would fall after the day of the
load is not known yet: that offence is still pending (the crimes end a few weeks before
the load, :mod:`saferleeds.demo.clock`). The proven ones give the past quarters' cohorts
their index events and, the generator's offenders offending again, their proven
re-offences.

Every draw comes from ``random.Random(seed)`` over the crimes in reference order, so
the same demo gives the same figures. Safe to repeat: does nothing once its offences
exist. Held by the supplying agencies and shared between police and probation under the
IOM agreement (:mod:`saferleeds.demo.partner_data`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from saferleeds.audit.log import record_many
from saferleeds.audit.models import Operation
from saferleeds.demo.partner_data import DEMO_SEED
from saferleeds.incidents.models import Incident, IncidentPerson
from saferleeds.offending.models import Disposal, Offence
from saferleeds.offending.records import DISPOSAL, OFFENCE
from saferleeds.partners.models import Agency
from saferleeds.people.models import SubjectRole

PREFIX = "DEMO-"
PROVEN_SHARE = 0.55
# Disposals of proven offences (weights): roughly the shares of the MoJ's adult
# proven re-offending cohorts (cautions, court non-custodial, custody).
DISPOSALS = (("caution", 0.3), ("court_non_custodial", 0.5), ("custody", 0.2))

# A representative Home Office offence code for each police.uk crime type (the
# generator draws types, not codes).
OFFENCE_CODES = {
    "Bicycle theft": "044/00",
    "Burglary": "028/01",
    "Criminal damage and arson": "058/01",
    "Drugs": "092/01",
    "Other crime": "099/00",
    "Other theft": "049/00",
    "Possession of weapons": "010/01",
    "Public order": "009/01",
    "Robbery": "034/01",
    "Shoplifting": "046/00",
    "Theft from the person": "039/00",
    "Vehicle crime": "045/00",
    "Violence and sexual offences": "008/01",
}


@dataclass(frozen=True)
class OffendingReport:
    """What the demo holds: offences and disposals (created now or before)."""

    offences: int
    disposals: int
    created: bool


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@transaction.atomic
def seed_offending(
    *, seed: int = DEMO_SEED, today: date | None = None
) -> OffendingReport:
    """Make the demo's offences and disposals once (safe to repeat).

    Args:
        seed: The seed of the draws.
        today: The day of the load (default: the local date): no outcome after it.
    """
    if Offence.objects.filter(reference__startswith=PREFIX).exists():
        return OffendingReport(
            Offence.objects.count(), Disposal.objects.count(), created=False
        )
    today = today or timezone.localdate()
    agencies = {a.code: a for a in Agency.objects.filter(code__in=["wyp", "nps"])}
    wyp, nps = agencies["wyp"], agencies["nps"]
    links = list(
        IncidentPerson.objects.filter(
            incident__owner_agency=wyp,
            incident__category=Incident.Category.CRIME,
            role=SubjectRole.SUSPECT,
        )
        .order_by("incident__reference", "person_id")
        .values_list(
            "incident__reference",
            "incident__occurred_on",
            "incident__summary",
            "person_id",
            "person__date_of_birth",
            "incident__place__lsoa__code",
        )
    )
    rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible by seed
    kinds, weights = zip(*DISPOSALS, strict=True)
    offences: list[Offence] = []
    disposals: list[Disposal] = []
    for crime, committed, crime_type, person_id, born, lsoa in links:
        reference = f"{PREFIX}{crime}-{person_id}"
        code = OFFENCE_CODES.get(crime_type, "099/00")
        if rng.random() >= PROVEN_SHARE:
            offences.append(
                Offence(
                    agency=wyp,
                    reference=reference,
                    person_id=person_id,
                    offence_code=code,
                    committed_on=committed,
                    role=Offence.Role.SUSPECT,
                    disposal_type=rng.choice(["", "pending", "no_further_action"]),
                    crime_reference=crime,
                )
            )
            continue
        disposal = rng.choices(kinds, weights)[0]
        proven = committed + timedelta(days=rng.randint(14, 180))
        # Custody's only disposal is the release; drawn now, so the draws that follow
        # are the same whichever day the demo is loaded on.
        released = proven + timedelta(days=rng.randint(60, 365))
        if (released if disposal == "custody" else proven) > today:
            offences.append(  # charged or awaiting sentence or release: pending
                Offence(
                    agency=wyp,
                    reference=reference,
                    person_id=person_id,
                    offence_code=code,
                    committed_on=committed,
                    role=Offence.Role.SUSPECT,
                    disposal_type="pending",
                    crime_reference=crime,
                )
            )
            continue
        offences.append(
            Offence(
                agency=wyp,
                reference=reference,
                person_id=person_id,
                offence_code=code,
                committed_on=committed,
                proven_on=proven,
                disposal_type=disposal,
                role=Offence.Role.OFFENDER,
                crime_reference=crime,
            )
        )
        age = _age(born, proven)
        youth = age is not None and age < 18
        if disposal == "custody":
            kind, on, holder = Disposal.Type.CUSTODY_RELEASE, released, nps
        elif disposal == "caution":
            kind = Disposal.Type.YOUTH_CAUTION if youth else Disposal.Type.CAUTION
            on, holder = proven, wyp
        else:
            kind = (
                Disposal.Type.YOUTH_COURT_SENTENCE
                if youth
                else Disposal.Type.COURT_NON_CUSTODIAL
            )
            on, holder = proven, nps
        disposals.append(
            Disposal(
                agency=holder,
                reference=f"{PREFIX}{crime}-{person_id}-D",
                person_id=person_id,
                disposed_on=on,
                disposal_type=kind,
                # The synthetic people have no address: they are taken to live in
                # the LSOA of the crime (most offend near home), so first-time
                # entrants have a home area as a real extract's home_lsoa gives.
                home_lsoa=lsoa or "",
            )
        )
    Offence.objects.bulk_create(offences, batch_size=500)
    Disposal.objects.bulk_create(disposals, batch_size=500)
    record_many(
        None,
        operation=Operation.COLLECTION,
        event="demo.offending.load",
        records=[(OFFENCE, o.pk, o.person_id) for o in offences]
        + [(DISPOSAL, d.pk, d.person_id) for d in disposals],
        detail={"source": "synthetic generator", "seed": seed},
    )
    seed_fte_population({d.disposed_on.year for d in disposals})
    return OffendingReport(len(offences), len(disposals), created=True)


# Children aged 10-17 as a share of usual residents: about Leeds's in the 2011
# Census (roughly 9%), for invented figures only.
DEMO_CHILD_SHARE = 0.09
DEMO_POPULATION_SOURCE = (
    "SYNTHETIC demo figures (9% of each LSOA's 2011 residents), not ONS estimates"
)


def seed_fte_population(years: set[int]) -> int:
    """Give the demo a 10-17 population by LSOA for ``years`` (synthetic, said so).

    The repository holds no real population by age; the first-time entrants rate
    needs one, so the demo invents it from each LSOA's 2011 usual residents, its
    source naming it synthetic wherever the page shows it. Imported through the same
    action as a real file. Returns the rows created.
    """
    from saferleeds.analytics.geography import read_lsoas
    from saferleeds.importers.offending import Extract, PopulationRow
    from saferleeds.offending.actions import do_import_population
    from saferleeds.partnership import current

    extract: Extract[PopulationRow] = Extract("demo")
    line = 1
    for year in sorted(years):
        for x in read_lsoas(current()):
            line += 1
            extract.rows.append(
                PopulationRow(
                    line,
                    x.code,
                    x.name,
                    year,
                    max(1, round((x.population or 1500) * DEMO_CHILD_SHARE)),
                )
            )
    report = do_import_population(extract, actor=None, source=DEMO_POPULATION_SOURCE)
    return report.created
