"""App configuration."""

from django.apps import AppConfig


class DardrConfig(AppConfig):
    """Domestic Abuse Related Death Reviews and their recommendations."""

    name = "saferleeds.dardr"
    label = "dardr"
    verbose_name = "Death reviews"

    def ready(self) -> None:
        """Put the reviews among the casework tabs."""
        from saferleeds.dardr import hooks

        hooks.register()
