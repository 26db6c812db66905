from django.urls import path

from inbeeld.publication import microdata_views, perpetrator_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("monitor/", views.monitor_page, name="monitor_page"),
    path("daders/", perpetrator_views.perpetrator_page, name="perpetrators"),
    path(
        "daders.<str:fmt>",
        perpetrator_views.perpetrator_report_download,
        name="perpetrator_report",
    ),
    path(
        "dadertabellen.<str:fmt>", perpetrator_views.perpetrator_tables, name="perpetrator_tables"
    ),
    path("open-data/", views.open_data, name="open_data"),
    path("evaluatie.<str:fmt>", views.evaluation, name="evaluation"),
    path("monitor.<str:fmt>", views.monitor, name="monitor"),
    path("monitortabellen.<str:fmt>", views.monitor_tables, name="monitor_tables"),
    path("microdata.<str:fmt>", views.microdata, name="microdata"),
    path("microdata/", microdata_views.microdata_page, name="microdata_page"),
    path(
        "microdata/gebruiksvoorwaarden/",
        microdata_views.data_use_agreement,
        name="data_use_agreement",
    ),
]
