"""Verification of the audit hash chain."""

from __future__ import annotations

from dataclasses import dataclass

from inbeeld.audit.models import AuditChainHead, AuditEvent
from inbeeld.audit.services import GENESIS_HASH, compute_row_hash


@dataclass(frozen=True)
class ChainReport:
    rows: int
    ok: bool
    broken_at: int | None = None  # id of the first row whose link or content does not match
    reason: str = ""


def audit_chain_verify(batch_size: int = 5000) -> ChainReport:
    """Walk the audit log in id order and report the first broken link.

    A row is broken when its prev_hash is not the previous row's row_hash (a row was removed or
    inserted) or when its row_hash does not match its content (a row was changed). The chain head
    must equal the last row's hash (the newest rows were not cut off).
    """
    expected_prev = GENESIS_HASH
    rows = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            break
        for event in batch:
            rows += 1
            if event.prev_hash != expected_prev:
                return ChainReport(
                    rows, False, event.id, "prev_hash does not link to the previous row"
                )
            if compute_row_hash(event, event.prev_hash) != event.row_hash:
                return ChainReport(rows, False, event.id, "row content does not match its hash")
            expected_prev = event.row_hash
            last_id = event.id
    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash = head.last_hash if head else GENESIS_HASH
    if head_hash != expected_prev:
        return ChainReport(rows, False, None, "the chain head does not match the last row")
    return ChainReport(rows, True)
