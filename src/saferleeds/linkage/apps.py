"""App configuration."""

from django.apps import AppConfig


class LinkageConfig(AppConfig):
    """Agency records, their linkage into resolved people, and clerical review."""

    name = "saferleeds.linkage"
    label = "linkage"
    verbose_name = "Record linkage"

    def ready(self) -> None:
        """Plug "how this person was linked" into the person page."""
        from saferleeds.linkage import hooks

        hooks.register()
