"""App configuration."""

from django.apps import AppConfig


class InfogovConfig(AppConfig):
    """Information governance: per-person access history and subject access (no models)."""

    name = "saferleeds.infogov"
    label = "infogov"
    verbose_name = "Information governance"
