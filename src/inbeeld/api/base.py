"""The base of every API view: key authentication, the client's rate, problem+json errors, the
audit context of the client, and the case version from `If-Match` or `versie`."""

from __future__ import annotations

from django.utils.translation import gettext_noop
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from inbeeld.api.problems import ApiProblem
from inbeeld.audit import context as audit_context
from inbeeld.audit import reads


class ApiView(APIView):
    # The services' field names → the API's (for invalidParams of a service's refusal).
    service_field_names: dict[str, str] = {}

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        # A key, not a session: LoginRequiredMiddleware leaves the API to its authentication.
        view.login_required = False
        return view

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A code or reference in the address with a NUL byte names nothing (PostgreSQL would
        # refuse it with an error rather than find no row).
        if any(isinstance(v, str) and "\x00" in v for v in kwargs.values()):
            raise NotFound()

    def dispatch(self, request, *args, **kwargs):
        token = audit_context.open_api_request()
        try:
            response = super().dispatch(request, *args, **kwargs)
            # The request's read rows now, while the audit context still names the client.
            reads.flush_current()
            return response
        finally:
            audit_context.close_api_request(token)


def expected_version(request, body_version: int | None, *, required: bool) -> int | None:
    """The case version the client knows: the `If-Match` header ("3", W/"3" or 3) or the body's
    `versie`; both given must agree. Missing while ``required``: a 428 problem."""
    header = request.headers.get("If-Match", "").strip()
    from_header = None
    if header:
        value = header.removeprefix("W/").strip('"')
        if not value.isdigit() or len(value) > 10:
            raise ApiProblem(
                400,
                "ongeldige-if-match",
                "De header If-Match is ongeldig.",
                invalid=[
                    {
                        "name": "If-Match",
                        "code": "invalid",
                        "reason": gettext_noop('Geef de versie als getal, bijv. "3".'),
                    }
                ],
            )
        from_header = int(value)
    if from_header is not None and body_version is not None and from_header != body_version:
        raise ApiProblem(
            400,
            "versie-tegenstrijdig",
            "If-Match en 'versie' noemen een andere versie.",
            invalid=[
                {
                    "name": "versie",
                    "code": "mismatch",
                    "reason": gettext_noop("Gelijk aan If-Match, of laat één van beide weg."),
                }
            ],
        )
    version = from_header if from_header is not None else body_version
    if version is None and required:
        raise ApiProblem(
            428,
            "versie-vereist",
            "Geef de versie van de casus mee.",
            "Met de header If-Match of het veld 'versie' (uit het antwoord bij het ophalen van de casus).",
            invalid=[
                {
                    "name": "versie",
                    "code": "required",
                    "reason": gettext_noop("De versie van de casus is verplicht."),
                }
            ],
        )
    return version
