"""Casework forms, one module per kind of casework."""
