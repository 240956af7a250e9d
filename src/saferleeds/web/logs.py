"""Server log: a refused request is one line, a server error keeps its traceback.

Django logs every 4xx response on ``django.request``, and those raised as exceptions
(``PermissionDenied``, ``Http404``) with the whole traceback: a refusal is the access
rules working, not a fault, and a traceback per refusal buries the real errors.
:class:`OneLineRefusals` rewrites any record of a 4xx response as one line::

    Refused: GET /people/12/ 403 user=7 reason=you may not see this person

and leaves 5xx records (and everything else) as they are.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any


def _one_line(value: object) -> str:
    """``value`` as text on one line: control characters escaped (no log injection)."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _user_id(request: Any) -> str:
    try:
        user = getattr(request, "user", None) if request is not None else None
        if user is None or not user.is_authenticated:
            return "-"
        return str(user.pk)
    except Exception:  # noqa: BLE001 - logging must never fail the request
        return "?"


def _reason(record: logging.LogRecord, status: int) -> str:
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None and str(exc):
        return str(exc)
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return record.getMessage().split(":", 1)[0]


class OneLineRefusals(logging.Filter):
    """Turn a record about a 4xx response into one line without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if not isinstance(status, int) or not 400 <= status < 500:
            return True
        if getattr(record, "refusal", False):
            return True  # already rewritten (the filter is on a logger and a handler)
        request = getattr(record, "request", None)
        method = getattr(request, "method", None) or "-"
        path = getattr(request, "path", None) or "-"
        reason = _reason(record, status)
        record.msg = (
            f"Refused: {_one_line(method)} {_one_line(path)} {status} "
            f"user={_user_id(request)} reason={_one_line(reason)}"
        )
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        record.refusal = True
        return True
