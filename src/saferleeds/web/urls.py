"""URLs of the partnership-wide pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from saferleeds.web import indicators, views

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
    path(
        "sign-in/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
]
