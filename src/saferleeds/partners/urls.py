"""The sharing agreement register."""

from django.urls import path

from saferleeds.partners import views

app_name = "agreements"

urlpatterns = [
    path("", views.register, name="register"),
    path("<int:agreement_id>/", views.detail, name="detail"),
    path("<int:agreement_id>/end/", views.end_early, name="end"),
    path("draft/", views.draft, name="draft"),
    path("<int:agreement_id>/amend/", views.draft, name="amend"),
    path("<int:agreement_id>/sign/", views.sign, name="sign"),
    path("<int:agreement_id>/withdraw/", views.withdraw, name="withdraw"),
]
