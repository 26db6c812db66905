"""The audit log is tamper-evident: `inbeeld audit verify` finds the first broken link."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from inbeeld.audit.models import AuditAction, AuditEvent
from inbeeld.audit.services import audit_record
from inbeeld.audit.verify import audit_chain_verify
from tests.security.audit_tampering import owner_sql

pytestmark = pytest.mark.django_db


def _rows(n):
    return [
        audit_record(
            actor=None,
            action=AuditAction.LOGIN_FAILED,
            subject_type="user",
            subject_ref=f"user{i}",
            extra={"i": i},
        )
        for i in range(n)
    ]


def test_an_intact_chain_verifies(capsys):
    _rows(5)
    report = audit_chain_verify()
    assert report.ok and report.rows == 5
    call_command("audit", "verify")
    assert "5 regels" in capsys.readouterr().out


def _tamper(sql, params):
    """Change rows behind the ORM's back, as someone with owner rights on the database would
    (past the append-only triggers; tests/security/audit_tampering.py)."""
    owner_sql(sql, params)


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_changed_row_is_found():
    rows = _rows(5)
    _tamper("UPDATE audit_auditevent SET subject_ref = %s WHERE id = %s", ["someone", rows[2].id])
    report = audit_chain_verify()
    assert not report.ok
    assert report.broken_at == rows[2].id
    with pytest.raises(CommandError, match=f"regel {rows[2].id}"):
        call_command("audit", "verify")


def test_a_removed_row_is_found():
    rows = _rows(5)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [rows[1].id])
    report = audit_chain_verify()
    assert not report.ok and report.broken_at == rows[2].id


def test_cutting_off_the_newest_rows_is_found():
    rows = _rows(4)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [rows[-1].id])
    report = audit_chain_verify()
    assert not report.ok and "kop van de keten" in report.reason


def test_the_database_refuses_update_and_delete_of_audit_rows():
    """Both databases: SQLite since issue 11 (migration 0012), PostgreSQL since 0002."""
    rows = _rows(2)
    for sql in (
        "UPDATE audit_auditevent SET subject_ref = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw(sql, [rows[0].id])
    assert AuditEvent.objects.get(pk=rows[0].id).subject_ref == "user0"
