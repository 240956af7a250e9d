"""Score a SafeLives Dash risk checklist for a partner system.

``POST /api/v1/dash/score`` takes the 24 answers and returns the score; it stores
nothing and reads no record, so it writes no audit entry (the answers carry no one's
identity). It still needs an API token, as every other endpoint does.

Source: SafeLives, "Dash risk checklist" and "Marac referral criteria":
https://safelives.org.uk/practice-support/resources-identifying-risk-victims-face
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from saferleeds.api.fields import StrictCharField
from saferleeds.api.views import INVALID, UNAUTHENTICATED, ApiView, _valid
from saferleeds.marac.dash import (
    DASH_QUESTION_COUNT,
    VISIBLE_HIGH_RISK_THRESHOLD,
    RiskLevel,
    score_dash,
)


class StrictBooleanField(serializers.BooleanField):
    """A JSON ``true`` or ``false`` only: not ``1``, ``"yes"`` or ``"true"``.

    DRF's own field accepts those too; a checklist answer sent as a string is more
    likely a mapping mistake in the partner system than a real answer.
    """

    def to_internal_value(self, data: Any) -> bool:
        """Accept only a real boolean."""
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class DashScoreRequestSerializer(serializers.Serializer[Any]):
    """A completed Dash checklist."""

    answers = serializers.ListField(
        child=StrictBooleanField(allow_null=True),
        min_length=DASH_QUESTION_COUNT,
        max_length=DASH_QUESTION_COUNT,
        help_text=f"The {DASH_QUESTION_COUNT} answers in question order: true (yes), "
        "false (no) or null (not answered / not known).",
    )
    professional_judgement = StrictBooleanField(
        required=False,
        default=False,
        help_text="A practitioner judges the risk high whatever the count. It can "
        "raise the level, never lower it.",
    )
    judgement_reason = StrictCharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=1000,
        help_text="Why (not stored, not returned).",
    )


class DashScoreSerializer(serializers.Serializer[Any]):
    """A scored Dash checklist."""

    yes_count = serializers.IntegerField(min_value=0, max_value=DASH_QUESTION_COUNT)
    visible_high_risk = serializers.BooleanField(
        help_text=f"{VISIBLE_HIGH_RISK_THRESHOLD} or more yes answers (SafeLives)."
    )
    risk_level = serializers.ChoiceField(
        choices=[level.value for level in RiskLevel],
        help_text="high: visible high risk or professional judgement; medium: 10 to "
        "13 yes (Plymouth's band); standard: fewer.",
    )
    unanswered = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=DASH_QUESTION_COUNT),
        help_text="Numbers of the questions answered null.",
    )
    professional_judgement = serializers.BooleanField()
    raised_by_judgement = serializers.BooleanField(
        help_text="High only because of professional judgement."
    )


class DashScoreView(ApiView):
    """Score a Dash checklist; nothing is stored."""

    @extend_schema(
        tags=["dash"],
        operation_id="dash_score",
        summary="Score a Dash risk checklist",
        description="Scores the SafeLives Dash risk checklist: 14 or more yes answers "
        "is visible high risk. Nothing is stored and nothing is logged.",
        request=DashScoreRequestSerializer,
        responses={
            200: DashScoreSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
        },
    )
    def post(self, request: Request) -> Response:
        """Score the answers via :func:`score_dash`."""
        data = _valid(DashScoreRequestSerializer, request.data)
        result = score_dash(
            data["answers"],
            professional_judgement=data["professional_judgement"],
            judgement_reason=data["judgement_reason"],
        )
        return Response(
            DashScoreSerializer(
                {
                    "yes_count": result.yes_count,
                    "visible_high_risk": result.visible_high_risk,
                    "risk_level": result.risk_level.value,
                    "unanswered": list(result.unanswered),
                    "professional_judgement": result.professional_judgement,
                    "raised_by_judgement": result.raised_by_judgement,
                }
            ).data
        )
