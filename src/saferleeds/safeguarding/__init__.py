"""Multi-agency casework: cases, their members, people and incidents, and notes."""
