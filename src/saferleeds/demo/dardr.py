"""Demo Domestic Abuse Related Death Reviews: three synthetic reviews at different
stages, with recommendations some implemented (with evidence), some overdue, one
closed as not implemented.

All through the death review actions (audited), as the council's case coordinator
(the persona who commissions reviews), dated relative to the load day. Every name is
invented. Safe to repeat: seeded only when no review is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from saferleeds.dardr.actions import (
    do_add_dardr_recommendation,
    do_mark_recommendation_implemented,
    do_receive_dardr_imr,
    do_record_dardr_decision,
    do_record_dardr_notification,
    do_request_dardr_imr,
    do_update_dardr_progress,
    do_update_recommendation_status,
)
from saferleeds.dardr.models import DeathReview
from saferleeds.partners.models import Agency
from saferleeds.partners.policy import actor_for

__all__ = ["seed_dardr"]

COMMISSIONER = "carol.coordinator"


@dataclass(frozen=True)
class _Rec:
    text: str
    owner: str  # agency code
    due: int  # days from the load day
    expected: str
    # ("implemented", days ago, evidence) | ("in_progress", 0, note) |
    # ("not_implemented", 0, reason) | ("open", 0, "")
    outcome: tuple[str, int, str] = ("open", 0, "")


@dataclass(frozen=True)
class _Review:
    reference: str
    pseudonym: str
    name: str
    died: int  # days before the load day
    notified: int
    decided: int | None
    imrs: tuple[tuple[str, int, int | None], ...]  # (agency, asked, received) days ago
    report: int | None
    qa_sent: int | None
    qa_answer: tuple[str, int] | None
    published: int | None
    recommendations: tuple[_Rec, ...]


_REVIEWS: tuple[_Review, ...] = (
    _Review(
        "DARDR 2023/01",
        "Adult A",
        "Joanne Demoland",
        died=940,
        notified=930,
        decided=900,
        imrs=(
            ("wyp", 890, 800),
            ("ccg", 890, 790),
            ("lcc", 890, 810),
            ("nps", 885, 780),
        ),
        report=520,
        qa_sent=450,
        qa_answer=("approved", 330),
        published=280,
        recommendations=(
            _Rec(
                "Train all call handlers to ask about coercive control when a caller "
                "reports a domestic incident.",
                "wyp",
                -400,
                "Call handlers identify coercive control in at least 90% of audited calls.",
                (
                    "implemented",
                    380,
                    "Training delivered to 412 of 420 call handlers; "
                    "the March audit found coercive control asked about in 93% of calls.",
                ),
            ),
            _Rec(
                "GP practices record routine enquiry about domestic abuse in antenatal "
                "and mental health appointments.",
                "ccg",
                -300,
                "Routine enquiry recorded in the GP systems of every practice.",
                (
                    "implemented",
                    250,
                    "IRIS programme live in 97 of 97 practices; "
                    "searches show routine enquiry coded in 71% of antenatal contacts.",
                ),
            ),
            _Rec(
                "Probation shares risk assessments with the MARAC within one working day "
                "of a domestic abuse perpetrator's release.",
                "nps",
                -200,
                "No MARAC case heard without the probation risk assessment.",
                (
                    "implemented",
                    150,
                    "Information-sharing protocol signed; the last six "
                    "MARAC audits found the assessment shared on time in every case.",
                ),
            ),
            _Rec(
                "Housing options staff screen every homeless application for domestic "
                "abuse and refer high-risk cases to the MARAC.",
                "lcc",
                -120,
                "Every high-risk applicant referred to the MARAC.",
                ("in_progress", 0, "Screening question added; training half done."),
            ),
            _Rec(
                "The fire service's safe and well visits include questions on "
                "domestic abuse.",
                "wyfrs",
                -60,
                "Safe and well visits identify and refer domestic abuse.",
                (
                    "not_implemented",
                    0,
                    "Superseded by the national Fire Standard on "
                    "safeguarding, adopted in full instead.",
                ),
            ),
            _Rec(
                "Publish a partnership-wide guide to recognising economic abuse.",
                "lcc",
                -30,
                "Practitioners in every agency know where to find the guide.",
            ),
        ),
    ),
    _Review(
        "DARDR 2024/02",
        "Beth",
        "Marie Samplewood",
        died=420,
        notified=410,
        decided=385,
        imrs=(("wyp", 380, 300), ("ccg", 380, 280), ("lcc", 380, None)),
        report=60,
        qa_sent=30,
        qa_answer=None,
        published=None,
        recommendations=(
            _Rec(
                "Health visitors ask about domestic abuse at every contact when a "
                "parent is alone.",
                "ccg",
                -1,
                "Disclosures made to health visitors rise and are referred on.",
                ("in_progress", 0, "Guidance drafted; awaiting sign-off."),
            ),
            _Rec(
                "Police attending a domestic incident check for previous incidents "
                "at the address as well as the names.",
                "wyp",
                0,
                "Repeat incidents at an address are seen whoever is named.",
            ),
            _Rec(
                "Adult social care reviews its threshold for carers' assessments where "
                "abuse between partners is disclosed.",
                "lcc",
                90,
                "Carers who disclose abuse get an assessment.",
            ),
            _Rec(
                "Substance misuse services include partners in safety planning.",
                "lcc",
                180,
                "Safety plans name the risk from and to partners.",
            ),
        ),
    ),
    _Review(
        "DARDR 2025/03",
        "Chris",
        "Peter Notreal",
        died=25,
        notified=20,
        decided=None,
        imrs=(),
        report=None,
        qa_sent=None,
        qa_answer=None,
        published=None,
        recommendations=(),
    ),
)


def _ago(day: date, days: int | None) -> date | None:
    return None if days is None else day - timedelta(days=days)


def seed_dardr(today: date | None = None) -> int:
    """Seed the demo reviews unless some review is held; return how many are held."""
    day = today or timezone.localdate()
    if DeathReview.objects.exists():
        return DeathReview.objects.count()
    actor = actor_for(User.objects.get(username=COMMISSIONER))
    agencies = {a.code: a.pk for a in Agency.objects.all()}
    for spec in _REVIEWS:
        review = do_record_dardr_notification(
            reference=spec.reference,
            pseudonym=spec.pseudonym,
            deceased_name=spec.name,
            date_of_death=_ago(day, spec.died),
            notified_by_id=agencies["wyp"],
            notified_on=day - timedelta(days=spec.notified),
            actor=actor,
        )
        if spec.decided is None:
            continue
        review = do_record_dardr_decision(
            review.pk,
            decision=DeathReview.Decision.REVIEW,
            decided_on=day - timedelta(days=spec.decided),
            chair="Independent chair (demo)",
            expected_version=review.version,
            actor=actor,
        )
        for code, asked, received in spec.imrs:
            imr = do_request_dardr_imr(
                review.pk,
                agency_id=agencies[code],
                requested_on=day - timedelta(days=asked),
                actor=actor,
            )
            if received is not None:
                do_receive_dardr_imr(
                    imr.pk, received_on=day - timedelta(days=received), actor=actor
                )
        review.refresh_from_db()
        answer = spec.qa_answer
        review = do_update_dardr_progress(
            review.pk,
            chair=review.chair,
            panel_agency_ids=[a.pk for a in review.panel_agencies.all()],
            report_submitted_on=_ago(day, spec.report),
            qa_submitted_on=_ago(day, spec.qa_sent),
            qa_outcome=answer[0] if answer else DeathReview.QaOutcome.PENDING,
            qa_outcome_on=_ago(day, answer[1]) if answer else None,
            published_on=_ago(day, spec.published),
            expected_version=review.version,
            actor=actor,
        )
        for r in spec.recommendations:
            rec = do_add_dardr_recommendation(
                review.pk,
                text=r.text,
                owner_agency_id=agencies[r.owner],
                due_on=day + timedelta(days=r.due),
                expected_change=r.expected,
                actor=actor,
            )
            status, days_ago, note = r.outcome
            if status == "implemented":
                do_mark_recommendation_implemented(
                    rec.pk,
                    evidence=note,
                    implemented_on=day - timedelta(days=days_ago),
                    expected_version=rec.version,
                    actor=actor,
                )
            elif status != "open":
                do_update_recommendation_status(
                    rec.pk,
                    status=status,
                    note=note,
                    expected_version=rec.version,
                    actor=actor,
                )
    return DeathReview.objects.count()
