"""The death review pages as reads: what the actor may see, already shown and logged.

:func:`read_dardr_index` (the reviews and the headline figures; the executive's figures
only), :func:`read_review_page` (one review, its IMRs and recommendations with their
history), :func:`read_tracker` (recommendations across reviews, filtered, with the
roll-up), :func:`tracker_csv` (the same as a download, logged as a disclosure) and
:func:`read_api_recommendations` (the API's list). Records are read only through
``dardr.access`` (the agreements and the kinds' opening roles apply); what a
pseudonymised actor may not see (the deceased's name and date of death, the reason for
not reviewing) is ``None``. A fixed number of queries however many rows are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from saferleeds.audit.log import record_consultations, record_many
from saferleeds.audit.models import Operation
from saferleeds.dardr.access import (
    access_recommendation_by_id,
    access_review_by_id,
    recommendations_visible_to,
    reviews_visible_to,
)
from saferleeds.dardr.models import DeathReview, Recommendation
from saferleeds.dardr.records import DARDR_RECOMMENDATION, DARDR_REVIEW
from saferleeds.dardr.rules import (
    CLOSED,
    is_overdue,
    may_change_review,
    may_open_reviews,
    may_read_dardr,
    stage_of,
)
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden, pseudonymised, require_open

__all__ = [
    "TRACKER_STATUSES",
    "DardrIndex",
    "FilterError",
    "RecommendationPage",
    "RecommendationRow",
    "ReviewPage",
    "ReviewRow",
    "Summary",
    "TrackerFilters",
    "TrackerPage",
    "parse_tracker_filters",
    "read_api_recommendations",
    "read_dardr_index",
    "read_recommendation_page",
    "read_review_page",
    "read_tracker",
    "require_open_reviews",
    "summarise",
    "tracker_csv",
]

LIST_EVENT = "dardr.review.list"
TRACKER_EVENT = "dardr.recommendation.list"
EXPORT_EVENT = "dardr.recommendation.export"
REFUSED = (
    "Death reviews are for the partnership's community safety officers, analysts "
    "and the executive. Ask your agency administrator if you need them for your work."
)

# The gate's refusal names casework roles; a death review's opening roles are others.
NOT_FOR_ROLE = (
    "Death reviews are for the partnership's community safety officers (case "
    "coordinators) and analysts. Ask your agency administrator if you need them for "
    "your work."
)


def require_open_reviews(actor: Actor) -> None:
    """Refuse (403) a role that never opens reviews, saying which roles do."""
    try:
        require_open(actor, DARDR_RECOMMENDATION)
    except Forbidden:
        raise Forbidden(NOT_FOR_ROLE) from None


#: The tracker's "Show" filter: value, label.
TRACKER_STATUSES: dict[str, str] = {
    "": "All recommendations",
    "overdue": "Overdue",
    "unimplemented": "Not yet implemented",
    "open": "Not started",
    "in_progress": "In progress",
    "implemented": "Implemented",
    "not_implemented": "Not implemented (closed)",
}


class FilterError(ValueError):
    """A tracker filter that names nothing (the message says which, for the user)."""


@dataclass(frozen=True)
class TrackerFilters:
    """The tracker's filters: status (a :data:`TRACKER_STATUSES` key), the owner
    agency's code, a review's id."""

    status: str = ""
    agency: str = ""
    review: int | None = None

    def query(self) -> str:
        """The filters as a query string (for the CSV link), empty ones left out."""
        from urllib.parse import urlencode

        parts = {"status": self.status, "agency": self.agency, "review": self.review}
        return urlencode({k: v for k, v in parts.items() if v not in ("", None)})


def parse_tracker_filters(query: Mapping[str, str]) -> TrackerFilters:
    """Read the tracker's filters from a query, refusing values that name nothing.

    Raises:
        FilterError: An unknown status or agency, or a review id that is no number.
    """
    status = (query.get("status") or "").strip()
    if status not in TRACKER_STATUSES:
        raise FilterError(f"There is no status called '{status}' to show")
    agency = (query.get("agency") or "").strip()
    if agency and not Agency.objects.filter(code=agency).exists():
        raise FilterError(f"There is no agency with the code '{agency}'")
    raw = (query.get("review") or "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise FilterError("The review must be given by its number")
    return TrackerFilters(status, agency, int(raw) if raw else None)


@dataclass(frozen=True)
class RecommendationChangeRow:
    """One change of a recommendation's status, as the review page shows it."""

    changed_at: object
    changed_by: str
    agency: str
    from_label: str
    to_label: str
    note: str


