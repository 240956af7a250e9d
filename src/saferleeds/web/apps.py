"""App configuration."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    """Layout, assets and partnership-wide pages."""

    name = "saferleeds.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        """Put the app's pages in the menu (``core.registry`` navigation)."""
        from saferleeds.web import hooks

        hooks.register()
