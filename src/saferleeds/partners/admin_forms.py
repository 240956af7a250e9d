"""Forms of the Administration pages and the invitation link: parse and validate only
(the rules are in :mod:`saferleeds.partners.accounts`), with GOV.UK error wording.

Each form exposes ``error_list`` -- ``(anchor id, message)`` pairs in page order -- for
the GOV.UK error summary.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm

from saferleeds.partners.models import Agency, Role

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")


class GovukErrors:
    """``error_list`` in field order, anchored to each field's first input."""

    anchors: dict[str, str] = {}

    def _anchor(self, name: str) -> str:
        return self.anchors.get(name, f"id_{name}")

    @property
    def error_list(self) -> list[tuple[str, str]]:
        form: Any = self
        out = [("main-content", str(e)) for e in form.non_field_errors()]
        for name in form.fields:
            out += [(self._anchor(name), str(e)) for e in form.errors.get(name, [])]
        return out


class RolesField(forms.MultipleChoiceField):
    """Role checkboxes, with the GOV.UK message when none is ticked."""

    def __init__(self, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(
            choices=choices,
            error_messages={
                "required": "Select at least one role",
                "invalid_choice": "Select roles from the list",
            },
            **kwargs,
        )


def role_choices(*, system_admin: bool) -> list[tuple[str, str]]:
    """The roles an administrator may grant (system administrator only by one)."""
    return [
        (r.value, r.label)
        for r in Role
        if r != Role.REPORTING_CENTRE  # granted with a centre, on the centre's page
        and (system_admin or r != Role.SYSTEM_ADMIN)
    ]


class PersonFields(GovukErrors, forms.Form):
    """Who the new user is."""

    username = forms.CharField(
        max_length=50,
        strip=True,
        error_messages={"required": "Enter a username"},
    )
    first_name = forms.CharField(
        max_length=150, strip=True, error_messages={"required": "Enter a first name"}
    )
    last_name = forms.CharField(
        max_length=150, strip=True, error_messages={"required": "Enter a last name"}
    )
    email = forms.EmailField(
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like "
            "name@example.org"
        },
    )
    job_title = forms.CharField(max_length=200, required=False, strip=True)

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].lower()
        if not USERNAME_RE.match(value):
            raise forms.ValidationError(
                "Username must be 2 to 50 lowercase letters, numbers, dots, dashes or "
                "underscores, like sam.reid"
            )
        return value


class InviteUserForm(PersonFields):
    """Invite a partner agency worker."""

    anchors = {"roles": "id_roles_0"}

    def __init__(
        self, *args: Any, agencies: Any, system_admin: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"] = forms.ModelChoiceField(
            queryset=agencies,
            to_field_name="code",
            error_messages={
                "required": "Select the user's agency",
                "invalid_choice": "Select the user's agency",
            },
        )
        self.fields["roles"] = RolesField(role_choices(system_admin=system_admin))


class RolesForm(GovukErrors, forms.Form):
    """Change a user's roles."""

    anchors = {"roles": "id_roles_0"}

    def __init__(self, *args: Any, system_admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"] = RolesField(role_choices(system_admin=system_admin))


class AgencyForm(GovukErrors, forms.Form):
    """Add an agency."""

    anchors = {"kind": "id_kind_0"}

    code = forms.CharField(
        max_length=20, strip=True, error_messages={"required": "Enter a short code"}
    )
    name = forms.CharField(
        max_length=200, strip=True, error_messages={"required": "Enter the name"}
    )
    kind = forms.ChoiceField(
        choices=Agency.Kind.choices,
        error_messages={
            "required": "Select the kind of agency",
            "invalid_choice": "Select the kind of agency",
        },
    )

    def clean_code(self) -> str:
        value = self.cleaned_data["code"].lower()
        if not re.match(r"^[a-z0-9-]{2,20}$", value):
            raise forms.ValidationError(
                "Code must be 2 to 20 lowercase letters, numbers or dashes, like wyp"
            )
        return value


class RenameAgencyForm(GovukErrors, forms.Form):
    """Rename an agency."""

    name = forms.CharField(
        max_length=200, strip=True, error_messages={"required": "Enter the name"}
    )


class NewPasswordForm(GovukErrors, SetPasswordForm):
    """Set a password through an invitation link (Django's password validators)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].error_messages["required"] = "Enter a password"
        self.fields["new_password2"].error_messages["required"] = (
            "Enter the password again"
        )
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": "The passwords do not match",
        }


class ChangePasswordForm(GovukErrors, PasswordChangeForm):
    """Change your own password: the current one, then a new one twice."""

    field_order = ["old_password", "new_password1", "new_password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].error_messages["required"] = (
            "Enter your current password"
        )
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = (
            "Enter the new password again"
        )
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": "The new passwords do not match",
            "password_incorrect": "Your current password is not correct",
        }
