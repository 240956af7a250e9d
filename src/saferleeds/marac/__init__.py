"""Domestic abuse: Dash risk checklists, MARAC meetings, referrals, research and actions."""
