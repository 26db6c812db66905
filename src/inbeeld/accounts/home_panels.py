"""Sections of the start page that apps above accounts contribute (ADR 0012: accounts imports no
app above it). An app registers a panel in its AppConfig.ready(); a panel takes the request and
returns HTML (its own template, rendered) or "" when it has nothing for this user."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

Panel = Callable[[HttpRequest], str]
PANELS: dict[str, Panel] = {}


def register(name: str, panel: Panel) -> None:
    PANELS[name] = panel


def render_panels(request: HttpRequest) -> list[SafeString]:
    """The non-empty panels for this request, in registration order."""
    # The panels render their own templates (autoescaped), so their output is safe HTML.
    return [mark_safe(html) for panel in PANELS.values() if (html := panel(request))]  # noqa: S308
