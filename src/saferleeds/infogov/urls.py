"""The audit viewer, for information-governance leads.

Served under /audit/ with the URL names it always had (``audit:index``, ``audit:person``,
``audit:subject_access``), so links and bookmarks are unchanged.
"""

from django.urls import path

from saferleeds.infogov import views

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
