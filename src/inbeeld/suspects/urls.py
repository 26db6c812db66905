"""Suspect and non-punishment pages of a case. Included under casussen/<code>/."""

from django.urls import path

from inbeeld.suspects import views

app_name = "suspects"

urlpatterns = [
    path("verdachten/koppelen/", views.link_create, name="link"),
    path("verdachten/koppeling/<int:link_id>/corrigeren/", views.link_correct, name="link_correct"),
    path(
        "verdachten/koppeling/<int:link_id>/intrekken/",
        views.link_withdraw,
        name="link_withdraw",
    ),
    path("verdachten/<str:suspect>/", views.suspect_detail, name="detail"),
    path("verdachten/<str:suspect>/vervolging/", views.proceeding_create, name="proceeding"),
    path(
        "verdachten/<str:suspect>/vervolging/<int:step_id>/corrigeren/",
        views.proceeding_correct,
        name="proceeding_correct",
    ),
    path(
        "verdachten/<str:suspect>/vervolging/<int:step_id>/intrekken/",
        views.proceeding_withdraw,
        name="proceeding_withdraw",
    ),
    path("modus-operandi/", views.modus_operandi_create, name="modus_operandi"),
    path("veiligheid/", views.safety_fact_create, name="safety_fact"),
    path(
        "veiligheid/<int:fact_id>/corrigeren/",
        views.safety_fact_correct,
        name="safety_fact_correct",
    ),
    path(
        "veiligheid/<int:fact_id>/intrekken/",
        views.safety_fact_withdraw,
        name="safety_fact_withdraw",
    ),
    path("non-punishment/", views.non_punishment_create, name="non_punishment"),
    path(
        "non-punishment/<int:entry_id>/intrekken/",
        views.non_punishment_withdraw,
        name="non_punishment_withdraw",
    ),
]
