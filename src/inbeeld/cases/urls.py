from django.urls import path

from inbeeld.cases import court_views, views, work_views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("nieuw/", views.case_create, name="create"),
    path("noodtoegang/", views.break_glass, name="break_glass"),
    path("filter-bewaren/", work_views.filter_save, name="filter_save"),
    path("filter/<int:pk>/verwijderen/", work_views.filter_delete, name="filter_delete"),
    path("<str:code>/", views.case_detail, name="detail"),
    path("<str:code>/samenvatting/", views.case_summary, name="summary"),
    path("<str:code>/behandelaar/", work_views.case_assign, name="assign"),
    path("<str:code>/gebeurtenis/", views.event_create, name="event_create"),
    path(
        "<str:code>/gebeurtenis/<int:event_id>/corrigeren/",
        views.event_correct,
        name="event_correct",
    ),
    path(
        "<str:code>/gebeurtenis/<int:event_id>/intrekken/",
        views.event_withdraw,
        name="event_withdraw",
    ),
    path("<str:code>/koppelsleutel/", views.linkage_add, name="linkage_add"),
    path("<str:code>/toestemming/", views.consent_add, name="consent_add"),
    path("<str:code>/rechtbank/", court_views.case_court, name="court"),
]
