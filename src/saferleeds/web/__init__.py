"""Project-wide pages: sign-in, the partnership overview, the page layout and assets."""
