"""Pilot pages on a case (deliveries, measures). Included under casussen/<code>/proeftuin/."""

from django.urls import path

from inbeeld.pilot import views

app_name = "pilot_case"

urlpatterns = [
    path("uitvoering/", views.delivery_create, name="delivery_create"),
    path(
        "uitvoering/<int:delivery_id>/corrigeren/",
        views.delivery_correct,
        name="delivery_correct",
    ),
    path(
        "uitvoering/<int:delivery_id>/intrekken/",
        views.delivery_withdraw,
        name="delivery_withdraw",
    ),
    path("meting/", views.measure_create, name="measure_create"),
]
