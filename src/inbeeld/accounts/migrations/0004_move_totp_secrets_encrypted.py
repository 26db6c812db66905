"""Move the second factors out of django-otp's TOTPDevice table (its `key` column held every
TOTP secret in clear hex) into accounts.AuthenticatorDevice, the secret encrypted with the
application's Fernet keys (INBEELD_ENCRYPTION_KEYS must be set when migrating). Users keep their
authenticator app: the secret, step, drift and last used step are carried over. The old table is
dropped (no clear secret stays behind) and django_otp.plugins.otp_totp is no longer installed, so
its migration records go too (re-installing it would then start from an empty table).

Raw SQL on purpose: the otp_totp app is not installed any more, so there is no model for it; on a
database that never had it (a new installation) this does nothing.
"""

from django.db import migrations

LEGACY_TABLE = "otp_totp_totpdevice"
COLUMNS = ("user_id", "name", "confirmed", "key", "step", "t0", "digits", "tolerance", "drift",
           "last_t")  # fmt: skip


def copy_legacy_devices(apps, schema_editor):
    from inbeeld.crypto import encrypt_text

    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(c) for c in COLUMNS)} FROM {quote(LEGACY_TABLE)} "  # noqa: S608
            "ORDER BY id"
        )
        rows = cursor.fetchall()
    device_model = apps.get_model("accounts", "AuthenticatorDevice")
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        device_model.objects.create(
            user_id=values["user_id"],
            name=values["name"],
            confirmed=bool(values["confirmed"]),
            key_ciphertext=encrypt_text(values["key"]),
            step=values["step"],
            t0=values["t0"],
            digits=values["digits"],
            tolerance=values["tolerance"],
            drift=values["drift"],
            last_t=values["last_t"],
        )
    schema_editor.execute(f"DROP TABLE {quote(LEGACY_TABLE)}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["otp_totp"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_authenticator_device_and_account_links"),
    ]

    operations = [migrations.RunPython(copy_legacy_devices, migrations.RunPython.noop)]
