"""URLs of the partnership-wide pages."""

from django.urls import path

from saferleeds.web import indicators, twofactor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("indicators/", indicators.indicators, name="indicators"),
    path(
        "indicators/export.csv",
        indicators.indicators_export,
        {"fmt": "csv"},
        name="indicators_export_csv",
    ),
    path(
        "indicators/export.xlsx",
        indicators.indicators_export,
        {"fmt": "xlsx"},
        name="indicators_export_xlsx",
    ),
    path(
        "indicators/<slug:indicator_id>/", indicators.indicator_detail, name="indicator"
    ),
    # Django's own sign-in and sign-out, with ``next`` kept to paths on this site.
    path("sign-in/", twofactor.SignInView.as_view(), name="login"),
    path("sign-out/", twofactor.SignOutView.as_view(), name="logout"),
]
