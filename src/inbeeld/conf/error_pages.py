"""The Dutch 400/404/500 pages in every setting, also with DEBUG on.

With DEBUG on, Django answers an Http404 (an unknown or out-of-scope case, an unknown address)
and an unhandled error with its English technical pages. The demo and development run with DEBUG
on, so a user would meet English and code there. This middleware answers with the Dutch templates
instead (the same views as without DEBUG, django.views.defaults); an unhandled error is still
logged with its traceback on the "django.request" logger, so a developer loses nothing.
Without DEBUG it does nothing: Django renders the same templates itself. A 403 is Dutch in every
setting already (Django always renders 403.html)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.views import defaults

logger = logging.getLogger("django.request")

# Text only Django's technical 404 page holds (its explanation of DEBUG = True).
TECHNICAL_404_MARK = b"DEBUG = True"


class DutchErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not getattr(response, "streaming", False)
            and TECHNICAL_404_MARK in response.content
        ):
            # An unknown address: resolved before any view, so process_exception never saw it.
            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if not settings.DEBUG or isinstance(exception, PermissionDenied):
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, SuspiciousOperation | BadRequest):
            logger.warning("Ongeldig verzoek: %s", request.path, exc_info=exception)
            return defaults.bad_request(request, exception)
        logger.error("Interne fout: %s", request.path, exc_info=exception)
        return defaults.server_error(request)
