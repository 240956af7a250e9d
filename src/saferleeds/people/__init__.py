"""People (subjects) known to partner agencies, under each agency's own reference."""
