"""App configuration."""

from django.apps import AppConfig


class InfogovConfig(AppConfig):
    """Information governance: per-person access history and subject access (no models)."""

    name = "saferleeds.infogov"
    label = "infogov"
    verbose_name = "Information governance"

    def ready(self) -> None:
        """Put the app's pages in the menu (``core.registry`` navigation)."""
        from saferleeds.infogov import hooks

        hooks.register()
