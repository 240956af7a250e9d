"""IOM pages."""

from saferleeds.iom.views import urlpatterns as urlpatterns

app_name = "iom"
