"""The anonymous intake pages: the only pages besides the login page that need no account."""

from django.urls import path

from inbeeld.intake import public_views as views

app_name = "public_intake"

urlpatterns = [
    path("", views.public_create, name="create"),
    path("ontvangen/", views.receipt, name="receipt"),
    path("status/", views.receipt_status, name="status"),
    path("link/<str:token>/", views.link_create_signal, name="link"),
]
