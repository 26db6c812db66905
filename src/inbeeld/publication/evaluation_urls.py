from django.urls import path

from inbeeld.publication import evaluation_views as views

app_name = "evaluation"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("doorlooptijden/", views.lead_times, name="lead_times"),
    path("<slug:code>/", views.intervention, name="intervention"),
]
