from django.urls import path

from inbeeld.intake import assignment_views, feedback_views, views

app_name = "intake"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("te-laat/", views.overdue, name="overdue"),
    path("trechter/", views.funnel_view, name="funnel"),
    path("meldlinks/", views.links, name="links"),
    path("nieuw/", views.signal_create, name="create"),
    path("mijn/", views.own_list, name="own_list"),
    path("mijn/<str:reference>/", views.own_detail, name="own_detail"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/behandelaar/", assignment_views.signal_assign, name="assign"),
    path("<str:reference>/triage/", views.triage, name="triage"),
    path("<str:reference>/doorsturen/", views.reroute, name="reroute"),
    path("<str:reference>/vraag/", views.ask, name="ask"),
    path("<str:reference>/omzetten/", views.convert, name="convert"),
    path("<str:reference>/antwoord-gelezen/", feedback_views.answer_seen, name="answer_seen"),
]
