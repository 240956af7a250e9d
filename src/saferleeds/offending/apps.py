"""App configuration."""

from django.apps import AppConfig


class OffendingConfig(AppConfig):
    """Offences and disposals supplied by partner agencies (issue #14)."""

    name = "saferleeds.offending"
    label = "offending"
    verbose_name = "Offending"

    def ready(self) -> None:
        """Plug the module into the workspace's registries."""
        from saferleeds.offending import hooks

        hooks.register()
