"""The partner API for casework: cases, Dash assessments, MARAC referrals, hate reports.

Same three layers as the rest of the API: records are read only through the access
layer (the lists' readers in ``safeguarding.access.api_lists``, ``read_case_page``, and
the ``access_*_by_id`` functions), which apply the sharing agreements and log each
consultation; changes go through the actions (``safeguarding.actions``), which check,
change and log in one transaction. Lists log one consultation entry per record they
return, as the people search does. A record the
caller may not see is the same 404 as a missing one (``api.errors``).

Pseudonymised callers (analysts) get the same records with identifying free text,
references and contact details withheld (null).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from saferleeds.api.dash import StrictBooleanField
from saferleeds.api.fields import (
    NoEmptyQueryValues,
    StrictCharField,
    StrictIntegerField,
)
from saferleeds.api.serializers import MAX_ID, ErrorSerializer
from saferleeds.api.views import (
    CONFLICT,
    ERROR,
    INVALID,
    NOT_FOUND,
    PURPOSE_HEADER,
    UNAUTHENTICATED,
    ApiView,
    _valid,
)
from saferleeds.hate.access import access_hate_report_by_id
from saferleeds.hate.models import HateReport
from saferleeds.marac.access import (
    access_dash_assessment_by_id,
    access_marac_referral_by_id,
)
from saferleeds.marac.actions import (
    do_record_dash_assessment,
    do_refer_to_marac,
)
from saferleeds.marac.dash import DASH_QUESTION_COUNT
from saferleeds.marac.models import MaracReferral
from saferleeds.partners.models import RecordType
from saferleeds.partners.policy import Actor, actor_for, pseudonymised, require_open
from saferleeds.safeguarding.access.api_lists import (
    read_api_cases,
    read_api_hate_reports,
    read_api_marac_referrals,
)
from saferleeds.safeguarding.access.case_page import (
    API_SECTIONS,
    CasePage,
    read_case_page,
)
from saferleeds.safeguarding.actions import do_create_case
from saferleeds.safeguarding.models import Case, RiskLevel

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Dash assessments, MARAC referrals and hate reports: the pages' rule, from one place
# (``partners.policy.may_open``; security finding 3, issue #11).
CASEWORK_ONLY = (
    "Practitioners and case coordinators only: any other role gets 403 for every id, "
    "existing or not, as the pages do."
)
NOT_FOR_ROLE = OpenApiResponse(
    ErrorSerializer, description="Your role may never open records of this type."
)


def _paging(query: dict[str, Any]) -> dict[str, int]:
    return {
        "offset": query.get("offset", 0),
        "limit": query.get("limit", DEFAULT_LIMIT),
    }


class _PageQuerySerializer(NoEmptyQueryValues):
    """Paging: newest first, ``limit`` records from ``offset``."""

    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT
    )
    offset = serializers.IntegerField(
        required=False, min_value=0, max_value=1_000_000, default=0
    )


class _Withheld(serializers.Serializer[Any]):
    """Renders ``withheld`` fields as null when the context says pseudonymised."""

    withheld: tuple[str, ...] = ()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """Blank out identifying fields for pseudonymised callers."""
        data = super().to_representation(instance)
        if self.context.get("pseudonymised"):
            for name in self.withheld:
                data[name] = None
        return data


def _ctx(actor: Actor, **more: Any) -> dict[str, Any]:
    return {"pseudonymised": pseudonymised(actor), **more}


# --- Cases -------------------------------------------------------------------------------


class CaseQuerySerializer(_PageQuerySerializer):
    """Filters for the case list."""

    status = serializers.ChoiceField(choices=Case.Status.choices, required=False)
    case_type = serializers.ChoiceField(choices=Case.Type.choices, required=False)


class CaseSummarySerializer(_Withheld):
    """A case in a list; reference and title withheld from pseudonymised callers."""

    withheld = ("reference", "title")

    id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    case_type = serializers.CharField()
    title = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    risk_level = serializers.CharField(allow_blank=True)
    consent = serializers.CharField()
    lead_agency = serializers.CharField(source="lead_agency.code")
    opened_on = serializers.DateField()
    review_due_on = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()


class CaseLinkSerializer(serializers.Serializer[Any]):
    """A person's role on a case (read the person at /people/{id}/, or at
    /people/by-pseudonym/{pseudonym}/ when pseudonymised)."""

    person = serializers.IntegerField(
        source="person_id",
        allow_null=True,
        help_text="The person's id; null for pseudonymised callers, who never see "
        "record ids (security finding 13).",
    )
    pseudonym = serializers.CharField()
    role = serializers.CharField()


class CaseTaskRowSerializer(serializers.Serializer[Any]):
    """A task or MARAC action on a case; its wording null for pseudonymised callers."""

    id = serializers.IntegerField()
    title = serializers.CharField(allow_null=True)
    detail = serializers.CharField(allow_null=True)
    owner_agency = serializers.CharField(source="owner_agency_code")
    due_on = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    marac_referral = serializers.IntegerField(
        source="marac_referral_id", allow_null=True
    )


class CaseDetailSerializer(serializers.Serializer[Any]):
    """A case with its members, the people on it and its tasks the caller may see.

    Renders a :class:`~saferleeds.safeguarding.access.case_page.CasePage`, already
    pseudonymised by its reader (withheld fields are null).
    """

    id = serializers.IntegerField(source="case.id")
    reference = serializers.CharField(source="case.reference", allow_null=True)
    case_type = serializers.CharField(source="case.case_type")
    title = serializers.CharField(source="case.title", allow_null=True)
    status = serializers.CharField(source="case.status")
    risk_level = serializers.CharField(source="case.risk_level", allow_blank=True)
    consent = serializers.CharField(source="case.consent")
    lead_agency = serializers.CharField(source="case.lead_agency_code")
    opened_on = serializers.DateField(source="case.opened_on")
    review_due_on = serializers.DateField(source="case.review_due_on", allow_null=True)
    closed_on = serializers.DateField(source="case.closed_on", allow_null=True)
    version = serializers.IntegerField(source="case.version")
    summary = serializers.CharField(source="case.summary", allow_null=True)
    consent_recorded_on = serializers.DateField(
        source="case.consent_recorded_on", allow_null=True
    )
    consent_note = serializers.CharField(source="case.consent_note", allow_null=True)
    outcome = serializers.CharField(source="case.outcome", allow_blank=True)
    outcome_note = serializers.CharField(source="case.outcome_note", allow_null=True)
    members = serializers.SerializerMethodField(
        help_text="Usernames of the named workers on the case."
    )
    people = CaseLinkSerializer(
        many=True,
        source="people_links",
        help_text="The people on the case whose records you may see.",
    )
    tasks = CaseTaskRowSerializer(many=True, help_text="The tasks you may see.")

    def get_members(self, page: CasePage) -> list[str]:
        """The members' usernames, sorted."""
        return sorted(m.username for m in page.members)


