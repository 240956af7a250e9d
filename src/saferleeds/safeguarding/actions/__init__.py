"""The only way to change casework records, one module per kind of casework.

``cases`` holds the case core (cases, members, people, places, incidents, notes, tasks,
documents, consent, closure); ``marac``, ``asb`` and ``nrm`` hold their modules' actions.
The case core's actions are re-exported here, as callers have always imported them.
"""

from saferleeds.safeguarding.actions.cases import *  # noqa: F403
from saferleeds.safeguarding.actions.cases import __all__  # noqa: F401
