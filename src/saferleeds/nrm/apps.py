"""App configuration."""

from django.apps import AppConfig


class NrmConfig(AppConfig):
    """National Referral Mechanism referrals and their decisions."""

    name = "saferleeds.nrm"
    label = "nrm"
    verbose_name = "Modern slavery"

    def ready(self) -> None:
        """Plug the module into the case page (its panel and timeline entries)."""
        from saferleeds.nrm import hooks

        hooks.register()
