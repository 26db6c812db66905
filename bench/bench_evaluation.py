"""Benchmark of the full evaluation (``inbeeld.stats.evaluation.evaluate``) on 1,000,000 demo cases.

Two parts, each in a child process (``bench_evaluation.py --child memory|orm CASES SEED``) with
fresh Django settings (a temporary INBEELD_VAR_DIR with a new SQLite file, throw-away keys,
DATABASE_URL unset), as bench_demo.py does:

- memory: ``build_demo_data`` builds the demo in memory, ``evaluation_tables(data,
  consent_only=True)`` turns it into the evaluation's input tables (the research scope: cases with
  research consent), the five interventions' specs come from pilot/data/pilot.json (as
  analysis.evaluation.intervention_specs builds them from the database), and ``evaluate(tables,
  specs)`` is timed REPEATS times. One more run under cProfile splits the time per step, and one
  more times the top-level steps directly (no profiler). A second child repeats the timed runs
  with OpenBLAS on one thread (OPENBLAS_NUM_THREADS=1) and its Evaluation is compared with the
  first's.
- orm: the same demo is loaded into a fresh, migrated SQLite database (``build_demo_data`` +
  ``write_demo_data``, as ``inbeeld demo`` does), then ``analysis.tables.tables_for_cases(
  research_cases())`` (loading) and ``evaluate(tables, intervention_specs())`` are timed once
  each, and the result is compared with the evaluation of the in-memory tables of the same data
  (same cut-off): the two paths must give the same numbers. If generating + loading the
  database takes longer than ORM_LOAD_LIMIT seconds, the child is stopped and the ORM part runs
  on FALLBACK_CASES cases instead (the section says so).

No server is needed. Environment: BENCH_EVAL_CASES (default 1000000), BENCH_EVAL_SEED (2021),
BENCH_EVAL_ORM_CASES (default: BENCH_EVAL_CASES).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

NAME = "evaluation"
PROJECT_DIR = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("BENCH_EVAL_CASES", "1000000"))
SEED = int(os.environ.get("BENCH_EVAL_SEED", "2021"))
ORM_CASES = int(os.environ.get("BENCH_EVAL_ORM_CASES", str(CASES)))
FALLBACK_CASES = 200_000
ORM_LOAD_LIMIT = 300  # seconds for generating + loading the database before falling back
REPEATS = 3
TARGET_SECONDS = 10.0
# Interventions acting before any police contact (as analysis.evaluation.STAGES_BEFORE_POLICE).
STAGES_BEFORE_POLICE = {"safety_assessment", "signal_received"}
# Relative tolerance of the ORM-versus-memory comparison: the ORM returns the rows in another
# order, so sums over a million rows may differ in the last bits.
RTOL = 1e-9


# --- comparing two Evaluations ------------------------------------------------------------------


def differences(a, b, rtol: float = 0.0, path: str = "evaluation") -> tuple[list[str], float]:
    """Paths where ``a`` and ``b`` (nested frozen result dataclasses) differ by more than
    ``rtol`` (relative, for floats and float arrays), and the largest relative float difference."""
    import numpy as np

    found: list[str] = []
    largest = 0.0

    def walk(x, y, where: str) -> None:
        nonlocal largest
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            if type(x) is not type(y):
                found.append(f"{where}: {type(x).__name__} vs {type(y).__name__}")
                return
            for f in dataclasses.fields(x):
                walk(getattr(x, f.name), getattr(y, f.name), f"{where}.{f.name}")
        elif isinstance(x, (tuple, list)):
            if not isinstance(y, (tuple, list)) or len(x) != len(y):
                found.append(
                    f"{where}: length {len(x)} vs {len(y) if hasattr(y, '__len__') else y}"
                )
                return
            for i, (u, v) in enumerate(zip(x, y, strict=True)):
                walk(u, v, f"{where}[{i}]")
        elif isinstance(x, dict):
            if not isinstance(y, dict) or set(x) != set(y):
                found.append(f"{where}: keys differ")
                return
            for key in x:
                walk(x[key], y[key], f"{where}[{key!r}]")
        elif isinstance(x, np.ndarray):
            if not isinstance(y, np.ndarray) or x.shape != y.shape:
                found.append(f"{where}: array shape {x.shape} vs {getattr(y, 'shape', y)}")
                return
            if x.dtype.kind == "f" or y.dtype.kind == "f":
                u, v = x.astype(float), y.astype(float)
                same_nan = np.isnan(u) == np.isnan(v)
                both = ~np.isnan(u) & ~np.isnan(v) & (u != v)
                scale = np.maximum(np.abs(u[both]), np.abs(v[both]))
                rel = np.abs(u[both] - v[both]) / np.where(scale > 0, scale, 1.0)
                worst = float(rel.max()) if rel.size else 0.0
                if not np.isfinite(worst):  # inf vs finite
                    worst = math.inf
                largest = max(largest, worst)
                if not same_nan.all() or worst > rtol:
                    found.append(f"{where}: arrays differ (max relative {worst:.2g})")
            elif not np.array_equal(x, y):
                found.append(f"{where}: arrays differ")
        elif isinstance(x, float) or isinstance(y, float):
            if not isinstance(y, (float, int)) or not isinstance(x, (float, int)):
                found.append(f"{where}: {x!r} vs {y!r}")
                return
            if math.isnan(x) and math.isnan(y):
                return
            if x == y:
                return
            scale = max(abs(x), abs(y))
            rel = abs(x - y) / scale if math.isfinite(scale) and scale > 0 else math.inf
            largest = max(largest, rel)
            if rel > rtol:
                found.append(f"{where}: {x!r} vs {y!r}")
        elif x != y:
            found.append(f"{where}: {x!r} vs {y!r}")

    walk(a, b, path)
    return found, largest


# --- child processes ------------------------------------------------------------------------------


def specs_from_document() -> list:
    """The five interventions' specs from pilot/data/pilot.json, as
    analysis.evaluation.intervention_specs builds them from the synced database: in document
    order, police contact required unless the intervention acts before it, and the target of the
    latest phase."""
    from inbeeld.pilot.sync import load_pilot_document
    from inbeeld.stats.evaluation import InterventionSpec

    doc = load_pilot_document()
    latest = max(doc["phases"], key=lambda phase: phase["start"])
    return [
        InterventionSpec(
            code=row["code"],
            label=row["label"],
            requires_police_contact=row["chain_stage"] not in STAGES_BEFORE_POLICE,
            phase_target=latest["target_victims"],
        )
        for row in doc["interventions"]
    ]


def _interval(value) -> list[float] | None:
    return None if value is None else [value.estimate, value.low, value.high]


def summarise(result) -> dict:
    """The headline figures of an Evaluation, for the section."""
    rows = []
    for item in result.interventions:
        staggered = item.staggered
        rows.append(
            {
                "code": item.spec.code,
                "itt_n": [item.itt.n1, item.itt.n0],
                "itt_rd": _interval(item.itt.risk_difference),
                "itt_or": _interval(item.itt.adjusted_odds_ratio),
                "itt_or_note": item.itt.adjusted_note,
                "delivered_n": [item.delivered.n1, item.delivered.n0],
                "delivered_rd": _interval(item.delivered.risk_difference),
                "delivered_or": _interval(item.delivered.adjusted_odds_ratio),
                "hr_itt": _interval(item.survival_itt.hazard_ratio),
                "did": _interval(staggered.cs) if staggered is not None else None,
                "did_note": item.staggered_note,
            }
        )
    return {
        "n_cases": result.n_cases,
        "n_complete_followup": result.n_complete_followup,
        "complaint_within": _interval(result.complaint_within),
        "bottleneck": result.bottleneck,
        "units": len(result.bottlenecks_by_unit),
        "interventions": rows,
    }


def _sizes(tables) -> dict:
    return {
        "cases": tables.cases.height,
        "events": tables.events.height,
        "deliveries": tables.deliveries.height,
        "deployments": tables.deployments.height,
        "cutoff": tables.cutoff.isoformat(),
    }


def _profile_breakdown(tables, specs) -> dict:
    """One evaluate() under cProfile; cumulative seconds per step."""
    import cProfile
    import pstats

    from inbeeld.stats.evaluation import evaluate

    profile = cProfile.Profile()
    profile.enable()
    evaluate(tables, specs)
    profile.disable()
    table = pstats.Stats(profile).stats  # (file, line, function) -> (cc, nc, tt, ct, callers)

    def key(module: str, function: str):
        suffix = os.path.join("inbeeld", "stats", f"{module}.py")
        found = [k for k in table if k[0].endswith(suffix) and k[2] == function]
        if len(found) != 1:
            raise LookupError(f"{module}.{function}: {len(found)} profile entries")
        return found[0]

    def cum(module: str, function: str) -> float:
        return table[key(module, function)][3]

    def called_from(module: str, function: str, caller: tuple[str, str]) -> float:
        callers = table[key(module, function)][4]
        return callers.get(key(*caller), (0, 0, 0, 0.0))[3]

    return {
        "total": cum("evaluation", "evaluate"),
        "case_outcomes": cum("outcomes", "case_outcomes"),
        "first_dates": cum("outcomes", "first_dates"),
        "exposures": cum("outcomes", "exposures"),
        "lead_times": called_from("evaluation", "_lead_time", ("evaluation", "evaluate")),
        "by_unit": cum("evaluation", "lead_times_by_unit"),
        "interventions": cum("evaluation", "evaluate_intervention"),
        "compare": cum("evaluation", "compare"),
        "adjusted": cum("evaluation", "_adjusted"),
        "logistic": cum("regression", "logistic_regression"),
        "survival": cum("evaluation", "_survival"),
        "kaplan_meier": called_from("survival", "kaplan_meier", ("evaluation", "_survival")),
        "logrank": cum("survival", "logrank_test"),
        "cox": cum("survival", "cox_ph"),
        "staggered": cum("evaluation", "_staggered"),
        "did": cum("did", "staggered_did"),
    }


def _direct_steps(tables, specs) -> dict:
    """The top-level steps of evaluate(), each timed directly (no profiler)."""
    from inbeeld.stats import evaluation as ev
    from inbeeld.stats.outcomes import END_TO_END, STAGES, case_outcomes, exposures

    steps: dict[str, float] = {}
    clock = time.perf_counter()
    outcomes = case_outcomes(tables)
    steps["case_outcomes"] = time.perf_counter() - clock
    clock = time.perf_counter()
    exposure_rows = exposures(tables, outcomes)
    steps["exposures"] = time.perf_counter() - clock
    clock = time.perf_counter()
    for stage in (*STAGES, END_TO_END):
        ev._lead_time(outcomes, stage)
    steps["lead_times"] = time.perf_counter() - clock
    clock = time.perf_counter()
    ev.lead_times_by_unit(outcomes)
    steps["by_unit"] = time.perf_counter() - clock
    for spec in specs:
        clock = time.perf_counter()
        ev.evaluate_intervention(tables, outcomes, exposure_rows, spec)
        steps[f"intervention:{spec.code}"] = time.perf_counter() - clock
    return steps


def busy_seconds() -> float:
    """CPU seconds spent by all processes so far (user, nice, system, irq, softirq)."""
    with open("/proc/stat", encoding="utf-8") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    return (sum(ticks[:3]) + sum(ticks[5:7])) / os.sysconf("SC_CLK_TCK")


def child_memory(cases: int, seed: int, *, timing_only: bool = False) -> dict:
    """The in-memory part; with ``timing_only`` just the REPEATS timed runs. The last Evaluation
    is pickled to BENCH_EVAL_DUMP when that is set (to compare two children's results)."""
    import gc
    import pickle

    import django

    django.setup()
    from inbeeld.demo.generator import DemoConfig, build_demo_data
    from inbeeld.demo.generator.tables import evaluation_tables
    from inbeeld.stats.evaluation import evaluate

    clock = time.perf_counter()
    data = build_demo_data(DemoConfig(cases=cases, seed=seed))
    build = time.perf_counter() - clock
    all_events = int(data.event_count)
    clock = time.perf_counter()
    tables = evaluation_tables(data, consent_only=True)
    build_tables = time.perf_counter() - clock
    specs = specs_from_document()
    del data
    gc.collect()
    runs, cpu, others, result = [], [], [], None
    for _ in range(REPEATS):
        before, busy = os.times(), busy_seconds()
        fresh = dataclasses.replace(tables)  # nothing cached from the run before (first dates)
        clock = time.perf_counter()
        result = evaluate(fresh, specs)
        runs.append(time.perf_counter() - clock)
        after, busy = os.times(), busy_seconds() - busy
        cpu.append(after.user + after.system - before.user - before.system)
        others.append(max(0.0, busy - cpu[-1]))
        print(f"   evaluate: {runs[-1]:.2f} s", file=sys.stderr, flush=True)
    if os.environ.get("BENCH_EVAL_DUMP"):
        Path(os.environ["BENCH_EVAL_DUMP"]).write_bytes(pickle.dumps(result))
    if timing_only:
        return {"runs": runs, "cpu": cpu, "others": others}
    breakdown = _profile_breakdown(dataclasses.replace(tables), specs)
    direct = _direct_steps(dataclasses.replace(tables), specs)
    return {
        "cases_generated": cases,
        "events_generated": all_events,
        "sizes": _sizes(tables),
        "specs": [dataclasses.asdict(s) for s in specs],
        "build_seconds": build,
        "tables_seconds": build_tables,
        "runs": runs,
        "cpu": cpu,
        "others": others,
        "profile": breakdown,
        "direct": direct,
        "figures": summarise(result),
        "max_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def child_orm(cases: int, seed: int) -> dict:
    started = time.perf_counter()
    import django

    django.setup()
    from inbeeld.analysis.evaluation import intervention_specs
    from inbeeld.analysis.tables import research_cases, tables_for_cases
    from inbeeld.demo.accounts import ensure_demo_accounts
    from inbeeld.demo.generator import DemoConfig, PilotDesign, build_demo_data, write_demo_data
    from inbeeld.demo.generator.tables import evaluation_tables
    from inbeeld.stats.evaluation import evaluate
    from inbeeld.stats.tables import EvaluationTables

    ensure_demo_accounts()
    design = PilotDesign.from_database()  # as generate() does
    clock = time.perf_counter()
    data = build_demo_data(DemoConfig(cases=cases, seed=seed), pilot_design=design)
    generate = time.perf_counter() - clock
    clock = time.perf_counter()
    write_demo_data(data)
    insert = time.perf_counter() - clock
    print(
        "LOADED " + json.dumps({"generate": generate, "insert": insert}),
        flush=True,
    )
    load_total = time.perf_counter() - started

    def timed(function):
        before, busy = os.times(), busy_seconds()
        clock = time.perf_counter()
        value = function()
        seconds = time.perf_counter() - clock
        after, busy = os.times(), busy_seconds() - busy
        cpu = after.user + after.system - before.user - before.system
        return value, seconds, cpu, max(0.0, busy - cpu)

    tables, loading, loading_cpu, loading_others = timed(lambda: tables_for_cases(research_cases()))
    specs = intervention_specs()
    result, evaluating, evaluating_cpu, evaluating_others = timed(lambda: evaluate(tables, specs))
    print(f"   ORM: tables {loading:.2f} s, evaluate {evaluating:.2f} s", file=sys.stderr)

    # The same data without the database, cut off at the same date: the same numbers?
    memory = evaluation_tables(data, consent_only=True, design=design)
    memory = EvaluationTables.build(
        cases=memory.cases,
        events=memory.events.filter(memory.events["date"] <= tables.cutoff),
        deliveries=memory.deliveries,
        deployments=memory.deployments,
        cutoff=tables.cutoff,
    )
    same_specs = [dataclasses.asdict(s) for s in specs] == [
        dataclasses.asdict(s) for s in specs_from_document()
    ]
    found, largest = differences(evaluate(memory, specs), result, rtol=RTOL)
    return {
        "cases_generated": cases,
        "generate_seconds": generate,
        "insert_seconds": insert,
        "load_total_seconds": load_total,
        "sizes": _sizes(tables),
        "memory_sizes": _sizes(memory),
        "tables_seconds": loading,
        "tables_cpu": [loading_cpu, loading_others],
        "evaluate_seconds": evaluating,
        "evaluate_cpu": [evaluating_cpu, evaluating_others],
        "same_specs": same_specs,
        "differences": found[:10],
        "n_differences": len(found),
        "largest_relative_difference": largest,
        "max_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


# --- parent ---------------------------------------------------------------------------------------


def _env(var_dir: str) -> dict[str, str]:
    from bench.bench_demo import _child_env

    return _child_env(var_dir, None)  # SQLite in var_dir, fresh keys


def _start_child(kind: str, cases: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own interpreter and this script)
        [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(cases), str(SEED)],
        env=env,
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )


def _result(lines: list[str], process: subprocess.Popen) -> dict:
    if process.returncode != 0:
        raise RuntimeError(f"benchmark child failed with exit code {process.returncode}")
    return json.loads(next(line for line in reversed(lines) if line.startswith("{")))


def run_memory(kind: str, extra_env: dict[str, str], dump: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="inbeeld-bench-") as var_dir:
        env = {**_env(var_dir), **extra_env, "BENCH_EVAL_DUMP": str(dump)}
        process = _start_child(kind, CASES, env)
        lines = process.stdout.read().splitlines()
        process.wait()
        return _result(lines, process)


def run_memory_both() -> tuple[dict, dict]:
    """The in-memory part with OpenBLAS as configured (one thread per CPU by default), then the
    timed runs again with OpenBLAS on one thread; the two Evaluations are compared."""
    import pickle

    with tempfile.TemporaryDirectory(prefix="inbeeld-bench-dump-") as dumps:
        default, single = Path(dumps) / "default.pickle", Path(dumps) / "single.pickle"
        memory = run_memory("memory", {}, default)
        print(f"   evaluate: {memory['runs']}", flush=True)
        print("   again with OPENBLAS_NUM_THREADS=1 ...", flush=True)
        one = run_memory("memory-timing", {"OPENBLAS_NUM_THREADS": "1"}, single)
        found, largest = differences(
            pickle.loads(default.read_bytes()),  # noqa: S301 (our own child's output)
            pickle.loads(single.read_bytes()),  # noqa: S301
            rtol=RTOL,
        )
    one.update(differences=found[:10], n_differences=len(found), largest=largest)
    return memory, one


def _run_orm(cases: int) -> dict | None:
    """The ORM part on ``cases`` cases; None when generating + loading exceeded ORM_LOAD_LIMIT."""
    with tempfile.TemporaryDirectory(prefix="inbeeld-bench-") as var_dir:
        env = _env(var_dir)
        clock = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "inbeeld", "migrate", "--noinput", "-v0"],
            env=env,
            check=True,
            cwd=PROJECT_DIR,
        )
        migrate = time.perf_counter() - clock
        process = _start_child("orm", cases, env)
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            for line in process.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + ORM_LOAD_LIMIT
        seen: list[str] = []
        loaded = False
        while True:
            timeout = None if loaded else max(0.0, deadline - time.monotonic())
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:  # the load is too slow on this machine: stop our child
                process.kill()
                process.wait()
                return None
            if line is None:
                break
            seen.append(line)
            loaded = loaded or line.startswith("LOADED ")
        process.wait()
        result = _result(seen, process)
        result["migrate_seconds"] = migrate
        return result


