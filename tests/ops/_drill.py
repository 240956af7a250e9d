"""The restore drill's two ends, run as ``python -m tests.ops._drill STEP`` in a process of
their own (so each instance has its own data directory and database, as on a server).

``seed``: migrate, then the demo cast, a case with a note and a document (audited), and
a small analytics store. ``download``: sign in as the document's uploader and download
it through the page; prints the SHA-256 of what was served. ``guarded``: the audit
log's append-only triggers came back with the restore.
"""

from __future__ import annotations

import hashlib
import sys

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def seed() -> None:
    """Make an instance worth backing up."""
    from datetime import date
    from pathlib import Path

    from django.core.management import call_command

    from saferleeds import config
    from saferleeds.analytics.geography import load_geography
    from saferleeds.analytics.store import open_store
    from saferleeds.demo.personas import AGENCIES, DEMO_PASSWORD, PERSONAS
    from saferleeds.importers.police import import_police
    from saferleeds.partners.actions import do_ensure_agency, do_ensure_user
    from saferleeds.partners.policy import actor_for
    from saferleeds.partnership import current
    from saferleeds.safeguarding.actions import cases

    call_command("migrate", interactive=False, verbosity=0)
    agencies = {
        a.code: do_ensure_agency(a.code, a.name, a.kind, actor=None) for a in AGENCIES
    }
    users = {
        p.username: do_ensure_user(
            p.username,
            agency=agencies[p.agency],
            roles=p.roles,
            password=DEMO_PASSWORD,
            actor=None,
        )
        for p in PERSONAS
    }
    carol = actor_for(users["carol.coordinator"])
    case = cases.do_create_case(
        actor=carol,
        case_type="marac",
        title="MARAC referral for the drill",
        opened_on=date(2026, 1, 5),
    )
    cases.do_add_case_note(case.pk, actor=carol, kind="fact", text="Drill note.")
    doc = cases.do_upload_case_document(
        case.pk, actor=carol, title="Plan", filename="plan.pdf", data=PDF
    )
    samples = (
        Path(__file__).resolve().parents[2]
        / "src/saferleeds/importers/police/samples/good"
    )
    with open_store(config.analytics_path()) as store:
        load_geography(store, current())
        import_police(store, sorted(samples.glob("*.csv"))[:1])
    print(f"{case.pk} {doc.pk}")


def download(case_id: str, document_id: str) -> None:
    """Download the document through the page, as its uploader."""
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="carol.coordinator"))
    r = client.get(f"/cases/{case_id}/documents/{document_id}/")
    assert r.status_code == 200, (r.status_code, r.headers)
    print(hashlib.sha256(r.content).hexdigest())


def guarded() -> None:
    """Try to rewrite an audit entry: the restored append-only triggers must refuse."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET event = 'rewritten'")
    except DatabaseError as exc:
        print(f"refused: {exc}".splitlines()[0])
        return
    raise SystemExit("the audit log accepted an UPDATE after the restore")


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferleeds.settings")
    django.setup()
    step, *args = sys.argv[1:]
    {"seed": seed, "download": download, "guarded": guarded}[step](*args)
