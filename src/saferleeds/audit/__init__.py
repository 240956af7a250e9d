"""The append-only, hash-chained record of every operation on personal data (DPA 2018 s62)."""
