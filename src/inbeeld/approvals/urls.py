from django.urls import path

from inbeeld.approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.approval_list, name="list"),
]
