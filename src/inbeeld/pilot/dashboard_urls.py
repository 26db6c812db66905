"""The researchers' pilot dashboard and deployment management. Included under proeftuin/."""

from django.urls import path

from inbeeld.pilot import dashboard_views

app_name = "pilot"

urlpatterns = [
    path("", dashboard_views.dashboard_view, name="dashboard"),
    path("inzet/", dashboard_views.deployment_list, name="deployment_list"),
    path("inzet/nieuw/", dashboard_views.deployment_create, name="deployment_create"),
    path("inzet/<int:pk>/wijzigen/", dashboard_views.deployment_edit, name="deployment_edit"),
]
