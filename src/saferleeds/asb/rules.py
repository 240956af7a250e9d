"""Anti-social behaviour rules: the ASB Case Review threshold, its service levels, the
victim vulnerability matrix and the annual statistics a partnership publishes.

Plain functions over plain values: no models, no database, nothing stored or audited.
Partnership settings come in as arguments (``*.from_settings`` reads
``[casework.asb]`` of the partnership file); the defaults are the national ones where a
national rule exists, and a documented local choice where none was found.

Sources (see /work/shared/design/domain.md, "ASB risk and ASB Case Review"):
    Anti-social Behaviour, Crime and Policing Act 2014, s.104 and Home Office statutory
    guidance "Anti-social Behaviour, Crime and Policing Act 2014: Anti-social behaviour
    powers" (ASB Case Review chapter).
    Ribble Valley BC, "Community Trigger" (local extras and published yearly counts):
    http://www.ribblevalley.gov.uk/info/200323/community_safety/1590/community_trigger
    Bedfordshire Police, Gosport BC, Guildford BC: published service levels (domain.md).
    Stockton-on-Tees ASB hotline: vulnerability score of 22 or more refers the caller to
    the Victim Witness Support Officer: https://docest.com/doc/472074/ssp-report-callers-to-asb-hotline
    UPSI for HMIC (2013): personal, situational and incidental vulnerability:
    http://asbhelp.co.uk/personal-situational-incidental-vulnerabilities-asb-harm-follow-study/
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from saferleeds.core.calendar import add_working_days

# --- calendar months ---------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (earlier if negative), clamped to
    the end of a shorter month: 31 January + 1 month is 28 (or 29) February.

    This is how "within one month" is read in English law (Interpretation Act 1978,
    Sch. 1: "month" means calendar month), the day clamped as a corresponding-date rule
    must when the later month is shorter.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


# --- the ASB Case Review threshold (s.104) -------------------------------------------


class Verdict(StrEnum):
    """Why a complaint does or does not count towards the threshold."""

    QUALIFYING = "qualifying"
    NUISANCE_ONLY = "nuisance_only"
    TOO_LATE = "too_late_after_behaviour"
    BEFORE_BEHAVIOUR = "reported_before_behaviour"
    OUTSIDE_WINDOW = "outside_application_window"
    AFTER_APPLICATION = "after_application"


VERDICT_TEXT: dict[Verdict, str] = {
    Verdict.QUALIFYING: "Qualifying complaint",
    Verdict.NUISANCE_ONLY: (
        "Nuisance only: no harassment, alarm or distress, so it does not count"
    ),
    Verdict.TOO_LATE: "Made more than {m} after the behaviour",
    Verdict.BEFORE_BEHAVIOUR: "Reported before the behaviour it describes",
    Verdict.OUTSIDE_WINDOW: (
        "Made more than {w} before the application (outside the window)"
    ),
    Verdict.AFTER_APPLICATION: "Made after the application",
}


@dataclass(frozen=True)
class ThresholdRules:
    """The threshold a partnership applies.

    Attributes:
        complaints: Qualifying complaints that meet the threshold (s.104: 3; a partnership
            may set a lower number, never a higher one).
        behaviour_months: A complaint counts if made within this many months of the
            behaviour (s.104(7)(b): one month).
        application_months: The application must be made within this many months of each
            complaint counted (s.104(7)(a): six months).
        individuals: Local extra (Ribble Valley): met if at least this many different
            complainants complained in the window. ``None``: not used (national).
        hate_incidents: Local extra (Ribble Valley): met if at least this many
            hate-motivated complaints in the window. ``None``: not used (national).
    """

    complaints: int = 3
    behaviour_months: int = 1
    application_months: int = 6
    individuals: int | None = None
    hate_incidents: int | None = None

    @classmethod
    def from_settings(cls, setting: Callable[[str, Any], Any]) -> ThresholdRules:
        """Read ``[casework.asb]`` through ``setting(key, default)``."""
        d = cls()
        return cls(
            complaints=int(setting("threshold_complaints", d.complaints)),
            behaviour_months=int(
                setting("behaviour_window_months", d.behaviour_months)
            ),
            application_months=int(
                setting("application_window_months", d.application_months)
            ),
            individuals=_optional_int(setting("threshold_individuals", 0)),
            hate_incidents=_optional_int(setting("threshold_hate_incidents", 0)),
        )


def _optional_int(value: Any) -> int | None:
    number = int(value or 0)
    return number if number > 0 else None


@dataclass(frozen=True)
class ComplaintFacts:
    """What the threshold needs to know of one complaint.

    Attributes:
        key: The complaint's id (echoed back in the verdict).
        behaviour_on: When the behaviour happened.
        reported_on: When the complaint was made.
        harassment: Whether it describes harassment, alarm or distress (nuisance alone
            does not count).
        complainant: Who complained (a person id, or ``None`` if not known), for the
            local "individuals" extra.
        hate_motivated: Whether it was a hate incident, for the local hate extra.
    """

    key: int
    behaviour_on: date
    reported_on: date
    harassment: bool = True
    complainant: int | None = None
    hate_motivated: bool = False


@dataclass(frozen=True)
class ComplaintVerdict:
    """One complaint's verdict and the reason, in words."""

    key: int
    verdict: Verdict
    reason: str
    in_window: bool

    @property
    def qualifies(self) -> bool:
        """Whether it counts towards the threshold."""
        return self.verdict is Verdict.QUALIFYING


