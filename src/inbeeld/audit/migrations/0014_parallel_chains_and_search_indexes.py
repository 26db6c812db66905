"""Parallel audit chains and indexes for the privacy officer's pages (issue 15 item 4).

- Every existing row (versions 1 and 2) and the existing head form chain 0; new rows are version 3
  (the chain number in the MAC) on one of INBEELD_AUDIT_CHAINS chains, each with its own head row
  (created on first need; docs/adr/0019-audit-that-scales.md). Nothing is rewritten: the old
  rows verify as before.
- Indexes for the audit search by user and by case, the case's access history, the alerts of the
  privacy overview and walking one chain. The single-column case_code index is replaced by
  (case_code, created_at). Building them on a large log takes a while (about a minute per
  5 million rows on the benchmark machine) and blocks audit writes meanwhile: migrate in a quiet
  moment.
- SQLite rebuilds the audit table for the altered columns, which drops its append-only triggers
  (migration 0012): they are created again here.
"""

import importlib

import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


# The append-only triggers exactly as migration 0012 creates them.
SQLITE_TRIGGERS = importlib.import_module(
    "inbeeld.audit.migrations.0012_keyed_chain_and_triggers"
).SQLITE_CREATE


def sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0013_action_without_choices'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditchainhead',
            name='chain',
            field=models.PositiveSmallIntegerField(default=0, unique=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='chain',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='case_code',
            field=models.CharField(blank=True, max_length=20, verbose_name='casus'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='chain_version',
            field=models.PositiveSmallIntegerField(default=3),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['chain', 'id'], name='audit_chain_id'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(django.db.models.functions.text.Upper('actor_label'), models.F('created_at'), name='audit_actor_time'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(django.db.models.functions.text.Upper('subject_ref'), models.F('created_at'), condition=models.Q(('subject_type', 'user')), name='audit_user_subject_time'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['case_code', 'created_at'], name='audit_case_time'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['action', 'created_at'], include=['actor_label', 'case_code'], name='audit_action_time'),
        ),
        migrations.RunPython(sqlite_triggers, sqlite_triggers),
    ]
