"""The only way to change agency records, their links to people and review decisions.

How linkage runs in the workspace:

1. :func:`do_run_linkage` scores every pair of agency records held with the model
   (Splink, :mod:`saferleeds.analytics.linkage`: trained on the records themselves,
   or the saved model of the last run) and keeps each pair at or above the review
   threshold as a :class:`~.models.LinkPair`: *linked* at or above the link threshold,
   *pending* review below it. Each pair keeps why it scored so (Splink's waterfall,
   every stored pair in one pass: ``analytics.linkage.explain_pairs``).
2. :func:`do_decide_pair` records a reviewer's confirmed match or non-match
   (:class:`~.models.LinkDecision`), which beats the model on every later run.
3. :func:`do_match_new_records` scores a new batch against the records held, with the
   saved model, instead of re-linking everything.

After each, the records are resolved into people (:func:`_resolve`): clusters of the
stored pairs with the decisions applied (``analytics.linkage.cluster_records``: a
confirmed non-match is never in one cluster, whatever chain of links). Each cluster
keeps the :class:`~saferleeds.people.models.Person` most of its records were already
linked to, so a wrong merge split later keeps the person's id (and the cases and
incidents on it) with the larger part and gives the other part a new person: nothing
is lost, and every record that moves is logged as an unlink from the old person and a
link to the new one (``Operation.COMBINATION``, DPA 2018 s62) in the same transaction.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
from django.db import transaction
from django.utils import timezone

from saferleeds.analytics.linkage import (
    Decision,
    LinkageError,
    LinkageModel,
    cluster_records,
    explain_pairs,
    match_new_records,
    predict_pairs,
    train_model,
)
from saferleeds.audit.log import atomic_action, record_many
from saferleeds.audit.models import Operation
from saferleeds.linkage.access import access_agency_record_by_id
from saferleeds.linkage.models import AgencyRecord, LinkDecision, LinkPair, LinkRun
from saferleeds.linkage.records import AGENCY_RECORD
from saferleeds.partners.access import NOT_FOUND_DETAIL, refuse
from saferleeds.partners.models import Agency, RecordType, Role
from saferleeds.partners.policy import CASEWORK_ROLES, Actor, Forbidden
from saferleeds.people.models import AgencyReference, Person
from saferleeds.textclean import clean_text

__all__ = [
    "DEFAULT_REVIEW_LOW",
    "DEFAULT_THRESHOLD",
    "MAPPING",
    "DecisionResult",
    "LinkageRuleError",
    "RunResult",
    "LoadResult",
    "do_decide_pair",
    "do_load_agency_extract",
    "may_load_records",
    "do_match_new_records",
    "do_receive_agency_records",
    "do_run_linkage",
    "match_weight",
]

DEFAULT_THRESHOLD = 0.95
"""Least match probability at which the model links two records without review."""
DEFAULT_REVIEW_LOW = 0.5
"""Least match probability at which a pair goes to the review queue."""

ID_COLUMN = "record_id"
MAPPING: Mapping[str, str] = {
    "forename": "forename",
    "surname": "surname",
    "dob": "dob",
    "sex": "sex",
    "postcode": "postcode",
    "address": "address",
    "identifier": "identifier",
}
"""The model's fields and the columns of the agency-record table they come from."""

# Who may run the model over every agency's records: the system itself (a scheduled
# run, ``actor=None``) or a system administrator. Nothing is shown to them but counts.
RUN_ROLES = frozenset({Role.SYSTEM_ADMIN})

LINK_EVENT = "linkage.agency_record.link"
UNLINK_EVENT = "linkage.agency_record.unlink"
PERSON_EVENT = "linkage.person.create"
CONFIRM_EVENT = "linkage.pair.confirm"
REJECT_EVENT = "linkage.pair.reject"
COLLECT_EVENT = "linkage.agency_record.receive"
DECIDE_EVENT = "linkage.pair.decide"

Step = Callable[[str], None]


