"""What every meeting the partnership keeps has: a date, a venue and a chair.

An abstract model (no table of its own), shared by MARAC meetings
(:class:`saferleeds.marac.models.MaracMeeting`) and board meetings
(:class:`saferleeds.governance.models.BoardMeeting`), so both record a meeting the same
way. Abstract models need no installed app, so ``saferleeds.core`` still knows no app.
"""

from __future__ import annotations

from django.db import models

__all__ = ["MeetingBase"]


class MeetingBase(models.Model):
    """A meeting: the day it is held, where, and who chairs it."""

    held_on = models.DateField()
    venue = models.CharField(max_length=200, blank=True)
    chair = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True
