from django.urls import path

from inbeeld.oversight import views

app_name = "privacy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("auditlog/", views.audit_log, name="log"),
    path("casus/<str:code>/", views.case_access, name="case_access"),
    path("noodtoegang/", views.break_glass_queue, name="break_glass"),
    path(
        "noodtoegang/<int:grant_id>/beoordelen/",
        views.break_glass_review,
        name="break_glass_review",
    ),
]
