"""The OpenAPI document's parts that drf-spectacular cannot see itself: the API-key security
scheme, the problem+json error answers and the API-Version header on every operation. The
document is committed as docs/openapi.yaml (`make openapi`; tests/api/test_openapi.py checks it)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM = "Probleem"
ERRORS = {
    "400": "Ongeldige invoer (zie invalidParams).",
    "401": "Geen of een ongeldige API-sleutel.",
    "403": "Geen toegang tot deze functie.",
    "404": "Niet gevonden, of buiten uw werkgebied.",
    "409": "De casus is intussen gewijzigd (versieconflict).",
    "413": "Het verzoek is te groot.",
    "415": "Stuur application/json.",
    "422": "Niet toegestaan in de huidige status, of een hergebruikte Idempotency-Key.",
    "428": "De versie van de casus ontbreekt.",
    "429": "Te veel verzoeken.",
    "500": "Interne fout.",
}
WRITE_ONLY = {"409", "413", "415", "422", "428"}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "inbeeld.api.authentication.ApiKeyAuthentication"
    name = "apiSleutel"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Een API-sleutel van de beheerder: Authorization: Bearer ib_...",
        }


def _problem_schema() -> dict:
    return {
        "type": "object",
        "description": "Een fout volgens RFC 9457 (application/problem+json).",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "description": "Soort fout (URN)."},
            "title": {"type": "string", "description": "Korte omschrijving."},
            "status": {"type": "integer", "description": "De HTTP-status."},
            "detail": {"type": "string", "description": "Uitleg bij deze fout."},
            "instance": {"type": "string", "description": "Het adres van het verzoek."},
            "invalidParams": {
                "type": "array",
                "description": "Wat er aan de invoer niet klopt.",
                "items": {
                    "type": "object",
                    "required": ["name", "code", "reason"],
                    "properties": {
                        "name": {"type": "string", "description": "Veld of header."},
                        "code": {"type": "string", "description": "Code van de fout."},
                        "reason": {"type": "string", "description": "Reden, in het Nederlands."},
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
        "description": "De versie van de API die antwoordde.",
        "schema": {"type": "string", "example": "1.0.0"},
    }
    version_header = {"API-Version": {"$ref": "#/components/headers/API-Version"}}
    problem = {"application/problem+json": {"schema": {"$ref": f"#/components/schemas/{PROBLEM}"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for response in responses.values():
                response.setdefault("headers", {}).update(version_header)
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
