"""The Administration pages: users, agencies and reporting centres, for agency
administrators (their own agency) and system administrators (every agency).

Every change goes through :mod:`saferleeds.partners.accounts`, which checks the rules and
writes the audit entry; these views only parse, call, and show. Anyone else is refused
(403); a user or centre of an agency the administrator does not administer is a 404, as
if it did not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from saferleeds.core.registry import admin_sections
from saferleeds.partners import accounts
from saferleeds.partners.admin_forms import (
    AgencyForm,
    InviteUserForm,
    RenameAgencyForm,
    RolesForm,
)
from saferleeds.partners.models import Agency, Invitation, Membership, Role
from saferleeds.partners.policy import Actor, Forbidden, NotFound, request_actor

ROLE_LABELS = dict(Role.choices)


def posted(request: HttpRequest) -> Any:
    """The submitted data (an empty submission too), or ``None`` for a GET."""
    return request.POST if request.method == "POST" else None


def admin_actor(request: HttpRequest) -> Actor:
    """The acting administrator; anyone else is refused (403)."""
    actor = request_actor(request, "administration")
    if not accounts.may_administer(actor):
        raise PermissionDenied(
            "Only agency administrators and system administrators can use the "
            "administration pages."
        )
    return actor


def _system_admin(request: HttpRequest) -> Actor:
    actor = admin_actor(request)
    if not accounts.is_system_admin(actor):
        raise PermissionDenied("Only a system administrator can manage agencies.")
    return actor


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an action, turning its refusals into 404 and 403 pages."""
    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc)) from exc


def admin_context(actor: Actor, section: str, **extra: Any) -> dict[str, Any]:
    """The context every Administration page shares (its sub-navigation's)."""
    return {
        "is_system_admin": accounts.is_system_admin(actor),
        "admin_section": section,
        "admin_sections": admin_sections(),
        **extra,
    }


# --- Index -----------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """What an administrator can manage."""
    actor = admin_actor(request)
    agencies = accounts.administered_agencies(actor)
    return render(
        request,
        "partners/administration/index.html",
        admin_context(
            actor,
            "index",
            agencies=agencies,
            users=User.objects.filter(membership__agency__in=agencies).count(),
        ),
    )


# --- Users ---------------------------------------------------------------------------


def _status(user: User, failures: int, pending: bool) -> tuple[str, str]:
    """(label, GOV.UK tag class) for the user's account."""
    from django.conf import settings

    if not user.is_active:
        return "Deactivated", "govuk-tag--grey"
    if failures >= settings.AXES_FAILURE_LIMIT:
        return "Locked out", "govuk-tag--red"
    if pending and not user.has_usable_password():
        return "Invited", "govuk-tag--blue"
    if not user.has_usable_password():
        return "No password", "govuk-tag--yellow"
    return "Active", "govuk-tag--green"


def _failures_by_username(usernames: list[str]) -> dict[str, int]:
    from axes.models import AccessAttempt

    out: dict[str, int] = {}
    for name, n in AccessAttempt.objects.filter(username__in=usernames).values_list(
        "username", "failures_since_start"
    ):
        out[name] = out.get(name, 0) + n
    return out


def _open_invitations(user_ids: list[int]) -> dict[int, Invitation]:
    now = timezone.now()
    return {
        i.user_id: i
        for i in Invitation.objects.filter(
            user_id__in=user_ids, used_at=None, revoked_at=None, expires_at__gt=now
        ).order_by("created_at")
    }


@require_GET
def users(request: HttpRequest) -> HttpResponse:
    """Users of the agencies the administrator administers (filter by agency)."""
    actor = admin_actor(request)
    agencies = accounts.administered_agencies(actor)
    chosen = request.GET.get("agency", "")
    qs = User.objects.select_related("membership__agency").prefetch_related(
        "role_grants"
    )
    if chosen:
        if not agencies.filter(code=chosen).exists():
            raise Http404("no such agency")
        qs = qs.filter(membership__agency__code=chosen)
    elif accounts.is_system_admin(actor):
        qs = qs.filter(Q(membership__agency__in=agencies) | Q(membership=None))
    else:
        qs = qs.filter(membership__agency__in=agencies)
    people = list(qs.order_by("membership__agency__name", "last_name", "username"))
    failures = _failures_by_username([u.username for u in people])
    pending = _open_invitations([u.pk for u in people])
    rows = []
    for u in people:
        roles = {g.role for g in u.role_grants.all()}  # type: ignore[attr-defined]
        label, tag = _status(u, failures.get(u.username, 0), u.pk in pending)
        rows.append(
            {
                "u": u,
                "agency": getattr(getattr(u, "membership", None), "agency", None),
                "roles": [ROLE_LABELS[r] for r in Role.values if r in roles],
                "status": label,
                "tag": tag,
                # An agency administrator sees system administrators but cannot open them.
                "can_open": accounts.is_system_admin(actor)
                or Role.SYSTEM_ADMIN.value not in roles,
            }
        )
    return render(
        request,
        "partners/administration/users.html",
        admin_context(
            actor,
            "users",
            rows=rows,
            agencies=agencies,
            chosen=chosen,
        ),
    )


def issued_page(
    request: HttpRequest, actor: Actor, issued: accounts.IssuedInvitation, *, new: bool
) -> HttpResponse:
    link = request.build_absolute_uri(
        reverse("invitation", kwargs={"token": issued.token})
    )
    return render(
        request,
        "partners/administration/invitation_issued.html",
        admin_context(
            actor,
            "users",
            invited=issued.user,
            link=link,
            expires_at=issued.expires_at,
            new=new,
        ),
    )


