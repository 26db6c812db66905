"""Benchmark of the research pages that answer from stored results (issue 15 item 3), on a
PostgreSQL database that already holds the demo data (`inbeeld demo --cases N`; loading 1,000,000
cases takes about two minutes, see the demo section).

In one process with the project's development settings against BENCH_STORED_DATABASE_URL:

1. EXPLAIN (ANALYZE) of every query the table builders run for the research and the monitor
   scope: PostgreSQL's estimated rows against the actual rows of each plan node; the worst ratio
   per query is reported, and a plan counts as "estimated right" when every node is within
   ESTIMATE_FACTOR (nodes of fewer than 1,000 actual rows are not judged).
2. The ORM → table load: the evaluation's and the monitor's tables read as Arrow columns (ADBC,
   the default; ADR 0027) and through COPY, each twice, in the worker's transaction; with
   BENCH_STORED_ORM=1 also row by row through the ORM, for comparison.
3. Cold recomputation as the worker does it (jobs.results.recompute_one): evaluation, monitor
   (with the dark number's bootstrap) and pilot dashboard, each from the database.
4. A page view served from the stored result: the evaluation overview, the monitor page and the
   pilot dashboard through Django's test client, logged in as the demo researcher; median of
   PAGE_REPEATS views, server side (the client runs in the same process).

Environment: BENCH_STORED_DATABASE_URL (required), BENCH_STORED_ORM (0/1).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

NAME = "stored_results"
PROJECT_DIR = Path(__file__).resolve().parent.parent
ESTIMATE_FACTOR = 10.0
PAGE_REPEATS = 5


def _setup() -> None:
    url = os.environ.get("BENCH_STORED_DATABASE_URL")
    if not url:
        raise SystemExit("set BENCH_STORED_DATABASE_URL to a PostgreSQL database with demo data")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inbeeld.conf.settings.dev")
    sys.path.insert(0, str(PROJECT_DIR / "src"))
    import django

    django.setup()


def _timed(function):
    started = time.perf_counter()
    value = function()
    return value, time.perf_counter() - started


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def explain(queryset) -> dict:
    """EXPLAIN (ANALYZE, FORMAT JSON) of a queryset: the worst estimate of its plan nodes."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        (document,) = cursor.fetchone()
    root = (json.loads(document) if isinstance(document, str) else document)[0]
    worst, where = 1.0, ""
    for node in _nodes(root["Plan"]):
        actual = node["Actual Rows"] * node.get("Actual Loops", 1)
        estimated = node["Plan Rows"] * node.get("Actual Loops", 1)
        if actual < 1000:
            continue
        ratio = max(actual, 1) / max(estimated, 1)
        ratio = max(ratio, 1 / ratio)
        if ratio > worst:
            worst, where = ratio, f"{node['Node Type']} ({estimated:,.0f} est. / {actual:,.0f})"
    return {
        "seconds": root["Execution Time"] / 1000,
        "worst": worst,
        "where": where,
        "rows": root["Plan"]["Actual Rows"],
    }


def builder_queries():
    """(name, queryset) of every query the evaluation's and the monitor's tables run."""

    from inbeeld.analysis import builders
    from inbeeld.analysis.monitor_tables import OUTCOME_EVENTS as MONITOR_EVENTS
    from inbeeld.analysis.monitor_tables import REVICTIMISATION_EVENT
    from inbeeld.cases import selectors
    from inbeeld.stats.monitor import OPTIONAL_FORMS
    from inbeeld.stats.outcomes import FIRST_DATE_EVENTS
    from inbeeld.stats.tables import FORMS

    research = selectors.cases_in_research_scope()
    monitor = selectors.cases_in_research_scope(monitor=True)
    for scope, cases in (("research", research), ("monitor", monitor)):
        events = builders.effective_events(cases)
        yield f"{scope}: cases", cases.values_list("pk", "police_unit__code", "intake_date")
        yield (
            f"{scope}: forms",
            builders.Case.exploitation_forms.through.objects.filter(
                case_id__in=cases.values("pk"), exploitationform__code__in=[*FORMS, *OPTIONAL_FORMS]
            ).values_list("case_id", "exploitationform__code"),
        )
        # the events behind the first dates, as analysis.tables.tables_with_extra reads them (the
        # monitor: with its outcome and revictimisation codes and the outcome column)
        codes, fields = FIRST_DATE_EVENTS, ("case_id", "event_type__code", "event_date")
        if scope == "monitor":
            codes = (*FIRST_DATE_EVENTS, *MONITOR_EVENTS, REVICTIMISATION_EVENT)
            fields = (*fields, "outcome")
        yield (
            f"{scope}: first dates",
            builders.standing_event_rows(cases, tuple(dict.fromkeys(codes)), fields),
        )
        yield (
            f"{scope}: cut-off (latest date)",
            events.order_by("-event_date").values_list("event_date", flat=True)[:1],
        )
        yield (
            f"{scope}: deliveries",
            builders.Delivery.objects.filter(
                builders.EFFECTIVE_DELIVERY, case_id__in=cases.values("pk")
            ).values_list("case_id", "intervention__code", "date", "delivered"),
        )


