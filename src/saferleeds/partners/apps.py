"""App configuration."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """Agencies, users' memberships and roles."""

    name = "saferleeds.partners"
    label = "partners"
    verbose_name = "Partners"
