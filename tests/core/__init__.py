"""Tests of saferleeds.core: what every app shares (the working-day calendar)."""
