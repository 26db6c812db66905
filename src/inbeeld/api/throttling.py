"""A request budget per API client (settings INBEELD_API_RATE); over it: 429 problem with
Retry-After. Counted in Django's cache (per process with the default local-memory cache)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def get_rate(self):
        return settings.INBEELD_API_RATE

    def get_cache_key(self, request, view):
        client = getattr(request, "auth", None)
        if client is None:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": f"client-{client.pk}"}
