"""Record linkage in the workspace: runs, reviewers' decisions, audit and visibility."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from saferleeds.analytics.linkage import explain_pair
from saferleeds.audit.models import AuditEntry
from saferleeds.linkage.access import agency_records_visible_to
from saferleeds.linkage.access_pages import (
    person_linkage_roles,
    read_review_pair,
    read_review_queue,
)
from saferleeds.linkage.actions import (
    ID_COLUMN,
    _latest_model,
    _table,
    do_decide_pair,
    do_match_new_records,
    do_receive_agency_records,
    do_run_linkage,
)
from saferleeds.linkage.models import AgencyRecord, LinkDecision, LinkPair
from saferleeds.partners.policy import Forbidden, NotFound, actor_for
from saferleeds.people.models import Person
from tests.linkage.conftest import Population, make_agreement

TWIN = {
    "forename": "jordan",
    "surname": "pemberton",
    "date_of_birth": None,
    "sex": "M",
    "postcode": "LS9 7QQ",
    "address": "14 ellerby road",
    "identifier": "",
}


def _people(truth: dict[tuple[str, str], int]) -> dict[int, set[int]]:
    """Resolved person id -> the true people whose records it holds."""
    out: dict[int, set[int]] = defaultdict(set)
    for r in AgencyRecord.objects.all():
        key = (r.agency.code, r.reference)
        if key in truth:
            assert r.person_id is not None
            out[r.person_id].add(truth[key])
    return out


def _pair_of(a: AgencyRecord, b: AgencyRecord) -> LinkPair:
    low, high = sorted((a.pk, b.pk))
    return LinkPair.objects.get(record_l_id=low, record_r_id=high)


@pytest.mark.django_db
def test_a_run_resolves_people_and_audits_every_link(population: Population) -> None:
    result = do_run_linkage(actor=None)
    records = AgencyRecord.objects.count()
    assert result.records == records
    assert not AgencyRecord.objects.filter(person__isnull=True).exists()
    people = _people(population.truth)
    assert result.people == len(people) == Person.objects.count()
    # Precision: no resolved person holds two true people's records.
    assert all(len(true) == 1 for true in people.values())
    # Recall: most true people are one resolved person.
    by_truth: dict[int, set[int]] = defaultdict(set)
    for pid, true in people.items():
        for t in true:
            by_truth[t].add(pid)
    assert sum(len(p) == 1 for p in by_truth.values()) / len(by_truth) >= 0.9
    links = AuditEntry.objects.filter(
        operation="combination", event="linkage.agency_record.link"
    )
    assert set(links.values_list("record_id", flat=True)) == {
        str(pk) for pk in AgencyRecord.objects.values_list("pk", flat=True)
    }
    for entry in links:
        held = AgencyRecord.objects.get(pk=int(entry.record_id))
        assert entry.subject_person_id == held.person_id
    created = AuditEntry.objects.filter(event="linkage.person.create")
    assert created.count() == result.people
    # The holding agency knows the person under its own reference.
    some = AgencyRecord.objects.select_related("person").first()
    assert some is not None and some.person is not None
    assert some.person.agency_refs.filter(
        agency_id=some.agency_id, reference=some.reference
    ).exists()
    # A second run changes nobody and logs no link or unlink.
    before = AuditEntry.objects.filter(operation="combination").count()
    again = do_run_linkage(actor=None, retrain=False)
    assert (again.links, again.unlinks) == (0, 0)
    assert AuditEntry.objects.filter(operation="combination").count() == before


def _assert_explained(pairs: list[LinkPair]) -> None:
    """Each pair's waterfall adds up to its match weight and agrees with its
    probability."""
    for pair in pairs:
        evidence = pair.explanation
        assert evidence, f"pair {pair.pk} ({pair.status}) has no evidence"
        assert (evidence["id_l"], evidence["id_r"]) == (
            str(pair.record_l_id),
            str(pair.record_r_id),
        )
        total = sum(c["match_weight"] for c in evidence["contributions"])
        assert total == pytest.approx(pair.match_weight, abs=1e-6)
        assert evidence["match_probability"] == pytest.approx(
            pair.match_probability, abs=1e-9
        )
        assert evidence["contributions"][0]["comparison"] == "prior"


@pytest.mark.django_db
def test_every_stored_pair_is_explained_as_explain_pair_explains_it(
    population: Population,
) -> None:
    do_run_linkage(actor=None)
    stored = list(LinkPair.objects.order_by("pk"))
    linked = [p for p in stored if p.status == LinkPair.Status.LINKED]
    assert linked, "the population has pairs the model links"
    _assert_explained(stored)
    # The one-pass waterfalls are what explain_pair says of each pair alone.
    _, model = _latest_model()
    assert model is not None
    table = _table(list(AgencyRecord.objects.order_by("pk")))
    for pair in stored[:: max(1, len(stored) // 4)]:
        alone = explain_pair(
            table,
            id_l=str(pair.record_l_id),
            id_r=str(pair.record_r_id),
            model=model,
            id_column=ID_COLUMN,
        ).as_dict()
        got = pair.explanation
        assert got["match_weight"] == pytest.approx(alone["match_weight"], abs=1e-9)
        assert len(got["contributions"]) == len(alone["contributions"])
        for a, b in zip(got["contributions"], alone["contributions"], strict=True):
            assert {
                k: v for k, v in a.items() if k not in ("match_weight", "bayes_factor")
            } == {
                k: v for k, v in b.items() if k not in ("match_weight", "bayes_factor")
            }
            assert a["match_weight"] == pytest.approx(b["match_weight"], abs=1e-9)
    # A re-run with the saved model keeps every pair explained.
    do_run_linkage(actor=None, retrain=False)
    _assert_explained(list(LinkPair.objects.all()))


@pytest.mark.django_db
def test_a_planted_wrong_merge_is_split_by_a_reviewer(
    population: Population, personas: dict[str, Any]
) -> None:
    # Two different people whose records agree on everything the agencies hold.
    (police,) = do_receive_agency_records(
        [{"reference": "WYP-TWIN", **TWIN}], actor=population.police, batch="twins"
    )
    (council,) = do_receive_agency_records(
        [{"reference": "LCC-TWIN", **TWIN}], actor=population.council, batch="twins"
    )
    do_run_linkage(actor=None)
    police.refresh_from_db()
    council.refresh_from_db()
    assert police.person_id == council.person_id  # the wrong merge
    merged = police.person_id
    pair = _pair_of(police, council)
    assert pair.status == LinkPair.Status.LINKED

    make_agreement()
    pete = actor_for(personas["pete.practitioner"])
    page = read_review_pair(pete, pair.pk)
    assert page.same_person
    before = AuditEntry.objects.count()
    result = do_decide_pair(
        pair.pk,
        "reject",
        actor=pete,
        reason="Council says twin brothers at one address",
    )
    assert (result.links, result.unlinks) == (1, 1)
    police.refresh_from_db()
    council.refresh_from_db()
    assert police.person_id != council.person_id
    # Nothing lost: the merged person keeps one of the records (and its id).
    assert merged in {police.person_id, council.person_id}
    assert Person.objects.filter(pk=merged).exists()
    pair.refresh_from_db()
    assert pair.status == LinkPair.Status.REJECTED
    decision = LinkDecision.objects.get()
    assert decision.verdict == "non_match" and decision.decided_by_id == pete.user_id
    new = AuditEntry.objects.filter(seq__gt=before)
    assert {(e.event, e.operation) for e in new} >= {
        ("linkage.pair.reject", "combination"),
        ("linkage.agency_record.unlink", "combination"),
        ("linkage.agency_record.link", "combination"),
        ("linkage.person.create", "combination"),
    }
    moved = new.get(event="linkage.agency_record.unlink")
    assert moved.subject_person_id == merged and moved.actor_username == pete.username
    rejected = new.filter(event="linkage.pair.reject")
    assert {e.record_id for e in rejected} == {str(police.pk), str(council.pk)}
    assert rejected.first().detail["decision"] == decision.pk  # type: ignore[union-attr]


@pytest.mark.django_db
def test_a_confirmed_non_match_stays_apart_after_a_rerun(
    population: Population, personas: dict[str, Any]
) -> None:
    do_run_linkage(actor=None)
    # A true person known to both agencies, whom the model linked.
    ref_p, ref_c = population.known_to_both()
    police = AgencyRecord.objects.get(reference=ref_p)
    council = AgencyRecord.objects.get(reference=ref_c)
    assert police.person_id == council.person_id
    pair = _pair_of(police, council)
    make_agreement()
    pete = actor_for(personas["pete.practitioner"])
    do_decide_pair(pair.pk, "reject", actor=pete, reason="Different NHS numbers")
    for retrain in (True, False):
        do_run_linkage(actor=None, retrain=retrain)
        police.refresh_from_db()
        council.refresh_from_db()
        assert police.person_id != council.person_id
        assert _pair_of(police, council).status == LinkPair.Status.REJECTED
    # Confirming it again (a later decision supersedes) joins them at once.
    result = do_decide_pair(pair.pk, "confirm", actor=pete, reason="Checked again")
    assert result.links == 1
    police.refresh_from_db()
    council.refresh_from_db()
    assert police.person_id == council.person_id
    assert LinkDecision.objects.filter(superseded_at__isnull=True).count() == 1
    assert LinkDecision.objects.count() == 2


@pytest.mark.django_db
def test_an_agency_user_never_sees_another_agencys_record_through_a_link(
    population: Population, personas: dict[str, Any]
) -> None:
    do_run_linkage(actor=None, threshold=0.99, review_low=0.3)
    ref_p, ref_c = population.known_to_both()
    police = AgencyRecord.objects.get(reference=ref_p)
    council = AgencyRecord.objects.get(reference=ref_c)
    assert police.person_id == council.person_id
    pair = _pair_of(police, council)
    pete = actor_for(personas["pete.practitioner"])  # police, no agreement
    seen = agency_records_visible_to(pete)
    assert seen.filter(pk=police.pk).exists()
    assert not seen.filter(pk=council.pk).exists()
    assert not seen.filter(agency__code="lcc").exists()
    rows, shown = person_linkage_roles(pete, police.person_id, True)  # type: ignore[arg-type]
    assert [r.reference for r in rows] == [ref_p]
    assert "LCC" not in rows[0].detail  # type: ignore[operator]
    assert shown == [("agency_record", police.pk, police.person_id)]
    with pytest.raises(NotFound):
        read_review_pair(pete, pair.pk)
    with pytest.raises(NotFound):
        do_decide_pair(pair.pk, "reject", actor=pete, reason="probing")
    for row in read_review_queue(pete).rows:
        assert {row.left.agency, row.right.agency} == {"West Yorkshire Police"}
    # Probation holds nothing and is shared nothing: no record, no pair.
    nadia = actor_for(personas["nadia.probation"])
    assert not agency_records_visible_to(nadia).exists()
    assert read_review_queue(nadia).rows == ()
    # Analysts and roles without personal data do not review at all.
    for username in ("aisha.analyst", "ed.executive", "fran.agencyadmin"):
        with pytest.raises(Forbidden):
            read_review_queue(actor_for(personas[username]))
    # Once the council shares its agency records with the police, the pair shows.
    make_agreement()
    pete = actor_for(personas["pete.practitioner"])
    shown_pair = read_review_pair(pete, pair.pk).row
    assert {shown_pair.left.reference, shown_pair.right.reference} == {ref_p, ref_c}
    rows, _ = person_linkage_roles(pete, police.person_id, True)  # type: ignore[arg-type]
    assert {r.reference for r in rows} == {ref_p, ref_c}
    assert all("match weight" in (r.detail or "") for r in rows)


@pytest.mark.django_db
def test_a_new_batch_is_matched_against_the_people_held(
    population: Population,
) -> None:
    do_run_linkage(actor=None)
    people = Person.objects.count()
    known = AgencyRecord.objects.get(reference=population.known_to_both(1)[0])
    fresh = {
        "forename": known.forename,
        "surname": known.surname,
        "date_of_birth": known.date_of_birth,
        "sex": known.sex,
        "postcode": known.postcode,
        "address": known.address,
    }
    stranger = {**TWIN, "forename": "xanthe", "surname": "quennell"}
    made = do_receive_agency_records(
        [{"reference": "LCC-NEW-1", **fresh}, {"reference": "LCC-NEW-2", **stranger}],
        actor=population.council,
        batch="lcc-2",
    )
    result = do_match_new_records("lcc-2", actor=None)
    assert result.records == 2
    first, second = (AgencyRecord.objects.get(pk=r.pk) for r in made)
    assert first.person_id == known.person_id
    assert second.person_id is not None and second.person_id != known.person_id
    assert Person.objects.count() == people + 1
    linked = AuditEntry.objects.filter(
        event="linkage.agency_record.link",
        record_id__in=[str(first.pk), str(second.pk)],
    )
    assert {e.subject_person_id for e in linked} == {first.person_id, second.person_id}
    # The new pairs are explained like a full run's.
    new_pairs = LinkPair.objects.filter(run=result.run)
    assert new_pairs.exists()
    _assert_explained(list(new_pairs))
