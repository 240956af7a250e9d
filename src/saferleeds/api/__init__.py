"""The partner REST API under /api/v1/: same access rules and audit as the pages."""
