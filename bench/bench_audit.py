"""Benchmark of audited writes under concurrency, and of the privacy officer's audit queries.

Issue 15 item 4 (docs/adr/0019-audit-that-scales.md). On PostgreSQL (BENCH_AUDIT_PG_URL, a
database whose name starts with ``inbeeld_bench``; dropped and recreated), after `inbeeld migrate`,
each part in a child process (``bench_audit.py --child PART ...``) with fresh settings:

- **writers**: N threads, each with its own database connection, each calling ``audit_record``
  ROWS times, every call in its own transaction (as an audited page view does: the read row is
  written and committed on its own), timed per call including the commit; rows/s and p50/p95/max.
  Scenario "5 ms transaction": the audit row and then 5 ms more work (a sleep standing in for the
  rest of a service) before the commit, so the chain head stays locked as long as a write service
  keeps it. Each scenario runs with INBEELD_AUDIT_CHAINS=1 (every writer on one chain-head row:
  the single global lock before this change) and with the default number of chains, one after
  the other on the same machine. Periodic checkpoints (INBEELD_AUDIT_CHECKPOINT_EVERY, 1000) run
  as in production. Afterwards ``audit_chain_verify`` walks the whole log (it must say "in orde").
- **search**: the log is filled with synthetic rows up to BENCH_AUDIT_SEARCH_ROWS (5,000,000; a
  year of use: 400 users, 200,000 cases, mostly case reads) by one INSERT ... SELECT, ANALYZEd,
  and the privacy officer's selectors are timed (audit search by user and by case: count and first
  page, as the paginated page runs them; the case's access history; the alerts of the privacy
  overview), with their EXPLAIN (ANALYZE) plans. These rows are not chained: this part measures
  queries, not verification.

Environment: BENCH_AUDIT_PG_URL (default postgres://postgres@127.0.0.1:5432/inbeeld_bench_audit),
BENCH_AUDIT_CLIENTS (20), BENCH_AUDIT_ROWS (500 per client), BENCH_AUDIT_SEARCH_ROWS (5000000;
0 skips the part), BENCH_AUDIT_SRC (the source tree to measure; default this project's src/).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

NAME = "audit"
PROJECT_DIR = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "BENCH_AUDIT_PG_URL", "postgres://postgres@127.0.0.1:5432/inbeeld_bench_audit"
)
CLIENTS = int(os.environ.get("BENCH_AUDIT_CLIENTS", "20"))
ROWS = int(os.environ.get("BENCH_AUDIT_ROWS", "500"))
SEARCH_ROWS = int(os.environ.get("BENCH_AUDIT_SEARCH_ROWS", "5000000"))
SRC = os.environ.get("BENCH_AUDIT_SRC", str(PROJECT_DIR / "src"))
WORK_MS = 5  # the "5 ms transaction" scenario
SCENARIOS = (("own transaction", 0, ROWS), ("5 ms transaction", WORK_MS, max(ROWS // 5, 1)))
NOTES = (
    "Where the time goes: with one chain every writer waits for the chain head until the writer "
    "before it has committed, so 20 clients queue behind each other's commit (and behind the 5 ms "
    "of the longer transaction); with 16 chains they take different heads and commit in parallel "
    "(PostgreSQL flushes their commits together). One client writes to chain 0 alone in both "
    "designs, so its figures differ only by the load of the machine. The alerts of the privacy "
    "overview take longest at 5 million rows: they count the distinct cases each user read per day "
    "over 44 days (about 470,000 read rows; from the covering index, then a sort), which no index "
    "makes small (docs/adr/0019-audit-that-scales.md, consequences)."
)
SEARCH_USERS = 400
# The code before issue 15 item 4 (one chain-head row locked by every writer; no indexes for the
# privacy officer's queries), measured with this script (BENCH_AUDIT_SRC pointing at a copy of
# that source tree) on 2026-12-06 16:13 UTC on the machine of the table below, load 2–3.
BEFORE = {
    "own transaction, 20 clients": "316 rows/s, p50 19.5 ms, p95 228 ms, max 772 ms",
    "5 ms transaction, 20 clients": "88 rows/s, p50 55 ms, p95 791 ms, max 2,591 ms",
    "search by user (count + page 1)": "3,125 ms (median of 5; first 4,079 ms)",
    "search by case (count + page 1)": "34 ms",
    "case access history": "21 ms",
    "privacy overview alerts (14 + 30 days)": "5,996 ms (median of 5; first 8,101 ms)",
}
SEARCH_CASES = 200_000


# --- child: writers ------------------------------------------------------------------------------


def _writer(index: int, rows: int, work_ms: int, start: threading.Barrier, out: list) -> None:
    from django.db import connection, transaction

    from inbeeld.audit.models import AuditAction
    from inbeeld.audit.services import audit_record

    latencies = []
    try:
        start.wait()
        for i in range(rows):
            clock = time.perf_counter()
            with transaction.atomic():
                audit_record(
                    actor=None,
                    action=AuditAction.CASE_READ,
                    subject_type="case",
                    subject_ref=f"BENCH-{index:03d}-{i:05d}",
                    case_code=f"BENCH-{index:03d}",
                    extra={"client": index, "i": i},
                )
                if work_ms:
                    time.sleep(work_ms / 1000)
            latencies.append(time.perf_counter() - clock)
    finally:
        connection.close()
    out.extend(latencies)


def child_writers(clients: int, rows: int, work_ms: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from inbeeld.audit.models import AuditChainHead, AuditEvent

    before = AuditEvent.objects.count()
    last_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    connection.close()
    latencies: list[float] = []
    barrier = threading.Barrier(clients + 1)
    threads = [
        threading.Thread(target=_writer, args=(i, rows, work_ms, barrier, latencies))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    clock = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - clock
    written = AuditEvent.objects.count() - before
    chains = getattr(settings, "INBEELD_AUDIT_CHAINS", 1)
    used = (
        AuditEvent.objects.filter(id__gt=last_before).values("chain").distinct().count()
        if hasattr(AuditEvent, "chain")
        else 1
    )
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "rows": written,
        "expected_rows": clients * rows,
        "chains": chains,
        "chains_used": used,
        "heads": AuditChainHead.objects.count(),
        "seconds": wall,
        "rows_per_second": written / wall,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def child_verify() -> dict:
    import django

    django.setup()
    from inbeeld.audit.verify import audit_chain_verify

    clock = time.perf_counter()
    report = audit_chain_verify()
    return {
        "ok": report.ok,
        "reason": report.reason,
        "rows": report.rows,
        "seconds": time.perf_counter() - clock,
    }


# --- child: the privacy officer's queries at scale -------------------------------------------------


FILL_SQL = """
INSERT INTO audit_auditevent (created_at, actor_id, actor_label, action, subject_type,
    subject_ref, case_code, extra, prev_hash, row_hash, chain_version{chain_col})
