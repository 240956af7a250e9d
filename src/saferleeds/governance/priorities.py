"""The assessment year's own inputs as pages read them, and as the JSA build takes them.

The partnership's priority-setting scores, PESTELO horizon scan and recommendations
for an assessment year (entered through :mod:`saferleeds.governance.actions`). They hold
no personal data; the pages are for those who build the assessment
(:func:`~saferleeds.governance.rules.may_enter_priorities`). :func:`partnership_inputs`
hands them to :func:`saferleeds.analytics.jsa.build_assessment` in a fixed order, so the
same data give the same document.
"""

from __future__ import annotations

from dataclasses import dataclass

from saferleeds.analytics.jsa import PRIORITIES
from saferleeds.analytics.police_reference import CRIME_TYPES
from saferleeds.analytics.priority import (
    EnteredRecommendation,
    EnteredScore,
    PartnershipInputs,
)
from saferleeds.governance.models import (
    Board,
    Deliverable,
    HorizonItem,
    Priority,
    PriorityScore,
    Recommendation,
)
from saferleeds.governance.rules import may_enter_priorities
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import Actor, Forbidden

__all__ = [
    "NO_PRIORITIES",
    "PrioritiesPage",
    "ScoreRow",
    "partnership_inputs",
    "read_priorities",
    "themes",
    "year_label",
    "year_slug",
]

NO_PRIORITIES = (
    "Entering the assessment's scores, horizon scan and recommendations is for "
    "analysts, the executive and community safety officers."
)


def year_label(year: int) -> str:
    """``2017`` -> ``2017/18``."""
    return f"{year}/{(year + 1) % 100:02d}"


def year_slug(year: int) -> str:
    """``2017`` -> ``2017-18`` (the year in a page address)."""
    return f"{year}-{(year + 1) % 100:02d}"


def themes() -> tuple[str, ...]:
    """The themes to score: the strategy's critical themes, then police.uk categories."""
    critical = [t[0].upper() + t[1:] for p in PRIORITIES for t in p.themes]
    return tuple(dict.fromkeys([*critical, *CRIME_TYPES]))


@dataclass(frozen=True)
class ScoreRow:
    """A theme's score for the year."""

    id: int
    theme: str
    method: str
    method_label: str
    harm: int
    likelihood: int
    organisational_position: int | None
    risk: int
    confidence: str
    rationale: str
    carried_from: str  # "2016/17" or ""
    confirmed: bool
    version: int
    updated_by: str


@dataclass(frozen=True)
class RecommendationRow:
    """A recommendation and the deliverable it feeds."""

    id: int
    text: str
    theme: str
    deliverable_id: int | None
    deliverable: str
    lead_agency: str
    board: str


@dataclass(frozen=True)
class PrioritiesPage:
    """One assessment year's scores, horizon scan and recommendations, with choices."""

    year: int
    label: str
    slug: str
    scores: tuple[ScoreRow, ...]
    unscored_themes: tuple[str, ...]
    previous_label: str
    previous_count: int  # scores of the year before that could be carried here
    horizon: tuple[tuple[str, str, tuple[str, ...]], ...]  # key, heading, texts
    recommendations: tuple[RecommendationRow, ...]
    deliverable_choices: tuple[tuple[int, str], ...]
    priority_choices: tuple[tuple[int, str], ...]
    agency_choices: tuple[tuple[int, str], ...]
    board_choices: tuple[tuple[int, str], ...]

    @property
    def carried_count(self) -> int:
        """Scores carried from the year before and not yet confirmed."""
        return sum(1 for s in self.scores if not s.confirmed)


def _score_row(s: PriorityScore) -> ScoreRow:
    by = s.updated_by
    return ScoreRow(
        id=s.pk,
        theme=s.theme,
        method=s.method,
        method_label=(
            "MoRiLE-style" if s.method == PriorityScore.Method.MORILE else "4 x 4 grid"
        ),
        harm=s.harm,
        likelihood=s.likelihood,
        organisational_position=s.organisational_position,
        risk=s.harm * s.likelihood,
        confidence=s.confidence,
        rationale=s.rationale,
        carried_from=year_label(s.carried_from) if s.carried_from else "",
        confirmed=s.confirmed,
        version=s.version,
        updated_by=by.get_full_name() or by.get_username(),
    )


