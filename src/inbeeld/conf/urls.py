from django.contrib import admin
from django.urls import include, path

from inbeeld.accounts import views as account_views
from inbeeld.conf import health
from inbeeld.intake import search_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("zoeken/", search_views.search, name="search"),
    path("account/", include("inbeeld.accounts.urls")),
    path("casussen/<str:code>/proeftuin/", include("inbeeld.pilot.urls")),
    path("casussen/<str:code>/", include("inbeeld.suspects.urls")),
    path("casussen/", include("inbeeld.cases.urls")),
    path("proeftuin/", include("inbeeld.pilot.dashboard_urls")),
    path("privacy/", include("inbeeld.oversight.urls")),
    path("goedkeuringen/", include("inbeeld.approvals.urls")),
    path("signalen/", include("inbeeld.intake.urls")),
    path("evaluatie/", include("inbeeld.publication.evaluation_urls")),
    path("rapporten/", include("inbeeld.publication.urls")),
    path("taken/", include("inbeeld.jobs.urls")),
    path("importeren/", include("inbeeld.imports.urls")),
    path("agenda/", include("inbeeld.agenda.urls")),
    path("melden/", include("inbeeld.intake.public_urls")),
    path("beheer/", admin.site.urls),
    # The REST API for partner systems (issue 16): its own authentication (API keys).
    path("api/v1/", include("inbeeld.api.urls")),
    # Probes of the service manager and the proxy: no login, not audited (conf/health.py).
    path("health/", include(health)),
]
