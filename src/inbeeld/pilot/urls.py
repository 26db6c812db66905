"""Pilot pages on a case (deliveries, measures). Included under casussen/<code>/proeftuin/."""

from django.urls import path

from inbeeld.pilot import views

app_name = "pilot_case"

urlpatterns = [
    path("uitvoering/", views.delivery_create, name="delivery_create"),
    path("meting/", views.measure_create, name="measure_create"),
]