def measure() -> dict:
    _setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from inbeeld import policy
    from inbeeld.accounts.models import Membership
    from inbeeld.analysis.monitor_tables import monitor_tables_for_cases
    from inbeeld.analysis.tables import tables_for_cases
    from inbeeld.cases import selectors
    from inbeeld.cases.models import Case, ChainEvent
    from inbeeld.jobs import results
    from inbeeld.jobs.models import StoredResult

    info: dict = {
        "cases": Case.objects.count(),
        "events": ChainEvent.objects.count(),
        "research": selectors.cases_in_research_scope().count(),
        "postgres": connection.pg_version,
    }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with results._snapshot():  # as the worker runs them (work_mem, no JIT)
        plans = [(name, explain(q)) for name, q in builder_queries()]
    info["plans"] = plans

    research = selectors.cases_in_research_scope()
    monitor = selectors.cases_in_research_scope(monitor=True)
    loads = {}
    # In the worker's transaction (work_mem, no JIT: jobs.results._snapshot), as it loads them.
    # Arrow (ADBC, the default) and COPY side by side, each twice (the second with a warm cache).
    for arrow, label in ((True, "Arrow"), (False, "COPY")):
        settings.INBEELD_TABLE_LOAD_ARROW = arrow
        for run in ("", ", again"):
            with results._snapshot():
                _tables, loads[f"evaluation tables ({label}{run})"] = _timed(
                    lambda: tables_for_cases(research)
                )
                _tables, loads[f"monitor tables ({label}{run})"] = _timed(
                    lambda: monitor_tables_for_cases(monitor)
                )
    settings.INBEELD_TABLE_LOAD_ARROW = True
    if os.environ.get("BENCH_STORED_ORM") == "1":
        settings.INBEELD_TABLE_LOAD_COPY = False
        _tables, loads["evaluation tables (ORM rows)"] = _timed(lambda: tables_for_cases(research))
        _tables, loads["monitor tables (ORM rows)"] = _timed(
            lambda: monitor_tables_for_cases(monitor)
        )
        settings.INBEELD_TABLE_LOAD_COPY = True
    info["loads"] = loads

    researcher = (
        Membership.objects.filter(role=policy.Role.RESEARCHER, is_active=True)
        .select_related("user")
        .first()
        .user
    )
    scope = policy.research_scope(researcher)
    monitor_scope = policy.research_scope(researcher, monitor=True)
    StoredResult.objects.filter(
        scope_key__in=[scope.key, monitor_scope.key]
    ).delete()  # cold: nothing stored
    rows = [
        StoredResult.objects.create(
            kind="evaluation", scope_key=scope.key, params_key="horizon=180"
        ),
        StoredResult.objects.create(kind="monitor", scope_key=monitor_scope.key),
        StoredResult.objects.create(kind="pilot_dashboard", scope_key=scope.key),
    ]
    computes = {}
    for row in rows:
        _changed, seconds = _timed(lambda row=row: results.recompute_one(row))
        computes[row.kind] = seconds
    info["computes"] = computes
    again = {}
    for row in StoredResult.objects.filter(pk__in=[r.pk for r in rows]):
        StoredResult.objects.filter(pk=row.pk).update(stale=True)
        row.stale = True
        _changed, again[row.kind] = _timed(lambda row=row: results.recompute_one(row))
    info["unchanged"] = again
    # Data changed, but not the linkage keys: everything is computed again except the dark
    # number's bootstrap, which is kept per capture-history table (publication.
    # dark_number_uncertainty) — the usual case, a new chain event.
    warm = {}
    for row in StoredResult.objects.filter(pk__in=[r.pk for r in rows]):
        StoredResult.objects.filter(pk=row.pk).update(stale=True, fingerprint="")
        row.stale, row.fingerprint = True, ""
        _changed, warm[row.kind] = _timed(lambda row=row: results.recompute_one(row))
    info["changed"] = warm

    setup_test_environment()
    sys.path.insert(0, str(PROJECT_DIR))
    from tests.conftest import verified_login  # a passed second factor, as the tests log in

    client = verified_login(Client(), researcher)
    pages = {}
    for label, url in (
        ("evaluation overview", reverse("evaluation:overview")),
        ("monitor page", reverse("reports:monitor_page")),
        ("pilot dashboard", reverse("pilot:dashboard")),
    ):
        timings, status = [], None
        for _ in range(PAGE_REPEATS):
            response, seconds = _timed(lambda url=url: client.get(url))
            timings.append(seconds)
            status = response.status_code
            body = response.content.decode()
        pages[label] = {
            "median": statistics.median(timings),
            "max": max(timings),
            "status": status,
            "fresh": "Cijfers van" in body,
        }
    info["pages"] = pages
    info["load"] = os.getloadavg()
    return info


