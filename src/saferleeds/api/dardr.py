"""The partner API for death reviews: the twins of the recommendations tracker and of
the review page.

Records are read only through :mod:`saferleeds.dardr.access_pages` (every row shown
logged): case coordinators (identified) and analysts (pseudonymised: no deceased's
name, date of death or reason for not reviewing) only, 403 for any other role for
every id, as the pages; a review the caller may not see is the same 404 as a missing
one. The executive's figures are on the page only.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from saferleeds.api.fields import NoEmptyQueryValues
from saferleeds.api.serializers import MAX_ID, ErrorSerializer
from saferleeds.api.views import (
    INVALID,
    NOT_FOUND,
    PURPOSE_HEADER,
    UNAUTHENTICATED,
    ApiView,
    _valid,
)
from saferleeds.dardr.access_pages import (
    TRACKER_STATUSES,
    FilterError,
    parse_tracker_filters,
    read_api_recommendations,
    read_review_page,
    require_open_reviews,
)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
WHO = (
    "Case coordinators (identified) and analysts (pseudonymised) only: any other role "
    "gets 403 for every id, existing or not, as the pages do."
)
NOT_FOR_ROLE = OpenApiResponse(
    ErrorSerializer, description="Your role may never open records of this type."
)


class RecommendationQuerySerializer(NoEmptyQueryValues):
    """The tracker's filters and paging: earliest due first."""

    status = serializers.ChoiceField(
        choices=[k for k in TRACKER_STATUSES if k], required=False
    )
    agency = serializers.CharField(required=False, max_length=20)
    review = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT
    )
    offset = serializers.IntegerField(
        required=False, min_value=0, max_value=1_000_000, default=0
    )


class RecommendationSerializer(serializers.Serializer[Any]):
    """A recommendation with its progress (``overdue`` as the tracker judges it)."""

    id = serializers.IntegerField()
    review = serializers.IntegerField(source="review_id")
    review_reference = serializers.CharField()
    number = serializers.IntegerField()
    text = serializers.CharField(allow_blank=True)
    owner_agency = serializers.CharField(source="owner_agency_code")
    due_on = serializers.DateField()
    expected_change = serializers.CharField(allow_blank=True)
    status = serializers.CharField()
    status_reason = serializers.CharField(allow_blank=True)
    evidence = serializers.CharField(allow_blank=True)
    implemented_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()
    days_overdue = serializers.IntegerField()
    version = serializers.IntegerField()


class ReviewSerializer(serializers.Serializer[Any]):
    """A death review, its stage and recommendations; the deceased's name, date of
    death and the reason for not reviewing are null for pseudonymised callers."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    pseudonym = serializers.CharField()
    deceased_name = serializers.CharField(allow_null=True, allow_blank=True)
    date_of_death = serializers.DateField(allow_null=True)
    agency = serializers.CharField()
    notified_on = serializers.DateField()
    decision = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    decision_reason = serializers.CharField(allow_null=True, allow_blank=True)
    chair = serializers.CharField(allow_blank=True)
    panel = serializers.ListField(child=serializers.CharField())
    report_submitted_on = serializers.DateField(allow_null=True)
    qa_submitted_on = serializers.DateField(allow_null=True)
    qa_outcome = serializers.CharField()
    qa_outcome_on = serializers.DateField(allow_null=True)
    published_on = serializers.DateField(allow_null=True)
    stage = serializers.CharField()
    version = serializers.IntegerField()
    recommendations = RecommendationSerializer(many=True)


class DardrRecommendationsView(ApiView):
    """List death review recommendations (the tracker)."""

    @extend_schema(
        tags=["death reviews"],
        operation_id="dardr_recommendations_list",
        summary="List death review recommendations",
        description="The recommendations of the reviews your agency may see, earliest "
        "due first, filtered as the tracker is. An `agency` code no agency has is a "
        "400 naming `agency` (never an empty list that looks like an answer). Every "
        f"recommendation returned is recorded in the audit log. {WHO}",
        parameters=[RecommendationQuerySerializer, PURPOSE_HEADER],
        responses={
            200: RecommendationSerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
            403: NOT_FOR_ROLE,
        },
    )
    def get(self, request: Request) -> Response:
        """List via :func:`~saferleeds.dardr.access_pages.read_api_recommendations`."""
        require_open_reviews(self.actor)  # 403 before any 400
        query = _valid(RecommendationQuerySerializer, request.query_params)
        try:
            filters = parse_tracker_filters(
                {
                    "status": query.get("status", ""),
                    "agency": query.get("agency", ""),
                    "review": str(query.get("review") or ""),
                }
            )
        except FilterError as exc:
            raise serializers.ValidationError({"agency": [str(exc)]}) from exc
        rows = read_api_recommendations(
            self.actor,
            filters,
            timezone.localdate(),
            offset=query.get("offset", 0),
            limit=query.get("limit", DEFAULT_LIMIT),
        )
        return Response(RecommendationSerializer(rows, many=True).data)


class DardrReviewDetailView(ApiView):
    """Read one death review with its recommendations."""

    @extend_schema(
        tags=["death reviews"],
        operation_id="dardr_reviews_retrieve",
        summary="Read a death review",
        description=f"The review and each of its recommendations are recorded in the "
        f"audit log. {WHO}",
        parameters=[PURPOSE_HEADER],
        responses={
            200: ReviewSerializer,
            401: UNAUTHENTICATED,
            403: NOT_FOR_ROLE,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read via :func:`~saferleeds.dardr.access_pages.read_review_page`."""
        page = read_review_page(self.actor, pk, timezone.localdate())
        return Response(ReviewSerializer(page).data)
