"""Hate crime team pages, under /hate-reports/ (signed in): triage, reporting centres."""

from __future__ import annotations

from django.urls import URLPattern, path

from saferleeds.hate import staff_views as views

app_name = "hate"

urlpatterns: list[URLPattern] = [
    path("", views.queue, name="queue"),
    path("repeats/", views.repeats, name="repeats"),
    path("<int:report_id>/", views.report_detail, name="report"),
    path("<int:report_id>/triage/", views.triage, name="triage"),
    path("<int:report_id>/refer/", views.refer, name="refer"),
    path("<int:report_id>/close/", views.close, name="close"),
    path("<int:report_id>/case/", views.open_case, name="open_case"),
    path("centre/", views.centre_home, name="centre"),
    path("centre/new/", views.centre_new, name="centre_new"),
]
