"""ASB pages."""

from saferleeds.asb.views import urlpatterns as urlpatterns

app_name = "asb"
