"""Load synthetic partner records into the workspace, and the demo's sharing agreements.

The records come from :mod:`saferleeds.demo.generator`. Each agency's records of people
arrive as that agency's extract (``do_receive_agency_records``) and are resolved into
people by the record linkage model (``do_run_linkage``: Splink, default thresholds),
both in :mod:`saferleeds.linkage.actions`, as a partnership's would be: the generator's planted truth (``truth/people.csv``) is never
read to link. Incidents, places and MARAC cases (for escalating domestic-abuse pairs)
then name the person each agency record was resolved to.

Only after linking is the truth read, to measure the model (:class:`LinkageQuality`):
pairwise precision and recall of the people it resolved, reported by ``saferleeds demo
load`` and kept in the load's audit entries. The pairs it sent to review stay in the
review queue for the data-quality lead. The agreements are chosen so that users of
different agencies see different things.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from saferleeds.audit.log import record_many
from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.core.actor import Actor
from saferleeds.demo.clock import DemoCalendar
from saferleeds.demo.generator import generate
from saferleeds.incidents.models import Incident, IncidentPerson
from saferleeds.linkage.actions import (
    RunResult,
    do_receive_agency_records,
    do_run_linkage,
)
from saferleeds.linkage.models import AgencyRecord
from saferleeds.linkage.records import AGENCY_RECORD
from saferleeds.partners.actions import do_create_agreement
from saferleeds.partners.models import (
    Agency,
    CaseType,
    RecordType,
    Role,
    SharingAgreement,
)
from saferleeds.people.models import Person, SubjectRole
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
LOAD_EVENT = "demo.partner_data.load"
BATCH = "demo-extract"  # each agency's extract is received under this batch name


@dataclass(frozen=True)
class LinkageQuality:
    """How the linkage model resolved the demo's agency records, against the truth.

    Pairs are counted over all pairs of agency records. A *linked* pair is two records
    the run put in one resolved person: the model's own links at or above the link
    threshold, joined into clusters. The pairs it sent to review (between the review
    and link thresholds) are *not* linked, since no reviewer has decided them yet, so
    the figures measure the model alone. A *true* pair is two records of one planted
    person.

    Attributes:
        records: Agency records linked.
        people: Resolved people.
        true_pairs: Pairs of records of one planted person.
        linked_pairs: Pairs of records in one resolved person.
        correct_pairs: Pairs both linked and true.
        to_review: Pairs left in the review queue.
        threshold: The link threshold of the run.
        review_low: The review threshold of the run.
        seconds: Time the linkage run took.
    """

    records: int
    people: int
    true_pairs: int
    linked_pairs: int
    correct_pairs: int
    to_review: int
    threshold: float
    review_low: float
    seconds: float

    @property
    def precision(self) -> float:
        """Share of linked pairs that are true (1.0 when nothing was linked)."""
        return self.correct_pairs / self.linked_pairs if self.linked_pairs else 1.0

    @property
    def recall(self) -> float:
        """Share of true pairs that were linked (1.0 when there are none)."""
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data (for the audit entry), with both rates."""
        return {
            **asdict(self),
            "precision": round(self.precision, 6),
            "recall": round(self.recall, 6),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinkageQuality:
        """The figures from :meth:`as_dict` (the rates are recomputed)."""
        return cls(**{f: data[f] for f in cls.__dataclass_fields__})


@dataclass(frozen=True)
class PartnerDataReport:
    """What the demo holds after seeding.

    ``linkage`` is the measure of the linkage run that resolved the demo's people (from
    the first load's audit entry when the demo was loaded already; ``None`` if none).
    """

    people: int
    incidents: int
    cases: int
    agreements: int
    created: bool
    linkage: LinkageQuality | None = None


def _pairs(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def pair_counts(
    resolved: Mapping[str, object], truth: Mapping[str, str]
) -> tuple[int, int, int]:
    """Pairwise counts of a resolution against the truth, over all pairs of records.

    Args:
        resolved: Record id to the resolved person (any hashable id).
        truth: Record id to the true person, for the same records.

    Returns:
        ``(true_pairs, linked_pairs, correct_pairs)``: pairs of records of one true
        person, pairs in one resolved person, and pairs that are both.

    Raises:
        KeyError: A resolved record the truth does not name.
    """
    return (
        _pairs(Counter(truth[r] for r in resolved).values()),
        _pairs(Counter(resolved.values()).values()),
        _pairs(Counter((p, truth[r]) for r, p in resolved.items()).values()),
    )


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _agreements(today: date) -> None:
    a = {x.code: x for x in Agency.objects.all()}
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
            # Each agency's own record of a person: so that both agencies' reviewers
            # can compare the pairs the linkage model was unsure of.
            AGENCY_RECORD,
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
            AGENCY_RECORD,
            RecordType.INCIDENT,
            RecordType.OFFENCE,
            RecordType.DISPOSAL,
            # The police's OCG nominal lists: IOM cohorts take in OCG nominals.
            RecordType.OCG_NOMINATION,
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


def _extract_feed(agency: Agency) -> Actor:
    """The agency's nightly extract as the actor sending it (no one is signed in).

    Receiving records is a practitioner's action (they record people); the feed acts
    for its agency with that role only, and the audit log names it.
    """
    return Actor(
        user_id=None,
        username=f"{agency.code}.extract",
        agency_id=agency.pk,
        agency_code=agency.code,
        roles=frozenset({str(Role.PRACTITIONER)}),
        purpose="demo: partner extract of people",
    )


def _receive(
    people_rows: list[dict[str, str]],
    agencies: Mapping[str, Agency],
    calendar: DemoCalendar,
) -> None:
    """Receive each agency's records of people as that agency's extract, unlinked.

    Reads the rows of ``people.csv`` only (each agency's own records), never the
    truth. The agency's reference is its own (a CCG's is the NHS number); no
    identifier is shared across agencies, so none is given to the model. Dates of
    birth move by whole years with the incidents (``calendar``), so people keep their
    ages and an agency's day-month swap stays one.
    """
    by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in people_rows:
        by_agency[r["agency"].lower()].append(
            {
                "reference": r["agency_ref"],
                "forename": r["first_name"],
                "surname": r["surname"],
                "date_of_birth": calendar.born(date.fromisoformat(r["date_of_birth"]))
                if r["date_of_birth"]
                else None,
                "sex": r["sex"] or Person.Sex.UNKNOWN,
                "postcode": r["postcode"],
                "address": r.get("address", ""),
            }
        )
    for code, rows in sorted(by_agency.items()):
        do_receive_agency_records(
            rows, actor=_extract_feed(agencies[code]), batch=BATCH
        )


def _person_of_record(
    people_rows: list[dict[str, str]], agencies: Mapping[str, Agency]
) -> dict[str, Person]:
    """The generator's record id to the person linkage resolved its agency record to."""
    held = {
        (r.agency_id, r.reference): r.person
        for r in AgencyRecord.objects.select_related("person").filter(batch=BATCH)
    }
    out: dict[str, Person] = {}
    for r in people_rows:
        person = held[(agencies[r["agency"].lower()].pk, r["agency_ref"])]
        if person is None:  # every record is resolved, alone if nothing matched
            raise RuntimeError(f"agency record {r['record_id']} was not resolved")
        out[r["record_id"]] = person
    return out


def _measure(
    run: RunResult, person_of_record: Mapping[str, Person], truth_csv: Path
) -> LinkageQuality:
    """The run's people against the planted truth: read here, after linking only."""
    truth = {r["record_id"]: r["person_id"] for r in _read(truth_csv)}
    true_pairs, linked_pairs, correct_pairs = pair_counts(
        {rid: p.pk for rid, p in person_of_record.items()}, truth
    )
    return LinkageQuality(
        records=run.records,
        people=run.people,
        true_pairs=true_pairs,
        linked_pairs=linked_pairs,
        correct_pairs=correct_pairs,
        to_review=run.to_review,
        threshold=run.run.threshold,
        review_low=run.run.review_low,
        seconds=round(run.seconds, 3),
    )


def _loaded_quality() -> LinkageQuality | None:
    """The measure kept by the first load (its audit entries), if any."""
    entry = (
        AuditEntry.objects.filter(event=LOAD_EVENT, detail__has_key="linkage")
        .order_by("seq")
        .first()
    )
    if entry is None:
        return None
    return LinkageQuality.from_dict(entry.detail["linkage"])


Step = Callable[[str], None]


@transaction.atomic
def seed_partner_data(
    *,
    seed: int = DEMO_SEED,
    scale: float = DEMO_SCALE,
    on_step: Step | None = None,
    today: date | None = None,
) -> PartnerDataReport:
    """Load the synthetic partner records and agreements once (safe to repeat).

    Each agency's records of people are received as its extract and resolved into
    people by the linkage model; the truth is read afterwards, only to measure it.
    The generator's dates are moved to end a few weeks before ``today``
    (:class:`~saferleeds.demo.clock.DemoCalendar`): this is recent casework.

    Args:
        seed: The generator's seed.
        scale: The generator's scale.
        on_step: Called with a description as each long step of the linkage starts.
        today: The day of the load (default: the local date).
    """
    if SharingAgreement.objects.filter(reference=MARKER).exists():
        return PartnerDataReport(
            Person.objects.count(),
            Incident.objects.count(),
            Case.objects.count(),
            SharingAgreement.objects.count(),
            False,
            _loaded_quality(),
        )
    calendar = DemoCalendar.of(today)
    _agreements(calendar.today)
    agencies = {x.code: x for x in Agency.objects.all()}
    with tempfile.TemporaryDirectory(prefix="sl-demo-") as tmp:
        out = Path(tmp)
        generate(out, seed=seed, scale=scale)
        people_rows = _read(out / "people.csv")
        da = _read(out / "da_incidents.csv")
        hate = _read(out / "hate_reports.csv")
        asb = _read(out / "asb_complaints.csv")
        offences = _read(out / "offences.csv")
        _receive(people_rows, agencies, calendar)
        run = do_run_linkage(actor=None, on_step=on_step)
        person_of_record = _person_of_record(people_rows, agencies)
        quality = _measure(run, person_of_record, out / "truth" / "people.csv")

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
            occurred_on=calendar.day(date.fromisoformat(day)),
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
    # The people were collected (each agency record) and created (each resolved
    # person) by linkage, which logged them; this logs what the loader made, with the
    # model's measure, so the figures reported stay on record.
    record_many(
        None,
        operation=Operation.COLLECTION,
        event=LOAD_EVENT,
        records=[(RecordType.INCIDENT, i.pk, None) for i, _ in incidents]
        + [(RecordType.CASE, c.pk, None) for c in cases],
        detail={
            "source": "synthetic generator",
            "seed": seed,
            "scale": scale,
            "linkage": quality.as_dict(),
        },
    )
    return PartnerDataReport(
        len(set(person_of_record.values())),
        len(incidents),
        len(cases),
        SharingAgreement.objects.count(),
        True,
        quality,
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
            # The year the case was opened (its first incident); numbered by rank.
            reference=f"MARAC-{first.year}-{n:03d}",
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
