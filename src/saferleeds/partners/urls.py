"""The sharing agreement register."""

from django.urls import path

from saferleeds.partners import views

app_name = "agreements"

urlpatterns = [
    path("", views.register, name="register"),
    path("<int:agreement_id>/", views.detail, name="detail"),
    path("<int:agreement_id>/end/", views.end_early, name="end"),
]
