"""App configuration."""

from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    """Casework."""

    name = "saferleeds.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding"

    def ready(self) -> None:
        """Read and check the partnership file at start-up, casework settings included.

        Raises:
            saferleeds.partnership.PartnershipConfigError: The file is invalid (Django's
                ``ImproperlyConfigured``): ``serve``, ``manage.py check`` and the WSGI
                app stop with one line naming the file, section and key.
        """
        from saferleeds.partnership import current

        current()
