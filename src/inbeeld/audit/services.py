"""Writing audit rows. Always inside the caller's transaction, so the row lands or fails with it."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Sum
from django.utils import timezone

from inbeeld.audit.chain import (
    GENESIS_HASH,
    KEYED_CHAINS,
    LEGACY_HEAD_MARK,
    keyed_mac,
    row_digest,
)
from inbeeld.audit.context import api_client
from inbeeld.audit.models import AuditAction, AuditChainHead, AuditEvent, is_audit_action
from inbeeld.audit.reads import note_write
from inbeeld.bulk_insert import insert_rows

__all__ = [
    "GENESIS_HASH",
    "audit_query_params",
    "audit_record",
    "audit_record_many",
    "audit_refusal",
    "compute_row_hash",
]

# Bounds for request parameters copied into audit rows (audit_query_params).
QUERY_MAX_KEYS = 20
QUERY_MAX_VALUES = 5
QUERY_MAX_LENGTH = 100
PATH_MAX_LENGTH = 300


def compute_row_hash(event: AuditEvent, prev_hash: str) -> str:
    """The digest that links ``event`` to ``prev_hash`` under the event's chain version."""
    return row_digest(event, prev_hash)


def audit_record(
    *,
    actor,
    action: AuditAction | str,
    subject_type: str = "",
    subject_ref: str = "",
    case_code: str = "",
    extra: dict[str, Any] | None = None,
    _checkpoint_row: bool = False,
    _chain: int | None = None,
) -> AuditEvent:
    """Append one audit row to one of the parallel chains, linked with the keyed MAC.

    Opens (or joins) a transaction and locks the head of the lowest-numbered chain no other
    transaction holds (``_chain``: that chain, for tests and tools), so concurrent writers append
    to different chains instead of queueing on one row, and no chain ever forks
    (docs/adr/0019-audit-that-scales.md). Every INBEELD_AUDIT_CHECKPOINT_EVERY rows of the whole
    log (and at the first row after an upgrade from the unkeyed chain) a signed checkpoint of all
    chains is scheduled for after the commit.
    """
    if not is_audit_action(action):
        raise ValueError(f"unknown audit action {action!r}: add it to AuditAction")
    with transaction.atomic():
        head = lock_head(_chain)
        event = _chained_row(
            head,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_ref=subject_ref,
            case_code=case_code,
            extra=extra,
        )
        event.save()
        every = settings.INBEELD_AUDIT_CHECKPOINT_EVERY
        upgrade = head.since_checkpoint >= LEGACY_HEAD_MARK  # set by migration 0012
        head.since_checkpoint = 0 if upgrade else head.since_checkpoint + 1
        if _checkpoint_row:  # the row of a checkpoint just made (audit/checkpoints.py)
            head.since_checkpoint = 0
        elif upgrade or (every > 0 and _since_checkpoint(head, every) >= every):
            from inbeeld.audit.checkpoints import checkpoint_after_commit

            kind = "upgrade" if upgrade else "periodic"
            head.since_checkpoint = 0
            row_id = event.id
            transaction.on_commit(lambda: checkpoint_after_commit(kind, after_id=row_id))
        head.save(update_fields=["last_hash", "since_checkpoint"])
        note_write(case_code, str(action))
        return event


