"""App configuration."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """Agencies, users' memberships and roles."""

    name = "saferleeds.partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from django.core import checks

        from saferleeds.partners import hooks

        hooks.register()  # its pages in the menu (core.registry navigation)

        from saferleeds.partners.accounts import check_unsafe_accounts

        # Security finding 1 (issue #11): `manage check --deploy` reports a production
        # install whose active accounts still hold a password their owner never set.
        checks.register(check_unsafe_accounts, checks.Tags.security, deploy=True)

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from saferleeds.partners.models import AgreementSignature, SharingAgreement
        from saferleeds.partners.policy import agreements_changed

        # Actors remember their access for a request; any saved change to an
        # agreement or a signature (besides the actions' own) makes them recompute it.
        def _changed(**_: object) -> None:
            agreements_changed()

        for model in (SharingAgreement, AgreementSignature):
            post_save.connect(_changed, sender=model, weak=False)
            post_delete.connect(_changed, sender=model, weak=False)
        for through in (
            SharingAgreement.providers.through,
            SharingAgreement.recipients.through,
        ):
            m2m_changed.connect(_changed, sender=through, weak=False)
