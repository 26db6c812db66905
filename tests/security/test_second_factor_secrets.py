"""TOTP secrets are encrypted at rest (issue 11, item 8).

The attack: django-otp's TOTPDevice kept every secret as clear hex in its `key` column, so a copy
of the database was every user's second factor. accounts.AuthenticatorDevice stores it with the
application's Fernet keys (which live outside the database).
"""

from __future__ import annotations

import importlib
from base64 import b32encode

import pytest
from cryptography.fernet import Fernet
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.db import connection
from django_otp import devices_for_user

from inbeeld.accounts.models import AuthenticatorDevice, Role
from inbeeld.crypto import decrypt_text
from inbeeld.crypto_rotation import encrypted_columns, keys_rotate
from tests.factories import current_totp, make_user

pytestmark = pytest.mark.django_db


def _raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (a fixed table name)
        return " ".join(str(value) for row in cursor.fetchall() for value in row)


def _secret_forms(device) -> list[str]:
    key = device.bin_key
    return [key.hex(), key.hex().upper(), b32encode(key).decode().rstrip("=")]


def test_the_database_row_holds_no_totp_secret():
    user = make_user(Role.POLICE_OFFICER)
    device = AuthenticatorDevice.create_for(user=user, name="telefoon", confirmed=True)
    stored = _raw_rows("accounts_authenticatordevice")
    assert device.key_ciphertext and device.key_ciphertext in stored
    for form in _secret_forms(device):
        assert form not in stored
    assert decrypt_text(device.key_ciphertext) == device.bin_key.hex()
    assert "django_otp.plugins.otp_totp" not in django_settings.INSTALLED_APPS


def test_codes_still_verify_and_a_code_is_never_accepted_twice():
    user = make_user(Role.POLICE_OFFICER)
    device = AuthenticatorDevice.create_for(user=user, name="telefoon", confirmed=True)
    # django-otp finds the device (so django_otp.login, OTPMiddleware and is_verified work).
    assert [d.pk for d in devices_for_user(user)] == [device.pk]
    code = current_totp(device)
    assert AuthenticatorDevice.objects.get(pk=device.pk).verify_token(code)
    # Replay, also from a second copy of the row loaded before the first use.
    assert not AuthenticatorDevice.objects.get(pk=device.pk).verify_token(code)
    assert not device.verify_token(code)
    assert not AuthenticatorDevice.objects.get(pk=device.pk).verify_token("abcdef")


def test_rotate_keys_re_encrypts_the_totp_secrets(settings):
    user = make_user(Role.POLICE_OFFICER)
    device = AuthenticatorDevice.create_for(user=user, name="telefoon", confirmed=True)
    old_key, secret = settings.INBEELD_ENCRYPTION_KEYS[0], device.bin_key
    assert (AuthenticatorDevice, "key_ciphertext") in encrypted_columns()
    new_key = Fernet.generate_key().decode()
    settings.INBEELD_ENCRYPTION_KEYS = [new_key, old_key]
    result = keys_rotate()
    assert result.fields["accounts.AuthenticatorDevice.key_ciphertext"] == 1
    settings.INBEELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    device.refresh_from_db()
    assert device.bin_key == secret
    assert device.verify_token(current_totp(device))


def test_the_migration_moves_clear_secrets_in_encrypted_and_drops_the_old_table():
    """An installation that still has django-otp's table: rows move over encrypted, the table
    with the clear secrets is dropped, and the user's authenticator app keeps working."""
    migration = importlib.import_module(
        "inbeeld.accounts.migrations.0004_move_totp_secrets_encrypted"
    )
    user = make_user(Role.POLICE_OFFICER)
    clear_hex = "3132333435363738393031323334353637383930"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE otp_totp_totpdevice (id integer PRIMARY KEY, user_id bigint, "
            "name varchar(64), confirmed boolean, key varchar(80), step smallint, t0 bigint, "
            "digits smallint, tolerance smallint, drift smallint, last_t bigint)"
        )
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice VALUES (7, %s, 'telefoon', %s, %s, 30, 0, 6, 1, 0, 5)",
            [user.pk, True, clear_hex],
        )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('otp_totp', '0001_x', %s)",
            ["2026-01-01 00:00:00"],
        )

    class Editor:  # what RunPython hands the function: the connection and execute()
        def __init__(self):
            self.connection = connection

        def execute(self, sql, params=()):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    migration.copy_legacy_devices(django_apps, Editor())

    assert "otp_totp_totpdevice" not in connection.introspection.table_names()
    device = AuthenticatorDevice.objects.get(user=user)
    assert (device.name, device.confirmed, device.last_t) == ("telefoon", True, 5)
    assert device.bin_key.hex() == clear_hex
    assert clear_hex not in _raw_rows("accounts_authenticatordevice")
    assert device.verify_token(current_totp(device))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'otp_totp'")
        assert cursor.fetchone()[0] == 0
    # Run again (a database that never had the table): nothing happens.
    migration.copy_legacy_devices(django_apps, Editor())
    assert AuthenticatorDevice.objects.filter(user=user).count() == 1