@dataclass(frozen=True)
class RecommendationRow:
    """A recommendation as the tracker, the review page, the CSV and the API show it."""

    id: int
    review_id: int
    review_reference: str
    review_pseudonym: str
    number: int
    text: str
    owner_agency: str
    owner_agency_code: str
    due_on: date
    expected_change: str
    status: str
    status_label: str
    status_reason: str
    evidence: str
    implemented_on: date | None
    overdue: bool
    days_overdue: int
    version: int
    history: tuple[RecommendationChangeRow, ...] = ()


def _rec_row(
    rec: Recommendation, today: date, history: Iterable[object] = ()
) -> RecommendationRow:
    overdue = is_overdue(rec.status, rec.due_on, today)
    labels = dict(Recommendation.Status.choices)
    return RecommendationRow(
        id=rec.pk,
        review_id=rec.review_id,
        review_reference=rec.review.reference,
        review_pseudonym=rec.review.pseudonym,
        number=rec.number,
        text=rec.text,
        owner_agency=rec.owner_agency.name,
        owner_agency_code=rec.owner_agency.code,
        due_on=rec.due_on,
        expected_change=rec.expected_change,
        status=rec.status,
        status_label=labels[rec.status],
        status_reason=rec.status_reason,
        evidence=rec.evidence,
        implemented_on=rec.implemented_on,
        overdue=overdue,
        days_overdue=(today - rec.due_on).days if overdue else 0,
        version=rec.version,
        history=tuple(
            RecommendationChangeRow(
                changed_at=c.changed_at,  # type: ignore[attr-defined]
                changed_by=c.changed_by.get_full_name()  # type: ignore[attr-defined]
                or c.changed_by.get_username(),  # type: ignore[attr-defined]
                agency=c.agency.name,  # type: ignore[attr-defined]
                from_label=labels.get(c.from_status, "New"),  # type: ignore[attr-defined]
                to_label=labels[c.to_status],  # type: ignore[attr-defined]
                note=c.note,  # type: ignore[attr-defined]
            )
            for c in history
        ),
    )


@dataclass(frozen=True)
class AgencySummary:
    """One owner agency's recommendations, rolled up."""

    agency: str
    total: int
    implemented: int
    overdue: int
    unimplemented: int
    percent_implemented: float | None


@dataclass(frozen=True)
class Summary:
    """Recommendations rolled up: the tracker's headline and its by-agency table."""

    total: int
    implemented: int
    not_implemented: int
    in_progress: int
    not_started: int
    overdue: int
    unimplemented: int
    percent_implemented: float | None
    by_agency: tuple[AgencySummary, ...] = field(default=())


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100.0 * part / whole, 1)


def summarise(recs: Iterable[tuple[str, date, str]], today: date) -> Summary:
    """Roll recommendations up: how many, how many implemented, overdue, by agency.

    Args:
        recs: ``(status, due_on, owner agency name)`` of each recommendation.
        today: The day overdue is judged on.

    Returns:
        The counts; agencies by name.

    Notes:
        "Percentage fully implemented" is implemented recommendations over all
        recommendations made, times 100, to one decimal place: the measure of the
        Domestic Abuse Commissioner's "Learning from loss" (2025), which found 25% of
        the 110 national recommendations of 2019-21 fully implemented. Recommendations
        closed as not implemented stay in the denominator (they were not
        implemented); ``None`` when there are none. "Unimplemented" is every
        recommendation not implemented (not started, in progress, or closed as not
        implemented); "overdue" those past their due date and still not closed
        (:func:`saferleeds.dardr.rules.is_overdue`).
    """
    counts: dict[str, int] = {s: 0 for s in Recommendation.Status.values}
    overdue = 0
    agencies: dict[str, list[int]] = {}
    for status, due_on, agency in recs:
        counts[status] += 1
        late = is_overdue(status, due_on, today)
        overdue += late
        row = agencies.setdefault(agency, [0, 0, 0])
        row[0] += 1
        row[1] += status == Recommendation.Status.IMPLEMENTED
        row[2] += late
    total = sum(counts.values())
    implemented = counts[Recommendation.Status.IMPLEMENTED]
    return Summary(
        total=total,
        implemented=implemented,
        not_implemented=counts[Recommendation.Status.NOT_IMPLEMENTED],
        in_progress=counts[Recommendation.Status.IN_PROGRESS],
        not_started=counts[Recommendation.Status.OPEN],
        overdue=overdue,
        unimplemented=total - implemented,
        percent_implemented=_percent(implemented, total),
        by_agency=tuple(
            AgencySummary(
                agency=name,
                total=n,
                implemented=done,
                overdue=late,
                unimplemented=n - done,
                percent_implemented=_percent(done, n),
            )
            for name, (n, done, late) in sorted(agencies.items())
        ),
    )


