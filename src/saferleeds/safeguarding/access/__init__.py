"""The only way to read casework records, one module per kind of casework.

The case core's readers are re-exported here, as callers have always imported them.
"""

from saferleeds.safeguarding.access.cases import *  # noqa: F403
from saferleeds.safeguarding.access.cases import __all__  # noqa: F401
