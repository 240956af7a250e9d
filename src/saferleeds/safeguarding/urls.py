"""The case core's pages (the casework modules have their own: marac, asb, nrm)."""

from saferleeds.safeguarding.views import cases

app_name = "safeguarding"

urlpatterns = [*cases.urlpatterns]
