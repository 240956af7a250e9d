"""App configuration."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    """Audit log of personal-data processing."""

    name = "saferleeds.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        # The append-only triggers are (re)installed after every migrate and flush, so a
        # test database flushed between tests gets them back too.
        from saferleeds.audit.guard import install_append_only_triggers

        post_migrate.connect(install_append_only_triggers, sender=self)