def _summary_of(recs: QuerySet[Recommendation], today: date) -> Summary:
    return summarise(recs.values_list("status", "due_on", "owner_agency__name"), today)


@dataclass(frozen=True)
class ReviewRow:
    """A review as the list shows it."""

    id: int
    reference: str
    pseudonym: str
    deceased_name: str | None  # None for pseudonymised viewers
    agency: str
    notified_on: date
    stage: str
    stage_label: str
    recommendations: int
    implemented: int
    overdue: int


def _stage(review: DeathReview) -> tuple[str, str]:
    return stage_of(
        decision=review.decision,
        report_submitted_on=review.report_submitted_on,
        qa_submitted_on=review.qa_submitted_on,
        qa_outcome=review.qa_outcome,
        qa_outcome_on=review.qa_outcome_on,
        published_on=review.published_on,
    )


@dataclass(frozen=True)
class DardrIndex:
    """The death reviews page: the reviews (``None`` for figures-only readers) and the
    recommendations' roll-up."""

    reviews: tuple[ReviewRow, ...] | None
    summary: Summary
    may_add: bool
    pseudonymised: bool


def read_dardr_index(actor: Actor, today: date) -> DardrIndex:
    """The reviews the actor may see and their recommendations' figures (logged); for
    the executive, the figures of every review only, no review.

    Raises:
        Forbidden: The actor's roles open neither reviews nor their figures.
    """
    if not may_read_dardr(actor):
        raise Forbidden(REFUSED)
    if not may_open_reviews(actor):
        # Figures only: counts of every recommendation of the partnership's reviews,
        # no text, no review, nothing about anyone.
        summary = _summary_of(Recommendation.objects.all(), today)
        return DardrIndex(None, summary, False, False)
    reviews = list(reviews_visible_to(actor).select_related("agency"))
    recs = recommendations_visible_to(actor)
    per_review: dict[int, list[int]] = {}
    for review_id, status, due_on in recs.values_list("review_id", "status", "due_on"):
        counts = per_review.setdefault(review_id, [0, 0, 0])
        counts[0] += 1
        counts[1] += status == Recommendation.Status.IMPLEMENTED
        counts[2] += is_overdue(status, due_on, today)
    hidden = pseudonymised(actor)
    rows = []
    for r in reviews:
        key, label = _stage(r)
        n, done, late = per_review.get(r.pk, [0, 0, 0])
        rows.append(
            ReviewRow(
                id=r.pk,
                reference=r.reference,
                pseudonym=r.pseudonym,
                deceased_name=None if hidden else r.deceased_name,
                agency=r.agency.name,
                notified_on=r.notified_on,
                stage=key,
                stage_label=label,
                recommendations=n,
                implemented=done,
                overdue=late,
            )
        )
    record_consultations(
        actor, [(LIST_EVENT, [(DARDR_REVIEW, r.pk, None) for r in reviews], {})]
    )
    may_add = actor.agency_id is not None and may_change_review(actor, actor.agency_id)
    return DardrIndex(tuple(rows), _summary_of(recs, today), may_add, hidden)


@dataclass(frozen=True)
class ImrRow:
    """An Individual Management Review of the review."""

    id: int
    agency: str
    requested_on: date
    received_on: date | None