def render(info: dict, when: dt.datetime) -> str:
    lines = [
        "## Research pages from stored results (issue 15 item 3)",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} on {platform.machine()}, {os.cpu_count()} cores "
        f"(shared with other jobs: load average {info['load'][0]:.1f} / {info['load'][1]:.1f} / "
        f"{info['load'][2]:.1f} at the end), PostgreSQL {info['postgres']}, with "
        "`python bench/bench_stored_results.py` on a database loaded by `inbeeld demo --cases "
        f"{info['cases']}`: {info['cases']:,} cases ({info['research']:,} with research "
        f"consent), {info['events']:,} chain events.",
        "",
        "### Query plans (EXPLAIN ANALYZE of every builder query)",
        "",
        f"A node counts as estimated right when PostgreSQL's row estimate is within a factor "
        f"{ESTIMATE_FACTOR:.0f} of the actual rows (nodes under 1,000 actual rows are not judged).",
        "",
        "| query | time | worst node estimate (est. / actual) | right |",
        "|---|---:|---|---|",
    ]
    for name, plan in info["plans"]:
        right = "yes" if plan["worst"] <= ESTIMATE_FACTOR else f"**no** (×{plan['worst']:.0f})"
        lines.append(f"| {name} | {plan['seconds']:.2f} s | {plan['where'] or '—'} | {right} |")
    lines += ["", "### ORM → table load", "", "| tables | seconds |", "|---|---:|"]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in info["loads"].items()]
    lines += [
        "",
        "### Recomputation in the worker (cold, from the database)",
        "",
        "Cold: nothing stored and nothing cached. Data changed: computed again after a change that "
        "leaves the linkage keys as they were (a new chain event, say), so the dark number's "
        "bootstrap (bounded by its time limit) is kept per capture-history table. Fingerprint "
        "unchanged: the worker sees that nothing it reads changed.",
        "",
        "| result | cold | data changed | fingerprint unchanged |",
        "|---|---:|---:|---:|",
    ]
    for kind, seconds in info["computes"].items():
        lines.append(
            f"| {kind} | {seconds:.2f} s | {info['changed'][kind]:.2f} s | "
            f"{info['unchanged'][kind]:.2f} s |"
        )
    lines += [
        "",
        f"### Page views served from the stored result (median of {PAGE_REPEATS}, server side)",
        "",
        "| page | median | slowest | status |",
        "|---|---:|---:|---|",
    ]
    for label, page in info["pages"].items():
        lines.append(
            f"| {label} | {page['median'] * 1000:.0f} ms | {page['max'] * 1000:.0f} ms | "
            f"{page['status']}{'' if page['fresh'] else ' (no freshness line!)'} |"
        )
    return "\n".join(lines) + "\n"


def run() -> str:
    info = measure()
    return render(info, dt.datetime.now(dt.UTC))


if __name__ == "__main__":
    result = measure()
    print(json.dumps(result, indent=1, default=str))
    print(render(result, dt.datetime.now(dt.UTC)))
