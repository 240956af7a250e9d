"""Casework pages: cases, MARAC, ASB and modern slavery (each module's own routes)."""

from saferleeds.safeguarding.views import asb, cases, marac, nrm

app_name = "safeguarding"

urlpatterns = [
    *cases.urlpatterns,
    *marac.urlpatterns,
    *asb.urlpatterns,
    *nrm.urlpatterns,
]
