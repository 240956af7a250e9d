"""Hate crime: public and third-party reports, reporting centres, triage, repeats and hate cases."""
