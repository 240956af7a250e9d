"""App configuration."""

from django.apps import AppConfig


class IomConfig(AppConfig):
    """Integrated Offender Management cohort management (issue #14, item 2)."""

    name = "saferleeds.iom"
    label = "iom"
    verbose_name = "Integrated Offender Management"

    def ready(self) -> None:
        """Plug the module into the person page (a link to the offender page)."""
        from saferleeds.iom import hooks

        hooks.register()
