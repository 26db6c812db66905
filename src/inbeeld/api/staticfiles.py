"""Which static files the API adds: only Swagger UI for /api/v1/docs (from the sidecar, served
by InBeeld itself). Not DRF's browsable-API assets (that renderer is off) nor the sidecar's Redoc:
`inbeeld serve` compresses every static file at start, and those ~6 MB served nothing."""

from __future__ import annotations

from django.apps import apps
from django.contrib.staticfiles.finders import AppDirectoriesFinder

UNSERVED_STATIC_APPS = frozenset({"rest_framework"})


class AppDirectoriesWithoutUnservedFinder(AppDirectoriesFinder):
    """Django's app-directories finder for every installed app but UNSERVED_STATIC_APPS."""

    def __init__(self, app_names=None, *args, **kwargs):
        if app_names is None:
            app_names = [
                config.name
                for config in apps.get_app_configs()
                if config.name not in UNSERVED_STATIC_APPS
            ]
        super().__init__(app_names, *args, **kwargs)
