"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from saferleeds import config
from saferleeds import partnership as partnership_config

# Pages under these paths are casework: the "Casework" menu item shows as current.
CASEWORK_PREFIXES = (
    "/cases/",
    "/marac/",
    "/hate-reports/",
    "/asb/",
    "/modern-slavery/",
)


def partnership(request: HttpRequest) -> dict[str, Any]:
    """Expose the partnership's name and the environment to templates."""
    p = partnership_config.current()
    return {
        "partnership_name": p.name,
        "service_name": f"{p.name} partnership workspace",
        "saferleeds_env": config.environment(),
        "casework_section": request.path.startswith(CASEWORK_PREFIXES),
    }
