"""The plan on a page and its deliverables."""

from saferleeds.governance.tension_views import urlpatterns as tension_urlpatterns
from saferleeds.governance.views import urlpatterns as view_urlpatterns

urlpatterns = view_urlpatterns + tension_urlpatterns

app_name = "governance"
