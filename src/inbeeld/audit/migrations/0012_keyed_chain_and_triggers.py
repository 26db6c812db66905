"""Keyed audit chain (chain_version per row) and append-only triggers on both databases.

- Existing rows keep their legacy SHA-256 link and get chain_version 1; every new row is chained
  with HMAC-SHA256 (version 2). The chain head's counter starts high on an existing log, so the
  first row written after the upgrade schedules the signed upgrade checkpoint that covers the
  legacy rows (audit/services.py, docs/adr/0009-audit-anchoring.md).
- SQLite gets BEFORE UPDATE / BEFORE DELETE triggers that abort; PostgreSQL (which has the row
  trigger of 0002) gets a statement-level BEFORE TRUNCATE trigger. `inbeeld flush` (tests,
  development) suspends them for its own run only (audit/management/commands/flush.py).
- On SQLite, a later migration that rebuilds audit_auditevent drops its triggers: the test
  tests/security/test_audit_anchoring.py::test_the_append_only_triggers_exist fails then.
"""

from django.db import migrations, models

SQLITE_CREATE = [
    """
    CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update
    BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (UPDATE refused)'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete
    BEFORE DELETE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only (DELETE refused)'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
]
# Reuses inbeeld_audit_append_only() from 0002, which raises with TG_OP ('TRUNCATE' here).
POSTGRES_CREATE = [
    """
    CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION inbeeld_audit_append_only()
    """,
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent"]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0011_second_wave_actions")]

    operations = [
        # Existing rows: legacy version 1; new rows: version 2.
        migrations.AddField(
            model_name="auditevent",
            name="chain_version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="chain_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        # An existing head: the next write schedules the upgrade checkpoint at once.
        migrations.AddField(
            model_name="auditchainhead",
            name="since_checkpoint",
            field=models.PositiveIntegerField(default=1_000_000_000),
        ),
        migrations.AlterField(
            model_name="auditchainhead",
            name="since_checkpoint",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(create, drop),
    ]
