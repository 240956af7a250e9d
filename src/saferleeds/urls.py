"""URL configuration."""

from django.urls import include, path

urlpatterns = [
    path("", include("saferleeds.web.urls")),
]
