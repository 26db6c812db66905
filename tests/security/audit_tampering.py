"""An informed attacker on the audit log: knows the code and the algorithm, can run any SQL on the
database (as its owner: past the append-only triggers), but does not hold the keys in the
application's environment. Shared by the audit chain and anchoring tests."""

from __future__ import annotations

import hashlib
import hmac
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from inbeeld.audit.chain import _DOMAIN, GENESIS_HASH
from inbeeld.audit.models import AuditEvent
from inbeeld.audit.verify import ChainReport, audit_chain_verify

GUESSED_KEY = b"the attacker does not have INBEELD_AUDIT_KEY"


def owner_sql(sql: str, params=None) -> None:
    """Run SQL with the table owner's rights: SQLite's triggers dropped (anyone who can write the
    file can do that; the test transaction brings them back), PostgreSQL's skipped through
    session_replication_role (a superuser's setting)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_auditevent'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
        else:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params or [])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def _body(row: AuditEvent) -> bytes:
    body = {
        "created_at": row.created_at.isoformat(),
        "actor": row.actor_id,
        "actor_label": row.actor_label,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_ref": row.subject_ref,
        "case_code": row.case_code,
        "extra": row.extra,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def forged_digest(row: AuditEvent, prev: str, how: str) -> str:
    """What an attacker can compute: the old unkeyed SHA-256, or the keyed format with a guess."""
    if how == "sha256":
        return hashlib.sha256(prev.encode() + _body(row)).hexdigest()
    return hmac.new(GUESSED_KEY, _DOMAIN + prev.encode() + b"\n" + _body(row), "sha256").hexdigest()


def recompute_chain(how: str = "hmac-guess", *, version: int | None = None) -> None:
    """Re-link the remaining rows of every chain (and each chain's head) with the attacker's
    algorithm, as the attack on the unkeyed chain did after deleting or changing rows."""
    prev: dict[int, str] = {}
    for row in AuditEvent.objects.order_by("id"):
        before = prev.get(row.chain, GENESIS_HASH)
        digest = forged_digest(row, before, how)
        owner_sql(
            "UPDATE audit_auditevent SET prev_hash = %s, row_hash = %s, chain_version = %s "
            "WHERE id = %s",
            [before, digest, version or row.chain_version, row.id],
        )
        prev[row.chain] = digest
    for chain, digest in prev.items():
        owner_sql(
            "UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = %s", [digest, chain]
        )


def verify_fails(match: str) -> ChainReport:
    """Both the verification and `inbeeld audit verify` must notice; the reason says ``match``."""
    report = audit_chain_verify()
    assert not report.ok, "tampering went unnoticed"
    assert match in report.reason, report.reason
    with pytest.raises(CommandError, match="NIET in orde"):
        call_command("audit", "verify", stdout=io.StringIO())
    return report
