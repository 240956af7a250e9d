"""Domestic Abuse Related Death Reviews (formerly Domestic Homicide Reviews).

The review's course from notification to publication, its recommendations with owner,
due date, expected change and evidence of completion, and the tracker that rolls the
recommendations up across reviews ("Learning from loss", Domestic Abuse Commissioner,
2025: only 25% of national recommendations were fully implemented because nobody
tracked them).
"""
