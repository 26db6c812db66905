"""Stored results: the research pages (evaluation, monitor, pilot dashboard) answer from figures
the worker computed, not from a computation in the request (issue 15 item 3, ADR 0020).

An app that offers such a page registers a ResultKind here (analysis: the evaluation,
publication: the monitor, pilot: the dashboard); this module knows none of them. A result is
kept per kind, data scope (policy.ResearchScope.key: the same for every user with the same
scope, never a user) and page parameters, in one table every web worker and every background
worker shares (jobs.models.StoredResult), with the data fingerprint and the cut-off it was
computed from.

- A page asks ``result_for(kind, scope, params)``: the stored figures with their time and
  whether they are stale, or — the very first time — nothing yet, and a recomputation is queued.
- Any write of data the figures read (analysis.freshness connects the models) calls
  ``results_mark_stale()`` after its commit: one UPDATE and, unless one is already waiting, one
  queued recomputation. Nothing is emptied: the page keeps its figures and says they are being
  brought up to date.
- The worker runs ``results_recompute()`` (jobs.tasks.recompute_results): every stale result is
  computed again; when its data fingerprint did not change, the stored figures are kept.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from inbeeld.jobs.models import StoredResult

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Computed:
    value: Any  # what the page renders (picklable)
    cutoff: dt.date | None


@dataclass(frozen=True)
class ResultKind:
    code: str
    # compute(scope_key, params) → Computed; runs in the worker only
    compute: Callable[[str, dict], Computed]
    # fingerprint(scope_key, params) → str: cheap; changes whenever the figures may change
    fingerprint: Callable[[str, dict], str]


_KINDS: dict[str, ResultKind] = {}


def register(kind: ResultKind) -> None:
    if kind.code in _KINDS and _KINDS[kind.code] != kind:
        raise ValueError(f"result kind {kind.code!r} registered twice")
    _KINDS[kind.code] = kind


def params_key(params: dict) -> str:
    return ";".join(f"{name}={params[name]}" for name in sorted(params))


def _params(key: str) -> dict:
    return dict(part.split("=", 1) for part in key.split(";") if part)


@dataclass(frozen=True)
class Served:
    """What a page shows: ``value`` (None while the first computation is still running),
    ``computed_at`` and ``cutoff`` of the figures, and ``stale``: newer data are being
    processed."""

    value: Any
    computed_at: dt.datetime | None
    cutoff: dt.date | None
    stale: bool
    failed: bool = False

    @property
    def ready(self) -> bool:
        return self.value is not None


def result_for(kind: str, scope_key: str, params: dict | None = None) -> Served:
    """The stored figures of ``kind`` for a data scope (the caller checked the policy). Costs one
    query when they exist; the first time, the row is made and a recomputation queued."""
    if kind not in _KINDS:
        raise ValueError(f"unknown result kind {kind!r}")
    key = params_key(params or {})
    row = StoredResult.objects.filter(kind=kind, scope_key=scope_key, params_key=key).first()
    if row is None:
        with transaction.atomic():
            row, created = StoredResult.objects.get_or_create(
                kind=kind, scope_key=scope_key, params_key=key
            )
            if created:
                _enqueue_once()
        row.refresh_from_db()  # a worker may have been quick
    if settings.INBEELD_RESULTS_AT_ONCE and row.stale:  # the test settings only
        recompute_one(row)
        row.refresh_from_db()
    if row.payload is None:
        return Served(None, None, None, stale=True, failed=bool(row.error))
    return Served(
        pickle.loads(bytes(row.payload)),  # noqa: S301 (written only by results_recompute)
        row.computed_at,
        row.cutoff,
        stale=row.stale,
        failed=bool(row.error),
    )


def value_with_fingerprint(kind: str, fingerprint: str) -> Any:
    """The stored figures of ``kind`` computed from data with exactly this fingerprint, whatever
    the scope (the fingerprint names the data themselves), or None. For a computation that may
    reuse a slower result the worker already made for the same data."""
    row = (
        StoredResult.objects.filter(kind=kind, fingerprint=fingerprint)
        .exclude(payload=None)
        .only("payload")
        .first()
    )
    return None if row is None else pickle.loads(bytes(row.payload))  # noqa: S301 (as above)


# --- staleness ------------------------------------------------------------------------------------


def results_mark_stale() -> None:
    """The data changed: every stored result is stale (kept, not emptied) and one recomputation
    is queued. Call after the commit of the change (analysis.freshness does)."""
    StoredResult.objects.update(stale=True, version=F("version") + 1)
    if StoredResult.objects.exists() and not settings.INBEELD_RESULTS_AT_ONCE:
        _enqueue_once()


def _mark_after_commit() -> None:
    results_mark_stale()


def mark_stale_on_commit() -> None:
    """Mark the results stale once the current transaction commits (once per transaction, however
    many rows it writes)."""
    if settings.INBEELD_RESULTS_AT_ONCE:  # the test settings: the page computes it
        StoredResult.objects.update(stale=True, version=F("version") + 1)
        return
    if connection.in_atomic_block and any(
        func is _mark_after_commit for _sids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_mark_after_commit)


def _enqueue_once() -> None:
    """Queue one recomputation unless one is already waiting (a running one does not count: it
    may have read the data before this change)."""
    from django_tasks_db.models import DBTaskResult

    from inbeeld.jobs.tasks import recompute_results

    if settings.INBEELD_RESULTS_AT_ONCE:
        return
    if not DBTaskResult.objects.ready().filter(task_path=recompute_results.module_path).exists():
        recompute_results.enqueue()


# --- the worker -----------------------------------------------------------------------------------


def _store(row: StoredResult, version: int, fields: dict) -> None:
    """Save the new figures; clear ``stale`` only when no change came in while computing."""
    updated = StoredResult.objects.filter(pk=row.pk, version=version).update(stale=False, **fields)
    if not updated:
        StoredResult.objects.filter(pk=row.pk).update(**fields)


@contextmanager
def _snapshot():
    """One consistent view of the data for all the queries of one computation (PostgreSQL:
    REPEATABLE READ) with room to sort and hash in memory (``work_mem``, settings
    INBEELD_RESULTS_WORK_MEM: only this transaction of the worker gets it), without JIT
    compilation (each of the table builders' scans cost 0.3–0.4 s of compiling that the compiled
    expressions never won back) and with parallel workers priced as cheap: the builders' scans
    and group-bys over every event return hundreds of thousands of rows, which PostgreSQL's
    default tuple cost kept in one process (the first dates at 1,000,000 cases: 5.3 s alone,
    3.6 s with two workers; BENCHMARKS.md)."""
    outermost = not connection.in_atomic_block  # (a test's transaction is already open)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute(
                    "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true), "
                    "set_config('parallel_setup_cost', '100', true), "
                    "set_config('parallel_tuple_cost', '0.001', true)",
                    [settings.INBEELD_RESULTS_WORK_MEM],
                )
        yield


def recompute_one(row: StoredResult) -> bool:
    """Compute one stored result again (in the worker); True when its figures changed."""
    kind = _KINDS.get(row.kind)
    if kind is None:
        row.delete()
        return False
    version = row.version
    params = _params(row.params_key)
    fingerprint = kind.fingerprint(row.scope_key, params)
    if row.fingerprint and fingerprint == row.fingerprint:  # (set only with a payload)
        _store(row, version, {"error": ""})
        return False
    started = time.perf_counter()
    try:
        with _snapshot():
            computed = kind.compute(row.scope_key, params)
    except Exception:
        logger.exception("stored result %s failed", row.pk)
        StoredResult.objects.filter(pk=row.pk).update(
            error="De berekening is mislukt; de beheerder kan het logboek bekijken."
        )
        return False
    _store(
        row,
        version,
        {
            "payload": pickle.dumps(computed.value, protocol=pickle.HIGHEST_PROTOCOL),
            "fingerprint": fingerprint,
            "cutoff": computed.cutoff,
            "computed_at": timezone.now(),
            "seconds": round(time.perf_counter() - started, 3),
            "error": "",
        },
    )
    return True


def results_recompute(*, everything: bool = False) -> int:
    """Compute every stale stored result again (``everything``: all of them, e.g. after midnight,
    when "today" moved on); returns how many changed."""
    if everything:
        StoredResult.objects.update(stale=True, version=F("version") + 1, fingerprint="")
    changed = 0
    for row in StoredResult.objects.filter(stale=True).defer("payload").order_by("kind", "pk"):
        changed += recompute_one(row)
    return changed
