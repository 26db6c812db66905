"""Errors as application/problem+json (RFC 9457, Logius API design rules) for EVERY 4xx and 5xx
under /api/: type, title, status, detail, instance and, for invalid input, ``invalidParams``
[{name, code, reason}] with Dutch reasons. The one exception handler of the API (settings
REST_FRAMEWORK["EXCEPTION_HANDLER"]) and the answers for what never reaches a view (unknown
addresses, an error outside a view: inbeeld.api.middleware)."""

from __future__ import annotations

import json
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_noop
from rest_framework import exceptions
from rest_framework.response import Response

from inbeeld.web import ConcurrentChange, TransitionNotAllowed

logger = logging.getLogger("django.request")

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:inbeeld:probleem:"


class ApiProblem(exceptions.APIException):
    """A refusal of the API's own (idempotency, version, size): status, type slug, Dutch title
    and detail, optional invalid parameters."""

    def __init__(self, status: int, slug: str, title: str, detail: str = "", invalid=None):
        super().__init__(detail or title)
        self.status_code = status
        self.slug, self.title, self.problem_detail = slug, title, detail
        self.invalid = invalid or []


# DRF's exceptions → (type slug, Dutch title).
TITLES: dict[type, tuple[str, str]] = {
    exceptions.ParseError: (
        "ongeldige-json",
        gettext_noop("De inhoud van het verzoek is geen geldige JSON."),
    ),
    exceptions.NotAuthenticated: (
        "niet-aangemeld",
        gettext_noop("Aanmelding met een API-sleutel is nodig."),
    ),
    exceptions.AuthenticationFailed: (
        "aanmelding-mislukt",
        gettext_noop("De aanmelding is mislukt."),
    ),
    exceptions.PermissionDenied: (
        "geen-toegang",
        gettext_noop("U heeft geen toegang tot deze functie."),
    ),
    exceptions.NotFound: ("niet-gevonden", gettext_noop("Niet gevonden.")),
    exceptions.MethodNotAllowed: (
        "methode-niet-toegestaan",
        gettext_noop("Deze methode is hier niet toegestaan."),
    ),
    exceptions.NotAcceptable: (
        "niet-aanvaardbaar",
        gettext_noop("Dit antwoordformaat wordt niet geleverd."),
    ),
    exceptions.UnsupportedMediaType: (
        "mediatype-niet-ondersteund",
        gettext_noop("Dit soort inhoud wordt niet ondersteund; stuur application/json."),
    ),
    exceptions.Throttled: (
        "te-veel-verzoeken",
        gettext_noop("Te veel verzoeken; probeer het later opnieuw."),
    ),
}


def problem_body(
    status: int, slug: str, title: str, detail: str = "", *, instance: str = "", invalid=None
) -> dict:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if invalid:
        body["invalidParams"] = invalid
    return body


def problem_response(request, status: int, slug: str, title: str, detail: str = "", **kw):
    """A plain Django response (outside DRF views: unknown URLs, errors in middleware)."""
    body = problem_body(status, slug, title, detail, instance=request.path, **kw)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )


def _flatten(errors, prefix: str = "") -> list[dict]:
    """DRF's error details ({field: [ErrorDetail]} nested) as invalidParams."""
    out: list[dict] = []
    if isinstance(errors, dict):
        for name, value in errors.items():
            key = "" if name == "non_field_errors" else str(name)
            out += _flatten(value, f"{prefix}.{key}" if prefix and key else (prefix or key))
    elif isinstance(errors, list):
        if all(isinstance(e, exceptions.ErrorDetail | str) for e in errors):
            for e in errors:
                code = getattr(e, "code", "invalid") or "invalid"
                out.append({"name": prefix or "body", "code": str(code), "reason": str(e)})
        else:
            for i, value in enumerate(errors):
                out += _flatten(value, f"{prefix}[{i}]" if prefix else f"[{i}]")
    else:
        code = getattr(errors, "code", "invalid") or "invalid"
        out.append({"name": prefix or "body", "code": str(code), "reason": str(errors)})
    return out


