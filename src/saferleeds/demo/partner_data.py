"""Load synthetic partner records into the workspace, and the demo's sharing agreements.

The records come from :mod:`saferleeds.demo.generator`: people known to several agencies
(merged on the generator's true identity, each agency keeping its own reference), their
incidents and places, and MARAC cases for the planted escalating domestic-abuse pairs.
The agreements are chosen so that users of different agencies see different things.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from saferleeds.audit.log import record_many
from saferleeds.audit.models import Operation
from saferleeds.demo.generator import generate
from saferleeds.incidents.models import Incident, IncidentPerson
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import Agency, CaseType, RecordType, SharingAgreement
from saferleeds.people.models import AgencyReference, Person, SubjectRole
from saferleeds.places.models import Area, Place
from saferleeds.safeguarding.models import (
    Case,
    CaseIncident,
    CaseMember,
    CaseNote,
    CasePerson,
)

MARKER = "sl-community-safety-isp"
DEMO_SEED = 2018
DEMO_SCALE = 0.25


@dataclass(frozen=True)
class PartnerDataReport:
    """What the demo holds after seeding."""

    people: int
    incidents: int
    cases: int
    agreements: int
    created: bool


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _agreements() -> None:
    a = {x.code: x for x in Agency.objects.all()}
    today = timezone.localdate()
    everyone_for_marac = [a["lcc"], a["wyp"], a["ccg"], a["nps"]]
    common = {
        "signed_on": date(2018, 3, 1),
        "lawful_basis": "Crime and Disorder Act 1998 s115 and s17A; DPA 2018 Part 3",
    }
    do_create_agreement(
        actor=None,
        reference=MARKER,
        providers=[a["lcc"], a["wyp"]],
        recipients=[a["lcc"], a["wyp"]],
        title="Safer Leeds community safety information sharing protocol",
        purpose="Reducing crime and anti-social behaviour in Leeds (Safer Leeds strategy).",
        record_types=[
            RecordType.PERSON,
            RecordType.INCIDENT,
            RecordType.PLACE,
            RecordType.HATE_REPORT,
            RecordType.ASB_COMPLAINT,
            RecordType.ASB_ASSESSMENT,
            RecordType.ASB_INTERVENTION,
            RecordType.ASB_CASE_REVIEW,
            RecordType.NRM_REFERRAL,
        ],
        # Hate reports, ASB and NRM records in cases of those kinds; never a MARAC
        # case's records, which only the MARAC agreement shares.
        case_types=[CaseType.HATE, CaseType.ASB, CaseType.MODERN_SLAVERY],
        starts_on=date(2018, 4, 1),
        ends_on=today + timedelta(days=3 * 365),
        signed_by="Chief Officer Safer Leeds; Leeds District Commander, WYP",
        **common,
    )
    do_create_agreement(
        actor=None,
        reference="iom-isa",
        providers=[a["wyp"], a["nps"]],
        recipients=[a["wyp"], a["nps"]],
        title="Integrated Offender Management information sharing agreement",
        purpose="Managing the IOM cohort: preventing and reducing re-offending.",
        record_types=[
            RecordType.PERSON,
            RecordType.INCIDENT,
            RecordType.OFFENCE,
            RecordType.DISPOSAL,
        ],
        case_types=[],
        starts_on=date(2018, 4, 1),
        ends_on=today + timedelta(days=2 * 365),
        signed_by="Head of Leeds NPS; Leeds District Commander, WYP",
        **common,
    )
    do_create_agreement(
        actor=None,
        reference="marac-isa",
        providers=everyone_for_marac,
        recipients=everyone_for_marac,
        title="Leeds MARAC information sharing agreement",
        purpose="Safeguarding adult victims of domestic abuse at high risk (MARAC).",
        record_types=[
            RecordType.CASE,
            RecordType.CASE_NOTE,
            RecordType.CASE_TASK,
            RecordType.ATTACHMENT,
            RecordType.DASH_ASSESSMENT,
            RecordType.MARAC_REFERRAL,
            RecordType.MARAC_RESEARCH,
        ],
        # Its purpose is MARAC: a hate, ASB or general case and its notes are not
        # shared under it, whichever agency holds them.
        case_types=[CaseType.MARAC],
        starts_on=date(2018, 4, 1),
        ends_on=today + timedelta(days=365),
        signed_by="Chair of Leeds MARAC Steering Group",
        **common,
    )
    do_create_agreement(
        actor=None,
        reference="fire-home-safety-2019",
        providers=[a["wyfrs"]],
        recipients=[a["lcc"]],
        title="Fire and rescue home safety referrals (ended)",
        purpose="Referring vulnerable residents for home fire safety checks.",
        record_types=[RecordType.PERSON, RecordType.PLACE],
        case_types=[],
        starts_on=date(2019, 4, 1),
        ends_on=date(2023, 3, 31),
        signed_by="Area Manager, WYFRS; Chief Officer Safer Leeds",
        **common,
    )
    # A draft awaiting the council's signature: nothing is shared under it until the
    # council's information-governance lead signs it too.
    do_create_agreement(
        actor=None,
        reference="hate-case-conference-draft",
        providers=[a["lcc"], a["wyp"]],
        recipients=[a["lcc"], a["wyp"]],
        title="Hate crime case conference agreement (draft)",
        purpose="Joint working on hate crime cases heard at the hate crime case "
        "conference.",
        record_types=[RecordType.CASE, RecordType.CASE_NOTE, RecordType.CASE_TASK],
        case_types=[CaseType.HATE],
        starts_on=today,
        ends_on=today + timedelta(days=2 * 365),
        lawful_basis=common["lawful_basis"],
        signed_by="Head of Information Management, WYP",
        signed_by_parties=[a["wyp"]],
    )


@transaction.atomic
def seed_partner_data(
    *, seed: int = DEMO_SEED, scale: float = DEMO_SCALE
) -> PartnerDataReport:
    """Load the synthetic partner records and agreements once (safe to repeat)."""
    if SharingAgreement.objects.filter(reference=MARKER).exists():
        return PartnerDataReport(
            Person.objects.count(),
            Incident.objects.count(),
            Case.objects.count(),
            SharingAgreement.objects.count(),
            False,
        )
    _agreements()
    agencies = {x.code: x for x in Agency.objects.all()}
    with tempfile.TemporaryDirectory(prefix="sl-demo-") as tmp:
        out = Path(tmp)
        generate(out, seed=seed, scale=scale)
        people_rows = _read(out / "people.csv")
        truth = {
            r["record_id"]: r["person_id"] for r in _read(out / "truth" / "people.csv")
        }
        da = _read(out / "da_incidents.csv")
        hate = _read(out / "hate_reports.csv")
        asb = _read(out / "asb_complaints.csv")
        offences = _read(out / "offences.csv")

    # One Person per true identity; the first record's details stand for it, and every
    # agency record becomes that agency's reference.
    by_true: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in people_rows:
        by_true[truth[r["record_id"]]].append(r)
    persons: dict[str, Person] = {}
    for true_id, recs in by_true.items():
        first = recs[0]
        persons[true_id] = Person(
            given_name=first["first_name"],
            family_name=first["surname"],
            date_of_birth=date.fromisoformat(first["date_of_birth"])
            if first["date_of_birth"]
            else None,
            sex=first["sex"] or Person.Sex.UNKNOWN,
            postcode=first["postcode"],
            created_by=agencies[first["agency"].lower()],
        )
    Person.objects.bulk_create(persons.values(), batch_size=500)
    person_of_record = {
        r["record_id"]: persons[truth[r["record_id"]]] for r in people_rows
    }
    AgencyReference.objects.bulk_create(
        [
            AgencyReference(
                person=person_of_record[r["record_id"]],
                agency=agencies[r["agency"].lower()],
                reference=r["agency_ref"],
            )
            for r in people_rows
        ],
        batch_size=500,
        ignore_conflicts=True,
    )

    lsoas = {a.code: a for a in Area.objects.filter(level=Area.Level.LSOA)}
    incidents: list[tuple[Incident, list[tuple[str, str]]]] = []

    def add(
        agency: str,
        ref: str,
        category: str,
        day: str,
        row: dict[str, str],
        summary: str,
        roles: list[tuple[str, str]],
    ) -> None:
        place = Place(
            owner_agency=agencies[agency],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            lsoa=lsoas.get(row["lsoa_code"]),
        )
        inc = Incident(
            owner_agency=agencies[agency],
            reference=ref,
            category=category,
            occurred_on=date.fromisoformat(day),
            summary=summary,
            place=place,
        )
        incidents.append((inc, [(rid, role) for rid, role in roles if rid]))

    for r in da:
        add(
            r["agency"].lower(),
            r["incident_id"],
            Incident.Category.DOMESTIC_ABUSE,
            r["date"],
            r,
            "Domestic abuse incident",
            [
                (r["victim_record_id"], SubjectRole.VICTIM),
                (r["perpetrator_record_id"], SubjectRole.SUSPECT),
            ],
        )
    for r in hate:
        agency = "lcc" if r["reported_via"] == "third_party_centre" else "wyp"
        add(
            agency,
            r["report_id"],
            Incident.Category.HATE,
            r["date"],
            r,
            f"Hate incident ({r['strands'].replace(';', ', ').replace('_', ' ')})",
            [(r["victim_record_id"], SubjectRole.VICTIM)],
        )
    for r in asb:
        add(
            "lcc",
            r["complaint_id"],
            Incident.Category.ASB,
            r["date"],
            r,
            f"ASB complaint: {r['category']}",
            [
                (r["complainant_record_id"], SubjectRole.COMPLAINANT),
                (r["alleged_perpetrator_record_id"], SubjectRole.SUSPECT),
            ],
        )
    for r in offences:
        if not r["offender_record_ids"]:
            continue  # undetected crime holds nobody's personal data here
        roles = [(o, SubjectRole.SUSPECT) for o in r["offender_record_ids"].split(";")]
        add(
            "wyp",
            r["offence_id"],
            Incident.Category.CRIME,
            r["date"],
            r,
            r["crime_type"],
            [*roles, (r["victim_record_id"], SubjectRole.VICTIM)],
        )

    Place.objects.bulk_create([i.place for i, _ in incidents], batch_size=500)
    for inc, _ in incidents:
        inc.place_id = inc.place.pk
    Incident.objects.bulk_create([i for i, _ in incidents], batch_size=500)
    IncidentPerson.objects.bulk_create(
        [
            IncidentPerson(incident=inc, person=person_of_record[rid], role=role)
            for inc, roles in incidents
            for rid, role in roles
        ],
        batch_size=500,
        ignore_conflicts=True,
    )

    cases = _marac_cases(da, person_of_record, {i.reference: i for i, _ in incidents})
    record_many(
        None,
        operation=Operation.COLLECTION,
        event="demo.partner_data.load",
        records=[(RecordType.PERSON, p.pk, p.pk) for p in persons.values()]
        + [(RecordType.INCIDENT, i.pk, None) for i, _ in incidents]
        + [(RecordType.CASE, c.pk, None) for c in cases],
        detail={"source": "synthetic generator", "seed": seed, "scale": scale},
    )
    return PartnerDataReport(
        len(persons), len(incidents), len(cases), SharingAgreement.objects.count(), True
    )


def _marac_cases(
    da: list[dict[str, str]],
    person_of_record: dict[str, Person],
    incident_by_ref: dict[str, Incident],
) -> list[Case]:
    """One MARAC case per victim-perpetrator pair with 3+ incidents (potential escalation)."""
    pairs = Counter(
        (
            person_of_record[r["victim_record_id"]].pk,
            person_of_record[r["perpetrator_record_id"]].pk,
        )
        for r in da
        if r["victim_record_id"] and r["perpetrator_record_id"]
    )
    lcc = Agency.objects.get(code="lcc")
    members = list(
        User.objects.filter(
            username__in=["carol.coordinator", "harry.health", "pete.practitioner"]
        )
    )
    carol = next((u for u in members if u.username == "carol.coordinator"), None)
    cases: list[Case] = []
    for n, ((victim, perpetrator), count) in enumerate(
        sorted((p for p in pairs.items() if p[1] >= 3), key=lambda p: -p[1])[:12],
        start=1,
    ):
        refs = [
            r["incident_id"]
            for r in da
            if person_of_record[r["victim_record_id"]].pk == victim
            and r["perpetrator_record_id"]
            and person_of_record[r["perpetrator_record_id"]].pk == perpetrator
        ]
        first = min(incident_by_ref[ref].occurred_on for ref in refs)
        case = Case.objects.create(
            reference=f"MARAC-2018-{n:03d}",
            case_type="marac",
            title=f"MARAC referral: {count} incidents in the period",
            lead_agency=lcc,
            opened_on=first,
        )
        CaseMember.objects.bulk_create(
            [
                CaseMember(case=case, user=u)
                for u in members
                if n % 2 or u.username != "harry.health"
            ]
        )
        CasePerson.objects.bulk_create(
            [
                CasePerson(case=case, person_id=victim, role=SubjectRole.VICTIM),
                CasePerson(case=case, person_id=perpetrator, role=SubjectRole.SUSPECT),
            ]
        )
        CaseIncident.objects.bulk_create(
            [CaseIncident(case=case, incident=incident_by_ref[ref]) for ref in refs]
        )
        if carol is not None:
            CaseNote.objects.create(
                case=case,
                author_agency=lcc,
                author=carol,
                kind=CaseNote.Kind.FACT,
                text=f"Referred on potential escalation: {count} incidents reported by "
                "partner agencies.",
            )
        cases.append(case)
    return cases
