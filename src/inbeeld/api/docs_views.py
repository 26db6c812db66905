"""The public parts of /api/v1/: the OpenAPI document, its documentation page (both without a
key: they hold no data, and the page loads nothing from elsewhere) and the 404 problem for every
unknown address."""

from __future__ import annotations

from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularJSONAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.permissions import AllowAny

from inbeeld.api.problems import problem_response


class _Public:
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.login_required = False
        return view


class _AnyOrigin:
    """Logius /core/publish-openapi: the document readable from a browser on any domain."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response


class SchemaView(_AnyOrigin, _Public, SpectacularAPIView):
    pass


class SchemaJsonView(_AnyOrigin, _Public, SpectacularJSONAPIView):
    """The same document as JSON at /api/v1/openapi.json (Logius: at least JSON)."""


class DocsView(_Public, SpectacularSwaggerSplitView):
    """Swagger UI in InBeeld's own page: Dutch, a main landmark, and swagger-nl.js/.css for
    Swagger UI's own words and its accessibility gaps (ADR 0021)."""

    template_name = "api/swagger_ui.html"


@csrf_exempt  # no session, no form: an unknown address is a 404 for every method
def not_found(request, *args, **kwargs):
    return problem_response(
        request,
        404,
        "niet-gevonden",
        "Niet gevonden.",
        "Dit adres bestaat niet in de API; zie /api/v1/docs.",
    )


not_found.login_required = False