def run_orm() -> dict:
    result = _run_orm(ORM_CASES)
    if result is None:
        print(
            f"   loading {ORM_CASES:,} cases took over {ORM_LOAD_LIMIT} s: "
            f"ORM part on {FALLBACK_CASES:,} cases",
            flush=True,
        )
        result = _run_orm(FALLBACK_CASES)
        result["fallback_from"] = ORM_CASES
    return result


def _run(part: dict, i: int) -> str:
    return f"{_s(part['runs'][i])} ({part['cpu'][i]:.1f} / {part['others'][i]:.1f} CPU s)"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _ci(values, scale: float = 1.0, digits: int = 1, unit: str = "") -> str:
    if not values:
        return "–"
    estimate, low, high = (v * scale for v in values)
    return f"{estimate:.{digits}f}{unit} ({low:.{digits}f} to {high:.{digits}f})"


def _or(row: dict) -> str:
    if row["itt_or"]:
        return _ci(row["itt_or"], digits=2)
    return f"– ({row['itt_or_note']})" if row["itt_or_note"] else "–"


def _where(p: dict, figures: dict, orm: dict) -> str:
    total = p["total"]

    def pct(seconds: float) -> str:
        return f"{100 * seconds / total:.0f} %"

    selecting = p["interventions"] - p["compare"] - p["survival"] - p["staggered"]
    skipped = sum(1 for row in figures["interventions"] if row["itt_n"][0] and not row["itt_or"])
    return (
        "Where the time goes: the interventions take "
        f"{pct(p['interventions'])} of the run, the Firth-adjusted logistic regressions "
        f"alone {pct(p['adjusted'])}: each is a Newton fit on up to a quarter of a million rows "
        "and ~20 columns (intercept, exposure, minor, three forms, the units), every iteration "
        "a weighted Gram matrix and, for Firth's correction, the hat diagonal, both taken block "
        "by block in numpy/BLAS"
        + (
            f" ({skipped} ITT fit(s) stop at the rank check: the intervention ran in one unit "
            "only, so the exposure is a linear combination of that unit's dummy)"
            if skipped
            else ""
        )
        + ". Outcomes per case take "
        f"{pct(p['case_outcomes'])}, most of it `first_dates` (one group-by of the "
        "chain events per case, with the first date of each event type); "
        f"exposures {pct(p['exposures'])} (cases × interventions, joined with the "
        "deployments). Selecting each intervention's comparison groups (a join of the "
        f"per-case outcomes with its exposures, then filters) takes {pct(selecting)}; "
        "Kaplan–Meier, log-rank, Cox and the DiD are small. Through the ORM, loading the "
        f"tables ({orm['tables_seconds']:.1f} s) costs more than the evaluation: SQLite's "
        "group-by for the first date of each event per case and the MAX(event_date) for the "
        "cut-off, fetching the case, form, first-date event and delivery rows one by one with "
        "Django's per-row conversions (dates), and building the polars frames from Python rows."
    )


