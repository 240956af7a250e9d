"""The partner API's views: thin wrappers over the apps' access and actions modules.

Every read of a personal-data record goes through an ``access`` function (which applies
the sharing agreements and writes the consultation audit entry) and every change through
an ``actions`` function (which checks, changes and audits in one transaction). The views
only validate input, call those, and render what came back; errors become HTTP answers
in :mod:`saferleeds.api.errors`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from saferleeds.api.errors import api_exception_handler
from saferleeds.api.serializers import (
    MAX_ID,
    MAX_VERSION,
    AgreementSerializer,
    AgreementSignSerializer,
    AgreementUpdateSerializer,
    AuditEntrySerializer,
    ConflictSerializer,
    ErrorSerializer,
    IncidentCreateSerializer,
    IncidentSerializer,
    PeopleQuerySerializer,
    PersonCreateSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    SubjectAccessSerializer,
)
from saferleeds.incidents.access import access_incident_by_id
from saferleeds.incidents.actions import do_create_incident
from saferleeds.infogov.subject_access import (
    access_history_for_person,
    do_export_subject_access,
)
from saferleeds.partners.actions import (
    check_agreement_party,
    do_sign_agreement,
    do_update_agreement,
)
from saferleeds.partners.models import SharingAgreement
from saferleeds.partners.policy import Actor, NotFound, actor_for, pseudonymised
from saferleeds.people.access import (
    PeopleQuery,
    access_person_by_pseudonym,
    open_person_by_id,
    read_people_search,
)
from saferleeds.people.actions import do_create_person, do_update_person
from saferleeds.people.present import PSEUDONYM_PATTERN, present_person
from saferleeds.places.access import access_place_by_id

PURPOSE_HEADER = OpenApiParameter(
    "X-Purpose",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Why you are looking (recorded in the audit log), e.g. a case reference.",
)
IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The version you edited, as an ETag ("3"); or send `version` in the body.',
)
ERROR = OpenApiResponse(ErrorSerializer, description="Refused.")
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="No such record, or not one you may see (the same answer for both).",
)
INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input.")
CONFLICT = OpenApiResponse(
    ConflictSerializer,
    description="Someone saved first: reload at `current_version` and try again.",
)
UNAUTHENTICATED = OpenApiResponse(
    ErrorSerializer, description="No valid `Authorization: Token <key>` header."
)

_ETAG = re.compile(r'^(?:W/)?"?([0-9]{1,10})"?$')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _purpose(raw: str) -> str:
    # The purpose goes into the hash-chained audit log: keep it printable and short
    # (PostgreSQL also refuses NUL bytes in text).
    return _CONTROL.sub("", raw).strip()[:200]


def _valid(
    serializer_class: type[serializers.Serializer[Any]], data: Any, **context: Any
) -> dict[str, Any]:
    """Validate ``data`` (400 on failure) and return the cleaned values."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def expected_version(request: Request, body_version: int | None) -> int:
    """The version the caller edited, from the body or an ``If-Match`` header.

    Raises:
        ValidationError: Neither given, unreadable, or the two disagree.
    """
    header = request.headers.get("If-Match", "").strip()
    header_version: int | None = None
    if header:
        match = _ETAG.match(header)
        if match is None or not 1 <= int(match.group(1)) <= MAX_VERSION:
            raise serializers.ValidationError(
                {"If-Match": ['Send the version you edited, e.g. If-Match: "3".']}
            )
        header_version = int(match.group(1))
    if body_version is not None and header_version is not None:
        if body_version != header_version:
            raise serializers.ValidationError(
                {"version": ["The body's version and If-Match disagree."]}
            )
    version = body_version if body_version is not None else header_version
    if version is None:
        # Without it an edit could silently overwrite someone else's.
        raise serializers.ValidationError(
            {"version": ["Send the version you edited (in the body or If-Match)."]}
        )
    return version


