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


def _service_fault(record: logging.LogRecord) -> bool:
    """Rewrite a 503 for a service fault (database down, store damaged, disk full) as one
    line naming the fault: during a database restart every request answers one, and a
    traceback each would bury everything else. Returns whether it was one.

    The fault may lie under the exception logged: the session middleware's
    ``SessionInterrupted`` when the database refused to save the session (answered
    with the 503 page by :func:`saferleeds.web.faults.bad_request`).
    """
    from saferleeds.ops.faults import classify_chain

    exc = record.exc_info[1] if record.exc_info else None
    fault = classify_chain(exc) if exc is not None else None
    if fault is None:
        return False
    request = getattr(record, "request", None)
    record.msg = (
        f"Service fault: {_one_line(getattr(request, 'method', None) or '-')} "
        f"{_one_line(getattr(request, 'path', None) or '-')} 503 "
        f"{fault.kind.value}: {_one_line(fault.detail)}"
    )
    record.args = ()
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None
    return True


class OneLineRefusals(logging.Filter):
    """Turn a record about a 4xx response into one line without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        # A 400 too: Django's security log of a SessionInterrupted (a session the
        # database refused to save) may carry it, though saferleeds.web.faults.
        # bad_request answered the 503 page.
        if status in (400, 503) and record.exc_info and _service_fault(record):
            return True
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


# --- One line per request, and JSON when configured ------------------------------------

REQUEST_LOGGER = "saferleeds.request"
# The fields a request line carries, in this order (also the JSON keys).
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user")


class RequestLogMiddleware:
    """Log one line per request on ``saferleeds.request``: method, path, status, time
    taken and user id.

    The path only, never the query string: searches carry names and dates of birth.
    First in ``MIDDLEWARE``, so the time covers every other layer, and the status is
    the one the client received (a refusal's 403, a sign-in redirect's 302).
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.log = logging.getLogger(REQUEST_LOGGER)

    def __call__(self, request: Any) -> Any:
        import time

        started = time.perf_counter()
        response = self.get_response(request)
        if self.log.isEnabledFor(logging.INFO):
            fields = {
                "method": _one_line(request.method or "-"),
                "path": _one_line(request.path),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user": _user_id(request),
            }
            self.log.info(
                "%s %s %s %sms user=%s",
                *fields.values(),
                extra={"request_fields": fields},
            )
        return response


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object on one line (``SAFERLEEDS_LOG_FORMAT=json``).

    Keys: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``; a request line
    adds its fields (``method``, ``path``, ``status``, ``duration_ms``, ``user``), a
    refusal ``refusal: true``, and a server error its traceback as ``exc``.
    """

    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import UTC, datetime

        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update(getattr(record, "request_fields", {}))
        if getattr(record, "refusal", False):
            data["refusal"] = True
            data["status"] = getattr(record, "status_code", None)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=True, default=str)