@dataclass(frozen=True)
class ThresholdResult:
    """The threshold check of one application.

    Attributes:
        met: Whether the threshold is met.
        grounds: Which rules met it ("complaints", "individuals", "hate_incidents").
        qualifying: Qualifying complaints counted.
        verdicts: Each complaint's verdict, in reported order.
        window_start: The earliest day a counted complaint may have been made.
        rules: The rules applied.
    """

    met: bool
    grounds: tuple[str, ...]
    qualifying: int
    verdicts: tuple[ComplaintVerdict, ...]
    window_start: date
    rules: ThresholdRules

    def as_json(self) -> dict[str, Any]:
        """The result as stored on the application (``threshold_detail``)."""
        return {
            "met": self.met,
            "grounds": list(self.grounds),
            "qualifying": self.qualifying,
            "window_start": self.window_start.isoformat(),
            "rules": {
                "complaints": self.rules.complaints,
                "behaviour_months": self.rules.behaviour_months,
                "application_months": self.rules.application_months,
                "individuals": self.rules.individuals,
                "hate_incidents": self.rules.hate_incidents,
            },
            "complaints": [
                {
                    "id": v.key,
                    "verdict": v.verdict.value,
                    "reason": v.reason,
                    "in_window": v.in_window,
                }
                for v in self.verdicts
            ],
        }


def _months(n: int) -> str:
    return f"{n} month" if n == 1 else f"{n} months"


def judge_complaint(
    c: ComplaintFacts, application_on: date, rules: ThresholdRules
) -> ComplaintVerdict:
    """One complaint's verdict for an application made on ``application_on``.

    Checked in this order, so the reason given is the first that fails: made after the
    application; reported before the behaviour; application more than
    ``application_months`` after the complaint; complaint more than ``behaviour_months``
    after the behaviour; nuisance only (s.104(7)-(8): ASB here means harassment, alarm
    or distress).
    """
    in_window = c.reported_on <= application_on and application_on <= add_months(
        c.reported_on, rules.application_months
    )
    if c.reported_on > application_on:
        verdict = Verdict.AFTER_APPLICATION
    elif c.reported_on < c.behaviour_on:
        verdict = Verdict.BEFORE_BEHAVIOUR
    elif not in_window:
        verdict = Verdict.OUTSIDE_WINDOW
    elif c.reported_on > add_months(c.behaviour_on, rules.behaviour_months):
        verdict = Verdict.TOO_LATE
    elif not c.harassment:
        verdict = Verdict.NUISANCE_ONLY
    else:
        verdict = Verdict.QUALIFYING
    reason = VERDICT_TEXT[verdict].format(
        m=_months(rules.behaviour_months), w=_months(rules.application_months)
    )
    return ComplaintVerdict(c.key, verdict, reason, in_window)


