"""Casework pages, one module per kind of casework; each module lists its own routes
in ``urlpatterns`` and ``safeguarding.urls`` joins them."""
