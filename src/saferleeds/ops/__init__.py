"""Running the service: backup and restore, health, and the start-up check."""
