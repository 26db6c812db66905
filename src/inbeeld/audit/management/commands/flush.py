"""`flush` that can empty the append-only audit table.

Django's flush (development, and the test runner between transactional tests) empties every table
with DELETE (SQLite) or TRUNCATE (PostgreSQL), which the append-only triggers of migration 0012
refuse. This command suspends those triggers for its own run only and restores them afterwards,
also when the flush fails. It needs the rights of the table's owner (dropping or disabling a
trigger), which the application role does not have in production (docs/security.md); and an
emptied log with checkpoints outside the database fails `inbeeld audit verify` anyway.
"""

from contextlib import contextmanager

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections

from inbeeld.audit import triggers


@contextmanager
def append_only_suspended(using: str = DEFAULT_DB_ALIAS):
    connection = connections[using]
    suspended = triggers.suspend(connection)
    try:
        yield
    finally:
        triggers.restore(connection, suspended)


class Command(flush.Command):
    help = flush.Command.help + " The audit log's append-only triggers are suspended meanwhile."

    def handle(self, **options):
        with append_only_suspended(options.get("database") or DEFAULT_DB_ALIAS):
            return super().handle(**options)
