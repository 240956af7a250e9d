"""Incidents recorded by partner agencies, and the people involved in them."""
