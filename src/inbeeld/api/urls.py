"""/api/v1/: the REST API for partner systems (issue 16, ADR 0021). No trailing slashes (Logius)."""

from django.urls import path, re_path

from inbeeld.api import pilot_views, reference_views, research_views, signal_views, views
from inbeeld.api.docs_views import DocsView, SchemaJsonView, SchemaView, not_found

app_name = "api"

urlpatterns = [
    path("casussen", views.CaseListView.as_view(), name="case_list"),
    path("casussen/<str:code>", views.CaseDetailView.as_view(), name="case_detail"),
    path("casussen/<str:code>/gebeurtenissen", views.EventListView.as_view(), name="event_list"),
    path(
        "casussen/<str:code>/gebeurtenissen/<int:id>/correctie",
        views.EventCorrectView.as_view(),
        name="event_correct",
    ),
    path(
        "casussen/<str:code>/gebeurtenissen/<int:id>/intrekking",
        views.EventWithdrawView.as_view(),
        name="event_withdraw",
    ),
    path("casussen/<str:code>/uitvoeringen", pilot_views.DeliveryView.as_view(), name="delivery"),
    path(
        "casussen/<str:code>/uitvoeringen/<int:id>/correctie",
        pilot_views.DeliveryCorrectView.as_view(),
        name="delivery_correct",
    ),
    path(
        "casussen/<str:code>/uitvoeringen/<int:id>/intrekking",
        pilot_views.DeliveryWithdrawView.as_view(),
        name="delivery_withdraw",
    ),
    path("casussen/<str:code>/metingen", pilot_views.MeasureView.as_view(), name="measure"),
    path("evaluatie", research_views.EvaluationView.as_view(), name="evaluation"),
    path(
        "evaluatie/<str:code>",
        research_views.InterventionEvaluationView.as_view(),
        name="evaluation_intervention",
    ),
    path("monitor", research_views.MonitorView.as_view(), name="monitor"),
    path("eenheden", reference_views.PoliceUnitListView.as_view(), name="police_units"),
    path(
        "uitbuitingsvormen",
        reference_views.ExploitationFormListView.as_view(),
        name="exploitation_forms",
    ),
    path("gebeurtenissoorten", reference_views.EventTypeListView.as_view(), name="event_types"),
    path("signalen", signal_views.SignalListView.as_view(), name="signal_list"),
    path(
        "signalen/<str:referentie>", signal_views.SignalDetailView.as_view(), name="signal_detail"
    ),
    path(
        "signalen/<str:referentie>/vragen",
        signal_views.SignalQuestionsView.as_view(),
        name="signal_questions",
    ),
    path(
        "signalen/<str:referentie>/antwoorden",
        signal_views.SignalAnswerView.as_view(),
        name="signal_answer",
    ),
    path("signalenlijst", signal_views.IndicatorListView.as_view(), name="indicators"),
    # The OpenAPI document (committed as docs/openapi.yaml) and the self-hosted documentation.
    path("openapi.yaml", SchemaView.as_view(), name="schema"),
    path("openapi.json", SchemaJsonView.as_view(), name="schema_json"),
    path(
        "docs",
        DocsView.as_view(url_name="api:schema"),
        name="docs",
    ),
    # Everything else under /api/v1/: a 404 problem, not the HTML page.
    re_path(r"^.*$", not_found, name="not_found"),
]