class CaseCreateSerializer(serializers.Serializer[Any]):
    """A new case, led by the caller's agency, with the caller as its first member."""

    case_type = serializers.ChoiceField(choices=Case.Type.choices)
    title = StrictCharField(max_length=200)
    reference = StrictCharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="Blank for the next reference of the type and year.",
    )
    opened_on = serializers.DateField(required=False, allow_null=True, default=None)
    summary = StrictCharField(required=False, allow_blank=True, default="")
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, required=False, allow_blank=True, default=""
    )
    review_due_on = serializers.DateField(required=False, allow_null=True, default=None)


class CasesView(ApiView):
    """List the cases the caller may see, or open one."""

    @extend_schema(
        tags=["cases"],
        operation_id="cases_list",
        summary="List cases",
        description="The cases your agency may see, newest first. Every case returned "
        "is recorded in the audit log.",
        parameters=[CaseQuerySerializer, PURPOSE_HEADER],
        responses={
            200: CaseSummarySerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
        },
    )
    def get(self, request: Request) -> Response:
        """List via :func:`~saferleeds.safeguarding.access.api_lists.read_api_cases`."""
        query = _valid(CaseQuerySerializer, request.query_params)
        rows = read_api_cases(
            self.actor,
            status=query.get("status", ""),
            case_type=query.get("case_type", ""),
            **_paging(query),
        )
        return Response(
            CaseSummarySerializer(rows, many=True, context=_ctx(self.actor)).data
        )

    @extend_schema(
        tags=["cases"],
        operation_id="cases_create",
        summary="Open a case",
        description="Practitioners and case coordinators only; the case is led by "
        "your agency and you are its first member.",
        parameters=[PURPOSE_HEADER],
        request=CaseCreateSerializer,
        responses={
            201: CaseDetailSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            409: CONFLICT,
        },
    )
    def post(self, request: Request) -> Response:
        """Open a case via :func:`do_create_case`."""
        data = _valid(CaseCreateSerializer, request.data)
        case = do_create_case(actor=self.actor, **data)
        actor = _refresh(self)
        page = read_case_page(actor, case.pk, channel="api", sections=API_SECTIONS)
        response = Response(
            CaseDetailSerializer(page).data, status=status.HTTP_201_CREATED
        )
        response["Location"] = f"{request.path.rstrip('/')}/{case.pk}/"
        return response


