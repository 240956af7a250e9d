"""The demo's case core: tasks, documents, consent and general cases, made once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from saferleeds.audit.models import AuditEntry
from saferleeds.demo.casework import cases
from saferleeds.demo.partner_data import seed_partner_data
from saferleeds.safeguarding import documents
from saferleeds.safeguarding.models import Case, CaseDocument, CaseTask


@pytest.mark.django_db
def test_seed_adds_casework_through_the_actions_once(
    personas: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    settings.SAFERLEEDS_DOCUMENT_ROOT = tmp_path / "documents"
    seed_partner_data()
    marac = list(Case.objects.filter(reference__regex=r"^MARAC-[0-9]{4}-[0-9]{3}$"))
    assert marac
    created = cases.seed()
    assert created > 0
    assert cases.seed() == 0  # safe to repeat
    assert CaseTask.objects.filter(case__in=marac).count() == 3 * len(marac)
    assert {c.consent for c in Case.objects.filter(pk__in=[c.pk for c in marac])} == {
        "given",
        "overridden",
        "not_sought",
    }
    today = timezone.localdate()
    assert CaseTask.objects.filter(completed_on__isnull=True, due_on__lt=today).exists()
    assert CaseTask.objects.filter(completed_on__isnull=False).exists()
    docs = list(CaseDocument.objects.all())
    assert len(docs) == 2
    for doc in docs:
        data = documents.read_document(doc.stored_name)
        assert documents.check_document(doc.original_name, data).kind == "pdf"
    general = Case.objects.filter(reference__regex=r"^CASE-[0-9]{4}-00[12]$")
    assert general.count() == 2
    assert {c.lead_agency.code for c in general} == {"lcc", "wyp"}
    # Built through the actions: the audit log has each task and document.
    assert AuditEntry.objects.filter(event="safeguarding.case_task.create").count() == (
        CaseTask.objects.count()
    )
    assert AuditEntry.objects.filter(
        event="safeguarding.case_document.upload"
    ).count() == len(docs)
