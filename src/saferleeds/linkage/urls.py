"""Record linkage pages."""

from saferleeds.linkage.views import urlpatterns as urlpatterns

app_name = "linkage"
