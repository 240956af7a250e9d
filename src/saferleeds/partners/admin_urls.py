"""The Administration pages, mounted at /administration/ (saferleeds.urls)."""

from django.urls import path

from saferleeds.core.registry import admin_sections
from saferleeds.partners import admin_views as v

app_name = "administration"

urlpatterns = [
    path("", v.index, name="index"),
    path("users/", v.users, name="users"),
    path("users/invite/", v.invite_user, name="invite"),
    path("users/<int:user_id>/", v.user_detail, name="user"),
    path("users/<int:user_id>/roles/", v.change_roles, name="roles"),
    path("users/<int:user_id>/deactivate/", v.deactivate, name="deactivate"),
    path("users/<int:user_id>/reactivate/", v.reactivate, name="reactivate"),
    path(
        "users/<int:user_id>/reset-two-factor/",
        v.reset_two_factor,
        name="reset_two_factor",
    ),
    path("users/<int:user_id>/unlock/", v.unlock, name="unlock"),
    path(
        "users/<int:user_id>/invitation/",
        v.reissue_invitation,
        name="reissue_invitation",
    ),
    path("agencies/", v.agencies, name="agencies"),
    path("agencies/add/", v.add_agency, name="add_agency"),
    path("agencies/<int:agency_id>/rename/", v.rename_agency, name="rename_agency"),
    # Sections other apps add (reporting centres: the hate app), through the registry.
    *(pattern for section in admin_sections() for pattern in section.urlpatterns()),
]