def _refresh(view: ApiView) -> Actor:
    """The actor again, with the case memberships an action has just added."""
    view.actor = actor_for(
        view.request.user,
        purpose=view.actor.purpose,
        remote_addr=view.actor.remote_addr,
    )
    return view.actor


class CaseDetailView(ApiView):
    """Read one case."""

    @extend_schema(
        tags=["cases"],
        operation_id="cases_retrieve",
        summary="Read a case",
        description="With its members, the people on it and its tasks that you may "
        "see. The case, each person and each task shown are recorded in the audit log.",
        parameters=[PURPOSE_HEADER],
        responses={200: CaseDetailSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read a case via :func:`read_case_page` (as the case page does)."""
        page = read_case_page(self.actor, pk, channel="api", sections=API_SECTIONS)
        response = Response(CaseDetailSerializer(page).data)
        response["ETag"] = f'"{page.case.version}"'
        return response


# --- Dash assessments --------------------------------------------------------------------


class DashAssessmentSerializer(_Withheld):
    """A completed Dash checklist; free text withheld from pseudonymised callers."""

    withheld = ("judgement_reason", "assessor_notes")

    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    victim = serializers.IntegerField(source="victim_id")
    agency = serializers.CharField(source="agency.code")
    assessed_on = serializers.DateField()
    answers = serializers.ListField(
        child=serializers.BooleanField(allow_null=True),
        min_length=DASH_QUESTION_COUNT,
        max_length=DASH_QUESTION_COUNT,
    )
    yes_count = serializers.IntegerField()
    visible_high_risk = serializers.BooleanField()
    professional_judgement = serializers.BooleanField()
    judgement_reason = serializers.CharField(allow_null=True)
    risk_level = serializers.CharField()
    assessor_notes = serializers.CharField(allow_null=True)


class DashAssessmentCreateSerializer(serializers.Serializer[Any]):
    """A completed Dash checklist for the victim on a MARAC case."""

    victim = StrictIntegerField(
        min_value=1, max_value=MAX_ID, help_text="A person on the case as its victim."
    )
    answers = serializers.ListField(
        child=StrictBooleanField(allow_null=True),
        min_length=DASH_QUESTION_COUNT,
        max_length=DASH_QUESTION_COUNT,
        help_text=f"The {DASH_QUESTION_COUNT} answers in question order: true (yes), "
        "false (no) or null (not known).",
    )
    assessed_on = serializers.DateField()
    professional_judgement = StrictBooleanField(required=False, default=False)
    judgement_reason = StrictCharField(
        required=False, allow_blank=True, default="", max_length=5000
    )
    assessor_notes = StrictCharField(
        required=False, allow_blank=True, default="", max_length=20000
    )


class DashAssessmentDetailView(ApiView):
    """Read one Dash assessment."""

    @extend_schema(
        tags=["dash"],
        operation_id="dash_assessments_retrieve",
        summary="Read a Dash assessment",
        description=f"Recorded in the audit log. {CASEWORK_ONLY}",
        parameters=[PURPOSE_HEADER],
        responses={
            200: DashAssessmentSerializer,
            401: UNAUTHENTICATED,
            403: NOT_FOR_ROLE,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read via :func:`access_dash_assessment_by_id`."""
        dash = access_dash_assessment_by_id(self.actor, pk)
        return Response(DashAssessmentSerializer(dash, context=_ctx(self.actor)).data)


class CaseDashAssessmentsView(ApiView):
    """Record a Dash assessment on a case."""

    @extend_schema(
        tags=["dash"],
        operation_id="dash_assessments_create",
        summary="Record a Dash assessment",
        description="Scored and graded as POST /api/v1/dash/score does, and kept; the "
        "case's risk level follows it. The victim must be on the case as its victim.",
        parameters=[PURPOSE_HEADER],
        request=DashAssessmentCreateSerializer,
        responses={
            201: DashAssessmentSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Record via ``do_record_dash_assessment``."""
        data = _valid(DashAssessmentCreateSerializer, request.data)
        dash = do_record_dash_assessment(
            pk,
            actor=self.actor,
            victim_id=data["victim"],
            answers=data["answers"],
            assessed_on=data["assessed_on"],
            professional_judgement=data["professional_judgement"],
            judgement_reason=data["judgement_reason"],
            assessor_notes=data["assessor_notes"],
        )
        response = Response(
            DashAssessmentSerializer(dash, context=_ctx(self.actor)).data,
            status=status.HTTP_201_CREATED,
        )
        response["Location"] = f"/api/v1/dash-assessments/{dash.pk}/"
        return response


# --- MARAC referrals ---------------------------------------------------------------------


class MaracReferralQuerySerializer(_PageQuerySerializer):
    """Filters for the MARAC referral list."""

    status = serializers.ChoiceField(
        choices=MaracReferral.Status.choices, required=False
    )


class MaracReferralSerializer(_Withheld):
    """A MARAC referral; the reason withheld from pseudonymised callers."""

    withheld = ("reason",)

    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    victim = serializers.IntegerField(source="victim_id")
    perpetrator = serializers.IntegerField(source="perpetrator_id", allow_null=True)
    referring_agency = serializers.CharField(source="referring_agency.code")
    referred_on = serializers.DateField()
    criteria = serializers.ListField(child=serializers.CharField())
    is_repeat = serializers.BooleanField()
    dash = serializers.IntegerField(source="dash_id", allow_null=True)
    reason = serializers.CharField(allow_null=True)
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    status = serializers.CharField()
    version = serializers.IntegerField()


class MaracReferralCreateSerializer(serializers.Serializer[Any]):
    """A referral of the victim on a MARAC case; refused unless a criterion holds."""

    victim = StrictIntegerField(min_value=1, max_value=MAX_ID)
    perpetrator = StrictIntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None
    )
    referred_on = serializers.DateField()
    dash = StrictIntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="A Dash assessment of this victim on this case.",
    )
    professional_judgement = StrictBooleanField(required=False, default=False)
    reason = StrictCharField(
        required=False, allow_blank=True, default="", max_length=5000
    )


class MaracReferralsView(ApiView):
    """List MARAC referrals."""

    @extend_schema(
        tags=["marac"],
        operation_id="marac_referrals_list",
        summary="List MARAC referrals",
        description="The referrals your agency may see, newest first. Every referral "
        f"returned is recorded in the audit log. {CASEWORK_ONLY}",
        parameters=[MaracReferralQuerySerializer, PURPOSE_HEADER],
        responses={
            200: MaracReferralSerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
            403: NOT_FOR_ROLE,
        },
    )
    def get(self, request: Request) -> Response:
        """List via :func:`~saferleeds.safeguarding.access.api_lists.read_api_marac_referrals`."""
        require_open(self.actor, RecordType.MARAC_REFERRAL)  # 403 before any 400
        query = _valid(MaracReferralQuerySerializer, request.query_params)
        rows = read_api_marac_referrals(
            self.actor, status=query.get("status", ""), **_paging(query)
        )
        return Response(
            MaracReferralSerializer(rows, many=True, context=_ctx(self.actor)).data
        )


class MaracReferralDetailView(ApiView):
    """Read one MARAC referral."""

    @extend_schema(
        tags=["marac"],
        operation_id="marac_referrals_retrieve",
        summary="Read a MARAC referral",
        description=f"Recorded in the audit log. {CASEWORK_ONLY}",
        parameters=[PURPOSE_HEADER],
        responses={
            200: MaracReferralSerializer,
            401: UNAUTHENTICATED,
            403: NOT_FOR_ROLE,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read via :func:`access_marac_referral_by_id`."""
        referral = access_marac_referral_by_id(self.actor, pk)
        return Response(
            MaracReferralSerializer(referral, context=_ctx(self.actor)).data
        )


class CaseMaracReferralsView(ApiView):
    """Refer the victim on a case to MARAC."""

    @extend_schema(
        tags=["marac"],
        operation_id="marac_referrals_create",
        summary="Refer to MARAC",
        description="Refused (400, nothing stored) unless a SafeLives criterion holds: "
        "visible high risk on the Dash given, professional judgement, potential "
        "escalation, or a repeat within 12 months of the last referral.",
        parameters=[PURPOSE_HEADER],
        request=MaracReferralCreateSerializer,
        responses={
            201: MaracReferralSerializer,
            400: INVALID,
            401: UNAUTHENTICATED,
            403: ERROR,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        """Refer via ``do_refer_to_marac``."""
        data = _valid(MaracReferralCreateSerializer, request.data)
        referral = do_refer_to_marac(
            pk,
            actor=self.actor,
            victim_id=data["victim"],
            perpetrator_id=data["perpetrator"],
            referred_on=data["referred_on"],
            dash_id=data["dash"],
            professional_judgement=data["professional_judgement"],
            reason=data["reason"],
        )
        response = Response(
            MaracReferralSerializer(referral, context=_ctx(self.actor)).data,
            status=status.HTTP_201_CREATED,
        )
        response["Location"] = f"/api/v1/marac-referrals/{referral.pk}/"
        return response


# --- Hate reports ------------------------------------------------------------------------


class HateReportQuerySerializer(_PageQuerySerializer):
    """Filters for the hate report list."""

    status = serializers.ChoiceField(choices=HateReport.Status.choices, required=False)


class HateReportSerializer(_Withheld):
    """A hate incident report. Pseudonymised callers get no reference, account,
    location or contact details."""

    withheld = (
        "reference",
        "what_happened",
        "location",
        "postcode",
        "contact_name",
        "contact_email",
        "contact_phone",
        "safe_times",
        "triage_note",
        "police_reference",
        "strand_other",
    )

    id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    received_at = serializers.DateTimeField()
    occurred_on = serializers.DateField()
    what_happened = serializers.CharField(allow_null=True)
    location = serializers.CharField(allow_null=True)
    postcode = serializers.CharField(allow_null=True)
    strands = serializers.ListField(child=serializers.CharField())
    strand_other = serializers.CharField(allow_null=True)
    perceived_by = serializers.CharField()
    reporter_is_victim = serializers.BooleanField()
    anonymous = serializers.BooleanField()
    contact_name = serializers.CharField(allow_null=True)
    contact_email = serializers.CharField(allow_null=True)
    contact_phone = serializers.CharField(allow_null=True)
    contact_preference = serializers.CharField()
    safe_times = serializers.CharField(allow_null=True)
    reported_via = serializers.CharField()
    reporting_centre = serializers.IntegerField(
        source="reporting_centre_id", allow_null=True
    )
    status = serializers.CharField()
    priority = serializers.CharField(allow_blank=True)
    agency = serializers.CharField(source="agency.code", allow_null=True)
    victim = serializers.IntegerField(source="victim_id", allow_null=True)
    case = serializers.IntegerField(source="case_id", allow_null=True)
    triage_note = serializers.CharField(allow_null=True)
    police_referred_on = serializers.DateField(allow_null=True)
    police_reference = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()


class HateReportsView(ApiView):
    """List hate reports."""

    @extend_schema(
        tags=["hate"],
        operation_id="hate_reports_list",
        summary="List hate incident reports",
        description="The reports your agency may see, newest first. Every report "
        f"returned is recorded in the audit log. {CASEWORK_ONLY}",
        parameters=[HateReportQuerySerializer, PURPOSE_HEADER],
        responses={
            200: HateReportSerializer(many=True),
            400: INVALID,
            401: UNAUTHENTICATED,
            403: NOT_FOR_ROLE,
        },
    )
    def get(self, request: Request) -> Response:
        """List via :func:`~saferleeds.safeguarding.access.api_lists.read_api_hate_reports`."""
        require_open(self.actor, RecordType.HATE_REPORT)  # 403 before any 400
        query = _valid(HateReportQuerySerializer, request.query_params)
        rows = read_api_hate_reports(
            self.actor, status=query.get("status", ""), **_paging(query)
        )
        return Response(
            HateReportSerializer(rows, many=True, context=_ctx(self.actor)).data
        )


class HateReportDetailView(ApiView):
    """Read one hate report."""

    @extend_schema(
        tags=["hate"],
        operation_id="hate_reports_retrieve",
        summary="Read a hate incident report",
        description=f"Recorded in the audit log. {CASEWORK_ONLY}",
        parameters=[PURPOSE_HEADER],
        responses={
            200: HateReportSerializer,
            401: UNAUTHENTICATED,
            403: NOT_FOR_ROLE,
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        """Read via :func:`access_hate_report_by_id`."""
        report = access_hate_report_by_id(self.actor, pk)
        return Response(HateReportSerializer(report, context=_ctx(self.actor)).data)


__all__ = [
    "CaseDashAssessmentsView",
    "CaseDetailView",
    "CaseMaracReferralsView",
    "CasesView",
    "DashAssessmentDetailView",
    "HateReportDetailView",
    "HateReportsView",
    "MaracReferralDetailView",
    "MaracReferralsView",
]
