"""The audit table's append-only triggers (created by migrations 0002 and 0012): listing them,
and suspending them for a flush (audit/management/commands/flush.py)."""

from __future__ import annotations

TABLE = "audit_auditevent"


def installed(connection) -> list[str]:
    """Names of the enabled triggers on the audit table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
                "AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        else:
            return []
        return sorted(row[0] for row in cursor.fetchall())


def suspend(connection) -> list[tuple[str, str]]:
    """Take the triggers out of the way; returns what restore() needs to put them back."""
    suspended: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            suspended = [(name, sql) for name, sql in cursor.fetchall()]
            for name, _sql in suspended:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        elif connection.vendor == "postgresql":
            for name in installed(connection):
                cursor.execute(f'ALTER TABLE {TABLE} DISABLE TRIGGER "{name}"')
                suspended.append((name, ""))
    return suspended


def restore(connection, suspended: list[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for name, sql in suspended:
            if connection.vendor == "sqlite":
                cursor.execute(sql)
            else:
                cursor.execute(f'ALTER TABLE {TABLE} ENABLE TRIGGER "{name}"')
