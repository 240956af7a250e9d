"""The partner API's URLs, mounted at /api/v1/, and its OpenAPI schema."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from saferleeds.api import casework, dardr, dash, iom, linkage, views

app_name = "api"

urlpatterns: list[URLPattern] = [
    path("openapi.json", views.SchemaView.as_view(), name="openapi"),
    path("people/", views.PeopleView.as_view(), name="people"),
    path("people/<int:pk>/", views.PersonDetailView.as_view(), name="person"),
    path(
        "people/by-pseudonym/<str:pseudonym>/",
        views.PersonByPseudonymView.as_view(),
        name="person-by-pseudonym",
    ),
    path(
        "people/<int:pk>/access-history/",
        views.PersonAccessHistoryView.as_view(),
        name="person-access-history",
    ),
    path(
        "people/<int:pk>/subject-access/",
        views.SubjectAccessView.as_view(),
        name="person-subject-access",
    ),
    path(
        "people/<int:pk>/links/",
        linkage.PersonLinksView.as_view(),
        name="person-links",
    ),
    path("linkage/review/", linkage.ReviewQueueView.as_view(), name="link-review"),
    path(
        "linkage/review/<int:pk>/",
        linkage.ReviewPairView.as_view(),
        name="link-pair",
    ),
    path(
        "linkage/review/<int:pk>/decision/",
        linkage.ReviewDecisionView.as_view(),
        name="link-decision",
    ),
    path("incidents/", views.IncidentsView.as_view(), name="incidents"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident"),
    path("cases/", casework.CasesView.as_view(), name="cases"),
    path("cases/<int:pk>/", casework.CaseDetailView.as_view(), name="case"),
    path(
        "cases/<int:pk>/dash-assessments/",
        casework.CaseDashAssessmentsView.as_view(),
        name="case-dash-assessments",
    ),
    path(
        "cases/<int:pk>/marac-referrals/",
        casework.CaseMaracReferralsView.as_view(),
        name="case-marac-referrals",
    ),
    path(
        "dash-assessments/<int:pk>/",
        casework.DashAssessmentDetailView.as_view(),
        name="dash-assessment",
    ),
    path(
        "marac-referrals/",
        casework.MaracReferralsView.as_view(),
        name="marac-referrals",
    ),
    path(
        "marac-referrals/<int:pk>/",
        casework.MaracReferralDetailView.as_view(),
        name="marac-referral",
    ),
    path("hate-reports/", casework.HateReportsView.as_view(), name="hate-reports"),
    path(
        "hate-reports/<int:pk>/",
        casework.HateReportDetailView.as_view(),
        name="hate-report",
    ),
    path("iom-members/", iom.IomMembersView.as_view(), name="iom-members"),
    path(
        "iom-members/<int:pk>/",
        iom.IomMemberDetailView.as_view(),
        name="iom-member",
    ),
    path(
        "dardr-recommendations/",
        dardr.DardrRecommendationsView.as_view(),
        name="dardr-recommendations",
    ),
    path(
        "dardr-reviews/<int:pk>/",
        dardr.DardrReviewDetailView.as_view(),
        name="dardr-review",
    ),
    path("agreements/", views.AgreementsView.as_view(), name="agreements"),
    path("agreements/<int:pk>/", views.AgreementDetailView.as_view(), name="agreement"),
    path(
        "agreements/<int:pk>/sign/",
        views.AgreementSignView.as_view(),
        name="agreement_sign",
    ),
    path(
        "dash/score",
        dash.DashScoreView.as_view(),
        name="dash-score",
    ),
    # Last: anything else under /api/v1/ gets a JSON 404, not the site's HTML page.
    re_path(r"^[\s\S]*\Z", views.NoSuchEndpointView.as_view(), name="no-such-endpoint"),
]
