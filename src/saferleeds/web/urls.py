"""URLs of the partnership-wide pages."""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from saferleeds.web import indicators, views

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("indicators/", indicators.indicators, name="indicators"),
    re_path(
        r"^indicators/export\.(?P<fmt>csv|xlsx)$",
        indicators.indicators_export,
        name="indicators_export",
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
