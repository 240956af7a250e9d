"""App configuration."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """Agencies, users' memberships and roles."""

    name = "saferleeds.partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from django.core import checks

        from saferleeds.partners.accounts import check_unsafe_accounts

        # Security finding 1 (issue #11): `manage check --deploy` reports a production
        # install whose active accounts still hold a password their owner never set.
        checks.register(check_unsafe_accounts, checks.Tags.security, deploy=True)
