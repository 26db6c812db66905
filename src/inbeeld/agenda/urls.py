"""The agenda register's pages (issue 18), under /agenda/."""

from django.urls import path

from inbeeld.agenda import views

app_name = "agenda"

urlpatterns = [
    path("", views.register, name="register"),
    path("publicatie/nieuw/", views.publication_create, name="publication_create"),
    path("publicatie/<int:publication_id>/", views.publication, name="publication"),
    path(
        "publicatie/<int:publication_id>/aanbeveling/",
        views.recommendation_create,
        name="recommendation_create",
    ),
    path("aanbeveling/<int:recommendation_id>/", views.recommendation, name="recommendation"),
    path(
        "aanbeveling/<int:recommendation_id>/intrekken/",
        views.recommendation_withdraw,
        name="recommendation_withdraw",
    ),
    path(
        "aanbeveling/<int:recommendation_id>/mijlpaal/",
        views.milestone_create,
        name="milestone_create",
    ),
    path(
        "mijlpaal/<int:milestone_id>/corrigeren/", views.milestone_correct, name="milestone_correct"
    ),
    path(
        "mijlpaal/<int:milestone_id>/intrekken/",
        views.milestone_withdraw,
        name="milestone_withdraw",
    ),
    path("mijlpaal/<int:milestone_id>/coderen/", views.milestone_code, name="milestone_code"),
    path(
        "mijlpaal/<int:milestone_id>/beslissen/",
        views.milestone_adjudicate,
        name="milestone_adjudicate",
    ),
    path("mijlpaal/<int:milestone_id>/document/", views.document, name="document"),
    path("kamer/", views.parliament, name="parliament"),
    path("kamer/inlezen/", views.parliament_upload, name="parliament_upload"),
    path("cijfer/", views.figure, name="figure"),
    path("cijfer/pdf/", views.figure_pdf, name="figure_pdf"),
]
