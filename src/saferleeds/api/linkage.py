"""The partner API for record linkage: the review queue, a pair's evidence, decisions,
and how a resolved person's records were linked.

The twins of the linkage pages, with the same readers and action and so the same
rules: the queue and pairs through :mod:`saferleeds.linkage.access_pages` (only
practitioners and case coordinators review, 403 for any other role; a pair either of
whose records the caller may not see is the same 404 as a missing one), decisions
through :func:`~saferleeds.linkage.actions.do_decide_pair`, and a person's links
through :func:`~saferleeds.linkage.access_pages.read_person_links` (what the person
page says). Every record shown is logged by the reader.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from saferleeds.api.fields import NoEmptyQueryValues, StrictCharField
from saferleeds.api.serializers import ErrorSerializer
from saferleeds.api.views import (
    ERROR,
    INVALID,
    NOT_FOUND,
    PURPOSE_HEADER,
    UNAUTHENTICATED,
    ApiView,
    _valid,
)
from saferleeds.linkage.access_pages import (
    QUEUE_LIMIT,
    read_person_links,
    read_review_pair,
    read_review_queue,
)
from saferleeds.linkage.actions import LinkageRuleError, do_decide_pair
from saferleeds.linkage.forms import DECISIONS

REVIEWERS_ONLY = (
    "Practitioners and case coordinators only (reviewing compares identities): any "
    "other role gets 403, as the review pages do."
)
NOT_A_REVIEWER = OpenApiResponse(
    ErrorSerializer, description="Your role does not review links."
)


class RecordViewSerializer(serializers.Serializer[Any]):
    """One agency record of a pair, side by side with the other."""

    id = serializers.IntegerField()
    agency = serializers.CharField()
    reference = serializers.CharField()
    forename = serializers.CharField()
    surname = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    sex = serializers.CharField()
    postcode = serializers.CharField()
    address = serializers.CharField()
    identifier = serializers.CharField()
    person = serializers.IntegerField(source="person_id", allow_null=True)


class PairRowSerializer(serializers.Serializer[Any]):
    """A pair of agency records awaiting review."""

    id = serializers.IntegerField()
    left = RecordViewSerializer()
    right = RecordViewSerializer()
    match_probability = serializers.FloatField()
    match_weight = serializers.FloatField()
    status = serializers.CharField()


class EvidenceSerializer(serializers.Serializer[Any]):
    """One step of the waterfall: a comparison's contribution to the match weight."""

    comparison = serializers.CharField()
    level = serializers.CharField()
    value_l = serializers.CharField()
    value_r = serializers.CharField()
    match_weight = serializers.FloatField()


class PastDecisionSerializer(serializers.Serializer[Any]):
    """A decision made on the pair (``current``: not superseded)."""

    verdict = serializers.CharField()
    reason = serializers.CharField()
    decided_at = serializers.DateTimeField()
    current = serializers.BooleanField()


class PairPageSerializer(serializers.Serializer[Any]):
    """A pair with the model's evidence: the prior, then each comparison, summing to
    the match weight."""

    pair = PairRowSerializer(source="row")
    evidence = EvidenceSerializer(many=True)
    decisions = PastDecisionSerializer(many=True)
    same_person = serializers.BooleanField()


class QueueQuerySerializer(NoEmptyQueryValues):
    """How many pairs, least certain first."""

    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=QUEUE_LIMIT, default=QUEUE_LIMIT
    )


class DecisionSerializer(serializers.Serializer[Any]):
    """A reviewer's decision: ``confirm`` (the same person) or ``reject`` (not)."""

    decision = serializers.ChoiceField(choices=[c for c, _ in DECISIONS])
    reason = StrictCharField(max_length=2000)


class DecisionResultSerializer(serializers.Serializer[Any]):
    """What the decision did at once."""

    pair = serializers.IntegerField(source="pair.pk")
    status = serializers.CharField(source="pair.status")
    verdict = serializers.CharField(source="decision.verdict")
    links = serializers.IntegerField()
    unlinks = serializers.IntegerField()


