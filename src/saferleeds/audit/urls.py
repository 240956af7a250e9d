"""URLs (filled in by the work that owns this app's pages or API)."""

urlpatterns: list = []
