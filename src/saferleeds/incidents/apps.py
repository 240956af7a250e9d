"""App configuration."""

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Partner incidents."""

    name = "saferleeds.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        """Plug incidents into the person page."""
        from saferleeds.incidents import hooks

        hooks.register()
