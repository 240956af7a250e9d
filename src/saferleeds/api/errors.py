"""The one place API errors become HTTP answers.

The access layer speaks in the app's own exceptions (``NotFound``, ``Forbidden``,
``Conflict``); this module turns them into status codes so that no view has to, and so
that a record the caller may not see gets byte-for-byte the same answer as a record that
does not exist.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from saferleeds.locking import Conflict
from saferleeds.ops.faults import classify
from saferleeds.partners.policy import Forbidden, NotFound

# One fixed body for "missing" and "not yours": the exception's own text names the
# record type and id, which is harmless, but a fixed body leaves nothing to compare.
NOT_FOUND_BODY = {"detail": "Not found."}
log = logging.getLogger("saferleeds.api")
DUPLICATE_MESSAGE = (
    "This conflicts with a record your agency already holds "
    "(for example, the reference is already in use)."
)


def _answer(body: dict[str, Any], code: int) -> Response:
    # Handled errors still roll back a request-wide transaction, as DRF's own do.
    set_rollback()
    return Response(body, status=code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map the app's exceptions to 404/403/409/400, then defer to DRF for the rest.

    Args:
        exc: The exception a view raised.
        context: DRF's handler context (view, request, args).

    Returns:
        The error response, or ``None`` for an exception nobody expected (a real bug,
        which should stay a loud 500 rather than be disguised as a client error).
    """
    if isinstance(exc, NotFound):
        return _answer(dict(NOT_FOUND_BODY), status.HTTP_404_NOT_FOUND)
    if isinstance(exc, Forbidden):
        return _answer(
            {"detail": str(exc) or "You may not do that."}, status.HTTP_403_FORBIDDEN
        )
    if isinstance(exc, Conflict):
        return _answer(
            {"detail": str(exc), "current_version": exc.current_version},
            status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # Unique references per agency are enforced by the database; the action's
        # transaction has already rolled back, so nothing was half-written.
        return _answer({"detail": DUPLICATE_MESSAGE}, status.HTTP_409_CONFLICT)
    fault = classify(exc)
    if fault is not None:
        # The database restarting, the store damaged, the disk full: the service's
        # fault, said as such (a retry may well work), never a traceback or a 500.
        # One line for the operator naming what failed, as pages get from
        # saferleeds.web.logs (Django's own line only says "Service Unavailable").
        request = context.get("request")
        log.warning(
            "Service fault: %s %s 503 %s: %s",
            getattr(request, "method", None) or "-",
            getattr(request, "path", None) or "-",
            fault.kind.value,
            fault.detail,
        )
        response = _answer(
            {"detail": fault.message}, status.HTTP_503_SERVICE_UNAVAILABLE
        )
        response["Retry-After"] = "30"
        return response
    if isinstance(exc, DjangoValidationError):
        return _answer({"detail": exc.messages}, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ValueError):
        # Actions raise ValueError for values they refuse (e.g. unknown record types).
        return _answer({"detail": str(exc)}, status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
