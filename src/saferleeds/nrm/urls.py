"""Modern slavery (NRM) pages."""

from saferleeds.nrm.views import urlpatterns as urlpatterns

app_name = "nrm"
