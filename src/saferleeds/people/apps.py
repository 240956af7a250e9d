"""App configuration."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """People known to the partnership."""

    name = "saferleeds.people"
    label = "people"
    verbose_name = "People"
