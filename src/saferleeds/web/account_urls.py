"""Account URLs: the two-factor sign-in steps and the signed-out notice.

Every name here that must work before sign-in is complete is also listed in
``saferleeds.web.middleware.EXEMPT_URL_NAMES``; any other page added here is protected.
"""

from django.urls import path

from saferleeds.web import twofactor

urlpatterns = [
    path("two-factor/", twofactor.verify, name="otp_verify"),
    path("two-factor/set-up/", twofactor.setup, name="otp_setup"),
    path("signed-out/", twofactor.signed_out, name="signed_out"),
]
