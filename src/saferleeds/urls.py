"""URL configuration: each app's pages, and the partner API under /api/v1/."""

from django.urls import include, path

from saferleeds.web.health import healthz

urlpatterns = [
    # Open to probes without signing in; says only whether it can serve.
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("saferleeds.api.urls")),
    path("people/", include("saferleeds.people.urls")),
    path("agreements/", include("saferleeds.partners.urls")),
    path("administration/", include("saferleeds.partners.admin_urls")),
    path("audit/", include("saferleeds.infogov.urls")),
    path("places/", include("saferleeds.places.urls")),
    path("account/", include("saferleeds.web.account_urls")),
    path("report/", include("saferleeds.hate.urls")),
    path("hate-reports/", include("saferleeds.hate.staff_urls")),
    path("", include("saferleeds.safeguarding.urls")),
    path("", include("saferleeds.marac.urls")),
    path("", include("saferleeds.asb.urls")),
    path("", include("saferleeds.nrm.urls")),
    path("offending/", include("saferleeds.offending.urls")),
    path("iom/", include("saferleeds.iom.urls")),
    path("linkage/", include("saferleeds.linkage.urls")),
    path("", include("saferleeds.governance.urls")),
    path("", include("saferleeds.dardr.urls")),
    path("", include("saferleeds.web.urls")),
]

# A service fault (database down, analytics store damaged, disk full) is a 503 page
# naming the recovery; any other error the plain 500 page. Never a traceback.
handler500 = "saferleeds.web.faults.server_error"
# A 400 that a service fault caused (a session the database could not save) is that 503.
handler400 = "saferleeds.web.faults.bad_request"
