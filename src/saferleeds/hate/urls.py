"""Public reporting pages, under /report/ (no sign-in)."""

from django.urls import path

from saferleeds.hate import views

app_name = "report"

urlpatterns = [
    path("hate/", views.hate_report, name="hate_report"),
    path("hate/sent/", views.hate_report_sent, name="hate_report_sent"),
]
