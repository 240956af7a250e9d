"""MARAC and Dash pages."""

from saferleeds.marac.views import urlpatterns as urlpatterns

app_name = "marac"
