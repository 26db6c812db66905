"""Secure-by-default settings, and the test harness itself (no outbound network)."""

from __future__ import annotations

import importlib
import socket

import pytest
from django.conf import settings


def test_every_view_needs_a_login_and_csrf_by_default():
    middleware = settings.MIDDLEWARE
    assert "django.contrib.auth.middleware.LoginRequiredMiddleware" in middleware
    assert "django.middleware.csrf.CsrfViewMiddleware" in middleware
    assert middleware.index(
        "django.contrib.auth.middleware.AuthenticationMiddleware"
    ) < middleware.index("django.contrib.auth.middleware.LoginRequiredMiddleware")


def test_dutch_amsterdam_time_and_aware_datetimes():
    assert settings.LANGUAGE_CODE == "nl"
    assert settings.TIME_ZONE == "Europe/Amsterdam"
    assert settings.USE_TZ is True


def test_cookies_and_framing_are_locked_down():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.X_FRAME_OPTIONS == "DENY"
    assert settings.SECURE_CONTENT_TYPE_NOSNIFF is True


def test_the_test_settings_are_not_production():
    assert settings.INBEELD_ENVIRONMENT == "test"
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_the_production_settings_harden_transport_and_cookies():
    production = importlib.import_module("inbeeld.conf.settings.production")
    assert production.DEBUG is False
    assert production.SESSION_COOKIE_SECURE and production.CSRF_COOKIE_SECURE
    assert production.SECURE_SSL_REDIRECT is True
    assert production.SECURE_HSTS_SECONDS >= 31536000
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_outbound_network_is_blocked_in_tests():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        with pytest.raises(RuntimeError, match="outbound network blocked"):
            sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never a real host


def test_loopback_stays_reachable_in_tests():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
