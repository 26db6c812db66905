"""Benchmark of the complete monitor and its PDF on 1,000,000 demo cases.

In a child process (``bench_monitor.py --child CASES SEED``) with fresh Django settings (a
temporary INBEELD_VAR_DIR whose new SQLite file the parent migrated first, so the reference
labels of forms and police units exist; throw-away keys; DATABASE_URL unset), as bench_demo.py
does:

- ``build_demo_data`` builds the demo in memory; ``evaluation_tables(data, consent_only=True)``
  (the research scope: cases with research consent) and ``MonitorTables.from_evaluation`` turn it
  into the monitor's input, without a database: the nationality group of each case from the demo
  arrays, and the prosecution decisions and verdicts with their outcome (``event_outcome`` into
  ``vocabulary.outcomes``; the first date per case, event and outcome, as
  analysis.monitor_tables reads them from the ORM) replacing those events. Not timed in the total.
- Then, each timed REPEATS times (the first run included, no warm-up): ``build_monitor``; the
  disclosure control of every table, done by the same functions ``monitor_context`` calls
  (``protected_count_table`` for the four breakdowns, ``protected_funnel``, ``protected_repeat``)
  on the same report, and checked to give exactly what ``monitor_context`` gives; rendering the
  HTML (``monitor_report._report``); and the PDF (``reports.render_pdf``, WeasyPrint) PDF_RUNS
  times. Plus one run end to end (``monitor_context`` → ``_report`` → ``Report.pdf()``), the
  steps of ``build_monitor`` timed apart, and, because no count of the 1,000,000-case tables is
  small enough to be suppressed, the disclosure control on random samples of the same cases
  (where the linear-programming audit does run), with the number of LPs solved.
- The dark number, when ``inbeeld.analysis.dark_number`` and the demo linkage keys
  (``demo.generator.linkage.plan_demo_linkage``) exist (otherwise the section says it was
  skipped): from the plan's arrays the capture histories of the research scope (what
  ``capture_histories_for`` reads from the database) and ``estimate_population`` with that
  module's defaults, timed REPEATS times; its result goes into the report context, so the HTML
  and the PDF include it. The estimate is compared with the demo's simulated truth.

No server is needed. Environment: BENCH_MONITOR_CASES (default 1000000), BENCH_MONITOR_SEED
(2021).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "monitor"
PROJECT_DIR = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("BENCH_MONITOR_CASES", "1000000"))
SEED = int(os.environ.get("BENCH_MONITOR_SEED", "2021"))
REPEATS = 3
PDF_RUNS = 2
SAMPLES = (1_000, 10_000, 100_000)  # cases drawn for the disclosure-with-suppression runs
SAMPLE_SEED = 7
SLOW_SECONDS = 3.0  # a step slower than this is called slow in the section
SCOPE_LABEL = "benchmark: demo, onderzoeksscope"


def busy_seconds() -> float:
    """CPU seconds spent by all processes so far (user, nice, system, irq, softirq)."""
    with open("/proc/stat", encoding="utf-8") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    return (sum(ticks[:3]) + sum(ticks[5:7])) / os.sysconf("SC_CLK_TCK")


def timed(function, repeats: int) -> tuple[object, dict]:
    """Run ``function`` ``repeats`` times: the last value, and the wall-clock seconds of every
    run with the CPU seconds of this process and of every other process meanwhile."""
    runs, cpu, others, value = [], [], [], None
    for _ in range(repeats):
        before, busy = os.times(), busy_seconds()
        clock = time.perf_counter()
        value = function()
        runs.append(time.perf_counter() - clock)
        after, busy = os.times(), busy_seconds() - busy
        cpu.append(after.user + after.system - before.user - before.system)
        others.append(max(0.0, busy - cpu[-1]))
    return value, {"runs": runs, "cpu": cpu, "others": others, "median": statistics.median(runs)}


# --- child: the monitor in one fresh process ------------------------------------------------------


def monitor_tables(data):
    """The monitor's input tables of the demo arrays, in the research scope (consent), without a
    database (see the module docstring)."""
    import numpy as np
    import polars as pl

    from inbeeld.demo.generator.tables import evaluation_tables
    from inbeeld.stats.monitor import PROSECUTION_EVENT, VERDICT_EVENT, MonitorTables

    v = data.vocabulary
    evaluation = evaluation_tables(data, consent_only=True)
    case_id = np.arange(1, data.case_count + 1, dtype=np.int64)
    extra = pl.DataFrame(
        {
            "case_id": case_id,
            "nationality_group": np.array(v.nationalities, dtype=object)[data.nationality].astype(
                str
            ),
        }
    )
    codes = (PROSECUTION_EVENT, VERDICT_EVENT)
    chosen = np.flatnonzero(np.isin(data.event_type, [v.event(code) for code in codes]))
    outcomes = (
        pl.DataFrame(
            {
                "case_id": case_id[data.event_case[chosen]],
                "event": np.array(v.event_types, dtype=object)[data.event_type[chosen]].astype(str),
                "date": pl.Series(data.event_day[chosen].astype(np.int32)).cast(pl.Date),
                "outcome": np.array(v.outcomes, dtype=object)[data.event_outcome[chosen]].astype(
                    str
                ),
            }
        )
        .with_columns(pl.when(pl.col("outcome") == "").then(None).otherwise(pl.col("outcome")))
        .join(evaluation.cases.select("case_id"), on="case_id", how="semi")
        .group_by("case_id", "event", "outcome")
        .agg(pl.col("date").min())
        .select("case_id", "event", "date", "outcome")
        .sort("case_id", "event", "date")
    )
    tables = MonitorTables.from_evaluation(evaluation, extra, outcomes=outcomes, replace=codes)
    return tables, evaluation


def disclosure(report) -> dict:
    """Disclosure control of every table of ``report``, as monitor_context does it."""
    from inbeeld.publication import monitor_report as mr

    policy = mr.disclosure_policy()
    return {
        "breakdowns": [
            {"title": title, "table": mr.protected_count_table(getattr(report, attr), attr, policy)}
            for attr, title in mr.BREAKDOWNS
        ],
        "funnel": mr.protected_funnel(report.funnel, policy),
        "repeat": mr.protected_repeat(report.repeat_victimisation, policy),
    }


def context_of(report, protected: dict, dark=None) -> dict:
    """The template context monitor_context builds from ``report`` and its protected tables."""
    from inbeeld.analysis import presenter
    from inbeeld.publication import monitor_report as mr

    policy = mr.disclosure_policy()
    return {
        "cutoff": report.cutoff,
        "n_cases": presenter.number(report.n_cases, 0),
        "breakdowns": protected["breakdowns"],
        "funnel": protected["funnel"],
        "repeat": protected["repeat"],
        "dark": mr.dark_number_context(dark),
        "min_cell": policy.min_cell,
        "min_denominator": policy.min_denominator,
        "suppressed_symbol": mr.SUPPRESSED,
    }


class LPCounter:
    """Counts the linprog calls of the disclosure control while active (stats.disclosure, and
    publication.monitor_report when it solves LPs of its own)."""

    MODULES = ("inbeeld.stats.disclosure.engine", "inbeeld.publication.monitor_report")

    def __init__(self) -> None:
        self.calls = 0
        self.patched: list[tuple[object, object]] = []

    def __enter__(self) -> LPCounter:
        import importlib

        for name in self.MODULES:
            module = importlib.import_module(name)
            original = getattr(module, "linprog", None)
            if original is None:
                continue

            def counting(*args, _original=original, **kwargs):
                self.calls += 1
                return _original(*args, **kwargs)

            module.linprog = counting
            self.patched.append((module, original))
        return self

    def __exit__(self, *exc) -> None:
        for module, original in self.patched:
            module.linprog = original
        self.patched.clear()


def suppression_summary(protected: dict) -> dict:
    tables = {
        b["title"]: {
            "shape": [len(b["table"]["rows"]), len(b["table"]["years"])],
            "suppressed": b["table"].get("suppressed", 0),
        }
        for b in protected["breakdowns"]
    }
    funnel_cells = sum(
        c == "×" for row in protected["funnel"]["rows"] for c in [*row["cells"], row["total"]]
    )
    return {"tables": tables, "funnel_suppressed": funnel_cells}


def pdf_pages(pdf: bytes) -> int:
    try:
        import pypdfium2
    except ImportError:  # a test dependency; count the page objects instead
        return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    return len(pypdfium2.PdfDocument(pdf))


def monitor_steps(tables) -> dict:
    """The steps of build_monitor, each timed directly (median of REPEATS)."""
    from inbeeld.stats import monitor

    steps = {}
    for by in monitor.BREAKDOWNS:
        steps[f"yearly_counts:{by}"] = timed(
            lambda by=by: monitor.yearly_counts(tables, by), REPEATS
        )[1]["median"]
    steps["chain_funnel"] = timed(lambda: monitor.chain_funnel(tables), REPEATS)[1]["median"]
    steps["repeat_victimisation"] = timed(lambda: monitor.repeat_victimisation(tables), REPEATS)[1][
        "median"
    ]
    return steps


def sample_disclosure(tables) -> list[dict]:
    """Build the monitor of random samples of the cases and time its disclosure control (LPs)."""
    from inbeeld.stats.monitor import MonitorTables, build_monitor

    out = []
    for size in SAMPLES:
        if size >= tables.cases.height:
            continue
        cases = tables.cases.sample(size, seed=SAMPLE_SEED)
        sample = MonitorTables.build(
            cases=cases,
            events=tables.events.join(cases.select("case_id"), on="case_id", how="semi"),
            cutoff=tables.cutoff,
        )
        report = build_monitor(sample)
        with LPCounter() as lps:
            protected = disclosure(report)
        _, timing = timed(lambda report=report: disclosure(report), REPEATS)
        summary = suppression_summary(protected)
        out.append(
            {
                "cases": size,
                "events": sample.events.height,
                "seconds": timing["median"],
                "runs": timing["runs"],
                "lps": lps.calls,
                **summary,
                "repeat_published": [row["cells"][0] for row in protected["repeat"]],
            }
        )
    return out


def dark_number_plan(data) -> tuple[object | None, str, float]:
    """The demo's linkage plan (``plan_demo_linkage``: which sources registered each case's
    victim, the keys) and the seconds it took; (None, reason, 0) when the dark number cannot be
    run here."""
    for module, what in (
        ("inbeeld.analysis.dark_number", "src/inbeeld/analysis/dark_number.py"),
        ("inbeeld.demo.generator.linkage", "the demo linkage keys (demo/generator/linkage.py)"),
    ):
        if importlib.util.find_spec(module) is None:
            return None, f"{what} do(es) not exist (yet)", 0.0
    from inbeeld.demo.generator import linkage

    if not hasattr(linkage, "plan_demo_linkage"):
        return None, "demo/generator/linkage.py has no plan_demo_linkage", 0.0
    clock = time.perf_counter()
    plan = linkage.plan_demo_linkage(data)
    return plan, "", time.perf_counter() - clock


def capture_histories(plan):
    """What ``analysis.dark_number.capture_histories_for(research cases)`` returns, from the plan's
    arrays: the victims linked to the consented cases, on a source when one of their consented
    cases has a key from it; one row per pattern with its frequency."""
    import numpy as np
    import polars as pl

    from inbeeld.analysis.dark_number import FREQUENCY

    keep = np.asarray(plan.case_consent, dtype=bool)
    victims = plan.case_victim[keep]
    case_sources = plan.case_sources[keep]
    pattern = np.zeros((plan.victims, len(plan.sources)), dtype=bool)
    for j in range(len(plan.sources)):
        pattern[victims[case_sources[:, j]], j] = True
    seen = np.zeros(plan.victims, dtype=bool)
    seen[victims] = True
    pattern = pattern[seen]
    present = [s for j, s in enumerate(plan.sources) if pattern[:, j].any()]
    frame = pl.DataFrame(
        {s: pattern[:, j].astype(np.int8) for j, s in enumerate(plan.sources) if s in present}
    )
    return (
        frame.group_by(present)
        .len(name=FREQUENCY)
        .with_columns(pl.col(FREQUENCY).cast(pl.Int64))
        .sort(present, descending=True)
    )


def dark_number(plan):
    """The dark number of the research scope: the capture histories and the estimate with
    ``analysis.dark_number``'s defaults (``estimate_population``: stepwise BIC, empty overlaps
    'extended', 95 % profile-likelihood interval)."""
    from inbeeld.analysis.dark_number import FREQUENCY
    from inbeeld.stats.mse import estimate_population

    return estimate_population(capture_histories(plan), frequency=FREQUENCY)


def child(cases: int, seed: int) -> dict:
    import dataclasses
    import gc

    import django
    import numpy as np

    django.setup()
    from inbeeld.demo.generator import DemoConfig, build_demo_data
    from inbeeld.publication import monitor_report as mr
    from inbeeld.publication.reports import render_pdf
    from inbeeld.reference.models import ExploitationForm, PoliceUnit
    from inbeeld.stats.monitor import build_monitor

    if not ExploitationForm.objects.exists() or not PoliceUnit.objects.exists():
        raise RuntimeError("no reference data: the parent should have migrated the database")
    clock = time.perf_counter()
    data = build_demo_data(DemoConfig(cases=cases, seed=seed))
    generate = time.perf_counter() - clock
    generated_events = int(data.event_count)
    clock = time.perf_counter()
    tables, evaluation = monitor_tables(data)
    build_tables = time.perf_counter() - clock
    plan, dark_reason, plan_seconds = dark_number_plan(data)
    del data, evaluation
    gc.collect()
    sizes = {
        "cases": tables.cases.height,
        "events": tables.events.height,
        "outcome_events": tables.events.filter(tables.events["outcome"].is_not_null()).height,
        "years": sorted(set(tables.cases["intake_date"].dt.year().to_list())),
        "cutoff": tables.cutoff.isoformat(),
    }
    print(f"   {sizes['cases']:,} cases, {sizes['events']:,} events", file=sys.stderr, flush=True)

    mse, t_dark, dark_info = None, None, {"state": "skipped", "reason": dark_reason}
    if plan is not None:
        mse, t_dark = timed(lambda: dark_number(plan), REPEATS)
        print(f"   dark number {t_dark['runs']}", file=sys.stderr, flush=True)
        truth = plan.true_consented_population
        dark_info = {
            "state": "run",
            "plan_seconds": plan_seconds,
            "timing": t_dark,
            "victims_all": plan.victims,
            "keys": plan.key_count,
            "patterns": capture_histories(plan).height,
            "observed": mse.observed,
            "lists": list(mse.lists),
            "model": list(mse.model),
            "estimate": mse.estimate,
            "low": mse.interval.low,
            "high": mse.interval.high,
            "ratio": mse.ratio,
            "truth": truth,
            "covered": bool(mse.interval.low <= truth <= mse.interval.high),
            "candidates": len(mse.candidates),
        }
        # The same estimate over every case (no consent filter), against the full truth.
        everyone = dark_number(
            dataclasses.replace(plan, case_consent=np.ones(plan.cases, dtype=bool))
        )
        dark_info["all_cases"] = {
            "observed": everyone.observed,
            "estimate": everyone.estimate,
            "low": everyone.interval.low,
            "high": everyone.interval.high,
            "truth": plan.true_population,
            "covered": bool(
                everyone.interval.low <= plan.true_population <= everyone.interval.high
            ),
        }

    report, t_build = timed(lambda: build_monitor(tables), REPEATS)
    print(f"   build_monitor {t_build['runs']}", file=sys.stderr, flush=True)
    with LPCounter() as lps:
        protected = disclosure(report)
    protected, t_disclosure = timed(lambda: disclosure(report), REPEATS)
    print(f"   disclosure {t_disclosure['runs']}", file=sys.stderr, flush=True)
    context = context_of(report, protected, mse)
    official = mr.monitor_context(tables, dark_number=mse)
    same_context = all(context[key] == official[key] for key in official)
    html, t_html = timed(lambda: mr._report(context, SCOPE_LABEL).html, REPEATS)
    print(f"   html {t_html['runs']}", file=sys.stderr, flush=True)
    pdf, t_pdf = timed(lambda: render_pdf(html), PDF_RUNS)
    print(f"   pdf {t_pdf['runs']}", file=sys.stderr, flush=True)

    def end_to_end() -> bytes:
        dark = dark_number(plan) if plan is not None else None
        return mr._report(mr.monitor_context(tables, dark_number=dark), SCOPE_LABEL).pdf()

    whole_pdf, t_whole = timed(end_to_end, 1)
    print(f"   end to end {t_whole['runs']}", file=sys.stderr, flush=True)
    steps = monitor_steps(tables)
    samples = sample_disclosure(tables)
    funnel = {row["label"]: row["total"] for row in protected["funnel"]["rows"]}
    return {
        "cases_generated": cases,
        "events_generated": generated_events,
        "sizes": sizes,
        "generate_seconds": generate,
        "tables_seconds": build_tables,
        "build": t_build,
        "disclosure": t_disclosure,
        "html": t_html,
        "pdf": t_pdf,
        "end_to_end": t_whole,
        "steps": steps,
        "lps": lps.calls,
        "suppression": suppression_summary(protected),
        "same_context": same_context,
        "html_bytes": len(html.encode("utf-8")),
        "dark_in_report": 'data-testid="dark-number"' in html,
        "pdf_bytes": len(pdf),
        "pdf_pages": pdf_pages(pdf),
        "min_cell": mr.disclosure_policy().min_cell,
        "end_to_end_pages": pdf_pages(whole_pdf),
        "samples": samples,
        "dark": dark_info,
        "figures": {
            "funnel": funnel,
            "repeat": {row["label"]: row["cells"] for row in protected["repeat"]},
        },
        "max_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


# --- parent ---------------------------------------------------------------------------------------


def machine() -> dict:
    from bench.bench_demo import machine as demo_machine

    return demo_machine()


def _measure() -> dict:
    from bench.bench_demo import _child_env

    with tempfile.TemporaryDirectory(prefix="inbeeld-bench-") as var_dir:
        env = _child_env(var_dir, None)  # SQLite in var_dir, fresh keys
        clock = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "inbeeld", "migrate", "--noinput", "-v0"],
            env=env,
            check=True,
            cwd=PROJECT_DIR,
        )
        migrate = time.perf_counter() - clock
        load_before = os.getloadavg()
        done = subprocess.run(  # noqa: S603 (our own interpreter and this script)
            [sys.executable, str(Path(__file__).resolve()), "--child", str(CASES), str(SEED)],
            env=env,
            check=True,
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )
        load_after = os.getloadavg()
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(migrate_seconds=migrate, load_before=load_before, load_after=load_after)
    return result


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _runs(timing: dict) -> str:
    cells = ", ".join(f"{r:.2f}" for r in timing["runs"])
    cpu = sum(timing["cpu"]) / len(timing["cpu"])
    others = sum(timing["others"]) / len(timing["others"])
    return f"{cells} s ({cpu:.2f} / {others:.2f} CPU s)"


def render(info: dict, r: dict, when: dt.datetime) -> str:
    sizes = r["sizes"]
    years = sizes["years"]
    pdf_median = r["pdf"]["median"]
    total = r["build"]["median"] + r["disclosure"]["median"] + r["html"]["median"] + pdf_median
    dark = r["dark"]
    dark_row = []
    if dark["state"] == "run":
        t_dark = dark["timing"]
        total += t_dark["median"]
        dark_row = [
            "| dark number (capture histories of the research scope + `estimate_population`) | "
            f"{_runs(t_dark)} | {_s(t_dark['median'])} |"
        ]
    steps = r["steps"]
    build_sum = sum(steps.values())
    step_rows = [
        f'| `yearly_counts(tables, "{key.split(":")[1]}")` | {_s(value)} |'
        for key, value in steps.items()
        if key.startswith("yearly_counts:")
    ]
    step_rows += [
        f"| `chain_funnel` (nested stages, summons and convictions from the outcomes) | "
        f"{_s(steps['chain_funnel'])} |",
        f"| `repeat_victimisation` (1 − Kaplan–Meier, overall, minors, adults; 5 and 7 years) | "
        f"{_s(steps['repeat_victimisation'])} |",
        f"| sum of the steps | {_s(build_sum)} |",
    ]
    shapes = "; ".join(
        f"{title.lower()} {v['shape'][0]} × {v['shape'][1]} ({v['suppressed']} suppressed)"
        for title, v in r["suppression"]["tables"].items()
    )
    sample_rows = []
    for s in r["samples"]:
        tables = "; ".join(f"{v['suppressed']}" for v in s["tables"].values())
        sample_rows.append(
            f"| {s['cases']:,} | {tables} | {s['funnel_suppressed']} | {s['lps']:,} | "
            f"{_s(s['seconds'])} |"
        )
    lb, la = r["load_before"], r["load_after"]
    slow = [
        name
        for name, key in (
            ("build_monitor", "build"),
            ("disclosure", "disclosure"),
            ("HTML", "html"),
            ("PDF", "pdf"),
        )
        if r[key]["median"] > SLOW_SECONDS
    ]
    smallest = min(r["samples"], key=lambda s: s["cases"], default=None)
    lp_seconds = smallest["seconds"] / smallest["lps"] if smallest and smallest["lps"] else None
    funnel = r["figures"]["funnel"]
    repeat = r["figures"]["repeat"]
    lines = [
        f"## Monitor and its PDF: {r['cases_generated']:,} demo cases",
        "",
        "Command: `make bench` (this section alone: `.venv/bin/python bench/run.py monitor`). "
        f"`build_demo_data(DemoConfig(cases={CASES}, seed={SEED}))` in memory, "
        "`evaluation_tables(data, consent_only=True)` (the research scope: cases with research "
        "consent) and `MonitorTables.from_evaluation` with the nationality group of each case and "
        "the prosecution decisions and verdicts with their outcome from the demo arrays (first "
        "date per case, event and outcome, as `analysis.monitor_tables` reads them from the "
        "database); the other events are every event of the demo (the database path reads the "
        "first date of each event type per case and every revictimisation date, so fewer "
        "rows); no signals. Then timed in one process, the first run included (no warm-up): "
        "`build_monitor`; the disclosure control of every table (`protected_count_table` for the "
        "four breakdowns, `protected_funnel`, `protected_repeat`: what `monitor_context` does "
        "after `build_monitor`; checked to give exactly `monitor_context`'s tables: "
        f"**{'identical' if r['same_context'] else 'DIFFERENT'}**); the HTML "
        "(`monitor_report._report`, the `reports/monitor.html` template); the PDF "
        "(`reports.render_pdf`, WeasyPrint); the dark number (below). The process runs with a "
        "temporary INBEELD_VAR_DIR "
        "whose new SQLite database was migrated first, so the reference labels exist "
        f"(`inbeeld migrate`: {r['migrate_seconds']:.1f} s, not timed below); no server.",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC on {info['nproc']} CPUs ({info['cpu']}), "
        f"{info['ram_gib']:.0f} GiB RAM, {info['os']}, Python {info['python']}; load average "
        f"(1/5/15 min) {lb[0]:.2f}/{lb[1]:.2f}/{lb[2]:.2f} before, "
        f"{la[0]:.2f}/{la[1]:.2f}/{la[2]:.2f} after.",
        "",
        f"Input: {sizes['cases']:,} cases in scope (of {r['cases_generated']:,} generated), "
        f"{sizes['events']:,} chain events (of {r['events_generated']:,}; among them "
        f"{sizes['outcome_events']:,} prosecution decisions and verdicts with an outcome), intake "
        f"years {years[0]}–{years[-1]}, cut-off {sizes['cutoff']}. Generating the demo took "
        f"{r['generate_seconds']:.1f} s, the monitor tables {r['tables_seconds']:.1f} s (not in "
        f"the total); peak memory of the process {r['max_rss_gib']:.1f} GiB.",
        "",
        "| step | runs, wall clock (mean CPU s of this process / of other processes per run) "
        "| median |",
        "|---|---|---|",
        f"| `build_monitor` (4 yearly tables, funnel, repeat victimisation) | {_runs(r['build'])} "
        f"| {_s(r['build']['median'])} |",
        f"| disclosure control of every table | {_runs(r['disclosure'])} | "
        f"{_s(r['disclosure']['median'])} |",
        f"| HTML ({r['html_bytes'] / 1024:,.0f} KiB) | {_runs(r['html'])} | "
        f"{_s(r['html']['median'])} |",
        f"| PDF, WeasyPrint ({r['pdf_pages']} pages, {r['pdf_bytes'] / 1024:,.0f} KiB) | "
        f"{_runs(r['pdf'])} | {_s(pdf_median)} |",
        *dark_row,
        f"| **total** (sum of the medians) | | **{_s(total)}** |",
        f"| end to end once: `monitor_context` → `_report` → `Report.pdf()` | "
        f"{_runs(r['end_to_end'])} | {_s(r['end_to_end']['median'])} |",
        "",
        "Dark number: "
        + (
            f"`plan_demo_linkage(data)` drew the demo's linkage keys ({dark['keys']:,} keys of "
            f"{dark['victims_all']:,} victims, {dark['plan_seconds']:.1f} s, not in the total: it "
            "draws the sources and computes an HMAC key per victim). The step above builds, from "
            "these arrays, what `analysis.dark_number.capture_histories_for` reads from the "
            "database for the research scope (the victims linked to consented cases, on a source "
            "when one of their consented cases has a key from it) and runs `estimate_population` "
            "with that module's defaults (stepwise BIC, empty overlaps 'extended', 95 % profile-"
            "likelihood interval); the result goes to `monitor_context(dark_number=...)` and so "
            "into the HTML and the PDF (the estimate's paragraph is in the report: "
            f"{'yes' if r['dark_in_report'] else '**no**'}). {dark['observed']:,} victims on {len(dark['lists'])} "
            f"sources ({', '.join(dark['lists'])}) in {dark['patterns']} overlap patterns; "
            f"{dark['candidates']} models fitted; chosen: {', '.join(dark['model']) or 'none'}. "
            f"Estimate **{dark['estimate']:,.0f}** (95 % interval {dark['low']:,.0f} to "
            f"{dark['high']:,.0f}), {dark['ratio']:.2f} times the observed; the demo's simulated "
            f"truth for this scope is {dark['truth']:,} "
            f"({'inside' if dark['covered'] else '**outside**'} the interval). Over every case "
            "(no consent filter, not timed): "
            f"{dark['all_cases']['observed']:,} victims, estimate "
            f"{dark['all_cases']['estimate']:,.0f} ({dark['all_cases']['low']:,.0f} to "
            f"{dark['all_cases']['high']:,.0f}), truth {dark['all_cases']['truth']:,} "
            f"({'inside' if dark['all_cases']['covered'] else '**outside**'} the interval). "
            "The database query behind it (`dark_number_for_cases`) is not measured here."
            if dark["state"] == "run"
            else f"**not measured**: {dark['reason']}; the report says there are no linkage "
            "keys to estimate it from."
        ),
        "",
        f"Disclosure control on these tables: {shapes}; funnel (one protected line per stage, "
        f"{len(years)} years) {r['suppression']['funnel_suppressed']} suppressed; "
        f"{r['lps']} linear programs solved. With {sizes['cases']:,} cases almost every count "
        f"is far above the minimum cell size of {r['min_cell']}, so the control is a few "
        "comparisons per number and the LP audit runs only for the few small counts. "
        "The same control on the monitor of random samples of these cases, where more is "
        "suppressed (median of 3):",
        "",
        "| cases in the sample | suppressed per yearly table (form; minor; nationality; unit) "
        "| suppressed in the funnel | LPs solved | disclosure control |",
        "|---|---|---|---|---|",
        *sample_rows,
        "",
        "Figures (protected, as published): "
        + "; ".join(f"{label} {value}" for label, value in funnel.items())
        + ". Repeat victimisation within 5 / 7 years: "
        + "; ".join(f"{label.lower()} {cells[0]} / {cells[1]}" for label, cells in repeat.items())
        + ".",
        "",
        "`build_monitor`, its steps timed directly (median of 3):",
        "",
        "| step | seconds |",
        "|---|---|",
        *step_rows,
        "",
        f"The steps were timed after the runs above; their sum is {_s(build_sum)} against "
        f"the median {_s(r['build']['median'])} of `build_monitor`"
        + (
            ": the other jobs on the machine slowed those runs (polars spreads each step over "
            "every CPU, so it waits whenever another process holds one)."
            if r["build"]["median"] > 1.3 * build_sum
            else "."
        ),
        "",
        "Where the time goes: `build_monitor` is polars over the "
        f"{sizes['cases']:,}-case and {sizes['events']:,}-event tables. The funnel "
        f"({_s(steps['chain_funnel'])}) is mostly one group-by of the events per case giving the "
        "flag of every stage reached; repeat victimisation "
        f"({_s(steps['repeat_victimisation'])}) joins the first police contact and the first "
        "revictimisation after it onto every case, then runs Kaplan–Meier three times (all, "
        "minors, adults); the four yearly tables "
        f"({_s(sum(v for k, v in steps.items() if k.startswith('yearly_counts:')))} together) are "
        "group-bys on the cases. The disclosure control works on the aggregated tables (at most "
        f"{max(v['shape'][0] for v in r['suppression']['tables'].values())} × {len(years)} "
        "cells plus margins), never on the cases, so its cost follows how many counts are small, "
        "not how many cases there are: each suppressed number needs two LPs (HiGHS through "
        "`scipy.optimize.linprog`) per audit round"
        + (
            f", about {1000 * lp_seconds:.1f} ms each in the smallest sample"
            if lp_seconds is not None
            else ""
        )
        + ". "
        + (
            f"Slow (over {SLOW_SECONDS:.0f} s): {', '.join(slow)}. "
            if slow
            else f"No step takes over {SLOW_SECONDS:.0f} s, so none was changed for speed. "
        )
        + "The PDF is WeasyPrint laying out "
        f"{r['pdf_pages']} pages of tables (first run {_s(r['pdf']['runs'][0])}, which includes "
        "loading WeasyPrint and its fonts; then "
        f"{_s(min(r['pdf']['runs'][1:] or r['pdf']['runs']))}). Building the monitor tables from "
        f"the demo arrays ({r['tables_seconds']:.1f} s, not in the total) is mostly turning the "
        "codes of the events and cases into strings for polars (numpy object arrays of "
        "Python strings); the validation in `EvaluationTables.build` and `MonitorTables.build` "
        "is a fraction of it. Loading the same tables from the database "
        "(`monitor_tables_for_cases`) is not part of this benchmark. The machine is shared with "
        "other jobs: the load average and the CPU time other processes used during each run "
        "show how busy it was.",
    ]
    return "\n".join(lines)


def run() -> str:
    """Run the monitor benchmark and return the Markdown section."""
    when = dt.datetime.now(dt.UTC)
    info = machine()
    print(f"   monitor, {CASES:,} demo cases ...", flush=True)
    result = _measure()
    print(f"   {json.dumps(result, default=str)}", flush=True)
    return render(info, result, when)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), int(sys.argv[3])), default=str))
    else:
        if str(PROJECT_DIR) not in sys.path:
            sys.path.insert(0, str(PROJECT_DIR))
        print(run())
