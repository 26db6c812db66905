"""The OpenAPI document's parts that drf-spectacular cannot see itself: the API-key security
scheme, the problem+json error answers and the API-Version header on every operation. The
document is committed as docs/openapi.yaml (`make openapi`; tests/api/test_openapi.py checks it)."""

from __future__ import annotations

from django.utils.translation import gettext_noop
from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM = "Probleem"
ERRORS = {
    "400": gettext_noop("Ongeldige invoer (zie invalidParams)."),
    "401": gettext_noop("Geen of een ongeldige API-sleutel."),
    "403": gettext_noop("Geen toegang tot deze functie."),
    "404": gettext_noop("Niet gevonden, of buiten uw werkgebied."),
    "409": gettext_noop("De casus is intussen gewijzigd (versieconflict)."),
    "413": gettext_noop("Het verzoek is te groot."),
    "415": gettext_noop("Stuur application/json."),
    "422": gettext_noop(
        "Niet toegestaan in de huidige status, of een hergebruikte Idempotency-Key."
    ),
    "428": gettext_noop("De versie van de casus ontbreekt."),
    "429": gettext_noop("Te veel verzoeken."),
    "500": gettext_noop("Interne fout."),
}
WRITE_ONLY = {"409", "413", "415", "422", "428"}
# The success answers drf-spectacular leaves without a description.
SUCCESS = {
    "200": gettext_noop("Gelukt."),
    "201": gettext_noop("Vastgelegd; de header Location wijst naar het resultaat."),
    "202": gettext_noop(
        "De cijfers worden nog berekend; probeer het na Retry-After seconden opnieuw."
    ),
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "inbeeld.api.authentication.ApiKeyAuthentication"
    name = "apiSleutel"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": gettext_noop(
                "Een API-sleutel van de beheerder: Authorization: Bearer ib_..."
            ),
        }


def _problem_schema() -> dict:
    return {
        "type": "object",
        "description": gettext_noop("Een fout volgens RFC 9457 (application/problem+json)."),
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "description": gettext_noop("Soort fout (URN).")},
            "title": {"type": "string", "description": gettext_noop("Korte omschrijving.")},
            "status": {"type": "integer", "description": gettext_noop("De HTTP-status.")},
            "detail": {"type": "string", "description": gettext_noop("Uitleg bij deze fout.")},
            "instance": {
                "type": "string",
                "description": gettext_noop("Het adres van het verzoek."),
            },
            "invalidParams": {
                "type": "array",
                "description": gettext_noop("Wat er aan de invoer niet klopt."),
                "items": {
                    "type": "object",
                    "required": ["name", "code", "reason"],
                    "properties": {
                        "name": {"type": "string", "description": gettext_noop("Veld of header.")},
                        "code": {
                            "type": "string",
                            "description": gettext_noop("Code van de fout."),
                        },
                        "reason": {
                            "type": "string",
                            "description": gettext_noop("Reden, in het Nederlands."),
                        },
                    },
                },
            },
        },
    }


def add_problems_and_version(result, generator, request, public):
    """Postprocessing hook (SPECTACULAR_SETTINGS): problem answers and the API-Version header."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})[PROBLEM] = _problem_schema()
    components.setdefault("headers", {})["API-Version"] = {
        "description": gettext_noop("De versie van de API die antwoordde."),
        "schema": {"type": "string", "example": "1.0.0"},
    }
    version_header = {"API-Version": {"$ref": "#/components/headers/API-Version"}}
    problem = {"application/problem+json": {"schema": {"$ref": f"#/components/schemas/{PROBLEM}"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                response.setdefault("headers", {}).update(version_header)
                if not response.get("description") and status in SUCCESS:
                    response["description"] = SUCCESS[status]
            if path.endswith(("openapi.yaml", "/docs")):
                continue
            for status, description in ERRORS.items():
                if status in WRITE_ONLY and method != "post":
                    continue
                responses.setdefault(
                    status,
                    {"description": description, "content": problem, "headers": version_header},
                )
    return result
