"""The review queue and pair pages through the Django test client: a practitioner
reviews and decides; roles that do not review get a 403, pairs not shared a 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from saferleeds.audit.models import AuditEntry
from saferleeds.linkage.actions import do_run_linkage
from saferleeds.linkage.models import AgencyRecord, LinkDecision, LinkPair
from tests.linkage.conftest import Population, make_agreement


@pytest.fixture
def client_for(sign_in: Any, personas: dict[str, Any]) -> Any:
    """A test client signed in (two-factor included) as a persona."""

    def make(username: str) -> Client:
        return sign_in(Client(), personas[username])  # type: ignore[no-any-return]

    return make


@pytest.fixture
def pending(population: Population) -> LinkPair:
    """A run whose thresholds send a police/council pair of one person to review."""
    do_run_linkage(actor=None, threshold=0.999999999, review_low=0.2)
    make_agreement()
    ref_p, ref_c = population.known_to_both()
    ids = sorted(
        AgencyRecord.objects.filter(reference__in=[ref_p, ref_c]).values_list(
            "pk", flat=True
        )
    )
    pair = LinkPair.objects.get(record_l_id=ids[0], record_r_id=ids[1])
    if pair.status != LinkPair.Status.PENDING:  # the model was certain: queue it
        pair.status = LinkPair.Status.PENDING
        pair.save()
    return pair


@pytest.mark.django_db
def test_a_practitioner_reviews_and_decides(pending: LinkPair, client_for: Any) -> None:
    client = client_for("pete.practitioner")
    queue = client.get("/linkage/review/")
    assert queue.status_code == 200
    assert f'href="/linkage/review/{pending.pk}/"' in queue.content.decode()
    page = client.get(f"/linkage/review/{pending.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    left = AgencyRecord.objects.get(pk=pending.record_l_id)
    right = AgencyRecord.objects.get(pk=pending.record_r_id)
    assert left.reference in html and right.reference in html
    assert 'data-testid="side-by-side"' in html
    before = AuditEntry.objects.count()
    missing = client.post(f"/linkage/review/{pending.pk}/", {"decision": "confirm"})
    assert missing.status_code == 400
    assert "Enter why you decided so" in missing.content.decode()
    assert not LinkDecision.objects.exists()
    done = client.post(
        f"/linkage/review/{pending.pk}/",
        {"decision": "confirm", "reason": "Same NHS number on both"},
    )
    assert done.status_code == 302 and done["Location"] == "/linkage/review/"
    decision = LinkDecision.objects.get()
    assert decision.verdict == "match" and decision.reason == "Same NHS number on both"
    pending.refresh_from_db()
    assert pending.status == LinkPair.Status.CONFIRMED
    assert (
        AuditEntry.objects.filter(
            seq__gt=before, event="linkage.pair.confirm", operation="combination"
        ).count()
        == 2
    )
    left.refresh_from_db()
    right.refresh_from_db()
    assert left.person_id == right.person_id
    # The queue no longer lists it; the person page shows how they were linked.
    assert (
        f"/linkage/review/{pending.pk}/"
        not in client.get("/linkage/review/").content.decode()
    )
    person = client.get(f"/people/{left.person_id}/")
    assert person.status_code == 200
    assert "match weight" in person.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username", ["aisha.analyst", "ed.executive", "fran.agencyadmin", "sam.sysadmin"]
)
def test_roles_that_do_not_review_are_refused(
    pending: LinkPair, client_for: Any, username: str
) -> None:
    client = client_for(username)
    assert client.get("/linkage/review/").status_code == 403
    assert client.get(f"/linkage/review/{pending.pk}/").status_code == 403
    posted = client.post(
        f"/linkage/review/{pending.pk}/", {"decision": "reject", "reason": "x"}
    )
    assert posted.status_code == 403
    assert not LinkDecision.objects.exists()


@pytest.mark.django_db
def test_a_pair_not_shared_is_not_found(pending: LinkPair, client_for: Any) -> None:
    # Probation is party to no agreement sharing agency records.
    client = client_for("nadia.probation")
    assert client.get("/linkage/review/").status_code == 200
    assert client.get(f"/linkage/review/{pending.pk}/").status_code == 404
    posted = client.post(
        f"/linkage/review/{pending.pk}/", {"decision": "reject", "reason": "x"}
    )
    assert posted.status_code == 404
    assert client.get("/linkage/review/999999/").status_code == 404
    assert not LinkDecision.objects.exists()
    refusals = AuditEntry.objects.filter(operation="refusal", record_type="link_pair")
    assert refusals.count() >= 3


@pytest.mark.django_db
def test_anonymous_users_sign_in_first(pending: LinkPair) -> None:
    response = Client().get("/linkage/review/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
