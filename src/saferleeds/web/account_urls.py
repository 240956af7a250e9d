"""Account URLs: the two-factor sign-in steps, the signed-out notice, the one-time
invitation link and changing your password.

Every name here that must work before sign-in is complete is also listed in
``saferleeds.web.middleware.EXEMPT_URL_NAMES``; any other page added here is protected.
"""

from django.urls import path

from saferleeds.partners import account_views
from saferleeds.web import twofactor

urlpatterns = [
    path("two-factor/", twofactor.verify, name="otp_verify"),
    path("two-factor/set-up/", twofactor.setup, name="otp_setup"),
    path("signed-out/", twofactor.signed_out, name="signed_out"),
    # The one-time link an administrator passes on: sets the user's own password.
    path("invitation/<str:token>/", account_views.invitation, name="invitation"),
    path("password/", account_views.change_password, name="password_change"),
]