@dataclass(frozen=True)
class ReviewPage:
    """One review: its course, IMRs, recommendations and whether the actor changes it."""

    id: int
    reference: str
    pseudonym: str
    deceased_name: str | None
    date_of_death: date | None
    agency: str
    agency_id: int
    notified_by: str
    notified_on: date
    decision: str
    decision_label: str
    decided_on: date | None
    decision_reason: str | None
    chair: str
    panel: tuple[str, ...]
    panel_ids: tuple[int, ...]
    report_submitted_on: date | None
    qa_submitted_on: date | None
    qa_outcome: str
    qa_outcome_label: str
    qa_outcome_on: date | None
    published_on: date | None
    stage: str
    stage_label: str
    version: int
    imrs: tuple[ImrRow, ...]
    recommendations: tuple[RecommendationRow, ...]
    summary: Summary
    may_change: bool
    pseudonymised: bool


def read_review_page(actor: Actor, review_id: int, today: date) -> ReviewPage:
    """One review with its IMRs and recommendations (each shown logged).

    Raises:
        Forbidden: The actor's roles never open reviews (for every id).
        NotFound: Missing or not visible (indistinguishable).
    """
    try:
        review = access_review_by_id(
            actor,
            review_id,
            related=("agency", "notified_by"),
            event="dardr.review.view",
        )
    except Forbidden:  # logged by the gate; said in this kind's words
        raise Forbidden(NOT_FOR_ROLE) from None
    recs = list(
        recommendations_visible_to(actor)
        .filter(review_id=review.pk)
        .select_related("review", "owner_agency")
        .prefetch_related("changes__changed_by", "changes__agency")
    )
    record_consultations(
        actor,
        [
            (
                "dardr.recommendation.view",
                [(DARDR_RECOMMENDATION, r.pk, None) for r in recs],
                {"review": review.pk},
            )
        ],
    )
    hidden = pseudonymised(actor)
    key, label = _stage(review)
    panel = sorted(review.panel_agencies.all(), key=lambda a: a.name)
    return ReviewPage(
        id=review.pk,
        reference=review.reference,
        pseudonym=review.pseudonym,
        deceased_name=None if hidden else review.deceased_name,
        date_of_death=None if hidden else review.date_of_death,
        agency=review.agency.name,
        agency_id=review.agency_id,
        notified_by=review.notified_by.name if review.notified_by else "",
        notified_on=review.notified_on,
        decision=review.decision,
        decision_label=DeathReview.Decision(review.decision).label,
        decided_on=review.decided_on,
        decision_reason=None if hidden else review.decision_reason,
        chair=review.chair,
        panel=tuple(a.name for a in panel),
        panel_ids=tuple(a.pk for a in panel),
        report_submitted_on=review.report_submitted_on,
        qa_submitted_on=review.qa_submitted_on,
        qa_outcome=review.qa_outcome,
        qa_outcome_label=DeathReview.QaOutcome(review.qa_outcome).label,
        qa_outcome_on=review.qa_outcome_on,
        published_on=review.published_on,
        stage=key,
        stage_label=label,
        version=review.version,
        imrs=tuple(
            ImrRow(i.pk, i.agency.name, i.requested_on, i.received_on)
            for i in review.imrs.select_related("agency")
        ),
        recommendations=tuple(_rec_row(r, today, r.changes.all()) for r in recs),
        summary=summarise(
            ((r.status, r.due_on, r.owner_agency.name) for r in recs), today
        ),
        may_change=may_change_review(actor, review.agency_id),
        pseudonymised=hidden,
    )


def _filtered(
    actor: Actor, filters: TrackerFilters, today: date
) -> tuple[QuerySet[Recommendation], QuerySet[Recommendation]]:
    """(recommendations in the agency/review filters, those also in the status filter)."""
    require_open_reviews(actor)
    recs = recommendations_visible_to(actor).select_related("review", "owner_agency")
    if filters.agency:
        recs = recs.filter(owner_agency__code=filters.agency)
    if filters.review is not None:
        recs = recs.filter(review_id=filters.review)
    shown = recs
    status = filters.status
    if status == "overdue":
        shown = recs.exclude(status__in=CLOSED).filter(due_on__lt=today)
    elif status == "unimplemented":
        shown = recs.exclude(status=Recommendation.Status.IMPLEMENTED)
    elif status:
        shown = recs.filter(status=status)
    return recs, shown.order_by("due_on", "review__reference", "number")


@dataclass(frozen=True)
class TrackerPage:
    """Recommendations across reviews: the rows the filters keep and the roll-up of
    those in the agency and review filters (every status)."""

    rows: tuple[RecommendationRow, ...]
    summary: Summary
    filters: TrackerFilters
    agencies: tuple[tuple[str, str], ...]
    reviews: tuple[tuple[int, str], ...]


