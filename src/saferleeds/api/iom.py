"""The partner API for IOM cohort memberships: the twins of the IOM pages' cohort list
and member page.

Records are read only through :mod:`saferleeds.iom.access_pages` (the list, each
membership logged) and :func:`~saferleeds.iom.access.access_iom_member_by_id` (one,
logged): practitioners and case coordinators only (403 for any other role, for every
id), and a membership the caller may not see is the same 404 as a missing one.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from saferleeds.api.fields import NoEmptyQueryValues
from saferleeds.api.serializers import ErrorSerializer
from saferleeds.api.views import (
    INVALID,
    NOT_FOUND,
    PURPOSE_HEADER,
    UNAUTHENTICATED,
    ApiView,
    _valid,
)
from saferleeds.iom.access import access_iom_member_by_id
from saferleeds.iom.access_pages import read_api_iom_members
from saferleeds.iom.models import IomMember
from saferleeds.iom.records import IOM_MEMBER
from saferleeds.partners.policy import pseudonymised, require_open

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CASEWORK_ONLY = (
    "Practitioners and case coordinators only: any other role gets 403 for every id, "
    "existing or not, as the pages do."
)
NOT_FOR_ROLE = OpenApiResponse(
    ErrorSerializer, description="Your role may never open records of this type."
)


class IomMemberQuerySerializer(NoEmptyQueryValues):
    """Filters and paging for the cohort list: newest adoption first."""

    status = serializers.ChoiceField(choices=IomMember.Status.choices, required=False)
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT
    )
    offset = serializers.IntegerField(
        required=False, min_value=0, max_value=1_000_000, default=0
    )


class IomMemberSerializer(serializers.Serializer[Any]):
    """A cohort membership; reasons withheld (null) from pseudonymised callers."""

    withheld = ("adopted_reason", "deselected_reason")

    id = serializers.IntegerField()
    person = serializers.IntegerField(source="person_id")
    lead_agency = serializers.CharField(source="agency.code")
    cohort = serializers.CharField()
    status = serializers.CharField()
    adopted_on = serializers.DateField()
    adopted_reason = serializers.CharField(allow_null=True)
    score_at_adoption = serializers.FloatField(allow_null=True)
    deselected_on = serializers.DateField(allow_null=True)
    deselected_reason = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """Blank out the reasons for pseudonymised callers."""
        data = super().to_representation(instance)
        if self.context.get("pseudonymised"):
            for name in self.withheld:
                data[name] = None
        return data


class IomMembersView(ApiView):
    """List IOM cohort memberships."""

    @extend_schema(
        tags=["iom"],
        operation_id="iom_members_list",
        summary="List IOM cohort memberships",
        description="The memberships your agency may see, newest adoption first. "
        f"Every membership returned is recorded in the audit log. {CASEWORK_ONLY}",
        parameters=[IomMemberQuerySerializer, PURPOSE_HEADER],
        responses={
            200: IomMemberSerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
            403: NOT_FOR_ROLE,
        },
    )
    def get(self, request: Request) -> Response:
        """List via :func:`~saferleeds.iom.access_pages.read_api_iom_members`."""
        require_open(self.actor, IOM_MEMBER)  # 403 before any 400
        query = _valid(IomMemberQuerySerializer, request.query_params)
        rows = read_api_iom_members(
            self.actor,
            status=query.get("status", ""),
            offset=query.get("offset", 0),
            limit=query.get("limit", DEFAULT_LIMIT),
        )
        context = {"pseudonymised": pseudonymised(self.actor)}
        return Response(IomMemberSerializer(rows, many=True, context=context).data)


class IomMemberDetailView(ApiView):
    """Read one IOM cohort membership."""

    @extend_schema(
        tags=["iom"],
        operation_id="iom_members_retrieve",
        summary="Read an IOM cohort membership",
        description=f"Recorded in the audit log. {CASEWORK_ONLY}",
        parameters=[PURPOSE_HEADER],
        responses={
            200: IomMemberSerializer,
            401: UNAUTHENTICATED,
            403: NOT_FOR_ROLE,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read via :func:`~saferleeds.iom.access.access_iom_member_by_id`."""
        member = access_iom_member_by_id(self.actor, pk, related=("agency",))
        context = {"pseudonymised": pseudonymised(self.actor)}
        return Response(IomMemberSerializer(member, context=context).data)
