"""App configuration."""

from django.apps import AppConfig


class AsbConfig(AppConfig):
    """ASB complaints, victim risk assessments, interventions and ASB Case Reviews."""

    name = "saferleeds.asb"
    label = "asb"
    verbose_name = "Anti-social behaviour"

    def ready(self) -> None:
        """Plug the module into the case page (its panel and timeline entries)."""
        from saferleeds.asb import hooks

        hooks.register()
