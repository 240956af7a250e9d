"""App configuration."""

from django.apps import AppConfig


class PlacesConfig(AppConfig):
    """Areas of the partnership."""

    name = "saferleeds.places"
    label = "places"
    verbose_name = "Places"

    def ready(self) -> None:
        """Put the app's pages in the menu (``core.registry`` navigation)."""
        from saferleeds.places import hooks

        hooks.register()
