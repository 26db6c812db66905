from django.urls import path

from inbeeld.jobs import views

app_name = "jobs"

urlpatterns = [
    path("<uuid:pk>/", views.detail, name="detail"),
    path("<uuid:pk>/stand/", views.status, name="status"),
    path("<uuid:pk>/bestand/", views.download, name="download"),
    path("<uuid:pk>/opnieuw/", views.retry, name="retry"),
    path("<uuid:pk>/annuleren/", views.cancel, name="cancel"),
]
