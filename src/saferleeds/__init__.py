"""saferleeds: an open-source platform for a Community Safety Partnership."""

__version__ = "0.1.0"