SELECT now() - (g * interval '6 seconds'),
       NULL,
       'bench.user' || (mod(g, %(users)s)),
       CASE WHEN mod(g, 10) < 7 THEN 'case.read'
            WHEN mod(g, 10) = 7 THEN 'case.list_read'
            WHEN mod(g, 10) = 8 THEN 'event.recorded'
            ELSE 'auth.login' END,
       CASE WHEN mod(g, 10) = 9 THEN 'user' ELSE 'case' END,
       CASE WHEN mod(g, 10) = 9 THEN 'bench.user' || (mod(g, %(users)s))
            ELSE 'BZ-' || lpad(mod(g::bigint * 7919, %(cases)s)::text, 7, '0') END,
       CASE WHEN mod(g, 10) < 9 THEN 'BZ-' || lpad(mod(g::bigint * 7919, %(cases)s)::text, 7, '0') ELSE '' END,
       '{{}}'::jsonb,
       repeat('0', 64),
       md5(g::text || 'a') || md5(g::text || 'b'),
       {version}{chain_val}
FROM generate_series(1, %(n)s) AS g
"""


def _timed(fn, repeats: int = 5) -> dict:
    times = []
    for _ in range(repeats):
        clock = time.perf_counter()
        fn()
        times.append(time.perf_counter() - clock)
    return {"first_ms": times[0] * 1000, "median_ms": statistics.median(times) * 1000}


def _plan(queryset) -> list[str]:
    sql, params = queryset.query.sql_with_params()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, params)
        return [row[0] for row in cursor.fetchall()]


def child_search(target: int) -> dict:
    import django

    django.setup()
    from django.core.paginator import Paginator
    from django.db import connection
    from tests.factories import make_user

    from inbeeld.accounts.models import Role
    from inbeeld.audit.models import AuditEvent
    from inbeeld.oversight import selectors
    from inbeeld.oversight.selectors import AuditFilters

    have = AuditEvent.objects.count()
    fill_seconds = 0.0
    if have < target:
        chained = hasattr(AuditEvent, "chain")
        sql = FILL_SQL.format(
            chain_col=", chain" if chained else "",
            chain_val=", mod(g, 16)" if chained else "",
            version=3 if chained else 2,
        )
        clock = time.perf_counter()
        with connection.cursor() as cursor:
            # Plain indexes are dropped for the load and built again afterwards (much faster than
            # maintaining them row by row); constraints (primary key, unique MAC) stay.
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_auditevent' "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(sql, {"users": SEARCH_USERS, "cases": SEARCH_CASES, "n": target - have})
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("VACUUM ANALYZE audit_auditevent")
        fill_seconds = time.perf_counter() - clock
    officer = make_user(Role.PRIVACY_OFFICER, username="bench.privacy")
    case = "BZ-" + str(7919 * 12345 % SEARCH_CASES).zfill(7)

    def page(qs):
        paginator = Paginator(qs, 50)
        return paginator.count, list(paginator.page(1).object_list)

    queries = {
        "search by user (count + page 1)": (
            lambda: page(selectors.audit_log_search(officer, AuditFilters(username="bench.user7"))),
            AuditEvent.objects.filter(actor_label__iexact="bench.user7").order_by("-created_at"),
        ),
        "search by case (count + page 1)": (
            lambda: page(selectors.audit_log_search(officer, AuditFilters(case_code=case))),
            None,
        ),
        "case access history": (
            lambda: list(selectors.case_access_history(officer, case)[:200]),
            None,
        ),
        "privacy overview alerts (14 + 30 days)": (
            lambda: selectors.access_alerts(officer),
            None,
        ),
    }
    results = {}
    for label, (fn, _qs) in queries.items():
        results[label] = _timed(fn)
    plans = {
        "search by user": _plan(
            selectors.audit_log_search(officer, AuditFilters(username="bench.user7"))[:50]
        ),
        "search by case": _plan(
            selectors.audit_log_search(officer, AuditFilters(case_code=case))[:50]
        ),
        "case access history": _plan(selectors.case_access_history(officer, case)[:200]),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('audit_auditevent')")
        size = cursor.fetchone()[0]
    return {
        "rows": AuditEvent.objects.count(),
        "fill_seconds": fill_seconds,
        "table_bytes": size,
        "queries": results,
        "plans": plans,
    }


# --- parent -------------------------------------------------------------------------------------


# One set of throw-away keys for every child of a run: the checkpoints of one child must verify
# in the next.
_KEYS = {
    "INBEELD_AUDIT_KEY": "bench-audit-" + os.urandom(24).hex(),
    "INBEELD_AUDIT_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
}


def _env(var_dir: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    from bench.bench_demo import _child_env

    env = _child_env(var_dir, PG_URL)
    env.update(_KEYS)
    env["PYTHONPATH"] = os.pathsep.join([SRC, str(PROJECT_DIR), env.get("PYTHONPATH", "")])
    env.update(extra or {})
    return env


def _child(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(  # noqa: S603 (our own interpreter and this script)
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        env=env,
        check=True,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure() -> dict:
    from bench.bench_demo import _recreate_pg_database, machine

    _recreate_pg_database(PG_URL)
    results: dict = {"machine": machine(), "writers": [], "when": dt.datetime.now(dt.UTC)}
    with tempfile.TemporaryDirectory(prefix="inbeeld-bench-audit-") as var_dir:
        env = _env(var_dir)
        subprocess.run(
            [sys.executable, "-m", "inbeeld", "migrate", "--noinput", "-v0"],
            env=env,
            check=True,
            cwd=PROJECT_DIR,
        )
        for label, work_ms, rows in SCENARIOS:
            for chains in ("1", ""):
                extra = {"INBEELD_AUDIT_CHAINS": chains} if chains else {}
                for clients in (1, CLIENTS):
                    load = os.getloadavg()[0]
                    run = _child(
                        _env(var_dir, extra), "writers", str(clients), str(rows), str(work_ms)
                    )
                    run.update(scenario=label, load=load)
                    results["writers"].append(run)
                    print(json.dumps(run), flush=True)
        results["verify"] = _child(env, "verify")
        print(json.dumps(results["verify"]), flush=True)
        if SEARCH_ROWS:
            results["search"] = _child(env, "search", str(SEARCH_ROWS))
    return results


def render(results: dict) -> str:
    info = results["machine"]
    when = results["when"]
    lines = [
        "## Audit: concurrent audited writes and the privacy officer's queries",
        "",
        "Command: `.venv/bin/python bench/run.py audit` (PostgreSQL "
        f"`{urlsplit(PG_URL).path.lstrip('/')}`, dropped and recreated; "
        "design in docs/adr/0019-audit-that-scales.md). Each client is a thread with its own "
        "connection calling `audit_record`, each call in its own transaction (commit included in "
        'the latency). "1 chain" is `INBEELD_AUDIT_CHAINS=1`: every writer locks the same '
        "chain-head row, the single global lock of before; the other rows use the default number "
        'of chains. "5 ms transaction": 5 ms of other work after the audit row, before the commit.',
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC on {info['nproc']} CPUs ({info['cpu']}), "
        f"{info['ram_gib']:.0f} GiB RAM, {info['os']}, Python {info['python']}; the machine is "
        "shared with other jobs (load average before each run in the last column).",
        "",
        "| scenario | chains (used) | clients | rows | rows/s | p50 | p95 | max | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in results["writers"]:
        lines.append(
            f"| {run['scenario']} | {run['chains']} ({run['chains_used']}) | {run['clients']} "
            f"| {run['rows']:,} | {run['rows_per_second']:,.0f} | {run['p50_ms']:.1f} ms "
            f"| {run['p95_ms']:.1f} ms | {run['max_ms']:.0f} ms | {run['load']:.2f} |"
        )
    verify = results["verify"]
    lines += [
        "",
        f"`audit_chain_verify` afterwards: **{'in orde' if verify['ok'] else 'NIET in orde'}**, "
        f"{verify['rows']:,} rows in {verify['seconds']:.1f} s "
        f"({verify['rows'] / max(verify['seconds'], 1e-9):,.0f} rows/s)"
        + (f" — {verify['reason']}" if not verify["ok"] else "")
        + ".",
    ]
    lines += ["", "The code before this change, recorded (same script, same machine):", ""]
    lines += [f"- {label}: {value}" for label, value in BEFORE.items()]
    lines += ["", NOTES]
    search = results.get("search")
    if search:
        lines += [
            "",
            f"### The privacy officer's queries at {search['rows']:,} audit rows",
            "",
            f"Synthetic rows ({SEARCH_USERS} users, {SEARCH_CASES:,} cases, one row per 6 s of a "
            f"year; filled in {search['fill_seconds']:.0f} s; table with indexes "
            f"{search['table_bytes'] / 2**30:.1f} GiB). Server-side time of the selector as the "
            "page calls it (including its own audit row), first run and median of 5:",
            "",
            "| query | first | median |",
            "|---|---|---|",
        ]
        for label, timing in search["queries"].items():
            lines.append(
                f"| {label} | {timing['first_ms']:.0f} ms | {timing['median_ms']:.0f} ms |"
            )
        for label, plan in search["plans"].items():
            lines += ["", f"Plan, {label} (first page):", "", "```"] + plan + ["```"]
    return "\n".join(lines)


def run() -> str:
    return render(measure())


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        part, args = sys.argv[2], sys.argv[3:]
        if part == "writers":
            result = child_writers(int(args[0]), int(args[1]), int(args[2]))
        elif part == "verify":
            result = child_verify()
        else:
            result = child_search(int(args[0]))
        print(json.dumps(result, default=str))
    else:
        results = measure()
        print(render(results))
