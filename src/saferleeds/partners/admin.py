"""No Django admin: every change goes through actions.py, so it can be audited."""
