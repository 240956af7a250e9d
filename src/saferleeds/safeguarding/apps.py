"""App configuration."""

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class SafeguardingConfig(AppConfig):
    """Casework."""

    name = "saferleeds.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding"

    def ready(self) -> None:
        """Provide casework's hooks, then read and check the partnership file at
        start-up, casework settings included.

        Raises:
            ImproperlyConfigured: The partnership file is invalid (raised from the
                Django-free ``saferleeds.partnership.PartnershipConfigError``):
                ``serve``, ``manage.py check`` and the WSGI app stop with one line
                naming the file, section and key.
        """
        from saferleeds.partnership import PartnershipConfigError, current
        from saferleeds.safeguarding import hooks

        hooks.register()
        try:
            current()
        except PartnershipConfigError as exc:
            raise ImproperlyConfigured(str(exc)) from exc
