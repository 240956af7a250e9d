"""The plan on a page and its deliverables."""

from saferleeds.governance.views import urlpatterns as urlpatterns

app_name = "governance"
