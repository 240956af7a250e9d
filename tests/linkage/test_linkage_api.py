"""The record linkage API: the review queue, a pair's evidence, decisions, and how a
person's records were linked, answering as the pages do (issue #13).

Same readers and action as the pages, so the same rules: roles that do not review
get 403, a pair not shared is a 404 identical to a missing one, every record shown
is logged, and a decision is a combination in the audit log.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from saferleeds.audit.models import AuditEntry
from saferleeds.linkage.actions import do_run_linkage
from saferleeds.linkage.models import AgencyRecord, LinkDecision, LinkPair
from saferleeds.people.present import pseudonym
from tests.linkage.conftest import Population, make_agreement

API = "/api/v1"
NOT_FOUND = {"detail": "Not found."}


def api(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def last_seq() -> int:
    last = AuditEntry.objects.order_by("-seq").first()
    return last.seq if last else 0


@pytest.fixture
def pending(population: Population) -> LinkPair:
    """A police/council pair of one person, waiting in the review queue, explained."""
    do_run_linkage(actor=None, threshold=0.999999999, review_low=0.2)
    make_agreement()
    ref_p, ref_c = population.known_to_both()
    ids = sorted(
        AgencyRecord.objects.filter(reference__in=[ref_p, ref_c]).values_list(
            "pk", flat=True
        )
    )
    pair = LinkPair.objects.get(record_l_id=ids[0], record_r_id=ids[1])
    if pair.status != LinkPair.Status.PENDING:
        pair.status = LinkPair.Status.PENDING
        pair.save()
    return pair


@pytest.mark.django_db
def test_queue_pair_and_decision_as_the_pages(
    pending: LinkPair, personas: dict[str, Any]
) -> None:
    client = api(personas["pete.practitioner"])
    before = last_seq()
    queue = client.get(f"{API}/linkage/review/")
    assert queue.status_code == 200, queue.content
    assert queue["Cache-Control"] == "no-store"
    rows = queue.json()
    assert pending.pk in [r["id"] for r in rows]
    listed = AuditEntry.objects.filter(seq__gt=before, event="linkage.review.list")
    assert listed.count() == 2 * len(rows)
    row = next(r for r in rows if r["id"] == pending.pk)
    left = AgencyRecord.objects.get(pk=pending.record_l_id)
    assert row["left"]["reference"] == left.reference
    assert set(row) == {
        "id",
        "left",
        "right",
        "match_probability",
        "match_weight",
        "status",
    }
    assert client.get(f"{API}/linkage/review/?limit=0").status_code == 400

    page = client.get(f"{API}/linkage/review/{pending.pk}/")
    assert page.status_code == 200
    body = page.json()
    assert body["pair"]["id"] == pending.pk and body["same_person"] in (True, False)
    evidence = body["evidence"]
    assert evidence, "a queued pair is explained by the run"
    # The waterfall: the contributions sum to the pair's match weight.
    assert sum(e["match_weight"] for e in evidence) == pytest.approx(
        body["pair"]["match_weight"], abs=1e-6
    )

    bad = client.post(
        f"{API}/linkage/review/{pending.pk}/decision/",
        {"decision": "maybe", "reason": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "decision" in bad.json()
    before = last_seq()
    done = client.post(
        f"{API}/linkage/review/{pending.pk}/decision/",
        {"decision": "confirm", "reason": "Same NHS number"},
        format="json",
    )
    assert done.status_code == 201, done.content
    assert done.json()["status"] == "confirmed" and done.json()["verdict"] == "match"
    assert LinkDecision.objects.get().reason == "Same NHS number"
    assert (
        AuditEntry.objects.filter(
            seq__gt=before, event="linkage.pair.confirm", operation="combination"
        ).count()
        == 2
    )
    again = client.get(f"{API}/linkage/review/{pending.pk}/").json()
    assert [d["verdict"] for d in again["decisions"]] == ["Same person"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username", ["aisha.analyst", "ed.executive", "fran.agencyadmin", "sam.sysadmin"]
)
def test_roles_that_do_not_review_are_refused(
    pending: LinkPair, personas: dict[str, Any], username: str
) -> None:
    client = api(personas[username])
    assert client.get(f"{API}/linkage/review/").status_code == 403
    assert client.get(f"{API}/linkage/review/{pending.pk}/").status_code == 403
    assert client.get(f"{API}/linkage/review/{10**9}/").status_code == 403
    posted = client.post(
        f"{API}/linkage/review/{pending.pk}/decision/",
        {"decision": "reject", "reason": "x"},
        format="json",
    )
    assert posted.status_code == 403
    assert not LinkDecision.objects.exists()


@pytest.mark.django_db
def test_a_pair_not_shared_is_the_same_404_as_a_missing_one(
    pending: LinkPair, personas: dict[str, Any]
) -> None:
    client = api(personas["nadia.probation"])  # party to no agreement on them
    assert client.get(f"{API}/linkage/review/").json() == []
    hidden = client.get(f"{API}/linkage/review/{pending.pk}/")
    missing = client.get(f"{API}/linkage/review/{10**9}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == NOT_FOUND
    posted = client.post(
        f"{API}/linkage/review/{pending.pk}/decision/",
        {"decision": "reject", "reason": "x"},
        format="json",
    )
    assert posted.status_code == 404 and posted.json() == NOT_FOUND
    assert not LinkDecision.objects.exists()


@pytest.mark.django_db
def test_person_links_say_what_the_person_page_says(
    pending: LinkPair, personas: dict[str, Any]
) -> None:
    left = AgencyRecord.objects.get(pk=pending.record_l_id)
    right = AgencyRecord.objects.get(pk=pending.record_r_id)
    LinkPair.objects.filter(pk=pending.pk).update(status=LinkPair.Status.LINKED)
    if left.person_id != right.person_id:  # linked as the model would have
        AgencyRecord.objects.filter(pk=right.pk).update(person_id=left.person_id)
    person_id = left.person_id
    client = api(personas["pete.practitioner"])
    before = last_seq()
    answer = client.get(f"{API}/people/{person_id}/links/")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["person"] == person_id
    by_record = {link["record"]: link for link in body["links"]}
    assert set(by_record) >= {left.pk, right.pk}
    link = by_record[left.pk]
    assert (
        link["other_record"] == right.pk and link["other_reference"] == right.reference
    )
    assert link["match_weight"] == pytest.approx(pending.match_weight)
    assert link["status"] == "Linked by the model"
    assert sum(e["match_weight"] for e in link["evidence"]) == pytest.approx(
        pending.match_weight, abs=1e-6
    )
    logged = AuditEntry.objects.filter(seq__gt=before, event="linkage.person.links")
    assert {e.record_type for e in logged} == {"person", "agency_record"}
    # The person page says the same weight.
    # Probation sees neither record: the person is not theirs to open.
    nadia = api(personas["nadia.probation"]).get(f"{API}/people/{person_id}/links/")
    missing = api(personas["nadia.probation"]).get(f"{API}/people/{10**9}/links/")
    assert nadia.status_code == missing.status_code == 404
    # Analysts address people by pseudonym only: by id, the not-found of a missing one.
    analyst = api(personas["aisha.analyst"]).get(f"{API}/people/{person_id}/links/")
    assert analyst.status_code == 404 and analyst.json() == NOT_FOUND
    assert pseudonym(person_id) not in analyst.content.decode()


@pytest.mark.django_db
def test_a_link_the_model_made_shows_its_evidence(
    population: Population, personas: dict[str, Any]
) -> None:
    """Every stored pair is explained, not only those to review (issue #13, item 2)."""
    do_run_linkage(actor=None)
    make_agreement()
    ref_p, ref_c = population.known_to_both()
    left, right = sorted(
        AgencyRecord.objects.filter(reference__in=[ref_p, ref_c]), key=lambda r: r.pk
    )
    pair = LinkPair.objects.get(record_l_id=left.pk, record_r_id=right.pk)
    assert pair.status == LinkPair.Status.LINKED
    answer = api(personas["pete.practitioner"]).get(
        f"{API}/people/{left.person_id}/links/"
    )
    assert answer.status_code == 200, answer.content
    link = next(x for x in answer.json()["links"] if x["record"] == left.pk)
    assert link["status"] == "Linked by the model"
    assert link["evidence"], "a model-made link shows why"
    assert sum(e["match_weight"] for e in link["evidence"]) == pytest.approx(
        pair.match_weight, abs=1e-6
    )


@pytest.mark.django_db
def test_person_links_never_show_an_unshared_record(population: Population) -> None:
    """The police see the person their record is linked to, but not the council's
    record of them: no agreement shares agency records, and linking widens nothing."""
    do_run_linkage(actor=None)
    for k in range(10):
        ref_p, ref_c = population.known_to_both(k)
        police = AgencyRecord.objects.get(reference=ref_p)
        council = AgencyRecord.objects.get(reference=ref_c)
        if police.person_id == council.person_id:
            break
    else:
        pytest.fail("the model linked none of the first ten people both agencies know")
    user = User.objects.get(pk=population.police.user_id)
    answer = api(user).get(f"{API}/people/{police.person_id}/links/")
    assert answer.status_code == 200, answer.content
    records = {link["record"] for link in answer.json()["links"]}
    assert police.pk in records and council.pk not in records
    assert council.reference not in answer.content.decode()
    assert all(link["other_record"] is None for link in answer.json()["links"])
