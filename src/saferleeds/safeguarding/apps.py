"""App configuration."""

from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    """Casework."""

    name = "saferleeds.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding"
