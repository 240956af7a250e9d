"""App configuration."""

from django.apps import AppConfig


class HateConfig(AppConfig):
    """Hate crime: reports from the public and reporting centres, triage, cases."""

    name = "saferleeds.hate"
    label = "hate"
    verbose_name = "Hate crime"

    def ready(self) -> None:
        """Plug hate reports into the case page and reporting centres into the
        Administration pages."""
        from saferleeds.hate import hooks

        hooks.register()
