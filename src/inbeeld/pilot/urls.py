"""Pilot pages on a case (deliveries, measures). Included under casussen/<code>/proeftuin/."""

from django.urls import path  # noqa: F401

app_name = "pilot_case"

urlpatterns: list = []
