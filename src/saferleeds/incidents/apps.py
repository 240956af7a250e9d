"""App configuration."""

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Partner incidents."""

    name = "saferleeds.incidents"
    label = "incidents"
    verbose_name = "Incidents"
