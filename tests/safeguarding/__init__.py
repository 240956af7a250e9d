"""Tests of the safeguarding rules: SafeLives Dash scoring and Marac criteria."""
