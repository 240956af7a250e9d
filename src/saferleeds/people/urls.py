"""People pages: search, a person's record, correcting their details."""

from django.urls import path

from saferleeds.people import views

app_name = "people"

urlpatterns = [
    path("", views.search, name="search"),
    path("<int:person_id>/", views.person_detail, name="person"),
    # Pseudonymised users (analysts) address people by pseudonym only (finding 13).
    path("p/<str:pseudonym>/", views.person_by_pseudonym, name="person-by-pseudonym"),
    path("<int:person_id>/edit/", views.person_edit, name="edit"),
]
