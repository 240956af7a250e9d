"""App configuration."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """People known to the partnership."""

    name = "saferleeds.people"
    label = "people"
    verbose_name = "People"

    def ready(self) -> None:
        """Put the app's pages in the menu (``core.registry`` navigation)."""
        from saferleeds.people import hooks

        hooks.register()
