"""Offending pages: none yet in this slice (the offender and network pages come with
IOM cohort management); the module is here so the app is wired like every other."""

from django.urls import URLPattern

app_name = "offending"
urlpatterns: list[URLPattern] = []
