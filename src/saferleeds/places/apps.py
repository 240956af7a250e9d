"""App configuration."""

from django.apps import AppConfig


class PlacesConfig(AppConfig):
    """Areas of the partnership."""

    name = "saferleeds.places"
    label = "places"
    verbose_name = "Places"
