"""Behind the TLS proxy the client's address comes from X-Forwarded-For, only when the direct
peer is a trusted proxy and only the part the proxy itself appended (the per-address limits on
failed logins and the anonymous signal form must not count all users as one)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from inbeeld.conf.middleware import ForwardedClientAddressMiddleware

CLIENT = "203.0.113.9"
FORGED = "198.51.100.1"


def _address_seen(remote: str, forwarded: str | None, trusted=("127.0.0.1", "::1")) -> str:
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    with override_settings(INBEELD_TRUSTED_PROXIES=list(trusted)):
        middleware = ForwardedClientAddressMiddleware(view)
    middleware(RequestFactory().get("/melden/", REMOTE_ADDR=remote, **headers))
    return seen["address"]


@pytest.mark.parametrize(
    ("remote", "forwarded", "seen"),
    [
        # nginx appends the peer it saw ($proxy_add_x_forwarded_for): that one counts ...
        ("127.0.0.1", CLIENT, CLIENT),
        ("::1", CLIENT, CLIENT),
        # ... not what the client wrote in front of it.
        ("127.0.0.1", f"{FORGED}, {CLIENT}", CLIENT),
        ("127.0.0.1", f"{FORGED}, {CLIENT}, 127.0.0.1", CLIENT),
        ("127.0.0.1", "2001:db8::7", "2001:db8::7"),
        # Not from a trusted proxy: the header is the client's own word and ignored.
        (CLIENT, FORGED, CLIENT),
        # No header, or garbage: the proxy's address stays.
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "unknown", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_the_client_address_behind_a_trusted_proxy(remote, forwarded, seen):
    assert _address_seen(remote, forwarded) == seen


def test_without_trusted_proxies_the_header_is_never_used():
    assert _address_seen("127.0.0.1", CLIENT, trusted=()) == "127.0.0.1"
