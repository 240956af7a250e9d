"""App configuration."""

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Partner incidents."""

    name = "saferleeds.incidents"
    label = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        """Plug hate reports into the case page and incidents into the person page."""
        from saferleeds.incidents import hooks

        hooks.register()
