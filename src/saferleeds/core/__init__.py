"""What every app shares and no app owns: the acting user, GOV.UK form bases and the
hook registry through which apps plug into each other without importing each other.

Nothing here imports a saferleeds app (an import-linter contract checks it).
"""