class LinkageRuleError(ValueError):
    """A change linkage does not allow (the message says why, for the user).

    Attributes:
        field: The form field the error belongs to, if any.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RunResult:
    """What a run did: its stored :class:`LinkRun` and its figures.

    Attributes:
        run: The stored run.
        records: Agency records considered.
        people: Resolved people (clusters) after the run.
        auto_links: Pairs linked by the model (at or above the link threshold).
        to_review: Pairs waiting in the review queue.
        links: Records linked to a person (first link, or moved to another person).
        unlinks: Records taken off a person they were linked to.
        seconds: Time taken.
    """

    run: LinkRun
    records: int
    people: int
    auto_links: int
    to_review: int
    links: int
    unlinks: int
    seconds: float


@dataclass(frozen=True)
class DecisionResult:
    """A reviewer's decision and what it changed at once."""

    decision: LinkDecision
    pair: LinkPair
    links: int
    unlinks: int


def match_weight(probability: float) -> float:
    """The match weight (log2 of the posterior odds) of a match probability."""
    p = min(max(probability, 1e-15), 1 - 1e-15)
    return math.log2(p / (1 - p))


def _check_thresholds(threshold: float, review_low: float) -> None:
    for value in (threshold, review_low):
        if math.isnan(value) or not 0.0 <= value <= 1.0:
            raise LinkageError(f"a threshold is between 0 and 1, not {value}")
    if review_low > threshold:
        raise LinkageError(
            f"the review threshold {review_low} is above the link threshold {threshold}"
        )


def _may_run(actor: Actor | None) -> None:
    if actor is not None and not actor.has(RUN_ROLES):
        raise Forbidden("only the system or a system administrator runs linkage")