@require_http_methods(["GET", "POST"])
def invite_user(request: HttpRequest) -> HttpResponse:
    """Invite a new user: their account, and a one-time link to pass on to them."""
    actor = admin_actor(request)
    agencies = accounts.administered_agencies(actor)
    system_admin = accounts.is_system_admin(actor)
    initial = {"agency": actor.agency_code} if not system_admin else {}
    form = InviteUserForm(
        posted(request),
        agencies=agencies,
        system_admin=system_admin,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issued = call(
                accounts.do_invite_user,
                data["username"],
                agency=data["agency"],
                roles=data["roles"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                job_title=data["job_title"],
                actor=actor,
            )
        except ValueError as exc:
            form.add_error("username", str(exc))
        else:
            return issued_page(request, actor, issued, new=True)
    return render(
        request,
        "partners/administration/invite.html",
        admin_context(actor, "users", form=form, agencies=agencies),
        status=400 if form.errors else 200,
    )


def _user_page(
    request: HttpRequest,
    actor: Actor,
    user_id: int,
    *,
    roles_form: RolesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = call(accounts.administrable_user, actor, user_id)
    roles = set(user.role_grants.values_list("role", flat=True))
    system_admin = accounts.is_system_admin(actor)
    membership: Membership | None = getattr(user, "membership", None)
    invitation = _open_invitations([user.pk]).get(user.pk)
    failures = accounts.failed_sign_ins(user.username)
    label, tag = _status(user, failures, invitation is not None)
    form = roles_form or RolesForm(
        system_admin=system_admin, initial={"roles": sorted(roles)}
    )
    return render(
        request,
        "partners/administration/user.html",
        admin_context(
            actor,
            "users",
            u=user,
            membership=membership,
            roles=[ROLE_LABELS[r] for r in Role.values if r in roles],
            held_roles=roles,
            centre=getattr(user, "reporting_centre_staff", None),
            form=form,
            choices=form.fields["roles"].choices,
            checked=set(form["roles"].value() or []),
            status=label,
            tag=tag,
            locked=failures > 0,
            failures=failures,
            invitation=invitation,
            two_factor=TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            is_self=actor.user_id == user.pk,
        ),
        status=status,
    )


@require_GET
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """One user: details, roles, and what an administrator can do to the account."""
    return _user_page(request, admin_actor(request), user_id)


@require_POST
def change_roles(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = admin_actor(request)
    form = RolesForm(request.POST, system_admin=accounts.is_system_admin(actor))
    if form.is_valid():
        call(accounts.do_change_roles, user_id, form.cleaned_data["roles"], actor=actor)
        messages.success(request, "Roles changed.")
        return redirect("administration:user", user_id=user_id)
    return _user_page(request, actor, user_id, roles_form=form, status=400)


def _account_action(
    request: HttpRequest, user_id: int, action: Any, message: str
) -> HttpResponse:
    actor = admin_actor(request)
    call(action, user_id, actor=actor)
    messages.success(request, message)
    return redirect("administration:user", user_id=user_id)


@require_POST
def deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _account_action(
        request,
        user_id,
        accounts.do_deactivate_user,
        "Account deactivated: it can no longer sign in, and its API tokens were revoked.",
    )


@require_POST
def reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _account_action(
        request, user_id, accounts.do_reactivate_user, "Account reactivated."
    )


@require_POST
def reset_two_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    return _account_action(
        request,
        user_id,
        accounts.do_reset_two_factor,
        "Two-factor sign-in reset: they set up their authenticator app again at their "
        "next sign-in.",
    )


@require_POST
def unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    return _account_action(
        request,
        user_id,
        accounts.do_unlock_user,
        "Sign-in unlocked: they can try their password again.",
    )


@require_POST
def reissue_invitation(request: HttpRequest, user_id: int) -> HttpResponse:
    """A new one-time link; the user's current password stops working."""
    actor = admin_actor(request)
    issued = call(accounts.do_reissue_invitation, user_id, actor=actor)
    return issued_page(request, actor, issued, new=False)


# --- Agencies (system administrators) ------------------------------------------------


@require_GET
def agencies(request: HttpRequest) -> HttpResponse:
    actor = _system_admin(request)
    rows = [
        {"a": a, "users": a.members.count()}  # type: ignore[attr-defined]
        for a in Agency.objects.all()
    ]
    return render(
        request,
        "partners/administration/agencies.html",
        admin_context(actor, "agencies", rows=rows, kinds=dict(Agency.Kind.choices)),
    )


@require_http_methods(["GET", "POST"])
def add_agency(request: HttpRequest) -> HttpResponse:
    actor = _system_admin(request)
    form = AgencyForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agency = call(
                accounts.do_create_agency,
                data["code"],
                data["name"],
                data["kind"],
                actor=actor,
            )
        except ValueError as exc:
            form.add_error("code" if "code" in str(exc) else "name", str(exc))
        else:
            messages.success(request, f"{agency.name} added.")
            return redirect("administration:agencies")
    return render(
        request,
        "partners/administration/agency_form.html",
        admin_context(
            actor, "agencies", form=form, kinds=Agency.Kind.choices, agency=None
        ),
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def rename_agency(request: HttpRequest, agency_id: int) -> HttpResponse:
    actor = _system_admin(request)
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise Http404("no such agency")
    form = RenameAgencyForm(posted(request), initial={"name": agency.name})
    if request.method == "POST" and form.is_valid():
        try:
            call(
                accounts.do_rename_agency,
                agency_id,
                form.cleaned_data["name"],
                actor=actor,
            )
        except ValueError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, "Agency renamed.")
            return redirect("administration:agencies")
    return render(
        request,
        "partners/administration/agency_form.html",
        admin_context(actor, "agencies", form=form, agency=agency),
        status=400 if form.errors else 200,
    )