class KeepSessionUser:
    """Give the Django request back the user the session middleware gave it.

    DRF copies the user it authenticated onto the underlying Django request: the token's
    user, or ``None`` without a token (``UNAUTHENTICATED_USER = None``). The site's
    middleware reads ``request.user`` after the view (session timeouts, no-store), and
    seeing a token user there it would stamp a session, and set a session cookie, on
    every API call; ``None`` is a user no middleware expects. The API's own user lives
    on the DRF request; the Django request keeps the session's, normally anonymous.
    """

    def initialize_request(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> Any:
        """Remember the session's user before DRF replaces it."""
        user = getattr(request, "user", None)
        # "is None", not truthiness: that would load the lazy session user for nothing.
        self._session_user = AnonymousUser() if user is None else user
        return super().initialize_request(request, *args, **kwargs)  # type: ignore[misc]

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Put the session's user back once DRF is done with the request."""
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        request._request.user = self._session_user
        return response


class SchemaView(KeepSessionUser, SpectacularJSONAPIView):
    """The OpenAPI schema as JSON; public, so partners can read it before a token."""


class ApiView(KeepSessionUser, APIView):
    """Base for every endpoint: JSON only, token auth, the actor, one error mapping."""

    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    actor: Actor

    def get_exception_handler(self) -> Callable[..., Response | None]:
        """Use the API's single error mapping (see :mod:`saferleeds.api.errors`)."""
        return api_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Authenticate, then build the actor the access rules and audit log see."""
        super().initial(request, *args, **kwargs)
        pk = kwargs.get("pk")
        if pk is not None and not 1 <= pk <= MAX_ID:
            # Too large for the database to look up; it cannot exist.
            raise NotFound(f"no record {pk}")
        self.actor = actor_for(
            request.user,
            purpose=_purpose(request.headers.get("X-Purpose", "")),
            remote_addr=request.META.get("REMOTE_ADDR", ""),
        )

    def finalize_response(
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Forbid caching: responses carry personal data."""
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


def _person_response(
    view: ApiView, person: Any, code: int = status.HTTP_200_OK
) -> Response:
    shown = present_person(view.actor, person)
    response = Response(PersonSerializer(shown).data, status=code)
    response["ETag"] = f'"{shown.version}"'
    return response


# --- People ------------------------------------------------------------------------------


class PeopleView(ApiView):
    """Search people, or record a new one."""

    @extend_schema(
        tags=["people"],
        operation_id="people_search",
        summary="Search people",
        description="Search the people your agency may see. Every person returned is "
        "recorded in the audit log. Analysts may search by pseudonym only (403 for "
        "any other parameter). Give at least one parameter: a search of nothing finds "
        "no one (an empty list), never everyone. A parameter given empty is a 400.",
        parameters=[PeopleQuerySerializer, PURPOSE_HEADER],
        responses={
            200: OpenApiResponse(
                PersonSerializer(many=True),
                description="Matching people (at most 50).",
            ),
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
        },
    )
    def get(self, request: Request) -> Response:
        """Search people via :func:`read_people_search` (as the search page does)."""
        query = _valid(PeopleQuerySerializer, request.query_params)
        asked = {k: v for k, v in query.items() if v not in (None, "")}
        if not asked:
            return Response([])  # nothing asked: nothing searched, nothing logged
        page = read_people_search(self.actor, PeopleQuery(**asked), channel="api")
        return Response(PersonSerializer(page.results, many=True).data)

    @extend_schema(
        tags=["people"],
        operation_id="people_create",
        summary="Record a person",
        parameters=[PURPOSE_HEADER],
        request=PersonCreateSerializer,
        responses={
            201: PersonSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            409: CONFLICT,
        },
    )
    def post(self, request: Request) -> Response:
        """Record a person via :func:`do_create_person`."""
        data = _valid(PersonCreateSerializer, request.data)
        person = do_create_person(actor=self.actor, **data)
        response = _person_response(self, person, status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{person.pk}/"
        return response


class PersonDetailView(ApiView):
    """One person: read or change."""

    @extend_schema(
        tags=["people"],
        operation_id="people_retrieve",
        summary="Read a person",
        description="Recorded in the audit log. The ETag is the record's version. "
        "Pseudonymised callers (analysts) address people by pseudonym only: for them "
        "every id is the same 404 as a missing record.",
        parameters=[PURPOSE_HEADER],
        responses={200: PersonSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read a person via :func:`open_person_by_id`."""
        return _person_response(self, open_person_by_id(self.actor, pk))

    @extend_schema(
        tags=["people"],
        operation_id="people_update",
        summary="Change a person",
        description="Send the version you edited as `version` or `If-Match`. If "
        "someone saved since, nothing is changed and the answer is 409.",
        parameters=[PURPOSE_HEADER, IF_MATCH_HEADER],
        request=PersonUpdateSerializer,
        responses={
            200: PersonSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Change a person via :func:`do_update_person`."""
        # Addressed by id: a pseudonymised caller gets the not-found a missing id gets.
        open_person_by_id(self.actor, pk, audit=False)
        changes = _valid(PersonUpdateSerializer, request.data)
        version = expected_version(request, changes.pop("version", None))
        person = do_update_person(
            pk, actor=self.actor, expected_version=version, changes=changes
        )
        return _person_response(self, person)


class PersonByPseudonymView(ApiView):
    """One person, addressed by pseudonym (how pseudonymised callers read a person)."""

    @extend_schema(
        tags=["people"],
        operation_id="people_retrieve_by_pseudonym",
        summary="Read a person by pseudonym",
        description="For analysts, who never see record ids (any caller may use it). "
        "Recorded in the audit log. A pseudonym of no one you may see is a 404.",
        parameters=[
            OpenApiParameter(
                "pseudonym",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="A pseudonym, e.g. P-0123456789 (any case).",
                pattern=PSEUDONYM_PATTERN,
            ),
            PURPOSE_HEADER,
        ],
        responses={200: PersonSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, pseudonym: str) -> Response:
        """Read a person via :func:`access_person_by_pseudonym`."""
        return _person_response(self, access_person_by_pseudonym(self.actor, pseudonym))


class PersonAccessHistoryView(ApiView):
    """Who did what to a person's records (information-governance leads only)."""

    @extend_schema(
        tags=["audit"],
        operation_id="people_access_history",
        summary="A person's access history",
        description="Newest first. Reading it is itself recorded.",
        parameters=[PURPOSE_HEADER],
        responses={
            200: AuditEntrySerializer(many=True),
            401: UNAUTHENTICATED,
            403: ERROR,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """List entries via :func:`access_history_for_person`."""
        entries = access_history_for_person(self.actor, pk)
        return Response(AuditEntrySerializer(entries, many=True).data)


class SubjectAccessView(ApiView):
    """Export a subject-access bundle (information-governance leads only)."""

    @extend_schema(
        tags=["audit"],
        operation_id="people_subject_access",
        summary="Export a subject-access bundle",
        description="Everything held on the person and its access history, as a JSON "
        "attachment. Recorded as a disclosure to `recipient`.",
        parameters=[PURPOSE_HEADER],
        request=SubjectAccessSerializer,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The bundle."),
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, pk: int) -> HttpResponse:
        """Export via :func:`do_export_subject_access`."""
        data = _valid(SubjectAccessSerializer, request.data)
        bundle = do_export_subject_access(
            pk, actor=self.actor, recipient=data["recipient"]
        )
        response = HttpResponse(bundle, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="subject-access-person-{pk}.json"'
        )
        return response


# --- Incidents and cases ----------------------------------------------------------------


class IncidentsView(ApiView):
    """Record incidents."""

    @extend_schema(
        tags=["incidents"],
        operation_id="incidents_create",
        summary="Record an incident",
        parameters=[PURPOSE_HEADER],
        request=IncidentCreateSerializer,
        responses={
            201: IncidentSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            409: CONFLICT,
        },
    )
    def post(self, request: Request) -> Response:
        """Record an incident via :func:`do_create_incident`."""
        data = _valid(IncidentCreateSerializer, request.data)
        place_id = data.pop("place", None)
        place = None
        if place_id is not None:
            try:
                place = access_place_by_id(self.actor, place_id)
            except NotFound:
                # Same words for a missing place and one the caller may not see.
                raise serializers.ValidationError(
                    {"place": ["No such place."]}
                ) from None
        incident = do_create_incident(actor=self.actor, place=place, **data)
        body = IncidentSerializer(
            incident, context={"pseudonymised": pseudonymised(self.actor)}
        ).data
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = f"{request.path.rstrip('/')}/{incident.pk}/"
        return response


class IncidentDetailView(ApiView):
    """Read one incident."""

    @extend_schema(
        tags=["incidents"],
        operation_id="incidents_retrieve",
        summary="Read an incident",
        description="Recorded in the audit log.",
        parameters=[PURPOSE_HEADER],
        responses={200: IncidentSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read an incident via :func:`access_incident_by_id`."""
        incident = access_incident_by_id(self.actor, pk)
        return Response(
            IncidentSerializer(
                incident, context={"pseudonymised": pseudonymised(self.actor)}
            ).data
        )


# Cases, Dash assessments, MARAC referrals and hate reports: see saferleeds.api.casework.


# --- Sharing agreements (not personal data: any signed-in user may read them) -------------


def _agreement(pk: int) -> SharingAgreement:
    agreement = (
        SharingAgreement.objects.prefetch_related(
            "providers", "recipients", "signatures"
        )
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise NotFound(f"no agreement {pk}")
    return agreement


class AgreementsView(ApiView):
    """List sharing agreements."""

    @extend_schema(
        tags=["agreements"],
        operation_id="agreements_list",
        summary="List sharing agreements",
        responses={200: AgreementSerializer(many=True), 401: UNAUTHENTICATED},
    )
    def get(self, request: Request) -> Response:
        """Every agreement, newest ending first."""
        agreements = SharingAgreement.objects.prefetch_related(
            "providers", "recipients", "signatures"
        )
        return Response(AgreementSerializer(agreements, many=True).data)


class AgreementDetailView(ApiView):
    """One sharing agreement: read or change."""

    @extend_schema(
        tags=["agreements"],
        operation_id="agreements_retrieve",
        summary="Read a sharing agreement",
        responses={200: AgreementSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read an agreement; the ETag is its version."""
        agreement = _agreement(pk)
        response = Response(AgreementSerializer(agreement).data)
        response["ETag"] = f'"{agreement.version}"'
        return response

    @extend_schema(
        tags=["agreements"],
        operation_id="agreements_update",
        summary="Change a sharing agreement",
        description="An information-governance lead of a party only. A draft's terms "
        "may change (every signature given so far is then void); a signed agreement's "
        "terms never change: only `ends_on` may be brought forward (yesterday at the "
        "earliest), which cuts access off from the next request.",
        parameters=[PURPOSE_HEADER, IF_MATCH_HEADER],
        request=AgreementUpdateSerializer,
        responses={
            200: AgreementSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Change an agreement via :func:`do_update_agreement`."""
        current = _agreement(pk)
        # Who may change it is decided before what they sent: a caller who may not
        # gets 403 whatever the body.
        check_agreement_party(self.actor, current, "change it")
        changes = _valid(AgreementUpdateSerializer, request.data, agreement=current)
        version = expected_version(request, changes.pop("version", None))
        updated = do_update_agreement(
            pk, actor=self.actor, expected_version=version, changes=changes
        )
        response = Response(AgreementSerializer(updated).data)
        response["ETag"] = f'"{updated.version}"'
        return response


class AgreementSignView(ApiView):
    """Sign an agreement for the actor's agency."""

    @extend_schema(
        tags=["agreements"],
        operation_id="agreements_sign",
        summary="Sign a sharing agreement for your agency",
        description="An information-governance lead of a party that has not signed "
        "yet. `version` is the version whose terms you read (409 if they changed). "
        "The agreement binds once every party has signed.",
        parameters=[PURPOSE_HEADER],
        request=AgreementSignSerializer,
        responses={
            200: AgreementSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Sign via :func:`do_sign_agreement`."""
        check_agreement_party(self.actor, _agreement(pk), "sign it")
        data = _valid(AgreementSignSerializer, request.data)
        signed = do_sign_agreement(
            pk, actor=self.actor, expected_version=data["version"]
        )
        response = Response(AgreementSerializer(_agreement(signed.pk)).data)
        response["ETag"] = f'"{signed.version}"'
        return response


class NoSuchEndpointView(ApiView):
    """Any other path under /api/v1/: a JSON 404 rather than the site's HTML page."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Answer 404 before anything else: there is no endpoint here."""
        raise NotFound("no such endpoint")