class RecordLinkSerializer(serializers.Serializer[Any]):
    """One of the person's agency records and its strongest link to another of them.

    References are null for pseudonymised callers; the link fields are null when no
    other record of the person is one the caller may see."""

    record = serializers.IntegerField()
    agency = serializers.CharField()
    reference = serializers.CharField(allow_null=True)
    received_on = serializers.DateField()
    other_record = serializers.IntegerField(allow_null=True)
    other_agency = serializers.CharField(allow_null=True)
    other_reference = serializers.CharField(allow_null=True)
    match_weight = serializers.FloatField(allow_null=True)
    match_probability = serializers.FloatField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    evidence = EvidenceSerializer(many=True)


class PersonLinksSerializer(serializers.Serializer[Any]):
    """How a resolved person's records were linked (the person page's account)."""

    person = serializers.IntegerField()
    links = RecordLinkSerializer(many=True)


class ReviewQueueView(ApiView):
    """The clerical review queue."""

    @extend_schema(
        tags=["linkage"],
        operation_id="linkage_review_list",
        summary="List the pairs awaiting review",
        description="Pairs of agency records the model was unsure of, least certain "
        "first, only those whose two records you may both see; each record returned "
        f"is recorded in the audit log. {REVIEWERS_ONLY}",
        parameters=[QueueQuerySerializer, PURPOSE_HEADER],
        responses={
            200: PairRowSerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
            403: NOT_A_REVIEWER,
        },
    )
    def get(self, request: Request) -> Response:
        """List via :func:`read_review_queue` (as the review queue page does)."""
        query = _valid(QueueQuerySerializer, request.query_params)
        queue = read_review_queue(self.actor, limit=query.get("limit", QUEUE_LIMIT))
        return Response(PairRowSerializer(queue.rows, many=True).data)


class ReviewPairView(ApiView):
    """One pair with the model's evidence."""

    @extend_schema(
        tags=["linkage"],
        operation_id="linkage_review_retrieve",
        summary="Read a pair and the evidence",
        description="Both records side by side, the match weight and each "
        "comparison's contribution to it (Splink's waterfall), and the decisions "
        f"made on the pair. Recorded in the audit log. {REVIEWERS_ONLY}",
        parameters=[PURPOSE_HEADER],
        responses={
            200: PairPageSerializer,
            401: UNAUTHENTICATED,
            403: NOT_A_REVIEWER,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read via :func:`read_review_pair` (as the pair page does)."""
        return Response(PairPageSerializer(read_review_pair(self.actor, pk)).data)


class ReviewDecisionView(ApiView):
    """Decide a pair."""

    @extend_schema(
        tags=["linkage"],
        operation_id="linkage_review_decide",
        summary="Decide whether a pair is one person",
        description="`confirm`: the same person (linked whatever the model says); "
        "`reject`: not (never in one person again). The decision overrides the model "
        "on every later run, takes effect at once and is recorded in the audit log "
        f"as a combination. {REVIEWERS_ONLY}",
        parameters=[PURPOSE_HEADER],
        request=DecisionSerializer,
        responses={
            201: DecisionResultSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Decide via :func:`do_decide_pair` (as the pair page's form does)."""
        # The page's rule first: a non-reviewer's 403 and a hidden pair's 404 come
        # before any complaint about the body, as on the page.
        read_review_pair(self.actor, pk)
        data = _valid(DecisionSerializer, request.data)
        try:
            result = do_decide_pair(
                pk, data["decision"], actor=self.actor, reason=data["reason"]
            )
        except LinkageRuleError as exc:
            raise serializers.ValidationError(
                {exc.field or "non_field_errors": [str(exc)]}
            ) from exc
        return Response(
            DecisionResultSerializer(result).data, status=status.HTTP_201_CREATED
        )


class PersonLinksView(ApiView):
    """How a resolved person's records were linked."""

    @extend_schema(
        tags=["people"],
        operation_id="people_links",
        summary="Read how a person's records were linked",
        description="The person's agency records you may see, each with its "
        "strongest link to another of them: match weight, probability, whether the "
        "model or a reviewer made it, and the evidence (the waterfall). A record is "
        "never shown because it was linked. Pseudonymised callers address people by "
        "pseudonym only: for them every id is the same 404 as a missing person. The "
        "person and each record shown are recorded in the audit log.",
        parameters=[PURPOSE_HEADER],
        responses={200: PersonLinksSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read via :func:`read_person_links`."""
        return Response(PersonLinksSerializer(read_person_links(self.actor, pk)).data)


__all__ = [
    "PersonLinksView",
    "ReviewDecisionView",
    "ReviewPairView",
    "ReviewQueueView",
]
