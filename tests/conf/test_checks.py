"""System checks refuse a misconfigured production start and stay quiet elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.test import override_settings

from inbeeld.conf.checks import check_production_configuration

STRONG_SECRET = "q7J#vL2@pX9!mZ4$wR8^tB1&nF6*hK3(sD5)gY0-cV_eU+aW=iO~"  # 52 varied characters
GOOD = {
    "INBEELD_ENVIRONMENT": "production",
    "DEBUG": False,
    "SECRET_KEY": STRONG_SECRET,
    "INBEELD_ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
    "INBEELD_LINKAGE_KEY": "l" * 16 + "K" * 16 + "9",
    "ALLOWED_HOSTS": ["inbeeld.example.nl"],
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.Argon2PasswordHasher"],
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "INBEELD_SITE_URL": "https://inbeeld.example.nl",
    "INBEELD_API_KEY_SECRET": "api-" + "0123456789abcdefghijklmnopqrstuvwxyz",
    "INBEELD_DARK_NUMBER_REPLICATES": 100,
}
BAD = {
    "INBEELD_ENVIRONMENT": "production",
    "DEBUG": True,
    "SECRET_KEY": "short",
    "INBEELD_ENCRYPTION_KEYS": ["not-a-fernet-key"],
    "INBEELD_LINKAGE_KEY": "kort",
    "ALLOWED_HOSTS": ["*"],
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "MIDDLEWARE": [],
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    "INBEELD_SITE_URL": "http://127.0.0.1:8000",
    "INBEELD_DARK_NUMBER_REPLICATES": 40,
}


def _ids(**settings):
    with override_settings(**settings):
        return sorted(error.id for error in check_production_configuration())


def test_a_good_production_configuration_passes():
    assert len(STRONG_SECRET) >= 50
    assert _ids(**GOOD) == []


def test_a_bad_production_configuration_gives_every_error():
    assert _ids(**BAD) == [f"inbeeld.E{i:03d}" for i in range(1, 13)]


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"DEBUG": True}, "inbeeld.E001"),
        ({"SECRET_KEY": "short"}, "inbeeld.E002"),
        ({"SECRET_KEY": "a" * 80}, "inbeeld.E002"),
        ({"SECRET_KEY": "django-insecure-" + STRONG_SECRET}, "inbeeld.E002"),
        ({"SECRET_KEY": "test-secret-key-" + STRONG_SECRET}, "inbeeld.E002"),
        ({"INBEELD_ENCRYPTION_KEYS": []}, "inbeeld.E003"),
        ({"INBEELD_ENCRYPTION_KEYS": ["tooshort"]}, "inbeeld.E003"),
        ({"INBEELD_LINKAGE_KEY": "x" * 31}, "inbeeld.E004"),
        ({"INBEELD_LINKAGE_KEY": ""}, "inbeeld.E004"),
        ({"ALLOWED_HOSTS": ["inbeeld.example.nl", "*"]}, "inbeeld.E005"),
        ({"SESSION_COOKIE_SECURE": False}, "inbeeld.E006"),
        ({"CSRF_COOKIE_SECURE": False}, "inbeeld.E006"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}, "inbeeld.E009"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}, "inbeeld.E009"),
        (
            {
                "MIDDLEWARE": [
                    m
                    for m in django_settings.MIDDLEWARE
                    if not m.endswith("SessionLifetimeMiddleware")
                ]
            },
            "inbeeld.E010",
        ),
        ({"INBEELD_SITE_URL": "http://127.0.0.1:8000"}, "inbeeld.E011"),
        ({"INBEELD_SITE_URL": "http://inbeeld.example.nl"}, "inbeeld.E011"),
        ({"INBEELD_DARK_NUMBER_REPLICATES": 40}, "inbeeld.E012"),
    ],
)
def test_each_weakness_gives_its_own_error(override, expected):
    assert _ids(**{**GOOD, **override}) == [expected]


def test_the_error_messages_say_what_to_fix():
    with override_settings(**BAD):
        messages = " ".join(e.msg for e in check_production_configuration())
    for fragment in (
        "DEBUG",
        "INBEELD_SECRET_KEY",
        "Encryption key",
        "INBEELD_LINKAGE_KEY",
        "ALLOWED_HOSTS",
        "Cookies",
    ):
        assert fragment in messages


@pytest.mark.parametrize("environment", ["development", "test"])
def test_outside_production_the_checks_stay_quiet(environment):
    assert _ids(**{**BAD, "INBEELD_ENVIRONMENT": environment}) == []


def test_the_check_is_registered_with_django():
    with override_settings(**BAD):
        ids = {message.id for message in run_checks()}
    assert {"inbeeld.E001", "inbeeld.E002", "inbeeld.E006"} <= ids
    with override_settings(**GOOD):
        ids = {message.id for message in run_checks()}
    assert not {i for i in ids if i.startswith("inbeeld.")}


def _manage_check(tmp_path, **environ):
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INBEELD_") and k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and entry point)
        [sys.executable, "-m", "inbeeld", "check"],
        env={
            **keep,
            "DJANGO_SETTINGS_MODULE": "inbeeld.conf.settings.production",
            "INBEELD_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "INBEELD_ALLOWED_HOSTS": "inbeeld.example.nl",
            **environ,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_production_start_with_weak_secrets_is_refused(tmp_path):
    result = _manage_check(
        tmp_path,
        INBEELD_SECRET_KEY="too-short",
        INBEELD_ENCRYPTION_KEYS="nope",
        INBEELD_LINKAGE_KEY="kort",
    )
    assert result.returncode != 0
    for error in ("inbeeld.E002", "inbeeld.E003", "inbeeld.E004"):
        assert error in result.stderr
    assert "inbeeld.E001" not in result.stderr  # production settings force DEBUG off


def test_a_well_configured_production_start_passes_the_checks(tmp_path):
    result = _manage_check(
        tmp_path,
        INBEELD_SECRET_KEY=STRONG_SECRET,
        INBEELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        INBEELD_LINKAGE_KEY="z" * 20 + "Y" * 20,
        INBEELD_AUDIT_KEY="0123456789abcdefghijklmnopqrstuvwxyzABCD",
        INBEELD_AUDIT_SIGNING_KEY="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        INBEELD_API_KEY_SECRET="api-" + "0123456789abcdefghijklmnopqrstuvwxyz",
        INBEELD_SITE_URL="https://inbeeld.example.nl",
    )
    assert result.returncode == 0, result.stderr
    assert "inbeeld.E0" not in result.stderr


def test_production_refuses_to_start_without_its_own_api_key_secret(tmp_path):
    keys = {
        "INBEELD_SECRET_KEY": STRONG_SECRET,
        "INBEELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "INBEELD_LINKAGE_KEY": "z" * 20 + "Y" * 20,
        "INBEELD_AUDIT_KEY": "0123456789abcdefghijklmnopqrstuvwxyzABCD",
        "INBEELD_AUDIT_SIGNING_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "INBEELD_SITE_URL": "https://inbeeld.example.nl",
    }
    for secret in ("", "kort", keys["INBEELD_AUDIT_KEY"]):
        result = _manage_check(tmp_path, **keys, INBEELD_API_KEY_SECRET=secret)
        assert result.returncode != 0
        assert "inbeeld.E040" in result.stderr
