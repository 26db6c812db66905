from django.urls import path

from inbeeld.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("sjabloon/<str:kind>.<str:fmt>", views.template_file, name="template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/invoeren/", views.commit, name="commit"),
    path("<int:pk>/annuleren/", views.cancel, name="cancel"),
    path("<int:pk>/verslag/", views.report, name="report"),
]
