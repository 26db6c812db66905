"""HTTP hardening headers on every page."""

import pytest

pytestmark = pytest.mark.django_db


def test_login_page_sends_a_strict_csp_and_hardening_headers(client):
    response = client.get("/account/inloggen/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_pages_have_no_inline_script_or_style(client):
    body = client.get("/account/inloggen/", HTTP_HOST="127.0.0.1").content.decode()
    assert "<script>" not in body and "<style" not in body and " style=" not in body