def _django_invalid(exc: DjangoValidationError, field_names: dict[str, str]) -> list[dict]:
    if hasattr(exc, "error_dict"):
        out = []
        for field, errors in exc.error_dict.items():
            name = field_names.get(field, "body" if field == "__all__" else field)
            for error in errors:
                for message in error.messages:
                    out.append({"name": name, "code": error.code or "invalid", "reason": message})
        return out
    return [{"name": "body", "code": "invalid", "reason": m} for m in exc.messages]


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every exception of an API view → a problem+json response."""
    request = context.get("request")
    view = context.get("view")
    instance = request.path if request is not None else ""
    headers: dict[str, str] = {}
    field_names = getattr(view, "service_field_names", {}) if view is not None else {}

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    if isinstance(exc, ApiProblem):
        status, slug, title, detail, invalid = (
            exc.status_code,
            exc.slug,
            exc.title,
            exc.problem_detail,
            exc.invalid,
        )
    elif isinstance(exc, exceptions.ValidationError):
        status, slug, title = 400, "ongeldige-invoer", "De invoer is niet geldig."
        detail, invalid = "Zie invalidParams voor wat er niet klopt.", _flatten(exc.detail)
    elif isinstance(exc, DjangoValidationError):
        status, slug, title = 400, "ongeldige-invoer", "De invoer is niet geldig."
        invalid = _django_invalid(exc, field_names)
        detail = "; ".join(p["reason"] for p in invalid)
    elif isinstance(exc, ConcurrentChange):
        status, slug, title = 409, "versieconflict", "De casus is intussen gewijzigd."
        detail, invalid = str(exc.message), []
    elif isinstance(exc, TransitionNotAllowed):
        status, slug = 422, "niet-toegestaan-in-status"
        title = "Dit kan niet in de huidige status van de casus."
        detail, invalid = str(exc.message), []
    elif isinstance(exc, exceptions.APIException):
        slug, title = next(
            (v for k, v in TITLES.items() if isinstance(exc, k)), ("fout", "Het verzoek mislukte.")
        )
        status, invalid = exc.status_code, []
        detail = _dutch_detail(exc)
        if isinstance(exc, exceptions.ParseError):
            # DRF's text here is English and names Python's parser; say it in Dutch.
            detail = "Controleer of de inhoud geldige JSON in UTF-8 is."
        if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
            if view is not None:
                auth_header = view.get_authenticate_header(request)
                if auth_header:
                    headers["WWW-Authenticate"] = auth_header
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
        if isinstance(exc, exceptions.PermissionDenied):
            _audit_refusal(request, 403)
    else:
        logger.error("Interne fout in de API: %s", instance, exc_info=exc)
        status, slug, title = 500, "interne-fout", "Er ging iets mis aan onze kant."
        detail = "De fout is vastgelegd; probeer het later opnieuw."
        invalid = []
    if status == 404:
        title, detail = (
            "Niet gevonden.",
            "Dit adres of object bestaat niet of u heeft er geen toegang toe.",
        )
    body = problem_body(status, slug, title, detail, instance=instance, invalid=invalid)
    return Response(body, status=status, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _dutch_detail(exc: exceptions.APIException) -> str:
    detail = exc.detail
    if isinstance(detail, list | dict):
        return "; ".join(i["reason"] for i in _flatten(detail))
    return str(detail)


def _audit_refusal(request, status: int) -> None:
    """A refused API call leaves the row a refused page leaves (FUNCTION_ACCESS_DENIED), with the
    API client folded in by the audit context."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return
    from inbeeld.audit.services import audit_refusal

    match = getattr(request, "resolver_match", None)
    audit_refusal(
        actor=user,
        path=request.path,
        view_name=(match.view_name if match else "") or "",
        method=request.method or "",
        status=status,
    )
