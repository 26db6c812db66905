"""Coverage of the evaluation's published intervals on simulated pilots (issue 12, item 8): the
standard scenarios of ``inbeeld simulate`` with REPLICATIONS pilots each, run in this process
(stats.simulation_coverage.run on every CPU; no database needed), the table written into
BENCHMARKS.md.

Environment: BENCH_SIM_REPLICATIONS (default 1000), BENCH_SIM_SEED (2026), BENCH_SIM_JOBS (0 = every
CPU). Run alone: ``.venv/bin/python bench/run.py simulate``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

NAME = "simulate"
PROJECT_DIR = Path(__file__).resolve().parent.parent
REPLICATIONS = int(os.environ.get("BENCH_SIM_REPLICATIONS", "1000"))
SEED = int(os.environ.get("BENCH_SIM_SEED", "2026"))
JOBS = int(os.environ.get("BENCH_SIM_JOBS", "0"))
TARGET_SECONDS = 600.0


def machine() -> dict:
    from bench.bench_demo import machine as demo_machine

    return demo_machine()


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children."""
    own = os.times()
    return own.user + own.system + own.children_user + own.children_system


def revision() -> str:
    """The commit measured, and whether the statistics had uncommitted changes."""
    git = shutil.which("git")
    if git is None:
        return "commit unknown"
    try:
        head = subprocess.run(  # noqa: S603 (git, fixed arguments)
            [git, "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603 (git, fixed arguments)
            [git, "status", "--porcelain", "--", "src/inbeeld/stats"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "commit unknown"
    return f"commit {head}" + (
        " with uncommitted changes in src/inbeeld/stats" if dirty else " (src/inbeeld/stats clean)"
    )


def run() -> str:
    if str(PROJECT_DIR / "src") not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR / "src"))
    from inbeeld.analysis.simulate import coverage_markdown, coverage_text
    from inbeeld.stats.simulation import standard_designs
    from inbeeld.stats.simulation_coverage import run as run_coverage

    designs = standard_designs()
    info = machine()
    code = revision()
    when = dt.datetime.now(dt.UTC)
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_seconds()
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            print(f"   {done}/{total} blocks ({time.perf_counter() - started:.0f} s)", flush=True)

    result = run_coverage(designs, REPLICATIONS, seed=SEED, jobs=JOBS or None, progress=progress)
    cpu = _cpu_seconds() - cpu_before
    load_after = os.getloadavg()[0]
    print(coverage_text(result), flush=True)
    pilots = REPLICATIONS * len(designs)
    failing = [r for r in result.rows if r.holds is False]
    unpublished = [r for r in result.rows if r.no_interval_share > 0]
    lines = [
        "## Coverage of the published intervals on simulated pilots (`inbeeld simulate`)",
        "",
        f"Command: `make bench` (this section alone: `.venv/bin/python bench/run.py simulate`); the "
        f"same numbers as `inbeeld simulate --replications {REPLICATIONS} --seed {SEED}`. Each "
        "scenario draws its pilots from a design with a known truth (stats/simulation.py: a "
        "logistic model for a complaint within 180 days with minor and the three forms as "
        "covariates, competing withdrawal and closure, a cut-off that censors the latest cases) "
        "and runs the product's own `evaluate_intervention` on the tables, so the intervals "
        "checked are exactly the published ones. A pilot without a published interval is not a "
        "miss; its share is in the column 'zonder interval'. The norm: a 95 % interval covers at "
        "least 93 % of the truths (the planning range is a 10th–90th percentile range: at least "
        "78 %).",
        "",
        f"Measured {when:%Y-%m-%d %H:%M} UTC on {info['nproc']} CPUs ({info['cpu']}), "
        f"{info['ram_gib']:.0f} GiB RAM, {info['os']}, Python {info['python']}; "
        f"load average {load_before:.2f} before, {load_after:.2f} after; code: {code}.",
        "",
        f"Runtime: **{result.seconds:.0f} s** wall clock for {pilots:,} simulated pilots "
        f"({len(designs)} scenarios × {REPLICATIONS}) on {result.jobs} worker processes "
        f"({cpu:.0f} CPU s; {1000 * result.seconds / pilots:.0f} ms wall clock per pilot). "
        f"Target < {TARGET_SECONDS / 60:.0f} minutes on 2 CPUs: "
        f"**{'met' if result.seconds < TARGET_SECONDS else 'NOT met'}**.",
        "",
        coverage_markdown(result).rstrip("\n"),
        "",
        "Widths and biases in percentage points (pp) for differences, on the log scale for the "
        "odds ratio, relative (%) for the cases still needed; the bias with its Monte-Carlo "
        "standard error. The odds ratio is not checked when the effect grows (a single odds "
        "ratio then has no true value).",
        "",
    ]
    if failing:
        lines.append(
            "Below the norm: "
            + "; ".join(
                f"`{r.design}` {r.name}: {100 * r.coverage:.1f} % "
                f"(MC {100 * r.coverage_low:.1f}–{100 * r.coverage_high:.1f} %)"
                for r in failing
            )
            + "."
        )
    else:
        lines.append("Every published interval meets its norm.")
    if unpublished:
        lines += [
            "",
            "Without a published interval in some pilots: "
            + "; ".join(
                f"`{r.design}` {r.name}: {100 * r.no_interval_share:.1f} %" for r in unpublished
            )
            + ".",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
