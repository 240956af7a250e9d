"""App configuration."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    """Layout, assets and partnership-wide pages."""

    name = "saferleeds.web"
    label = "web"
    verbose_name = "Web"