def _table(records: Sequence[AgencyRecord]) -> pa.Table:
    """The records as the model reads them (``record_id`` and the mapped fields)."""

    def text(value: str) -> str | None:
        return value or None

    def dob(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return pa.table(
        {
            ID_COLUMN: pa.array([str(r.pk) for r in records], pa.string()),
            "forename": pa.array([text(r.forename) for r in records], pa.string()),
            "surname": pa.array([text(r.surname) for r in records], pa.string()),
            "dob": pa.array([dob(r.date_of_birth) for r in records], pa.string()),
            "sex": pa.array(
                [None if r.sex == Person.Sex.UNKNOWN else r.sex for r in records],
                pa.string(),
            ),
            "postcode": pa.array([text(r.postcode) for r in records], pa.string()),
            "address": pa.array([text(r.address) for r in records], pa.string()),
            "identifier": pa.array([text(r.identifier) for r in records], pa.string()),
        }
    )


def _mapping(records: Sequence[AgencyRecord]) -> dict[str, str]:
    """The fields some record has a value for (a field nobody fills cannot train)."""
    table = _table(records)
    return {
        field: column
        for field, column in MAPPING.items()
        if table.column(column).null_count < table.num_rows
    }


def _current_decisions() -> list[LinkDecision]:
    return list(LinkDecision.objects.filter(superseded_at__isnull=True))


def _as_decisions(decisions: Iterable[LinkDecision]) -> list[Decision]:
    return [
        Decision(str(d.record_a_id), str(d.record_b_id), d.verdict)  # type: ignore[arg-type]
        for d in decisions
    ]


def _latest_model() -> tuple[LinkRun | None, LinkageModel | None]:
    run = LinkRun.objects.exclude(model_json="").order_by("-started_at", "-id").first()
    if run is None:
        return None, None
    return run, LinkageModel.from_json(run.model_json, name=f"link run {run.pk}")


def _ordered(a: str, b: str) -> tuple[int, int]:
    x, y = int(a), int(b)
    return (x, y) if x < y else (y, x)


def _store_pairs(
    scored: Iterable[tuple[int, int, float]],
    *,
    run: LinkRun,
    threshold: float,
    replace: bool,
) -> list[LinkPair]:
    """Keep the scored pairs; return those whose evidence is to be (re)computed.

    Decided pairs keep their status (a decision outlives re-runs). With ``replace``
    (a full re-link), undecided pairs the model no longer scores are dropped.
    """
    held = {(p.record_l_id, p.record_r_id): p for p in LinkPair.objects.all()}
    seen: set[tuple[int, int]] = set()
    to_explain: list[LinkPair] = []
    new: list[LinkPair] = []
    changed: list[LinkPair] = []
    for left, right, probability in scored:
        key = (left, right)
        seen.add(key)
        status = (
            LinkPair.Status.LINKED
            if probability >= threshold
            else LinkPair.Status.PENDING
        )
        pair = held.get(key)
        if pair is None:
            pair = LinkPair(
                record_l_id=left,
                record_r_id=right,
                match_probability=probability,
                match_weight=match_weight(probability),
                status=status,
                run=run,
            )
            new.append(pair)
        else:
            moved = not math.isclose(pair.match_probability, probability, abs_tol=1e-9)
            pair.match_probability = probability
            pair.match_weight = match_weight(probability)
            pair.run = run
            if pair.status in (LinkPair.Status.PENDING, LinkPair.Status.LINKED):
                pair.status = status
            if moved:
                pair.explanation = {}
            changed.append(pair)
    LinkPair.objects.bulk_create(new, batch_size=500)
    LinkPair.objects.bulk_update(
        changed,
        ["match_probability", "match_weight", "run", "status", "explanation"],
        batch_size=500,
    )
    if replace:
        stale = [
            p.pk
            for key, p in held.items()
            if key not in seen
            and p.status in (LinkPair.Status.PENDING, LinkPair.Status.LINKED)
        ]
        LinkPair.objects.filter(pk__in=stale).delete()
    for pair in [*new, *changed]:
        if not pair.explanation:
            to_explain.append(pair)
    return to_explain


def _explain(
    pairs: Sequence[LinkPair],
    table: pa.Table,
    model: LinkageModel,
    engine: str,
) -> None:
    """Store Splink's waterfall for every pair, all scored in one pass.

    Linked pairs are explained as well as those to review, so that every link shows
    why (the person page and the API). The stored match weight becomes the
    waterfall's sum, so the contributions add up to it exactly.
    """
    if not pairs:
        return
    explained = explain_pairs(
        table,
        pairs=[(str(p.record_l_id), str(p.record_r_id)) for p in pairs],
        model=model,
        id_column=ID_COLUMN,
        engine=engine,  # type: ignore[arg-type]
    )
    for pair, explanation in zip(pairs, explained, strict=True):
        pair.explanation = explanation.as_dict()
        pair.match_weight = explanation.match_weight
    LinkPair.objects.bulk_update(pairs, ["explanation", "match_weight"], batch_size=500)


def _new_person(records: Sequence[AgencyRecord]) -> Person:
    """An unsaved person for a new cluster, described by its first-received record."""
    first = min(records, key=lambda r: (r.received_at, r.pk))
    return Person(
        given_name=first.forename,
        family_name=first.surname,
        date_of_birth=first.date_of_birth,
        sex=first.sex,
        postcode=first.postcode,
        created_by_id=first.agency_id,
    )


def _hold_references(moved: Sequence[AgencyRecord]) -> None:
    """Point each moved record's agency reference at its (new) person, in bulk.

    The holding agency knows the person under its reference: the person is theirs
    to see (``people.records``), and their record stays theirs alone. A reference
    held already is updated, a new one created (``update_or_create`` per record,
    in a few queries).
    """
    wanted = {(r.agency_id, r.reference): r.person_id for r in moved}
    if not wanted:
        return
    references = sorted({reference for _, reference in wanted})
    held: dict[tuple[int, str], AgencyReference] = {}
    for start in range(0, len(references), 5000):  # SQLite caps a query's parameters
        chunk = references[start : start + 5000]
        for ref in AgencyReference.objects.filter(reference__in=chunk):
            held[(ref.agency_id, ref.reference)] = ref
    changed: list[AgencyReference] = []
    new: list[AgencyReference] = []
    for (agency_id, reference), person_id in wanted.items():
        ref = held.get((agency_id, reference))
        if ref is None:
            new.append(
                AgencyReference(
                    agency_id=agency_id, reference=reference, person_id=person_id
                )
            )
        elif ref.person_id != person_id:
            ref.person_id = person_id
            changed.append(ref)
    AgencyReference.objects.bulk_update(changed, ["person"], batch_size=500)
    AgencyReference.objects.bulk_create(new, batch_size=500)


def _resolve(
    actor: Actor | None, *, threshold: float, detail: dict[str, Any]
) -> tuple[int, int, int]:
    """Resolve every agency record into a person from the stored pairs and decisions.

    Returns:
        ``(people, links, unlinks)``: the clusters, records linked to a (new) person,
        records taken off a person.
    """
    records = {r.pk: r for r in AgencyRecord.objects.order_by("pk")}
    if not records:
        return 0, 0, 0
    stored = list(
        LinkPair.objects.values_list("record_l_id", "record_r_id", "match_probability")
    )
    pairs = pa.table(
        {
            "id_l": pa.array([str(a) for a, _, _ in stored], pa.string()),
            "id_r": pa.array([str(b) for _, b, _ in stored], pa.string()),
            "match_probability": pa.array([p for _, _, p in stored], pa.float64()),
        }
    )
    clusters = cluster_records(
        pairs,
        threshold=threshold,
        decisions=_as_decisions(_current_decisions()),
        ids=[str(pk) for pk in records],
    )
    groups: dict[str, list[AgencyRecord]] = defaultdict(list)
    for record_id, cluster_id in clusters.cluster_of().items():
        groups[cluster_id].append(records[int(record_id)])
    # Each cluster keeps the person most of its records are linked to already (ties:
    # the older person); a person goes to one cluster only.
    candidates = sorted(
        (-n, person_id, cluster_id)
        for cluster_id, members in groups.items()
        for person_id, n in Counter(
            r.person_id for r in members if r.person_id is not None
        ).items()
    )
    chosen: dict[str, int] = {}
    taken: set[int] = set()
    for _, person_id, cluster_id in candidates:
        if cluster_id in chosen or person_id in taken:
            continue
        chosen[cluster_id] = person_id
        taken.add(person_id)
    created: list[tuple[str, object, int | None]] = []
    linked: list[tuple[str, object, int | None]] = []
    unlinked: list[tuple[str, object, int | None]] = []
    moved: list[AgencyRecord] = []
    order = sorted(groups, key=lambda c: int(c))
    fresh = {c: _new_person(groups[c]) for c in order if c not in chosen}
    Person.objects.bulk_create(list(fresh.values()), batch_size=500)
    for cluster_id in order:
        members = groups[cluster_id]
        person_id = chosen.get(cluster_id)
        if person_id is None:
            person_id = fresh[cluster_id].pk
            created.append((RecordType.PERSON, person_id, person_id))
        for r in members:
            if r.person_id == person_id:
                continue
            if r.person_id is not None:
                unlinked.append((AGENCY_RECORD, r.pk, r.person_id))
            linked.append((AGENCY_RECORD, r.pk, person_id))
            r.person_id = person_id
            moved.append(r)
    AgencyRecord.objects.bulk_update(moved, ["person"], batch_size=500)
    _hold_references(moved)
    combination = Operation.COMBINATION
    record_many(
        actor, operation=combination, event=PERSON_EVENT, records=created, detail=detail
    )
    record_many(
        actor,
        operation=combination,
        event=UNLINK_EVENT,
        records=unlinked,
        detail=detail,
    )
    record_many(
        actor, operation=combination, event=LINK_EVENT, records=linked, detail=detail
    )
    return len(groups), len(linked), len(unlinked)


def _counts() -> tuple[int, int]:
    auto = LinkPair.objects.filter(status=LinkPair.Status.LINKED).count()
    review = LinkPair.objects.filter(status=LinkPair.Status.PENDING).count()
    return auto, review


@atomic_action
def do_run_linkage(
    *,
    actor: Actor | None,
    threshold: float = DEFAULT_THRESHOLD,
    review_low: float = DEFAULT_REVIEW_LOW,
    engine: str = "duckdb",
    retrain: bool = True,
    on_step: Step | None = None,
) -> RunResult:
    """Link every agency record held: score, apply decisions, resolve into people.

    Args:
        actor: Who runs it: ``None`` for the system (a scheduled run or the CLI), or
            a system administrator.
        threshold: Least match probability at which the model links two records.
        review_low: Least match probability at which a pair goes to review.
        engine: ``"duckdb"`` or ``"spark"``.
        retrain: Train the model on the records held (default); ``False`` scores
            with the model saved by the last run (trained anew if there is none).
        on_step: Called with a description as each long step starts.

    Returns:
        The run and its figures.

    Raises:
        Forbidden: The actor may not run linkage.
        LinkageError: Bad thresholds or engine, or records the model cannot train on.
    """
    _may_run(actor)
    _check_thresholds(threshold, review_low)
    step = on_step or (lambda _text: None)
    started = time.monotonic()
    step("Reading the agency records")
    records = list(AgencyRecord.objects.order_by("pk"))
    run = LinkRun.objects.create(
        kind=LinkRun.Kind.FULL,
        run_by_id=actor.user_id if actor else None,
        engine=engine,
        threshold=threshold,
        review_low=review_low,
        records=len(records),
    )
    model: LinkageModel | None = None
    if len(records) >= 2:
        table = _table(records)
        if not retrain:
            _, model = _latest_model()
        if model is None:
            model = train_model(
                table,
                mapping=_mapping(records),
                id_column=ID_COLUMN,
                engine=engine,  # type: ignore[arg-type]
                on_step=step,
            )
        scored = predict_pairs(
            table,
            mapping=model.mapping,
            id_column=ID_COLUMN,
            threshold=review_low,
            engine=engine,  # type: ignore[arg-type]
            model=model,
            on_step=step,
        )
        triples = [
            (*_ordered(a, b), float(p))
            for a, b, p in zip(
                scored["id_l"].to_pylist(),
                scored["id_r"].to_pylist(),
                scored["match_probability"].to_pylist(),
                strict=True,
            )
        ]
        to_explain = _store_pairs(triples, run=run, threshold=threshold, replace=True)
        step("Explaining the pairs")
        _explain(to_explain, table, model, engine)
    step("Resolving people")
    people, links, unlinks = _resolve(
        actor, threshold=threshold, detail={"run": run.pk}
    )
    auto, review = _counts()
    return _finish(run, model, people, auto, review, links, unlinks, started)


def _finish(
    run: LinkRun,
    model: LinkageModel | None,
    people: int,
    auto: int,
    review: int,
    links: int,
    unlinks: int,
    started: float,
) -> RunResult:
    run.people, run.auto_links, run.to_review = people, auto, review
    run.links, run.unlinks = links, unlinks
    run.seconds = time.monotonic() - started
    run.model_json = model.to_json() if model is not None else ""
    run.save()
    return RunResult(
        run=run,
        records=run.records,
        people=people,
        auto_links=auto,
        to_review=review,
        links=links,
        unlinks=unlinks,
        seconds=run.seconds,
    )


@atomic_action
def do_match_new_records(
    batch: str,
    *,
    actor: Actor | None,
    threshold: float | None = None,
    review_low: float | None = None,
    engine: str = "duckdb",
    on_step: Step | None = None,
) -> RunResult:
    """Match a new batch of agency records against the records already linked.

    Only pairs of one new and one held record are scored, with the model saved by
    the last full run (no training; Splink's "find matches to new records"); pairs
    within the batch are not made (a full re-link makes them). The people are then
    resolved from every stored pair and decision, as after a full run.

    Args:
        batch: The ``batch`` name the new records were received under; its records
            not yet linked are matched.
        actor: ``None`` (the system) or a system administrator.
        threshold: Link threshold (default: the last run's).
        review_low: Review threshold (default: the last run's).
        engine: ``"duckdb"`` or ``"spark"``.
        on_step: Called with a description as each long step starts.

    Raises:
        Forbidden: The actor may not run linkage.
        LinkageError: No model saved yet (run a full link first), or bad thresholds.
    """
    _may_run(actor)
    last, model = _latest_model()
    if last is None or model is None:
        raise LinkageError("no model saved yet: run `saferleeds link run` first")
    threshold = last.threshold if threshold is None else threshold
    review_low = last.review_low if review_low is None else review_low
    _check_thresholds(threshold, review_low)
    step = on_step or (lambda _text: None)
    started = time.monotonic()
    new = list(AgencyRecord.objects.filter(batch=batch, person__isnull=True))
    held = list(AgencyRecord.objects.filter(person__isnull=False).order_by("pk"))
    run = LinkRun.objects.create(
        kind=LinkRun.Kind.INCREMENTAL,
        run_by_id=actor.user_id if actor else None,
        batch=batch,
        engine=engine,
        threshold=threshold,
        review_low=review_low,
        records=len(new),
    )
    if new and held:
        scored = match_new_records(
            _table(held),
            _table(new),
            model=model,
            id_column=ID_COLUMN,
            threshold=review_low,
            engine=engine,  # type: ignore[arg-type]
            on_step=step,
        )
        triples = [
            (*_ordered(a, b), float(p))
            for a, b, p in zip(
                scored["id_new"].to_pylist(),
                scored["id_existing"].to_pylist(),
                scored["match_probability"].to_pylist(),
                strict=True,
            )
        ]
        to_explain = _store_pairs(triples, run=run, threshold=threshold, replace=False)
        step("Explaining the pairs")
        _explain(to_explain, _table([*held, *new]), model, engine)
    step("Resolving people")
    people, links, unlinks = _resolve(
        actor, threshold=threshold, detail={"run": run.pk, "batch": batch}
    )
    auto, review = _counts()
    return _finish(run, model, people, auto, review, links, unlinks, started)


VERDICTS = {
    "confirm": (LinkDecision.Verdict.MATCH, LinkPair.Status.CONFIRMED, CONFIRM_EVENT),
    "reject": (LinkDecision.Verdict.NON_MATCH, LinkPair.Status.REJECTED, REJECT_EVENT),
}


@atomic_action
def do_decide_pair(
    pair_id: int, decision: str, *, actor: Actor, reason: str
) -> DecisionResult:
    """Record a reviewer's decision on a pair, and resolve the people again at once.

    ``confirm``: the two records are one person (linked whatever the model says);
    ``reject``: they are not (never in one person again, even through other links).
    A decision on a pair the model linked splits a wrong merge: the person keeps
    the records on the side most of them are on; the others move to another person.

    Args:
        pair_id: A :class:`LinkPair` whose two records the actor may both see.
        decision: ``"confirm"`` or ``"reject"``.
        actor: A practitioner or case coordinator.
        reason: Why, in the reviewer's words (required).

    Raises:
        Forbidden: The actor's roles do not review links.
        NotFound: The pair is missing, or either record is not visible (logged).
        LinkageRuleError: An unknown decision or no reason.
    """
    if not actor.has(CASEWORK_ROLES):
        raise Forbidden("only practitioners and case coordinators review links")
    pair = LinkPair.objects.select_for_update().filter(pk=pair_id).first()
    if pair is None:
        raise refuse(
            actor, "link_pair", pair_id, DECIDE_EVENT, None, dict(NOT_FOUND_DETAIL)
        )
    access_agency_record_by_id(actor, pair.record_l_id, audit=False)
    access_agency_record_by_id(actor, pair.record_r_id, audit=False)
    if decision not in VERDICTS:
        raise LinkageRuleError(
            "Select whether the records are the same person", "decision"
        )
    reason = clean_text(reason).strip()
    if not reason:
        raise LinkageRuleError("Enter why you decided so", "reason")
    verdict, status, event = VERDICTS[decision]
    now = timezone.now()
    LinkDecision.objects.filter(
        record_a_id=pair.record_l_id,
        record_b_id=pair.record_r_id,
        superseded_at__isnull=True,
    ).update(superseded_at=now)
    made = LinkDecision.objects.create(
        record_a_id=pair.record_l_id,
        record_b_id=pair.record_r_id,
        verdict=verdict,
        reason=reason,
        pair=pair,
        decided_by_id=actor.user_id,
        decided_by_agency_id=actor.agency_id,
        decided_at=now,
    )
    pair.status = status
    pair.save(update_fields=["status", "updated_at"])
    subjects = dict(
        AgencyRecord.objects.filter(
            pk__in=[pair.record_l_id, pair.record_r_id]
        ).values_list("pk", "person_id")
    )
    record_many(
        actor,
        operation=Operation.COMBINATION,
        event=event,
        records=[
            (AGENCY_RECORD, pair.record_l_id, subjects.get(pair.record_l_id)),
            (AGENCY_RECORD, pair.record_r_id, subjects.get(pair.record_r_id)),
        ],
        detail={"pair": pair.pk, "decision": made.pk, "verdict": verdict},
    )
    last = LinkRun.objects.order_by("-started_at", "-id").first()
    threshold = last.threshold if last else DEFAULT_THRESHOLD
    _, links, unlinks = _resolve(
        actor, threshold=threshold, detail={"decision": made.pk}
    )
    return DecisionResult(decision=made, pair=pair, links=links, unlinks=unlinks)


@atomic_action
def do_receive_agency_records(
    rows: Iterable[Mapping[str, Any]], *, actor: Actor, batch: str
) -> list[AgencyRecord]:
    """Keep an extract of the actor's agency's records of people, not yet linked.

    Args:
        rows: Each ``reference`` (required, unique within the agency), ``forename``,
            ``surname``, ``date_of_birth`` (a date or None), ``sex`` (F, M, X, U),
            ``postcode``, ``address``, ``identifier``.
        actor: A practitioner or case coordinator of the agency sending them.
        batch: The extract's name, for :func:`do_match_new_records`.

    Raises:
        Forbidden: The actor's roles do not record people.
        LinkageRuleError: A row without a reference, or a reference already held.
    """
    if not actor.has(CASEWORK_ROLES) or actor.agency_id is None:
        raise Forbidden("only practitioners and case coordinators record people")
    made = []
    for row in rows:
        reference = clean_text(str(row.get("reference") or "")).strip()
        if not reference:
            raise LinkageRuleError("every record needs the agency's reference")
        if AgencyRecord.objects.filter(
            agency_id=actor.agency_id, reference=reference
        ).exists():
            raise LinkageRuleError(f"reference {reference} is held already")
        made.append(_record_from(row, reference, actor.agency_id, batch))
    with transaction.atomic():
        created = AgencyRecord.objects.bulk_create(made, batch_size=500)
        record_many(
            actor,
            operation=Operation.COLLECTION,
            event=COLLECT_EVENT,
            records=[(AGENCY_RECORD, r.pk, None) for r in created],
            detail={"batch": batch},
        )
    return created


def _record_from(
    row: Mapping[str, Any], reference: str, agency_id: int, batch: str
) -> AgencyRecord:
    """An unsaved agency record from one extract row, its text cleaned."""
    sex = str(row.get("sex") or Person.Sex.UNKNOWN)
    return AgencyRecord(
        agency_id=agency_id,
        reference=reference,
        forename=clean_text(str(row.get("forename") or "")).strip(),
        surname=clean_text(str(row.get("surname") or "")).strip(),
        date_of_birth=row.get("date_of_birth"),
        sex=sex if sex in Person.Sex.values else Person.Sex.UNKNOWN,
        postcode=clean_text(str(row.get("postcode") or "")).strip().upper(),
        address=clean_text(str(row.get("address") or "")).strip(),
        identifier=clean_text(str(row.get("identifier") or "")).strip(),
        batch=batch,
    )


# What an agency sends of a person: a record held already must say the same again.
_COMPARED = (
    "forename",
    "surname",
    "date_of_birth",
    "sex",
    "postcode",
    "address",
    "identifier",
)


NOT_A_LOADER = (
    "Loading an extract keeps your agency's records of people: it is for "
    "practitioners and case coordinators of the agency."
)


def may_load_records(actor: Actor) -> bool:
    """Whether the actor may load their agency's extracts (the page and the action's
    one rule): a practitioner or case coordinator of an agency."""
    return actor.has(CASEWORK_ROLES) and actor.agency_id is not None


@dataclass(frozen=True)
class LoadResult:
    """What loading one extract did.

    Attributes:
        agency: The code of the agency whose records they are.
        batch: The name the new records were kept under (for incremental matching).
        created: Records new to the workspace, now held.
        unchanged: Records already held with the same values (a file loaded again).
    """

    agency: str
    batch: str
    created: int
    unchanged: int


@atomic_action
def do_load_agency_extract(
    rows: Sequence[Mapping[str, Any]],
    *,
    actor: Actor | None,
    agency_code: str | None = None,
    batch: str,
    source: str = "",
) -> LoadResult:
    """Keep a partner's extract of its records of people: the whole file, or nothing.

    Loading the same file again changes nothing: a reference the agency's records
    hold already with the same values is counted as unchanged. A reference held with
    other values refuses the whole file (a correction to a record that may be linked
    is not made silently; the message names the line).

    Args:
        rows: The extract's rows (``analytics.linkage.agency_rows``): ``reference``
            and the fields of :class:`~.models.AgencyRecord`, with each ``line``.
        actor: ``None`` for the system (the command line's ``link load``), or a
            practitioner or case coordinator of the agency (the upload page).
        agency_code: The agency whose records they are (default: the actor's).
        batch: The extract's name, for :func:`do_match_new_records`.
        source: The file's name, for the audit entries.

    Returns:
        How many records were new and how many were held already.

    Raises:
        Forbidden: The actor is not a practitioner or case coordinator of the agency.
        LinkageRuleError: An unknown agency, no batch name, a reference repeated in
            the file, or one held already with other values.
    """
    if agency_code is None:
        agency = Agency.objects.filter(pk=actor.agency_id if actor else None).first()
    else:
        agency = Agency.objects.filter(code=agency_code).first()
    if actor is not None and (
        not may_load_records(actor) or agency is None or actor.agency_id != agency.pk
    ):
        raise Forbidden(NOT_A_LOADER)
    if agency is None:
        raise LinkageRuleError(f"no agency with the code {agency_code!r}", "agency")
    batch = clean_text(batch).strip()
    if not batch:
        raise LinkageRuleError("Enter a name for the extract", "batch")
    made: dict[str, tuple[int, AgencyRecord]] = {}
    for row in rows:
        reference = clean_text(str(row.get("reference") or "")).strip()
        line = int(row.get("line") or 0)
        if not reference:
            raise LinkageRuleError(f"line {line}: the record has no reference")
        if reference in made:
            raise LinkageRuleError(
                f"line {line}: reference {reference} repeats line {made[reference][0]}"
            )
        made[reference] = (line, _record_from(row, reference, agency.pk, batch))
    references = list(made)
    held: dict[str, AgencyRecord] = {}
    for start in range(0, len(references), 5000):  # SQLite caps a query's parameters
        chunk = references[start : start + 5000]
        held.update(
            (r.reference, r)
            for r in AgencyRecord.objects.filter(agency=agency, reference__in=chunk)
        )
    new: list[AgencyRecord] = []
    for reference, (line, record) in made.items():
        old = held.get(reference)
        if old is None:
            new.append(record)
            continue
        differs = [f for f in _COMPARED if getattr(old, f) != getattr(record, f)]
        if differs:
            raise LinkageRuleError(
                f"line {line}: reference {reference} is held already with another "
                f"{differs[0].replace('_', ' ')}; nothing was loaded (a correction "
                "to a held record is not made by loading a file)"
            )
    created = AgencyRecord.objects.bulk_create(new, batch_size=500)
    record_many(
        actor,
        operation=Operation.COLLECTION,
        event=COLLECT_EVENT,
        records=[(AGENCY_RECORD, r.pk, None) for r in created],
        detail={"batch": batch, "agency": agency.code, "file": source[:200]},
    )
    return LoadResult(
        agency=agency.code,
        batch=batch,
        created=len(created),
        unchanged=len(made) - len(new),
    )