def check_threshold(
    complaints: Iterable[ComplaintFacts],
    application_on: date,
    rules: ThresholdRules | None = None,
) -> ThresholdResult:
    """Whether an ASB Case Review application meets the threshold.

    National rule (s.104(7), statutory guidance): met when at least three qualifying
    complaints were made, each within one month of the behaviour, the application
    being made within six months of each. Local extras (off by default) count
    different complainants, or hate-motivated complaints, made in the same window;
    they count complaints of harassment, alarm or distress made within the behaviour
    window, as the national rule does, only counting them differently.
    """
    rules = rules or ThresholdRules()
    ordered = sorted(complaints, key=lambda c: (c.reported_on, c.key))
    verdicts = tuple(judge_complaint(c, application_on, rules) for c in ordered)
    counted = [c for c, v in zip(ordered, verdicts, strict=True) if v.qualifies]
    grounds: list[str] = []
    if len(counted) >= rules.complaints:
        grounds.append("complaints")
    if rules.individuals is not None:
        people = {c.complainant for c in counted if c.complainant is not None}
        if len(people) >= rules.individuals:
            grounds.append("individuals")
    if rules.hate_incidents is not None:
        if sum(1 for c in counted if c.hate_motivated) >= rules.hate_incidents:
            grounds.append("hate_incidents")
    return ThresholdResult(
        met=bool(grounds),
        grounds=tuple(grounds),
        qualifying=len(counted),
        verdicts=verdicts,
        window_start=add_months(application_on, -rules.application_months),
        rules=rules,
    )


# --- working days and service levels ------------------------------------------------

# Working days and bank holidays live in saferleeds.core.calendar, shared with the NRM
# target.


@dataclass(frozen=True)
class ServiceLevels:
    """The partnership's published service levels for an ASB Case Review, in working
    days. The Act sets none; the guidance asks each partnership to publish its own.

    Attributes:
        acknowledge: From receipt to acknowledgement (Bedfordshire: 5).
        decide: From receipt to the threshold decision (Gosport: 15).
        review: From the threshold decision to the review meeting (Gosport: 20).
        tell_applicant: From the review to telling the applicant the outcome (local
            choice: 5; Guildford gives the outcome within 25 of receipt).
    """

    acknowledge: int = 5
    decide: int = 15
    review: int = 20
    tell_applicant: int = 5

    @classmethod
    def from_settings(cls, setting: Callable[[str, Any], Any]) -> ServiceLevels:
        """Read ``[casework.asb]`` through ``setting(key, default)``."""
        d = cls()
        return cls(
            acknowledge=int(setting("acknowledge_working_days", d.acknowledge)),
            decide=int(setting("decision_working_days", d.decide)),
            review=int(setting("review_working_days", d.review)),
            tell_applicant=int(
                setting("tell_applicant_working_days", d.tell_applicant)
            ),
        )


@dataclass(frozen=True)
class Deadline:
    """One step of a case review against its service level.

    Attributes:
        step: What must happen ("Acknowledge", ...).
        due_on: When it is due (``None`` until the step it runs from has happened).
        done_on: When it happened (``None`` if not yet).
        state: "done", "done_late", "due", "overdue" or "not_started".
    """

    step: str
    due_on: date | None
    done_on: date | None
    state: str

    @property
    def tag(self) -> tuple[str, str]:
        """(label, GOV.UK tag colour class) for the page."""
        return {
            "done": ("Done", "govuk-tag--green"),
            "done_late": ("Done late", "govuk-tag--orange"),
            "due": ("Due", "govuk-tag--blue"),
            "overdue": ("Overdue", "govuk-tag--red"),
            "not_started": ("Not started", "govuk-tag--grey"),
        }[self.state]


def _deadline(
    step: str, since: date | None, days: int, done_on: date | None, today: date
) -> Deadline:
    if since is None:
        return Deadline(step, None, done_on, "done" if done_on else "not_started")
    due = add_working_days(since, days)
    if done_on is not None:
        return Deadline(step, due, done_on, "done" if done_on <= due else "done_late")
    return Deadline(step, due, None, "overdue" if today > due else "due")


