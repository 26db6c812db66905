"""JSON bodies, bounded: DRF reads the request stream itself (past Django's
DATA_UPLOAD_MAX_MEMORY_SIZE), so a huge body is refused here with a 413 before it is read whole."""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework.parsers import JSONParser

from inbeeld.api.problems import ApiProblem


def _too_large(limit: int) -> ApiProblem:
    return ApiProblem(
        413,
        "te-groot",
        "Het verzoek is te groot.",
        f"Stuur hooguit {limit} bytes per verzoek.",
    )


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.INBEELD_API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        except ValueError:
            length = 0
        if length > limit:
            raise _too_large(limit)
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise _too_large(limit)

        return super().parse(io.BytesIO(data), media_type, parser_context)
