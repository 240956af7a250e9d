"""``/healthz``: can this process serve? For load balancers, monitors and deployment checks.

Open to anyone (no sign-in, so a probe needs no account) and therefore says nothing but
each component's state: no personal data, no version, no paths or configuration.
200 when the database and the analytics store both answer, 503 otherwise.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from saferleeds.ops import health


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The database and the store's state as JSON: ``{"status": "ok"|"unavailable",
    "checks": {"database": ..., "store": ...}}``."""
    probes = {
        "database": health.database(),
        "store": health.store(Path(settings.SAFERLEEDS_ANALYTICS_PATH)),
    }
    ok = all(p.ok for p in probes.values())
    return JsonResponse(
        {
            "status": "ok" if ok else "unavailable",
            "checks": {name: p.detail for name, p in probes.items()},
        },
        status=200 if ok else 503,
    )