def review_deadlines(
    *,
    received_on: date,
    acknowledged_on: date | None,
    decision_on: date | None,
    threshold_met: bool | None,
    review_held_on: date | None,
    applicant_told_on: date | None,
    today: date,
    levels: ServiceLevels | None = None,
) -> list[Deadline]:
    """Each step of an application against the service levels, as of ``today``.

    A step is overdue the day after it is due. When the threshold is not met there is
    no review; the applicant is told from the decision instead.
    """
    levels = levels or ServiceLevels()
    steps = [
        _deadline(
            "Acknowledge the application",
            received_on,
            levels.acknowledge,
            acknowledged_on,
            today,
        ),
        _deadline(
            "Decide whether the threshold is met",
            received_on,
            levels.decide,
            decision_on,
            today,
        ),
    ]
    if threshold_met is False:
        steps.append(
            _deadline(
                "Tell the applicant the decision",
                decision_on,
                levels.tell_applicant,
                applicant_told_on,
                today,
            )
        )
        return steps
    steps.append(
        _deadline("Hold the review", decision_on, levels.review, review_held_on, today)
    )
    steps.append(
        _deadline(
            "Tell the applicant the outcome",
            review_held_on,
            levels.tell_applicant,
            applicant_told_on,
            today,
        )
    )
    return steps


# --- victim vulnerability and risk matrix -------------------------------------------


class Factor(StrEnum):
    """UPSI's three kinds of vulnerability."""

    PERSONAL = "personal"
    SITUATIONAL = "situational"
    INCIDENTAL = "incidental"


@dataclass(frozen=True)
class RiskQuestion:
    """One question of the matrix, answered on a 0 to 3 scale and weighted.

    Attributes:
        key: Stored answer key.
        factor: Personal, situational or incidental.
        text: The question.
        weight: Multiplies the answer (0 none, 1 a little, 2 a lot, 3 severely).
    """

    key: str
    factor: Factor
    text: str
    weight: int = 1


ANSWER_SCALE: tuple[tuple[int, str], ...] = (
    (0, "No"),
    (1, "A little"),
    (2, "A lot"),
    (3, "Severely"),
)

# A national questionnaire was NOT FOUND; this default follows UPSI's three factors and
# the questions common to published local matrices. Weights are configurable.
DEFAULT_QUESTIONS: tuple[RiskQuestion, ...] = (
    RiskQuestion(
        "health", Factor.PERSONAL, "Does a disability or health condition affect them?"
    ),
    RiskQuestion(
        "mental_health",
        Factor.PERSONAL,
        "Is their mental health or wellbeing affected by the behaviour?",
        2,
    ),
    RiskQuestion(
        "age_isolation",
        Factor.PERSONAL,
        "Are they isolated, or vulnerable because of their age?",
    ),
    RiskQuestion(
        "targeted_identity",
        Factor.PERSONAL,
        "Are they targeted because of who they are (a hate element)?",
        2,
    ),
    RiskQuestion(
        "at_home",
        Factor.SITUATIONAL,
        "Does the behaviour happen at or near their home?",
    ),
    RiskQuestion(
        "repeat",
        Factor.SITUATIONAL,
        "Has it happened repeatedly, or is it getting worse?",
        2,
    ),
    RiskQuestion(
        "support", Factor.SITUATIONAL, "Do they lack support from family or friends?"
    ),
    RiskQuestion(
        "fear",
        Factor.INCIDENTAL,
        "Are they afraid for their safety or their family's?",
        2,
    ),
    RiskQuestion(
        "threats_violence",
        Factor.INCIDENTAL,
        "Have there been threats, violence or damage to property?",
        2,
    ),
    RiskQuestion(
        "daily_life",
        Factor.INCIDENTAL,
        "Has it changed their daily life (sleep, work, going out)?",
    ),
)


