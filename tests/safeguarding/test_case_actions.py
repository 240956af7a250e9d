"""The case core's actions: each checks, changes and audits in one transaction.

The world (built through the actions): no sharing agreements, so each agency sees only
its own records and the cases its workers are members of.

- Carol (Leeds City Council, case coordinator) opens a case; LCC leads it.
- Pete (West Yorkshire Police) and Harry (NHS CCG) are practitioners of other agencies:
  strangers to the case until added as members.
- Aisha (LCC analyst) sees the case pseudonymised and changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from saferleeds.audit.models import AuditEntry, Operation
from saferleeds.incidents.actions import do_create_incident
from saferleeds.locking import Conflict
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, NotFound, actor_for
from saferleeds.places.actions import do_create_place
from saferleeds.safeguarding import documents
from saferleeds.safeguarding.actions import cases as actions
from saferleeds.safeguarding.models import (
    Case,
    CaseDocument,
    CaseIncident,
    CaseMember,
    CaseNote,
    CasePlace,
    CaseTask,
)

OPENED = date(2024, 6, 1)

# Smallest files of each allowed type that pass the content check.
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 24


def docx_bytes(*, with_document: bool = True) -> bytes:
    """A zip laid out as a Word document (or, without word/document.xml, not one)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def odt_bytes() -> bytes:
    """A zip laid out as an OpenDocument text file (mimetype first, stored)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.text",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


def entries(event: str, record_id: object | None = None) -> list[AuditEntry]:
    """Audit entries for an event (and record)."""
    qs = AuditEntry.objects.filter(event=event)
    if record_id is not None:
        qs = qs.filter(record_id=str(record_id))
    return list(qs)


def actors(personas: dict[str, Any]) -> dict[str, Actor]:
    """Fresh actors (case memberships are read when the actor is built)."""
    return {name.split(".")[0]: actor_for(user) for name, user in personas.items()}


def open_case(carol: Actor, **extra: Any) -> Case:
    return actions.do_create_case(
        actor=carol,
        case_type="marac",
        title="MARAC referral for Alice Smith",
        opened_on=OPENED,
        **extra,
    )


@pytest.fixture
def docroot(tmp_path: Path, settings: Any) -> Path:
    """Documents stored under a fresh folder, outside the web root."""
    settings.SAFERLEEDS_DOCUMENT_ROOT = tmp_path / "documents"
    return tmp_path / "documents"


@pytest.fixture
def world(personas: dict[str, Any], docroot: Path) -> dict[str, Any]:
    case = open_case(actor_for(personas["carol.coordinator"]))
    # Actors built after the case exists, as the next request would build them.
    return {"case": case, "personas": personas, **actors(personas)}


# --- opening and changing a case -------------------------------------------------------


@pytest.mark.django_db
def test_create_case_gives_the_next_reference_and_audits(
    personas: dict[str, Any],
) -> None:
    carol = actor_for(personas["carol.coordinator"])
    first = open_case(carol)
    second = actions.do_create_case(
        actor=carol,
        case_type="asb",
        title="Noise and threats at a block of flats",
        summary="Three households complaining",
        risk_level="medium",
        review_due_on=OPENED + timedelta(days=28),
        opened_on=OPENED,
    )
    third = open_case(carol)
    assert (first.reference, second.reference, third.reference) == (
        "MARAC-2024-001",
        "ASB-2024-001",
        "MARAC-2024-002",
    )
    assert second.summary == "Three households complaining"
    assert second.risk_level == "medium"
    assert second.lead_agency.code == "lcc"
    assert CaseMember.objects.filter(case=first, user=personas["carol.coordinator"])
    [entry] = entries("safeguarding.case.create", first.pk)
    assert entry.operation == Operation.COLLECTION
    # Existing callers pass their own reference; today is the default opening date.
    own = actions.do_create_case(
        actor=carol, reference="OWN-1", case_type="general", title="Own"
    )
    assert (own.reference, own.opened_on) == ("OWN-1", timezone.localdate())


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["aisha.analyst", "fran.agencyadmin", "iris.ig"])
def test_only_caseworkers_open_cases(personas: dict[str, Any], username: str) -> None:
    with pytest.raises(Forbidden):
        open_case(actor_for(personas[username]))
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_create_case_refuses_unknown_type_and_risk(personas: dict[str, Any]) -> None:
    carol = actor_for(personas["carol.coordinator"])
    with pytest.raises(ValueError):
        actions.do_create_case(actor=carol, case_type="nope", title="x")
    with pytest.raises(ValueError):
        actions.do_create_case(
            actor=carol, case_type="general", title="x", risk_level="extreme"
        )


@pytest.mark.django_db
def test_update_case_is_versioned_and_audits_field_names(
    world: dict[str, Any],
) -> None:
    case, carol = world["case"], world["carol"]
    updated = actions.do_update_case(
        case.pk,
        actor=carol,
        expected_version=1,
        changes={"title": "New title", "risk_level": "high", "summary": "s"},
    )
    assert (updated.title, updated.risk_level, updated.version) == (
        "New title",
        "high",
        2,
    )
    [entry] = entries("safeguarding.case.update", case.pk)
    assert entry.operation == Operation.ALTERATION
    assert entry.detail == {
        "fields": ["risk_level", "summary", "title"],
        "from_version": 1,
    }
    # A second save from the version the first user saw is refused, nothing written.
    with pytest.raises(Conflict):
        actions.do_update_case(
            case.pk, actor=carol, expected_version=1, changes={"title": "Lost"}
        )
    case.refresh_from_db()
    assert case.title == "New title"
    assert len(entries("safeguarding.case.update", case.pk)) == 1


@pytest.mark.django_db
def test_an_action_and_its_audit_entry_commit_or_roll_back_together(
    world: dict[str, Any],
) -> None:
    case, carol = world["case"], world["carol"]
    lcc = Agency.objects.get(code="lcc")
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.do_add_case_task(
            case.pk, actor=carol, title="t", owner_agency_id=lcc.pk, due_on=OPENED
        )
        assert entries("safeguarding.case_task.create")  # written inside...
        raise RuntimeError("the request failed after the action")
    assert not CaseTask.objects.exists()
    assert not entries("safeguarding.case_task.create")  # ...and rolled back with it


# --- who may act: NotFound for strangers, Forbidden for those who only see ----------------


def _lcc(_: Any) -> int:
    return Agency.objects.get(code="lcc").pk


ACTIONS: dict[str, Callable[[Case, Actor], Any]] = {
    "update": lambda c, a: actions.do_update_case(
        c.pk, actor=a, expected_version=c.version, changes={"title": "x"}
    ),
    "consent": lambda c, a: actions.do_record_consent(
        c.pk, actor=a, expected_version=c.version, consent="given", recorded_on=OPENED
    ),
    "close": lambda c, a: actions.do_close_case(
        c.pk, actor=a, expected_version=c.version, outcome="resolved", closed_on=OPENED
    ),
    "note": lambda c, a: actions.do_add_case_note(c.pk, actor=a, kind="fact", text="x"),
    "task": lambda c, a: actions.do_add_case_task(
        c.pk, actor=a, title="x", owner_agency_id=_lcc(c), due_on=OPENED
    ),
    "document": lambda c, a: actions.do_upload_case_document(
        c.pk, actor=a, title="x", filename="x.pdf", data=PDF
    ),
    "remove_member": lambda c, a: actions.do_remove_case_member(
        c.pk, c.members.first().user_id, actor=a
    ),
    "unlink_place": lambda c, a: actions.do_unlink_place_from_case(c.pk, 1, actor=a),
    "unlink_incident": lambda c, a: actions.do_unlink_incident_from_case(
        c.pk, 1, actor=a
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_a_stranger_gets_not_found_and_the_refusal_is_logged(
    world: dict[str, Any], name: str
) -> None:
    case = world["case"]
    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        ACTIONS[name](case, world["pete"])
    refusals = AuditEntry.objects.filter(
        operation=Operation.REFUSAL, actor_username="pete.practitioner"
    )
    assert refusals.count() == 1
    assert AuditEntry.objects.count() == before + 1
    case.refresh_from_db()
    assert case.version == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_an_analyst_who_sees_the_case_may_not_change_it(
    world: dict[str, Any], name: str
) -> None:
    with pytest.raises(Forbidden):
        ACTIONS[name](world["case"], world["aisha"])


@pytest.mark.django_db
def test_a_member_of_another_agency_may_change_but_not_close(
    world: dict[str, Any], personas: dict[str, Any]
) -> None:
    case = world["case"]
    actions.do_add_case_member(
        case.pk, personas["pete.practitioner"], actor=world["carol"]
    )
    pete = actor_for(personas["pete.practitioner"])
    actions.do_add_case_note(case.pk, actor=pete, kind="assessment", text="seen")
    with pytest.raises(Forbidden):
        ACTIONS["close"](case, pete)
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN


# --- consent ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_consent_dates_and_the_reason_for_sharing_without_it(
    world: dict[str, Any],
) -> None:
    case, carol = world["case"], world["carol"]
    today = timezone.localdate()

    def consent(value: str, on: date | None, note: str = "") -> Case:
        case.refresh_from_db()
        return actions.do_record_consent(
            case.pk,
            actor=carol,
            expected_version=case.version,
            consent=value,
            recorded_on=on,
            note=note,
        )

    with pytest.raises(ValueError, match="future"):
        consent("given", today + timedelta(days=1))
    with pytest.raises(ValueError, match="before the case opened"):
        consent("given", OPENED - timedelta(days=1))
    with pytest.raises(ValueError, match="needs the date"):
        consent("refused", None)
    with pytest.raises(ValueError, match="reason"):
        consent("overridden", today, "   ")
    assert consent("given", OPENED).consent_recorded_on == OPENED
    assert consent("given", today).consent_recorded_on == today
    shared = consent("overridden", today, "Risk of serious harm")
    assert (shared.consent, shared.consent_note) == (
        "overridden",
        "Risk of serious harm",
    )
    # Not yet sought has no decision date, whatever was sent.
    assert consent("not_sought", today).consent_recorded_on is None
    assert [e.detail["consent"] for e in entries("safeguarding.case.consent")] == [
        "given",
        "given",
        "overridden",
        "not_sought",
    ]


# --- closure and reopening -------------------------------------------------------------------


@pytest.mark.django_db
def test_close_with_outcome_at_the_date_boundaries_then_reopen(
    world: dict[str, Any],
) -> None:
    case, carol = world["case"], world["carol"]
    today = timezone.localdate()

    def close(on: date) -> Case:
        case.refresh_from_db()
        return actions.do_close_case(
            case.pk,
            actor=carol,
            expected_version=case.version,
            outcome="risk_reduced",
            closed_on=on,
            note="Safety plan in place",
        )

    with pytest.raises(ValueError, match="future"):
        close(today + timedelta(days=1))
    with pytest.raises(ValueError, match="before the case opened"):
        close(OPENED - timedelta(days=1))
    with pytest.raises(ValueError):
        actions.do_close_case(
            case.pk, actor=carol, expected_version=1, outcome="nope", closed_on=today
        )
    closed = close(OPENED)
    assert (closed.status, closed.closed_on, closed.outcome) == (
        "closed",
        OPENED,
        "risk_reduced",
    )
    assert entries("safeguarding.case.close", case.pk)[0].detail["outcome"] == (
        "risk_reduced"
    )
    # A closed case is read-only, except for notes and reopening.
    for name in ("update", "task", "document", "consent", "close"):
        with pytest.raises(Forbidden):
            ACTIONS[name](closed, carol)
    actions.do_add_case_note(case.pk, actor=carol, kind="fact", text="after closure")
    with pytest.raises(ValueError):
        actions.do_reopen_case(
            case.pk, actor=carol, expected_version=closed.version, reason=" "
        )
    with pytest.raises(Conflict):
        actions.do_reopen_case(case.pk, actor=carol, expected_version=1, reason="x")
    reopened = actions.do_reopen_case(
        case.pk, actor=carol, expected_version=closed.version, reason="New incident"
    )
    assert (reopened.status, reopened.closed_on, reopened.outcome) == ("open", None, "")
    assert CaseNote.objects.filter(case=case, text="Case reopened: New incident")
    assert entries("safeguarding.case.reopen", case.pk)[0].detail == {
        "previous_outcome": "risk_reduced",
        "from_version": closed.version,
    }
    with pytest.raises(Forbidden):
        actions.do_reopen_case(
            case.pk, actor=carol, expected_version=reopened.version, reason="again"
        )


# --- members ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_adding_a_member_is_a_disclosure_to_them_and_opens_the_case(
    world: dict[str, Any], personas: dict[str, Any]
) -> None:
    case, carol = world["case"], world["carol"]
    harry = personas["harry.health"]
    with pytest.raises(NotFound):
        actions.do_add_case_note(
            case.pk, actor=actor_for(harry), kind="fact", text="not yet"
        )
    actions.do_add_case_member(case.pk, harry, actor=carol)
    [entry] = entries("safeguarding.case.add_member", case.pk)
    assert (entry.operation, entry.recipient) == (Operation.DISCLOSURE, "harry.health")
    actions.do_add_case_note(case.pk, actor=actor_for(harry), kind="fact", text="now")
    # Removing them closes it again; the last member cannot be removed.
    actions.do_remove_case_member(case.pk, harry.pk, actor=carol)
    [removed] = entries("safeguarding.case.remove_member", case.pk)
    assert removed.detail == {"member": "harry.health"}
    with pytest.raises(NotFound):
        actions.do_add_case_note(case.pk, actor=actor_for(harry), kind="fact", text="x")
    with pytest.raises(Forbidden, match="at least one member"):
        actions.do_remove_case_member(
            case.pk, personas["carol.coordinator"].pk, actor=carol
        )
    with pytest.raises(Forbidden, match="not a member"):
        actions.do_remove_case_member(case.pk, harry.pk, actor=carol)


@pytest.mark.django_db
def test_inactive_workers_cannot_join(
    world: dict[str, Any], personas: dict[str, Any]
) -> None:
    harry = personas["harry.health"]
    harry.is_active = False
    harry.save()
    with pytest.raises(Forbidden):
        actions.do_add_case_member(world["case"].pk, harry, actor=world["carol"])


# --- linked places and incidents ------------------------------------------------------------


@pytest.mark.django_db
def test_link_and_unlink_places_and_incidents(world: dict[str, Any]) -> None:
    case, carol, pete = world["case"], world["carol"], world["pete"]
    place = do_create_place(actor=carol, address="1 Park Row", postcode="LS1 5HD")
    incident = do_create_incident(
        actor=carol,
        reference="LCC-1",
        category="domestic_abuse",
        occurred_on=OPENED,
        place=place,
    )
    police_place = do_create_place(actor=pete, address="Police only")
    police_incident = do_create_incident(
        actor=pete, reference="WYP-1", category="crime", occurred_on=OPENED
    )
    actions.do_link_place_to_case(case.pk, place.pk, actor=carol, note="Victim's home")
    actions.do_link_incident_to_case(case.pk, incident.pk, actor=carol)
    assert CasePlace.objects.get(case=case).note == "Victim's home"
    assert CaseIncident.objects.filter(case=case, incident=incident).exists()
    linked = entries("safeguarding.case.link_place") + entries(
        "safeguarding.case.link_incident"
    )
    assert {e.operation for e in linked} == {Operation.COMBINATION}
    # Another agency's records that are not shared cannot be linked.
    with pytest.raises(NotFound):
        actions.do_link_place_to_case(case.pk, police_place.pk, actor=carol)
    with pytest.raises(NotFound):
        actions.do_link_incident_to_case(case.pk, police_incident.pk, actor=carol)
    actions.do_unlink_place_from_case(case.pk, place.pk, actor=carol)
    actions.do_unlink_incident_from_case(case.pk, incident.pk, actor=carol)
    assert not CasePlace.objects.filter(case=case).exists()
    assert not CaseIncident.objects.filter(case=case).exists()
    with pytest.raises(Forbidden, match="not linked"):
        actions.do_unlink_place_from_case(case.pk, place.pk, actor=carol)
    assert len(entries("safeguarding.case.unlink_incident", case.pk)) == 1


# --- tasks -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tasks_due_dates_and_who_completes_them(
    world: dict[str, Any], personas: dict[str, Any]
) -> None:
    case, carol = world["case"], world["carol"]
    agencies = {a.code: a for a in Agency.objects.all()}
    with pytest.raises(ValueError, match="before the case opened"):
        actions.do_add_case_task(
            case.pk,
            actor=carol,
            title="Too early",
            owner_agency_id=agencies["wyp"].pk,
            due_on=OPENED - timedelta(days=1),
        )
    with pytest.raises(ValueError, match="owner agency"):
        actions.do_add_case_task(
            case.pk,
            actor=carol,
            title="Wrong assignee",
            owner_agency_id=agencies["wyp"].pk,
            due_on=OPENED,
            assigned_to_id=personas["harry.health"].pk,
        )
    task = actions.do_add_case_task(
        case.pk,
        actor=carol,
        title="Flag the address",
        owner_agency_id=agencies["wyp"].pk,
        due_on=OPENED,
        assigned_to_id=personas["pete.practitioner"].pk,
    )
    [created] = entries("safeguarding.case_task.create", task.pk)
    assert created.operation == Operation.COLLECTION
    for user in ("pete.practitioner", "harry.health"):
        actions.do_add_case_member(case.pk, personas[user], actor=carol)
    pete = actor_for(personas["pete.practitioner"])
    harry = actor_for(personas["harry.health"])
    today = timezone.localdate()

    def complete(actor: Actor, **kw: Any) -> CaseTask:
        task.refresh_from_db()
        args = {"expected_version": task.version, "completed_on": today, "note": "Done"}
        return actions.do_complete_case_task(task.pk, actor=actor, **{**args, **kw})

    with pytest.raises(Forbidden):  # a member, but neither owner nor lead agency
        complete(harry)
    with pytest.raises(ValueError, match="note"):
        complete(pete, note="  ")
    with pytest.raises(ValueError, match="future"):
        complete(pete, completed_on=today + timedelta(days=1))
    with pytest.raises(ValueError, match="before the case opened"):
        complete(pete, completed_on=OPENED - timedelta(days=1))
    with pytest.raises(Conflict):
        complete(pete, expected_version=task.version + 1)
    done = complete(pete, completed_on=OPENED, note="Address flagged")
    assert (done.completed_on, done.completed_by_id, done.completion_note) == (
        OPENED,
        personas["pete.practitioner"].pk,
        "Address flagged",
    )
    assert entries("safeguarding.case_task.complete", task.pk)[0].detail == {
        "case": case.pk,
        "from_version": 1,
    }
    with pytest.raises(Forbidden, match="already complete"):
        complete(carol)
    # The lead agency may complete a task another agency owns.
    other = actions.do_add_case_task(
        case.pk,
        actor=pete,
        title="GP letter",
        owner_agency_id=agencies["ccg"].pk,
        due_on=today,
    )
    finished = actions.do_complete_case_task(
        other.pk, actor=carol, expected_version=1, completed_on=today, note="Sent"
    )
    assert finished.completed_on == today


# --- documents -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "data", "content_type"),
    [
        ("letter.pdf", PDF, "application/pdf"),
        ("photo.PNG", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("report.docx", docx_bytes(), documents.ALLOWED["docx"].content_type),
        ("report.odt", odt_bytes(), documents.ALLOWED["odt"].content_type),
        ("notes.txt", "Café notes\n".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_each_allowed_type_is_stored_outside_the_web_root(
    world: dict[str, Any], docroot: Path, filename: str, data: bytes, content_type: str
) -> None:
    doc = actions.do_upload_case_document(
        world["case"].pk,
        actor=world["carol"],
        title="Evidence",
        filename=filename,
        data=data,
    )
    assert (doc.content_type, doc.size) == (content_type, len(data))
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    stored = docroot / doc.stored_name
    assert stored.read_bytes() == data
    # A random server-made name: nothing of the user's file name, 160 random bits.
    assert len(doc.stored_name) == 40 and int(doc.stored_name, 16) >= 0
    assert Path(filename).stem.lower() not in doc.stored_name
    assert not stored.resolve().is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not stored.resolve().is_relative_to(settings.BASE_DIR)
    assert stored.stat().st_mode & 0o077 == 0
    [entry] = entries("safeguarding.case_document.upload", doc.pk)
    assert (entry.operation, entry.record_type) == (Operation.COLLECTION, "attachment")


@pytest.mark.django_db
def test_size_limit_exactly_at_and_one_byte_over(
    world: dict[str, Any], docroot: Path, settings: Any
) -> None:
    settings.SAFERLEEDS_DOCUMENT_MAX_BYTES = 1000
    at_limit = b"a" * 1000
    doc = actions.do_upload_case_document(
        world["case"].pk,
        actor=world["carol"],
        title="At",
        filename="a.txt",
        data=at_limit,
    )
    assert doc.size == 1000
    with pytest.raises(documents.DocumentRejected, match="smaller than"):
        actions.do_upload_case_document(
            world["case"].pk,
            actor=world["carol"],
            title="Over",
            filename="b.txt",
            data=at_limit + b"a",
        )
    assert CaseDocument.objects.count() == 1
    assert len(list(docroot.iterdir())) == 1


def test_the_default_limit_is_ten_megabytes() -> None:
    assert settings.SAFERLEEDS_DOCUMENT_MAX_BYTES == 10 * 1024 * 1024
    assert Path(settings.SAFERLEEDS_DOCUMENT_ROOT) == settings.DATA_DIR / "documents"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("program.pdf", b"MZ\x90\x00" + b"\x00" * 60, "not a real PDF"),
        ("picture.png", JPEG, "not a real PNG"),
        ("picture.jpg", PNG, "not a real JPEG"),
        ("report.docx", docx_bytes(with_document=False), "not a real Word"),
        ("report.docx", PDF, "not a real Word"),
        ("report.odt", docx_bytes(), "not a real OpenDocument"),
        ("binary.txt", b"text\x00more", "not a real Plain text"),
        ("latin1.txt", "caf\xe9".encode("latin-1"), "not a real Plain text"),
        ("script.exe", PDF, "must be a"),
        ("page.html", b"<html>", "must be a"),
        ("noextension", PDF, "must be a"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_wrong_type_or_content_is_refused_and_nothing_is_stored(
    world: dict[str, Any], docroot: Path, filename: str, data: bytes, message: str
) -> None:
    with pytest.raises(documents.DocumentRejected, match=message):
        actions.do_upload_case_document(
            world["case"].pk,
            actor=world["carol"],
            title="x",
            filename=filename,
            data=data,
        )
    assert not CaseDocument.objects.exists()
    assert not docroot.exists() or not list(docroot.iterdir())
    assert not entries("safeguarding.case_document.upload")


def test_a_zip_bomb_disguised_as_docx_is_refused_before_unpacking() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * (documents.ZIP_MAX_UNPACKED + 1))
    with pytest.raises(documents.DocumentRejected):
        documents.check_document("bomb.docx", buf.getvalue())


def test_download_names_are_made_safe() -> None:
    assert documents.download_name("../../etc/passwd") == "passwd"
    assert documents.download_name('a"b;c\r\n.pdf') == "a_b_c__.pdf"
    assert documents.download_name("..") == "document"
    with pytest.raises(FileNotFoundError):
        documents.read_document("../../settings.py")


@pytest.mark.django_db
def test_link_and_unlink_a_person_in_a_role(world: dict[str, Any]) -> None:
    from saferleeds.people.actions import do_create_person
    from saferleeds.safeguarding.models import CasePerson

    case, carol = world["case"], world["carol"]
    alice = do_create_person(
        actor=carol, reference="LCC-9", given_name="Alice", family_name="Smith"
    )
    with pytest.raises(ValueError):
        actions.do_link_person_to_case(case.pk, alice.pk, "bystander", actor=carol)
    actions.do_link_person_to_case(case.pk, alice.pk, "victim", actor=carol)
    actions.do_link_person_to_case(case.pk, alice.pk, "witness", actor=carol)
    actions.do_unlink_person_from_case(case.pk, alice.pk, "witness", actor=carol)
    assert list(CasePerson.objects.values_list("role", flat=True)) == ["victim"]
    [entry] = entries("safeguarding.case.unlink_person", case.pk)
    assert (entry.subject_person_id, entry.detail) == (alice.pk, {"role": "witness"})
    with pytest.raises(Forbidden, match="does not have that role"):
        actions.do_unlink_person_from_case(case.pk, alice.pk, "witness", actor=carol)
    with pytest.raises(NotFound):
        actions.do_unlink_person_from_case(
            case.pk, alice.pk, "victim", actor=world["pete"]
        )
    with pytest.raises(Forbidden):
        actions.do_unlink_person_from_case(
            case.pk, alice.pk, "victim", actor=world["aisha"]
        )
