"""Account URLs: two-factor sign-in steps (filled in by the hardening work)."""

urlpatterns: list = []
