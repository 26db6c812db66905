"""The REST API's settings (issue 16, docs/api.md, docs/adr/0021-rest-api.md), part of base.py:
base imports this module last, so the site address below is already set there."""

from inbeeld.conf.env import env
from inbeeld.conf.settings.base import INBEELD_SITE_URL

INBEELD_API_KEY_SECRET = env(
    "INBEELD_API_KEY_SECRET",
    default="",
    help="Secret (at least 32 characters) under which API keys are stored as HMAC-SHA256. "
    "Required in production; elsewhere empty means a key derived from the secret key. Changing "
    "it makes every API key invalid",
)
INBEELD_API_RATE = env(
    "INBEELD_API_RATE",
    default="600/minute",
    help="Requests one API client may make (e.g. 600/minute); more get 429 with Retry-After",
)
INBEELD_API_MAX_BODY_BYTES = env(
    "INBEELD_API_MAX_BODY_BYTES",
    cast=int,
    default=65_536,
    help="Largest JSON body the API accepts, in bytes; larger ones get a 413 problem",
)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["inbeeld.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["inbeeld.api.parsers.BoundedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["inbeeld.api.throttling.ApiClientRateThrottle"],
    "EXCEPTION_HANDLER": "inbeeld.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # \u-escapes for everything outside ASCII: a lone surrogate sent by a client and echoed in an
    # error message can then never make the answer unencodable (a 500).
    "UNICODE_JSON": False,
}
INBEELD_API_CONTACT_EMAIL = env(
    "INBEELD_API_CONTACT_EMAIL",
    default="beheer@inbeeld.invalid",
    help="E-mail address of functional management, the contact in the API's OpenAPI document",
)
SPECTACULAR_SETTINGS = {
    "TITLE": "InBeeld API",
    "DESCRIPTION": (
        "De API van InBeeld voor systemen van ketenpartners: casussen registreren en lezen, "
        "ketengebeurtenissen vastleggen, corrigeren en intrekken, de proeftuin (uitvoeringen en "
        "metingen), signalen van signaalgevers (met vragen en antwoorden), de evaluatie en de "
        "monitor voor onderzoekers, en referentiegegevens lezen. "
        "Aanmelden met een API-sleutel (Authorization: Bearer ...); fouten als "
        "application/problem+json; elke POST met een Idempotency-Key. Zie docs/api.md."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The paths relative to the server /api/v1 (Logius: the major version in the server URL).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No deep links: Swagger UI puts them as links inside the operation's button (a control
    # within a control, which screen readers cannot use; axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Docstrings are the code's English comments; every word of the document is written for it
    # in Dutch (summary, description, help_text), so docstrings never become descriptions.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    # One name per choice set (the same choices under several field names, one field name
    # for several choice sets).
    "ENUM_NAME_OVERRIDES": {
        "CasusStatusEnum": "inbeeld.cases.workflow.Status",
        "SignaalStatusEnum": "inbeeld.intake.workflow.SignalStatus",
        "LeeftijdscategorieEnum": "inbeeld.cases.models.AgeBand",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "inbeeld.api.schema.add_problems_and_version",
    ],
    "SERVERS": [{"url": "/api/v1", "description": "Deze installatie van InBeeld, versie 1"}],
    # The Logius rules ask for a contact with name, e-mail and URL: the installation's own
    # functional management (INBEELD_API_CONTACT_EMAIL) and its documentation page.
    "CONTACT": {
        "name": "Functioneel beheer InBeeld",
        "email": INBEELD_API_CONTACT_EMAIL,
        "url": f"{INBEELD_SITE_URL}/api/v1/docs",
    },
    "LICENSE": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
}
