"""Cursor pagination (Logius: stable pages while rows are added): an opaque `cursor` parameter,
links to the next and previous page, the results under `resultaten`."""

from __future__ import annotations

from django.utils.translation import gettext_noop
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class ApiCursorPagination(CursorPagination):
    page_size = 25
    max_page_size = 100
    page_size_query_param = "aantal"
    cursor_query_param = "cursor"
    cursor_query_description = (
        "De cursor van de volgende of vorige pagina (uit 'volgende'/'vorige')."
    )
    page_size_query_description = "Aantal resultaten per pagina (hooguit 100)."
    invalid_cursor_message = "Deze cursor is ongeldig."

    def get_paginated_response(self, data):
        return Response(
            {
                "volgende": self.get_next_link(),
                "vorige": self.get_previous_link(),
                "resultaten": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["volgende", "vorige", "resultaten"],
            "properties": {
                "volgende": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": gettext_noop("Volgende pagina."),
                },
                "vorige": {
                    "type": ["string", "null"],
                    "format": "uri",
                    "description": gettext_noop("Vorige pagina."),
                },
                "resultaten": {
                    **schema,
                    "description": gettext_noop("De resultaten van deze pagina."),
                },
            },
        }
