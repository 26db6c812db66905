"""The researchers' pilot dashboard and deployment management. Included under proeftuin/."""

from django.urls import path  # noqa: F401

app_name = "pilot"

urlpatterns: list = []
