"""App configuration."""

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    """The plan on a page: priorities, outcomes, deliverables, RAG status, boards."""

    name = "saferleeds.governance"
    label = "governance"
    verbose_name = "Governance"
