"""App configuration."""

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """The plan on a page: priorities, outcomes, deliverables, RAG status, boards."""

    name = "saferleeds.governance"
    label = "governance"
    verbose_name = "Governance"

    def ready(self) -> None:
        """Put the app's pages in the menu (``core.registry`` navigation)."""
        from saferleeds.governance import hooks

        hooks.register()
