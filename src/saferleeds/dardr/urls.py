"""Domestic Abuse Related Death Review pages."""

from saferleeds.dardr.views import urlpatterns as urlpatterns

app_name = "dardr"