def render(
    info: dict, when: dt.datetime, memory: dict, one_thread: dict, orm: dict, load: tuple
) -> str:
    runs = memory["runs"]
    median = statistics.median(runs)
    met = "met" if median < TARGET_SECONDS else "NOT met"
    sizes = memory["sizes"]
    figures = memory["figures"]
    p = memory["profile"]
    total = p["total"]

    def share(seconds: float) -> str:
        return f"{seconds:.2f} s | {100 * seconds / total:.0f} %"

    interventions_rest = p["interventions"] - p["compare"] - p["survival"] - p["staggered"]
    top = p["case_outcomes"] + p["exposures"] + p["lead_times"] + p["by_unit"] + p["interventions"]
    direct = memory["direct"]
    n_specs = len(memory["specs"])
    profile_rows = [
        "| step (one run under cProfile, cumulative) | seconds | share |",
        "|---|---|---|",
        f"| outcomes per case (`case_outcomes`) | {share(p['case_outcomes'])} |",
        f"|   of which first date of each event per case (`first_dates`) "
        f"| {share(p['first_dates'])} |",
        f"| exposures per case × intervention (`exposures`) | {share(p['exposures'])} |",
        f"| lead times per stage and end to end, all cases | {share(p['lead_times'])} |",
        f"| lead times and bottleneck per unit ({figures['units']} units) "
        f"| {share(p['by_unit'])} |",
        f"| the {n_specs} interventions (`evaluate_intervention`) | {share(p['interventions'])} |",
        f"|   Firth-adjusted logistic regressions (`_adjusted`, ITT and as delivered) "
        f"| {share(p['adjusted'])} |",
        f"|     of which the fits (`regression.logistic_regression`) | {share(p['logistic'])} |",
        f"|   proportions, Wilson/Newcombe/Koopman, Fisher, posterior, precision "
        f"| {share(p['compare'] - p['adjusted'])} |",
        f"|   Kaplan–Meier curves (time to complaint) | {share(p['kaplan_meier'])} |",
        f"|   log-rank tests | {share(p['logrank'])} |",
        f"|   Cox regressions | {share(p['cox'])} |",
        f"|   staggered DiD (`_staggered`: building the panel + `staggered_did`) "
        f"| {share(p['staggered'])} |",
        f"|     of which `did.staggered_did` | {share(p['did'])} |",
        f"|   selecting the comparison groups (windows, joins, filters) "
        f"| {share(interventions_rest)} |",
        f"| rest of `evaluate` (overall shares) | {share(total - top)} |",
        f"| **total under cProfile** | **{total:.2f} s** | 100 % |",
    ]
    direct_line = ", ".join(
        f"{name.removeprefix('intervention:')} {seconds:.2f} s" for name, seconds in direct.items()
    )
    figure_rows = [
        "| intervention | ITT n (exposed / not) | ITT risk difference, pp | ITT adjusted OR "
        "| as delivered n | as delivered risk difference, pp | hazard ratio ITT | staggered DiD, pp |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in figures["interventions"]:
        figure_rows.append(
            f"| {row['code']} | {row['itt_n'][0]:,} / {row['itt_n'][1]:,} "
            f"| {_ci(row['itt_rd'], 100)} | {_or(row)} "
            f"| {row['delivered_n'][0]:,} / {row['delivered_n'][1]:,} "
            f"| {_ci(row['delivered_rd'], 100)} | {_ci(row['hr_itt'], digits=2)} "
            f"| {_ci(row['did'], 100) if row['did'] else '– (' + row['did_note'] + ')'} |"
        )
    orm_cases = orm["cases_generated"]
    fallback = (
        f" (loading {orm['fallback_from']:,} cases took over {ORM_LOAD_LIMIT} s on this "
        f"machine, so the ORM part ran on {orm_cases:,})"
        if "fallback_from" in orm
        else ""
    )
    same = (
        f"**the same numbers** (every field of the Evaluation; largest relative difference "
        f"{orm['largest_relative_difference']:.1g}, from the row order)"
        if orm["n_differences"] == 0
        else f"**{orm['n_differences']} differences**, e.g. " + "; ".join(orm["differences"][:3])
    )
    orm_sizes = orm["sizes"]
    one_same = (
        "identical field by field"
        if one_thread["largest"] == 0 and not one_thread["n_differences"]
        else (
            f"the same up to rounding (largest relative difference {one_thread['largest']:.1g})"
            if not one_thread["n_differences"]
            else f"different in {one_thread['n_differences']} field(s), e.g. "
            + "; ".join(one_thread["differences"][:3])
        )
    )
    return "\n".join(
        [
            f"## Evaluation: {CASES:,} demo cases",
            "",
            "Command: `make bench` (this section alone: `.venv/bin/python bench/run.py "
            f"evaluation`). `build_demo_data(DemoConfig(cases={CASES}, seed={SEED}))` in memory, "
            "`evaluation_tables(data, consent_only=True)` (the research scope: cases with research "
            f"consent), the {n_specs} interventions of `pilot/data/pilot.json` (police contact "
            "required unless the intervention acts before it; the latest phase's target), then "
            "`evaluate(tables, specs)`: outcomes, exposures, every comparison (ITT, as delivered, "
            "cooperation), Firth-adjusted regressions, Kaplan–Meier, log-rank and Cox, staggered "
            "DiD, precision, lead times and the bottleneck overall and per unit. Timed "
            f"{REPEATS} times in one process (the first run included, no warm-up); one more run "
            "under cProfile gives the split per step, one more times the top-level steps "
            "directly; a second process repeats the timed runs with OpenBLAS (numpy/scipy's BLAS) "
            "on one thread. Each part runs in a child process with a temporary INBEELD_VAR_DIR "
            "(SQLite, throw-away keys; no server).",
            "",
            f"Measured {when:%Y-%m-%d %H:%M} UTC on {info['nproc']} CPUs ({info['cpu']}), "
            f"{info['ram_gib']:.0f} GiB RAM, {info['os']}, Python {info['python']}, "
            f"SQLite {info['sqlite']}; load average {load[0]:.2f} before, {load[1]:.2f} after.",
            "",
            f"Input: {sizes['cases']:,} cases in scope (of {memory['cases_generated']:,} "
            f"generated), {sizes['events']:,} chain events (of "
            f"{memory['events_generated']:,}), {sizes['deliveries']:,} deliveries, "
            f"{sizes['deployments']} deployment rows (intervention × unit); cut-off "
            f"{sizes['cutoff']}; {figures['n_complete_followup']:,} cases with complete "
            "180-day follow-up. Generating the demo took "
            f"{memory['build_seconds']:.1f} s, the tables {memory['tables_seconds']:.1f} s (not "
            f"in the timing); peak memory of the process {memory['max_rss_gib']:.1f} GiB.",
            "",
            "`evaluate`, wall clock (CPU time of the run / CPU time other processes used "
            "meanwhile, from /proc/stat):",
            "",
            "| `evaluate` | OpenBLAS as installed (a thread per CPU) "
            "| OpenBLAS on one thread (`OPENBLAS_NUM_THREADS=1`) |",
            "|---|---|---|",
            *(
                f"| run {i} | {_run(memory, i - 1)} | {_run(one_thread, i - 1)} |"
                for i in range(1, REPEATS + 1)
            ),
            f"| **median of {REPEATS}** | **{_s(median)}** "
            f"| **{_s(statistics.median(one_thread['runs']))}** |",
            "",
            f"With OpenBLAS on one thread the Evaluation is {one_same}.",
            "",
            f"Target < {TARGET_SECONDS:.0f} s for the full evaluation of {CASES:,} demo cases: "
            f"**{met}** (median {median:.2f} s; slowest run {max(runs):.2f} s).",
            "",
            *profile_rows,
            "",
            f"Timed directly, without the profiler: {direct_line}.",
            "",
            f"ORM path{fallback}: {orm_cases:,} demo cases loaded into a fresh, migrated SQLite "
            f"database (`build_demo_data` + `write_demo_data`: {orm['generate_seconds']:.1f} s + "
            f"{orm['insert_seconds']:.1f} s), then timed once each:",
            "",
            "| ORM path | wall clock (CPU time / CPU time of other processes meanwhile) |",
            "|---|---|",
            "| loading: `analysis.tables.tables_for_cases(research_cases())` "
            f"({orm_sizes['cases']:,} cases, {orm_sizes['events']:,} first-date events, "
            f"{orm_sizes['deliveries']:,} deliveries; cut-off {orm_sizes['cutoff']}) "
            f"| {_s(orm['tables_seconds'])} ({orm['tables_cpu'][0]:.1f} / "
            f"{orm['tables_cpu'][1]:.1f} CPU s) |",
            f"| `evaluate(tables, intervention_specs())` | {_s(orm['evaluate_seconds'])} "
            f"({orm['evaluate_cpu'][0]:.1f} / {orm['evaluate_cpu'][1]:.1f} CPU s) |",
            f"| **loading + evaluate** | **{_s(orm['tables_seconds'] + orm['evaluate_seconds'])}** |",
            "",
            "The ORM tables and the in-memory tables of the same data (same cut-off) give "
            f"{same}; the specs from the database "
            f"{'equal' if orm['same_specs'] else 'DIFFER from'} those read from pilot.json.",
            "",
            f"Figures ({sizes['cases']:,} cases in scope; 95 % intervals; the demo's true effect "
            "of the psychologist, when delivered, is +10 pp on a complaint within 180 days):",
            "",
            *figure_rows,
            "",
            f"Overall: complaint within 180 days {_ci(figures['complaint_within'], 100)} %; "
            f"bottleneck stage `{figures['bottleneck']}`.",
            "",
            _where(p, figures, orm),
            "",
            "The machine is shared with other jobs: the load average and the CPU time other "
            "processes used during each run show how busy it was. Beside another busy process "
            "a run can take twice as long, the Firth fits slowing the most: their block "
            "products (`dsyrk`, `dgemm`, a k × k `solve_triangular`) are small, and OpenBLAS "
            "splits each over a thread per CPU, so they wait whenever a CPU is taken (and burn "
            "CPU time even on an idle machine: compare the CPU seconds of the two columns).",
        ]
    )


def run() -> str:
    from bench.bench_demo import machine

    when = dt.datetime.now(dt.UTC)
    info = machine()
    load_before = os.getloadavg()[0]
    print(f"   in memory, {CASES:,} cases ...", flush=True)
    memory, one_thread = run_memory_both()
    print(f"   one thread: {json.dumps(one_thread)}", flush=True)
    print(f"   ORM path, {ORM_CASES:,} cases ...", flush=True)
    orm = run_orm()
    load_after = os.getloadavg()[0]
    print(f"   ORM: {json.dumps(orm, default=str)}", flush=True)
    return render(
        info,
        when,
        memory,
        one_thread,
        orm,
        (load_before, load_after),
    )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        kind, cases, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        if kind == "memory-timing":
            print(json.dumps(child_memory(cases, seed, timing_only=True)))
        else:
            print(json.dumps({"memory": child_memory, "orm": child_orm}[kind](cases, seed)))
    else:
        if str(PROJECT_DIR) not in sys.path:
            sys.path.insert(0, str(PROJECT_DIR))
        print(run())