def _chained_row(
    head: AuditChainHead,
    *,
    actor,
    action,
    subject_type="",
    subject_ref="",
    case_code="",
    extra=None,
) -> AuditEvent:
    """One row linked to ``head`` (not saved); moves ``head.last_hash`` on to the row's MAC."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    extra = dict(extra or {})
    client = api_client()
    if client is not None:  # an API request: the partner system behind the user (issue 16)
        extra.setdefault("api_client", client)
    # Round-trip the extra through JSON now, so the MAC covers exactly what is stored.
    stored_extra = json.loads(json.dumps(extra, default=str))
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
        chain_version=KEYED_CHAINS,
        chain=head.chain,
    )
    event.row_hash = keyed_mac(event, head.last_hash)
    head.last_hash = event.row_hash
    return event


def audit_record_many(*, actor, rows: list[dict[str, Any]], batch_size: int = 2000) -> int:
    """Append one audit row per entry of ``rows`` (each: the keyword arguments of audit_record
    but ``actor``), in that order, to one chain: the same rows, MACs and links audit_record would
    write one by one, under one lock of one chain head and inserted in bulk (the bulk import,
    ADR 0022). Inside the caller's transaction. A checkpoint is scheduled after the commit when
    the log crossed INBEELD_AUDIT_CHECKPOINT_EVERY rows, as audit_record does. Returns the count."""
    if not rows:
        return 0
    for row in rows:
        if not is_audit_action(row["action"]):
            raise ValueError(f"unknown audit action {row['action']!r}: add it to AuditAction")
    with transaction.atomic():
        head = lock_head()
        events = [_chained_row(head, actor=actor, **row) for row in rows]
        insert_rows(AuditEvent, events, batch_size=batch_size)
        every = settings.INBEELD_AUDIT_CHECKPOINT_EVERY
        upgrade = head.since_checkpoint >= LEGACY_HEAD_MARK
        head.since_checkpoint = len(events) if upgrade else head.since_checkpoint + len(events)
        others = (
            AuditChainHead.objects.exclude(pk=head.pk)
            .filter(since_checkpoint__lt=LEGACY_HEAD_MARK)
            .aggregate(total=Sum("since_checkpoint"))["total"]
        )
        if upgrade or (every > 0 and head.since_checkpoint + (others or 0) >= every):
            from inbeeld.audit.checkpoints import checkpoint_after_commit

            kind = "upgrade" if upgrade else "periodic"
            head.since_checkpoint = 0
            row_id = events[-1].id
            transaction.on_commit(lambda: checkpoint_after_commit(kind, after_id=row_id))
        head.save(update_fields=["last_hash", "since_checkpoint"])
        for row in rows:
            note_write(row.get("case_code", ""), str(row["action"]))
    return len(events)


def _since_checkpoint(head: AuditChainHead, every: int) -> int:
    """Rows written on all chains since the last checkpoint: this head's own count and the
    committed counts of the others (read without locking them), so the window between periodic
    checkpoints stays about INBEELD_AUDIT_CHECKPOINT_EVERY rows of the whole log, not per chain.
    The others are read at every ``step``-th row of this chain only (one query fewer on the
    other rows), which lets the window grow by at most chains × step, a quarter of ``every``."""
    step = max(1, every // (4 * chain_count()))
    if head.since_checkpoint % step:
        return head.since_checkpoint
    others = (
        AuditChainHead.objects.exclude(pk=head.pk)
        .filter(since_checkpoint__lt=LEGACY_HEAD_MARK)
        .aggregate(total=Sum("since_checkpoint"))["total"]
    )
    return head.since_checkpoint + (others or 0)


def chain_count() -> int:
    """How many chains writers spread over (INBEELD_AUDIT_CHAINS, at least 1)."""
    return max(1, int(getattr(settings, "INBEELD_AUDIT_CHAINS", 1)))


def chain_heads_ensure(using: str = "default") -> int:
    """Create the missing head rows of chains 0 .. INBEELD_AUDIT_CHAINS - 1 (primary key =
    chain + 1); run after every `migrate` (audit/apps.py). A database that cannot skip locked
    rows (SQLite) writes chain 0 only and gets only its head. Returns how many heads exist."""
    parallel = connections[using].features.has_select_for_update_skip_locked
    AuditChainHead.objects.using(using).bulk_create(
        [
            AuditChainHead(pk=chain + 1, chain=chain, last_hash=GENESIS_HASH)
            for chain in range(chain_count() if parallel else 1)
        ],
        ignore_conflicts=True,
    )
    return AuditChainHead.objects.using(using).count()


def lock_head(chain: int | None = None) -> AuditChainHead:
    """Lock and return a chain head inside the caller's transaction.

    Without ``chain``: on a database that can skip locked rows (PostgreSQL), the lowest-numbered
    head that no other transaction holds; a head this transaction already holds is never skipped,
    so a transaction that holds one never waits for another (no deadlock between audit writers).
    Only when every chain is held by other transactions does it wait, for chain 0, holding no
    head itself. SQLite serialises writers anyway: always chain 0. The heads exist from `migrate`
    on (chain_heads_ensure); a missing one is created here, inside the transaction."""
    connection = transaction.get_connection()
    if chain is None and connection.features.has_select_for_update_skip_locked:
        count = chain_count()
        head = (
            AuditChainHead.objects.select_for_update(skip_locked=True)
            .filter(chain__lt=count)
            .order_by("chain")
            .first()
        )
        if head is not None:
            return head
        # Every chain is busy (or a checkpoint holds them all): wait on a random one, so the
        # writers released together do not all queue on the same chain afterwards.
        chain = random.randrange(count)  # noqa: S311 - spreading load, not a secret
    chain = chain or 0
    head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=chain + 1, chain=chain, last_hash=GENESIS_HASH)],
            ignore_conflicts=True,
        )
        head = AuditChainHead.objects.select_for_update().get(chain=chain)
    return head


def audit_query_params(
    params: Mapping[str, Any], allowed: Iterable[str]
) -> dict[str, str | list[str]]:
    """The request parameters worth keeping in an audit row: only the ``allowed`` (recognised
    filter) names, at most QUERY_MAX_KEYS of them, at most QUERY_MAX_VALUES values each, every
    value cut to QUERY_MAX_LENGTH characters. A crafted 60,000-character parameter thus leaves a
    small row, and unknown parameters leave nothing at all. A NUL byte (which PostgreSQL refuses
    in JSON) is kept visible as U+FFFD."""
    allowed = set(allowed)
    kept: dict[str, str | list[str]] = {}
    getlist = getattr(params, "getlist", None)
    for name in params:
        if name not in allowed or len(kept) >= QUERY_MAX_KEYS:
            continue
        values = getlist(name) if getlist else [params[name]]
        values = [
            str(v)[:QUERY_MAX_LENGTH].replace("\x00", "\ufffd")
            for v in values[:QUERY_MAX_VALUES]
            if str(v) != ""
        ]
        if values:
            kept[name] = values[0] if len(values) == 1 else values
    return kept


def audit_refusal(*, actor, path: str, view_name: str, method: str, status: int) -> AuditEvent:
    """Log a refused function page (HTTP 403, or a policy refusal answered 404) for a logged-in
    user: the path without its query string and the view's name, both bounded."""
    return audit_record(
        actor=actor,
        action=AuditAction.FUNCTION_ACCESS_DENIED,
        subject_type="page",
        subject_ref=view_name[:80],
        extra={
            "path": path.split("?", 1)[0][:PATH_MAX_LENGTH],
            "method": method[:10],
            "status": status,
        },
    )
