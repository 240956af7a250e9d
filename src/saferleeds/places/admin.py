"""No Django admin: areas are loaded from the partnership configuration."""
