"""The audit viewer, for information-governance leads."""

from django.urls import path

from saferleeds.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.index, name="index"),
    path("people/<int:person_id>/", views.person_history, name="person"),
    path(
        "people/<int:person_id>/subject-access/",
        views.subject_access,
        name="subject_access",
    ),
]
