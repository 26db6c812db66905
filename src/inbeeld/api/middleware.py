"""Under /api/: the API-Version header on every answer, and every error as problem+json, also
those that never reach an API view (Django's own 400/403/404/500 answers)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from inbeeld.api.problems import PROBLEM_CONTENT_TYPE, problem_response

API_PREFIX = "/api/"
API_VERSION = "1.0.0"

GENERIC = {
    400: ("ongeldig-verzoek", gettext_noop("Het verzoek is ongeldig.")),
    401: ("niet-aangemeld", gettext_noop("Aanmelding met een API-sleutel is nodig.")),
    403: ("geen-toegang", gettext_noop("U heeft geen toegang tot deze functie.")),
    404: ("niet-gevonden", gettext_noop("Niet gevonden.")),
    405: ("methode-niet-toegestaan", gettext_noop("Deze methode is hier niet toegestaan.")),
    413: ("te-groot", gettext_noop("Het verzoek is te groot.")),
}


class ApiConventionsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith(PROBLEM_CONTENT_TYPE):
            status = response.status_code
            slug, title = GENERIC.get(
                status,
                ("interne-fout", "Er ging iets mis aan onze kant.")
                if status >= 500
                else ("fout", "Het verzoek mislukte."),
            )
            replaced = problem_response(request, status, slug, title)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            response = replaced
        response["API-Version"] = API_VERSION
        return response
