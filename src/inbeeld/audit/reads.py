"""One audit row per user action, not one per database read (issue 14, item 10).

A page that loads a case logs a "Casus ingezien" row. Before, one recorded event left three or
four identical read rows: the form, the post, and the case page after the redirect each read the
case. Now a read row is *deferred* to the end of the request and dropped when:

- the same request already read the same case (one read row per case per request);
- the same request wrote a more specific row about that case (recorded, corrected, withdrawn,
  exported ...): that row already says the user worked on the case;
- the request is the page the user lands on right after such a write (the redirect of a
  post/redirect/get): the write row covers it.

Outside a request (management commands, services called from tests) a read is written at once.
The scope is opened and flushed by ``inbeeld.audit.middleware.AuditReadScopeMiddleware``.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from inbeeld.audit.models import AuditAction

# Session key: the case codes written by the previous request that ended in a redirect.
FOLLOW_UP_SESSION_KEY = "_audit_written_cases"


@dataclass
class ReadScope:
    """What one request read and wrote, by case code."""

    follow_up: frozenset[str] = frozenset()
    pending: dict[str, tuple[Any, dict]] = field(default_factory=dict)
    written: set[str] = field(default_factory=set)


_scope: ContextVar[ReadScope | None] = ContextVar("inbeeld_audit_read_scope", default=None)


def open_scope(*, follow_up=()) -> object:
    """Start collecting reads for one request; returns the token for ``close_scope``."""
    return _scope.set(ReadScope(follow_up=frozenset(follow_up)))


def close_scope(token) -> ReadScope | None:
    """Write the read rows that still stand and end the scope; returns the scope."""
    scope = _scope.get()
    try:
        if scope is not None:
            flush(scope)
    finally:
        _scope.reset(token)
    return scope


def note_write(case_code: str, action: str) -> None:
    """Called by audit_record for every row: a row about a case that is not a read makes the
    request's read of that case redundant."""
    scope = _scope.get()
    if scope is not None and case_code and action != AuditAction.CASE_READ:
        scope.written.add(case_code)


def case_read(*, actor, case_code: str, extra: dict) -> None:
    """Log that ``actor`` viewed case ``case_code`` (once per request, see the module doc)."""
    scope = _scope.get()
    if scope is None:
        _write(actor, case_code, extra)
        return
    if case_code in scope.follow_up or case_code in scope.pending:
        return
    scope.pending[case_code] = (actor, extra)


def flush_current() -> None:
    """Write the running request's pending read rows now (an API request, while its client is
    still known to the audit context); the request's end then has nothing left to write."""
    scope = _scope.get()
    if scope is not None:
        flush(scope)


def flush(scope: ReadScope) -> None:
    pending, scope.pending = scope.pending, {}
    for case_code, (actor, extra) in pending.items():
        if case_code not in scope.written:
            _write(actor, case_code, extra)


def _write(actor, case_code: str, extra: dict) -> None:
    from inbeeld.audit.services import audit_record

    audit_record(
        actor=actor,
        action=AuditAction.CASE_READ,
        subject_type="case",
        subject_ref=case_code,
        case_code=case_code,
        extra=extra,
    )
