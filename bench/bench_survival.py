"""Timing of the survival estimators on 1,000,000 seeded rows: Kaplan–Meier, the log-rank test,
Cox regression with 3 covariates (Efron ties) and the censored lead-time summary.

Not registered in bench/run.py; run it directly:

    .venv/bin/python bench/bench_survival.py [rows] [seed]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from inbeeld.stats.survival import cox_ph, kaplan_meier, lead_time_summary, logrank_test


def make_rows(n: int, seed: int, days: bool = True) -> dict[str, np.ndarray]:
    """Durations in whole days (many ties; ``days=False``: continuous, all distinct), about half
    censored, three covariates."""
    rng = np.random.default_rng(seed)
    treated = rng.integers(0, 2, n).astype(np.float64)
    minor = (rng.random(n) < 0.3).astype(np.float64)
    age = rng.normal(30, 8, n)
    hazard = 0.004 * np.exp(0.3 * treated - 0.2 * minor + 0.01 * (age - 30))
    event_time = rng.exponential(1 / hazard)
    follow_up = rng.uniform(30, 400, n)
    durations = np.minimum(event_time, follow_up)
    if days:
        durations = np.ceil(durations)
    observed = event_time <= follow_up
    return {
        "durations": durations,
        "observed": observed,
        "x": np.column_stack([treated, minor, age]),
    }


def timed(label: str, fn, repeat: int = 3) -> float:
    """Run ``fn`` ``repeat`` times; print the first (cold) and the best time; return the first."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    print(f"  {label:<26} first {seconds[0]:7.3f} s   best {min(seconds):7.3f} s")
    return seconds[0]


def run(n: int, seed: int, days: bool) -> None:
    rows = make_rows(n, seed, days)
    d, e, x = rows["durations"], rows["observed"], rows["x"]
    a = x[:, 0] == 1
    kind = "whole days" if days else "continuous"
    print(f"{kind}: rows {n:,}, events {int(e.sum()):,}, distinct times {np.unique(d).size:,}")
    results = {}
    total = timed("kaplan_meier", lambda: kaplan_meier(d, e))
    total += timed("logrank_test", lambda: logrank_test(d[a], e[a], d[~a], e[~a]))
    total += timed("lead_time_summary", lambda: lead_time_summary(d, e))

    def fit():
        results["cox"] = cox_ph(d, e, x, ["treated", "minor", "age"])

    total += timed("cox_ph (3 covariates)", fit)
    cox = results["cox"]
    print(f"  {'total (first runs)':<26} {total:13.3f} s")
    print(
        f"  cox: converged={cox.converged}, iterations={cox.iterations}, "
        f"coef={tuple(round(c, 4) for c in cox.coef)}"
    )


def main(argv: list[str]) -> None:
    n = int(argv[1]) if len(argv) > 1 else 1_000_000
    seed = int(argv[2]) if len(argv) > 2 else 2021
    run(n, seed, days=True)
    run(n, seed, days=False)


if __name__ == "__main__":
    main(sys.argv)