def read_tracker(actor: Actor, filters: TrackerFilters, today: date) -> TrackerPage:
    """The recommendations tracker (each row shown logged).

    Raises:
        Forbidden: The actor's roles never open recommendations.
    """
    scope, shown = _filtered(actor, filters, today)
    rows = list(shown)
    record_consultations(
        actor,
        [
            (
                TRACKER_EVENT,
                [(DARDR_RECOMMENDATION, r.pk, None) for r in rows],
                {"filters": filters.query()},
            )
        ],
    )
    agencies = tuple(
        Agency.objects.filter(
            pk__in=recommendations_visible_to(actor).values("owner_agency")
        )
        .order_by("name")
        .values_list("code", "name")
    )
    reviews = tuple(
        reviews_visible_to(actor).order_by("reference").values_list("pk", "reference")
    )
    return TrackerPage(
        rows=tuple(_rec_row(r, today) for r in rows),
        summary=_summary_of(scope, today),
        filters=filters,
        agencies=agencies,
        reviews=reviews,
    )


CSV_HEADER = (
    "Review",
    "Report name",
    "Number",
    "Recommendation",
    "Owner agency",
    "Due",
    "Expected change",
    "Status",
    "Overdue",
    "Days overdue",
    "Reason not implemented",
    "Evidence of completion",
    "Implemented on",
)


def tracker_csv(
    actor: Actor, filters: TrackerFilters, today: date
) -> tuple[tuple[str, ...], list[tuple[object, ...]]]:
    """The tracker's rows for a CSV download, logged as one disclosure of every
    recommendation in it (the file leaves the system).

    Raises:
        Forbidden: The actor's roles never open recommendations.
    """
    _, shown = _filtered(actor, filters, today)
    rows = [_rec_row(r, today) for r in shown]
    record_many(
        actor,
        operation=Operation.DISCLOSURE,
        event=EXPORT_EVENT,
        records=[(DARDR_RECOMMENDATION, r.id, None) for r in rows],
        recipient="CSV download",
        detail={"filters": filters.query(), "rows": len(rows)},
    )
    return CSV_HEADER, [
        (
            r.review_reference,
            r.review_pseudonym,
            r.number,
            r.text,
            r.owner_agency,
            r.due_on.isoformat(),
            r.expected_change,
            r.status_label,
            "Yes" if r.overdue else "No",
            r.days_overdue,
            r.status_reason,
            r.evidence,
            r.implemented_on.isoformat() if r.implemented_on else "",
        )
        for r in rows
    ]


def read_api_recommendations(
    actor: Actor, filters: TrackerFilters, today: date, *, offset: int, limit: int
) -> list[RecommendationRow]:
    """The API's recommendations list: the tracker's rows, paged (each logged).

    Raises:
        Forbidden: The actor's roles never open recommendations.
    """
    _, shown = _filtered(actor, filters, today)
    rows = list(shown[offset : offset + limit])
    record_consultations(
        actor,
        [
            (
                TRACKER_EVENT,
                [(DARDR_RECOMMENDATION, r.pk, None) for r in rows],
                {"filters": filters.query(), "api": True},
            )
        ],
    )
    return [_rec_row(r, today) for r in rows]


@dataclass(frozen=True)
class RecommendationPage:
    """One recommendation with its history, and whether the actor changes it."""

    row: RecommendationRow
    review_stage_label: str
    may_change: bool


def read_recommendation_page(
    actor: Actor, recommendation_id: int, today: date
) -> RecommendationPage:
    """One recommendation and its history (logged).

    Raises:
        Forbidden: The actor's roles never open recommendations (for every id).
        NotFound: Missing or not visible (indistinguishable).
    """
    try:
        rec = access_recommendation_by_id(
            actor, recommendation_id, related=("review", "owner_agency")
        )
    except Forbidden:  # logged by the gate; said in this kind's words
        raise Forbidden(NOT_FOR_ROLE) from None
    history = rec.changes.select_related("changed_by", "agency")
    return RecommendationPage(
        row=_rec_row(rec, today, history),
        review_stage_label=_stage(rec.review)[1],
        may_change=may_change_review(actor, rec.review.agency_id),
    )
