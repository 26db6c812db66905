"""Fixtures of the API tests: a client and key for a user, and requests with that key."""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
from django.test import Client

from inbeeld import policy
from inbeeld.api.models import ApiClient
from inbeeld.api.services import api_client_save, api_key_create

ALL_SCOPES = sorted(str(a) for a in policy.API_GRANTABLE_ACTIONS)
_keys = itertools.count(1)


def make_api_client(user, *, scopes=None, organisation=None, name=None) -> tuple[ApiClient, str]:
    """An API client acting for ``user`` (in the organisation of their first active
    membership, unless given) with ``scopes`` (default: every grantable action) and a key."""
    if organisation is None:
        organisation = user.memberships.filter(is_active=True).order_by("pk").first().organisation
    client = api_client_save(
        actor=None,
        client=ApiClient(
            organisation=organisation,
            name=name or f"Koppeling {next(_keys)}",
            acting_user=user,
            scopes=ALL_SCOPES if scopes is None else scopes,
        ),
    )
    _row, key = api_key_create(actor=None, client=client)
    return client, key


class Api:
    """Requests to /api/v1/ with one key (or none)."""

    def __init__(self, key: str | None = None):
        self.key = key
        self.http = Client()

    def headers(self, extra=None) -> dict:
        headers = {}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        headers.update(extra or {})
        return headers

    def get(self, path: str, params=None, headers=None):
        return self.http.get(_url(path), params or {}, headers=self.headers(headers))

    def post(
        self,
        path: str,
        body=None,
        *,
        key: str | None = "auto",
        headers=None,
        raw=None,
        content_type="application/json",
    ):
        extra = dict(headers or {})
        if key == "auto":
            key = str(uuid.uuid4())
        if key is not None:
            extra["Idempotency-Key"] = key
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.http.post(
            _url(path), data=data, content_type=content_type, headers=self.headers(extra)
        )


def _url(path: str) -> str:
    return path if path.startswith(("/", "http")) else f"/api/v1/{path}"


@pytest.fixture
def api_for(db):
    """``api_for(user, scopes=None)``: an Api with a fresh key of a client acting for ``user``."""

    def _make(user, **kwargs) -> Api:
        _client, key = make_api_client(user, **kwargs)
        return Api(key)

    return _make


def assert_problem(response, status: int, *, param: str | None = None) -> dict:
    """``response`` is a problem+json with ``status`` (and, given ``param``, names it)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    assert response["API-Version"] == "1.0.0"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:inbeeld:probleem:")
    assert body["title"] and body["instance"].startswith("/api/")
    if param is not None:
        names = [p["name"] for p in body["invalidParams"]]
        assert param in names, body
        for p in body["invalidParams"]:
            assert set(p) == {"name", "code", "reason"} and p["reason"]
    return body


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    """The per-client request counts live in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
