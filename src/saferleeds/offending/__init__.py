"""Offenders: partners' offences and disposals, proven re-offending and co-offending."""
