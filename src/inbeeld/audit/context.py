"""Who else stands behind an audited action: while an API request runs, the API client through
which its user acts (issue 16). audit_record folds it into every row's ``extra`` as
``api_client`` ({"id": ..., "name": ...}), so the privacy officer sees that a row came from a
partner system and which one, next to the acting user."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_client: ContextVar[dict[str, Any] | None] = ContextVar("inbeeld_audit_api_client", default=None)


def open_api_request() -> object:
    """Start an API request (no client known yet); returns the token for ``close_api_request``."""
    return _client.set({})


def bind_api_client(*, client_id: int, name: str) -> None:
    """Name the API client of the running API request (after its key was checked)."""
    current = _client.get()
    if current is not None:
        current.update({"id": client_id, "name": name})


def close_api_request(token) -> None:
    _client.reset(token)


def api_client() -> dict[str, Any] | None:
    """The API client of the running request, or None (a page, a command, no client yet)."""
    current = _client.get()
    return dict(current) if current else None