def read_priorities(actor: Actor, year: int) -> PrioritiesPage:
    """An assessment year's entered inputs, for the page that enters them.

    Raises:
        Forbidden: The actor may not enter them.
    """
    if not may_enter_priorities(actor):
        raise Forbidden(NO_PRIORITIES)
    scores = tuple(
        _score_row(s)
        for s in PriorityScore.objects.filter(year=year)
        .select_related("updated_by")
        .order_by("-harm", "theme")
    )
    scored = {s.theme for s in scores}
    scores = tuple(sorted(scores, key=lambda s: (-s.risk, s.theme)))
    previous = PriorityScore.objects.filter(year=year - 1).exclude(theme__in=scored)
    items: dict[str, list[str]] = {k: [] for k in HorizonItem.Heading.values}
    for item in HorizonItem.objects.filter(year=year).order_by("id"):
        items[item.heading].append(item.text)
    recs = tuple(
        RecommendationRow(
            id=r.pk,
            text=r.text,
            theme=r.theme,
            deliverable_id=r.deliverable_id,
            deliverable=r.deliverable.title if r.deliverable else "",
            lead_agency=r.deliverable.lead_agency.name if r.deliverable else "",
            board=(
                r.deliverable.board.name
                if r.deliverable and r.deliverable.board
                else ""
            ),
        )
        for r in Recommendation.objects.filter(year=year)
        .select_related("deliverable__lead_agency", "deliverable__board")
        .order_by("id")
    )
    return PrioritiesPage(
        year=year,
        label=year_label(year),
        slug=year_slug(year),
        scores=scores,
        unscored_themes=tuple(t for t in themes() if t not in scored),
        previous_label=year_label(year - 1),
        previous_count=previous.count(),
        horizon=tuple(
            (key, label, tuple(items[key]))
            for key, label in HorizonItem.Heading.choices
        ),
        recommendations=recs,
        deliverable_choices=tuple(
            (d.pk, d.title[:120])
            for d in Deliverable.objects.order_by("priority__number", "id")
        ),
        priority_choices=tuple(
            (p.number, f"{p.number} {p.title}")
            for p in Priority.objects.order_by("number")
        ),
        agency_choices=tuple(Agency.objects.order_by("name").values_list("id", "name")),
        board_choices=tuple(Board.objects.order_by("id").values_list("id", "name")),
    )


def partnership_inputs(year: int) -> PartnershipInputs:
    """What the partnership entered for an assessment year, for the JSA build.

    Aggregate, non-personal inputs read without an actor (the build's own caller has
    checked who may build). Fixed order: scores by theme, scan items and
    recommendations as entered.
    """
    scores = tuple(
        EnteredScore(
            theme=s.theme,
            method=s.method,
            harm=s.harm,
            likelihood=s.likelihood,
            organisational_position=s.organisational_position,
            confidence=s.confidence,
            carried=not s.confirmed,
        )
        for s in PriorityScore.objects.filter(year=year).order_by("theme")
    )
    horizon = tuple(
        HorizonItem.objects.filter(year=year)
        .order_by("id")
        .values_list("heading", "text")
    )
    recs = tuple(
        EnteredRecommendation(
            text=r.text,
            theme=r.theme,
            deliverable=r.deliverable.title if r.deliverable else "",
            lead_agency=r.deliverable.lead_agency.name if r.deliverable else "",
            board=(
                r.deliverable.board.name
                if r.deliverable and r.deliverable.board
                else ""
            ),
        )
        for r in Recommendation.objects.filter(year=year)
        .select_related("deliverable__lead_agency", "deliverable__board")
        .order_by("id")
    )
    return PartnershipInputs(scores, horizon, recs)
