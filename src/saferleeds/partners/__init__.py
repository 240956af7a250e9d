"""Partner agencies of the partnership and the users who work for them."""