@dataclass(frozen=True)
class RiskBand:
    """A risk level's response.

    Attributes:
        level: "standard", "medium" or "high".
        min_score: The lowest score in the band.
        contact_days: Contact the victim within this many days.
        review_days: Review the case every this many days.
        plan: Anything more the response requires.
    """

    level: str
    min_score: int
    contact_days: int
    review_days: int
    plan: str = ""

    @property
    def response(self) -> str:
        """The response in words."""
        days = f"{self.contact_days} day{'' if self.contact_days == 1 else 's'}"
        return f"Contact the victim within {days}" + (
            f"; {self.plan}" if self.plan else ""
        )


@dataclass(frozen=True)
class RiskMatrix:
    """The partnership's matrix: questions, weights and band cut-offs.

    The default scores up to 3 x (sum of weights) = 45; 22 or more is high risk
    (Stockton's referral cut-off), 12 to 21 medium (a local choice: a national cut-off
    was NOT FOUND), below 12 standard. Contact and review intervals follow the Richmond
    protocol's tiers (personal threat high, nuisance medium), made concrete as a local
    default: high, contact in 1 day and review weekly; medium, 3 days and fortnightly;
    standard, 10 days and every 4 weeks.
    """

    questions: tuple[RiskQuestion, ...] = DEFAULT_QUESTIONS
    bands: tuple[RiskBand, ...] = (
        RiskBand("high", 22, 1, 7, "a vulnerable victim action plan"),
        RiskBand("medium", 12, 3, 14),
        RiskBand("standard", 0, 10, 28),
    )

    @classmethod
    def from_settings(cls, setting: Callable[[str, Any], Any]) -> RiskMatrix:
        """Read ``[casework.asb]``: ``risk_high_score``, ``risk_medium_score``,
        ``risk_weights`` (question key -> weight), ``risk_contact_days`` and
        ``risk_review_days`` (level -> days)."""
        d = cls()
        weights: Mapping[str, int] = setting("risk_weights", {})
        contact: Mapping[str, int] = setting("risk_contact_days", {})
        review: Mapping[str, int] = setting("risk_review_days", {})
        cut = {
            "high": int(setting("risk_high_score", d.band("high").min_score)),
            "medium": int(setting("risk_medium_score", d.band("medium").min_score)),
            "standard": 0,
        }
        questions = tuple(
            RiskQuestion(q.key, q.factor, q.text, int(weights.get(q.key, q.weight)))
            for q in d.questions
        )
        bands = tuple(
            RiskBand(
                b.level,
                cut[b.level],
                int(contact.get(b.level, b.contact_days)),
                int(review.get(b.level, b.review_days)),
                b.plan,
            )
            for b in d.bands
        )
        return cls(questions, bands)

    def band(self, level: str) -> RiskBand:
        """The band of a level."""
        return next(b for b in self.bands if b.level == level)

    @property
    def max_score(self) -> int:
        """The highest possible score."""
        return sum(3 * q.weight for q in self.questions)


@dataclass(frozen=True)
class RiskResult:
    """A scored assessment.

    Attributes:
        score: Weighted total.
        by_factor: Weighted subtotal per factor.
        band: The band the score falls in.
        answers: Question key -> answer (0 to 3), as given.
    """

    score: int
    by_factor: dict[str, int]
    band: RiskBand
    answers: dict[str, int] = field(default_factory=dict)

    def review_due(self, assessed_on: date) -> date:
        """When the case is next reviewed."""
        return assessed_on + timedelta(days=self.band.review_days)

    def contact_by(self, assessed_on: date) -> date:
        """When the victim must be contacted by."""
        return assessed_on + timedelta(days=self.band.contact_days)


def score_risk(
    answers: Mapping[str, int], matrix: RiskMatrix | None = None
) -> RiskResult:
    """Score a victim's answers (question key -> 0 to 3; a missing answer counts 0).

    Raises:
        ValueError: An unknown question or an answer outside 0 to 3.
    """
    matrix = matrix or RiskMatrix()
    known = {q.key for q in matrix.questions}
    unknown = set(answers) - known
    if unknown:
        raise ValueError(f"unknown questions: {', '.join(sorted(unknown))}")
    clean: dict[str, int] = {}
    by_factor = {f.value: 0 for f in Factor}
    for q in matrix.questions:
        value = int(answers.get(q.key, 0))
        if not 0 <= value <= 3:
            raise ValueError(f"{q.key}: answer {value} is not 0 to 3")
        clean[q.key] = value
        by_factor[q.factor.value] += value * q.weight
    score = sum(by_factor.values())
    band = max(
        (b for b in matrix.bands if score >= b.min_score), key=lambda b: b.min_score
    )
    return RiskResult(score, by_factor, band, clean)


