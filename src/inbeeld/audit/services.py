"""Writing audit rows. Always inside the caller's transaction, so the row lands or fails with it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from inbeeld.audit.models import AuditAction, AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "created_at": event.created_at.isoformat(),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_ref": event.subject_ref,
        "case_code": event.case_code,
        "extra": event.extra,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def compute_row_hash(event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + _canonical(event)).hexdigest()


def audit_record(
    *,
    actor,
    action: AuditAction | str,
    subject_type: str = "",
    subject_ref: str = "",
    case_code: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row, chained to the previous one.

    Opens (or joins) a transaction and locks the chain head, so concurrent writers append one
    after the other and the chain never forks.
    """
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_hash": GENESIS_HASH}
        )
        is_user = actor is not None and getattr(actor, "is_authenticated", False)
        # Round-trip the extra through JSON now, so the hash covers exactly what is stored.
        stored_extra = json.loads(json.dumps(extra or {}, default=str))
        event = AuditEvent(
            created_at=timezone.now(),
            actor=actor if is_user else None,
            actor_label=actor.get_username() if is_user else "",
            action=str(action),
            subject_type=subject_type,
            subject_ref=str(subject_ref),
            case_code=case_code,
            extra=stored_extra,
            prev_hash=head.last_hash,
        )
        event.row_hash = compute_row_hash(event, head.last_hash)
        event.save()
        head.last_hash = event.row_hash
        head.save(update_fields=["last_hash"])
        return event
