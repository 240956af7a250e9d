"""What the casework views (cases, MARAC, ASB) share: the actor, 404s, the form cycle.

Only request handling lives here: parsing, the mapping of refusals onto HTTP
responses, and the GET-render / POST-validate / act / redirect cycle. Who may see or
change what stays in the access and actions modules; these helpers only translate
their answers (``NotFound`` is a 404, ``Forbidden`` a 403, a rule broken a form
error, ``Conflict`` whatever the page says a conflict is).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict

from saferleeds.locking import Conflict
from saferleeds.partners.policy import Actor, Forbidden, NotFound, actor_for
from saferleeds.safeguarding.access.cases import access_case_by_id
from saferleeds.safeguarding.models import Case

T = TypeVar("T")

#: The one message every missing or hidden record gives (never which of the two).
NOT_FOUND = "Page not found"


def request_actor(request: HttpRequest, purpose: str) -> Actor:
    """The actor for this request.

    Args:
        request: The request being handled.
        purpose: Why the records are read, as the audit log records it.

    Returns:
        The actor, with the client address the audit log records.
    """
    return actor_for(
        request.user, purpose=purpose, remote_addr=request.META.get("REMOTE_ADDR", "")
    )


def get_or_404(fetch: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call an access module's ``access_*_by_id`` function; ``NotFound`` is a 404.

    Args:
        fetch: The access function.
        *args: Passed to it (usually the actor and the id).
        **kwargs: Passed to it (``audit=``, ``event=``).

    Returns:
        What the access function returns.

    Raises:
        Http404: The record is missing or the actor may not see it (the same page,
            so that a 404 never tells the two apart).
    """
    try:
        return fetch(*args, **kwargs)
    except NotFound as exc:
        raise Http404(NOT_FOUND) from exc


def case_or_404(
    actor: Actor, case_id: int, *, case_type: str | None = None, **kwargs: Any
) -> Case:
    """The case, read through the access module, or a 404.

    Args:
        actor: Who is asking.
        case_id: The case's id.
        case_type: If given, a case of another type is a 404 too (a module's pages
            only show its own kind of case).
        **kwargs: Passed to ``access_case_by_id`` (``audit=``, ``event=``).

    Returns:
        The case.

    Raises:
        Http404: Missing, not visible to the actor, or of another type.
    """
    case = get_or_404(access_case_by_id, actor, case_id, **kwargs)
    if case_type is not None and case.case_type != case_type:
        raise Http404(NOT_FOUND)
    return case


def http_errors(call: Callable[[], T]) -> T:
    """Run an action, turning ``NotFound`` into a 404 and ``Forbidden`` into a 403.

    Args:
        call: The action, with its arguments bound.

    Returns:
        What the action returns.

    Raises:
        Http404: The action raised ``NotFound``.
        PermissionDenied: The action raised ``Forbidden`` (its message is shown).
    """
    try:
        return call()
    except NotFound as exc:
        raise Http404(NOT_FOUND) from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc


def sentence(exc: Exception) -> str:
    """An exception's message with its first letter capitalised (the rest kept)."""
    message = str(exc)
    return message[0].upper() + message[1:]


def run_action(
    form: Any,
    call: Callable[[], T],
    field: str | None = None,
    *,
    errors: tuple[type[Exception], ...] = (ValueError,),
    text: Callable[[Exception], str] = str,
) -> tuple[T | None, bool]:
    """Run an action for a valid form, putting a broken rule on the form.

    Args:
        form: The bound, valid form.
        call: The action, with its arguments bound.
        field: The field a broken rule is shown against (``None``: the whole form).
        errors: The exceptions that are broken rules, to show rather than raise.
        text: How an exception's message is worded on the form.

    Returns:
        ``(result, True)`` when the action ran, ``(None, False)`` when it refused
        and the form now carries the reason.

    Raises:
        Http404: The action raised ``NotFound``.
        PermissionDenied: The action raised ``Forbidden``.
        Conflict: Someone saved first (left to the caller: each page shows it its
            own way).
    """
    try:
        return http_errors(call), True
    except errors as exc:
        form.add_error(field, text(exc))
        return None, False


def form_page(
    request: HttpRequest,
    *,
    make_form: Callable[[QueryDict | None], Any],
    action: Callable[[Any], T],
    success: str | Callable[[T], str],
    done: Callable[[T], HttpResponse],
    show: Callable[[Any, int], HttpResponse],
    field: str | None = None,
    errors: tuple[type[Exception], ...] = (ValueError,),
    text: Callable[[Exception], str] = str,
    on_conflict: Callable[[Conflict, Any], HttpResponse] | None = None,
) -> HttpResponse:
    """The form cycle: GET shows the form; POST validates, acts and redirects.

    On GET, ``make_form(None)`` is shown with status 200. On POST,
    ``make_form(request.POST)`` is validated; if valid, ``action(form)`` runs (see
    :func:`run_action` for what its refusals become), then the success message is
    flashed and ``done(result)`` returned (normally a redirect). Otherwise the bound
    form is shown again with its errors and status 400.

    Args:
        request: The request (GET or POST; the view's decorators say which).
        make_form: Builds the form from the posted data, or unbound from ``None``
            (a form with files closes over ``request.FILES`` itself).
        action: Runs the change for a valid form and returns what it made.
        success: The success message, or a function of the action's result.
        done: The response after success, given the action's result.
        show: Renders the page for a form and a status code.
        field: The field a broken rule is shown against (``None``: the whole form).
        errors: The exceptions that are broken rules (shown on the form).
        text: How a broken rule's message is worded on the form.
        on_conflict: For versioned forms, the response when someone saved first
            (given the ``Conflict`` and the posted form); without it a ``Conflict``
            propagates.

    Returns:
        The response.
    """
    if request.method != "POST":
        return show(make_form(None), 200)
    form = make_form(request.POST)
    if form.is_valid():
        try:
            result, ok = run_action(
                form, lambda: action(form), field, errors=errors, text=text
            )
        except Conflict as exc:
            if on_conflict is None:
                raise
            return on_conflict(exc, form)
        if ok:
            message = success if isinstance(success, str) else success(result)  # type: ignore[arg-type]
            messages.success(request, message)
            return done(result)  # type: ignore[arg-type]
    return show(form, 400)
