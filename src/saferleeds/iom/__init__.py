"""Integrated Offender Management: the cohort, its reviews, pathways and interventions."""