# --- annual statistics (s.104(10)) ---------------------------------------------------


@dataclass(frozen=True)
class ApplicationFacts:
    """What the statistics need to know of one application.

    Attributes:
        received_on: When it was received.
        decision_on: When the threshold was decided (``None`` if not yet).
        threshold_met: The decision (``None`` if not decided).
        review_held_on: When the review was held.
        recommendations: How many recommendations the review made.
    """

    received_on: date
    decision_on: date | None = None
    threshold_met: bool | None = None
    review_held_on: date | None = None
    recommendations: int = 0


def reporting_year(year: int, start_month: int = 4) -> tuple[date, date]:
    """First and last day of the reporting year that starts in ``year``: the financial
    year 1 April ``year`` to 31 March ``year + 1`` by default; ``start_month=1`` for the
    calendar year."""
    first = date(year, start_month, 1)
    return first, add_months(first, 12) - timedelta(days=1)


@dataclass(frozen=True)
class AnnualStatistics:
    """The figures s.104(10) requires a partnership to publish, and a few more.

    Each is counted by the date of its own event in the year: applications by receipt,
    decisions by decision date, reviews and recommendations by review date.
    """

    first_day: date
    last_day: date
    applications: int
    thresholds_met: int
    thresholds_not_met: int
    awaiting_decision: int
    reviews_held: int
    reviews_with_recommendations: int
    recommendations: int
    applications_by_month: tuple[tuple[str, int], ...]

    def as_json(self) -> dict[str, Any]:
        """For the CLI and the CSV."""
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "applications": self.applications,
            "thresholds_met": self.thresholds_met,
            "thresholds_not_met": self.thresholds_not_met,
            "awaiting_decision": self.awaiting_decision,
            "reviews_held": self.reviews_held,
            "reviews_with_recommendations": self.reviews_with_recommendations,
            "recommendations": self.recommendations,
            "applications_by_month": dict(self.applications_by_month),
        }


def annual_statistics(
    applications: Sequence[ApplicationFacts],
    year: int,
    *,
    start_month: int = 4,
    today: date | None = None,
) -> AnnualStatistics:
    """The year's figures (Home Office statutory guidance: the number of applications,
    of times the threshold was not met, of reviews carried out and of reviews that
    resulted in recommendations). ``awaiting_decision`` counts applications received
    in the year not decided by ``today`` (or ever, if not given)."""
    first, last = reporting_year(year, start_month)

    def within(d: date | None) -> bool:
        return d is not None and first <= d <= last

    received = [a for a in applications if within(a.received_on)]
    decided = [a for a in applications if within(a.decision_on)]
    reviewed = [a for a in applications if within(a.review_held_on)]
    months = [add_months(first, n) for n in range(12)]
    by_month = tuple(
        (
            m.strftime("%Y-%m"),
            sum(
                1
                for a in received
                if (a.received_on.year, a.received_on.month) == (m.year, m.month)
            ),
        )
        for m in months
    )
    return AnnualStatistics(
        first_day=first,
        last_day=last,
        applications=len(received),
        thresholds_met=sum(1 for a in decided if a.threshold_met is True),
        thresholds_not_met=sum(1 for a in decided if a.threshold_met is False),
        awaiting_decision=sum(
            1
            for a in received
            if a.decision_on is None or (today is not None and a.decision_on > today)
        ),
        reviews_held=len(reviewed),
        reviews_with_recommendations=sum(1 for a in reviewed if a.recommendations),
        recommendations=sum(a.recommendations for a in reviewed),
        applications_by_month=by_month,
    )
