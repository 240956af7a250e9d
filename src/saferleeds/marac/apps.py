"""App configuration."""

from django.apps import AppConfig


class MaracConfig(AppConfig):
    """Domestic abuse: Dash risk checklists, MARAC meetings, referrals, research and actions."""

    name = "saferleeds.marac"
    label = "marac"
    verbose_name = "MARAC and Dash"

    def ready(self) -> None:
        """Plug the module into the case page (its panel and timeline entries)."""
        from saferleeds.marac import hooks

        hooks.register()
