"""Coverage of the staggered difference-in-differences intervals on simulated pilots with a known
truth (issue 12 item 2; the numbers in ADR 0006).

Pilot shape: 9 police units, 60-200 cases per unit (``--cases in-all``: 60-200 in all, unit sizes
unequal; ``in-all-even``: 7-22 a unit), 8 half-years, staggered
half-year starts in periods 4, 5 and 6 (about half the units start part-way through the half-year
before, a transition period), 1 or 3 never-treated units; outcome 0/1 with a unit level, a common
trend, and an additive effect that is constant or grows after the start; a common (30 %) and a
rare (5 %) outcome. Parallel trends hold, so every pre-trend alarm is a false alarm.

Measured per scenario: the published randomisation interval (``DidResult.cs``), the analytic
linearised interval (``cs_analytic``), and a wild cluster bootstrap of the same influence function
with Webb's six-point weights (the alternative, not published): coverage of the truth among pilots
with an interval, the share without an interval, the mean width, and the pre-trend false alarms.

    .venv/bin/python scripts/simulate_did.py --reps 500
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import polars as pl
from scipy import stats as sps

from inbeeld.stats import did
from inbeeld.stats.did_inference import analytic_summary
from inbeeld.stats.exceptions import NotEstimable

T = 8
MID_SHARE = float(__import__("os").environ.get("DID_MID", "0.5"))
WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])


def webb_weights(rng: np.random.Generator, size) -> np.ndarray:
    """Webb (2014) six-point weights: +-sqrt(1/2), +-1, +-sqrt(3/2), each with probability 1/6."""
    return WEBB[rng.integers(0, 6, size=size)]


def simulate(rng, never: int, effect: str, rare: bool, per_unit: bool = True):
    """One pilot: a case table and the per-(cohort, period) true effects. 60-200 cases per unit
    (``per_unit``) or 60-200 cases in all."""
    U = 9
    treated = U - never
    cohort_starts = [4, 5, 6]
    starts = [cohort_starts[i % 3] for i in range(treated)] + [None] * never
    rng.shuffle(starts)
    if per_unit == "even":  # 60-200 in all, 7-22 per unit
        sizes = rng.integers(7, 23, size=U)
    elif per_unit:
        sizes = rng.integers(60, 201, size=U)
    else:
        share = rng.gamma(2.0, size=U)
        sizes = rng.multinomial(int(rng.integers(60, 201)), share / share.sum())
    unit_of_case = np.repeat(np.arange(U), sizes)
    n_total = len(unit_of_case)
    period = rng.integers(0, T, size=n_total)
    base, unit_sd, trend, size = (0.05, 0.015, 0.002, 0.05) if rare else (0.3, 0.05, 0.01, 0.10)
    level = base + rng.normal(0.0, unit_sd, size=U)
    mid = [
        g is not None and rng.random() < MID_SHARE for g in starts
    ]  # started part-way through g-1

    def tau(g, t):
        return size if effect == "constant" else size * 0.5 * (t - g + 1)

    g_case = np.array([starts[u] if starts[u] is not None else T for u in unit_of_case])
    d = period >= g_case
    transition = np.array([mid[u] for u in unit_of_case]) & (period == g_case - 1)
    p = level[unit_of_case] + trend * period
    # cases of a transition half-year come after the start with probability 1/2
    exposed = d | (transition & (rng.random(n_total) < 0.5))
    p = p + np.where(exposed, [tau(g, max(t, g)) for g, t in zip(g_case, period, strict=True)], 0.0)
    y = rng.random(n_total) < np.clip(p, 0.0, 1.0)
    df = pl.DataFrame(
        {
            "unit": [f"u{u}" for u in unit_of_case],
            "period": period,
            "treated": d.astype(np.int8),
            "transition": transition.astype(np.int8),
            "y": y.astype(np.int8),
        }
    )
    return df, tau


def wild_bootstrap(result_arrays, confidence, rng, B=1999):
    """Webb wild cluster bootstrap of the group-time aggregate's influence function (the
    restricted version coincides: a constant-shift null leaves the influence function as is)."""
    post, key = result_arrays
    summary = analytic_summary(post, key, confidence)
    if summary is None:
        return None
    theta, se, _, _, psi = summary
    v = webb_weights(rng, (B, len(psi)))
    draws = np.abs(v @ psi)
    q = float(np.quantile(draws, confidence))
    return theta - q, theta + q


def arrays(df):
    """The cells and patterns staggered_did uses, for the bootstrap (same construction)."""
    units = sorted(df["unit"].unique().to_list())
    ui = {u: i for i, u in enumerate(units)}
    U = len(units)
    N = np.zeros((U, T))
    S = np.zeros((U, T))
    R = np.zeros((U, T), dtype=bool)
    Dm = np.zeros((U, T))
    for row in (
        df.group_by("unit", "period")
        .agg(pl.len(), pl.col("y").sum(), pl.col("transition").max(), pl.col("treated").max())
        .iter_rows()
    ):
        u, t = ui[row[0]], int(row[1])
        N[u, t], S[u, t], R[u, t], Dm[u, t] = row[2], row[3], bool(row[4]), row[5]
    ever = Dm.any(axis=1)
    start = np.where(ever, np.argmax(Dm == 1, axis=1), T)
    until = np.where(R.any(axis=1), np.argmax(R, axis=1), start)
    N[R] = 0
    S[R] = 0
    post, _, _, _ = did._group_time(N, S, start, until, "never", "cases")
    return post, did._cohort_keys(start, until, T)


def truth_of(result, tau) -> float:
    post = [e for e in result.group_time if not e.pre]
    w = np.array([e.n_treated_units for e in post], dtype=float)
    return float(w @ np.array([tau(e.cohort, e.period) for e in post]) / w.sum())


def run(never, effect, rare, reps, seed, per_unit):
    rng = np.random.default_rng([seed, never, effect == "growing", rare, int(per_unit is True)])
    boot_rng = np.random.default_rng(seed)
    stats = {k: {"cover": 0, "n": 0, "width": 0.0} for k in ("randomisation", "analytic", "webb")}
    alarms = {"randomisation": 0, "analytic": 0}
    pre_n = {"randomisation": 0, "analytic": 0}
    estimable = 0
    elapsed = 0.0
    for _ in range(reps):
        df, tau = simulate(rng, never, effect, rare, per_unit)
        t0 = time.perf_counter()
        try:
            result = did.staggered_did(
                df, unit="unit", period="period", treated="treated", outcome="y",
                transition="transition",
            )  # fmt: skip
        except NotEstimable:  # a pilot without any comparison counts as not estimable
            continue
        elapsed += time.perf_counter() - t0
        if result.cs_estimate is None:
            continue
        estimable += 1
        truth = truth_of(result, tau)
        boot = wild_bootstrap(arrays(df), 0.95, boot_rng)
        intervals = {
            "randomisation": None if result.cs is None else (result.cs.low, result.cs.high),
            "analytic": None
            if result.cs_analytic is None or not result.cs_analytic.is_finite()
            else (result.cs_analytic.low, result.cs_analytic.high),
            "webb": boot,
        }
        for name, iv in intervals.items():
            if iv is None:
                continue
            stats[name]["n"] += 1
            stats[name]["cover"] += iv[0] <= truth <= iv[1]
            stats[name]["width"] += iv[1] - iv[0]
        if result.pre_trend_p_value is not None:
            pre_n["randomisation"] += 1
            alarms["randomisation"] += result.pre_trend_p_value <= 0.05
        if math.isfinite(result.pre_trend_se) and result.pre_trend_se > 0:
            # the analytic placebo interval (t with G - 1 degrees of freedom) excludes zero
            pre_n["analytic"] += 1
            crit = float(sps.t.ppf(0.975, result.n_units - 1))
            alarms["analytic"] += abs(_pre_estimate(result)) > crit * result.pre_trend_se
    rows = []
    for name, s in stats.items():
        rows.append(
            {
                "scenario": f"{ {True: 'per unit', False: 'in all', 'even': 'in all (even)'}[per_unit] }, "
                f"{never} never, {effect}, "
                f"{'rare' if rare else 'common'}",
                "method": name,
                "reps": reps,
                "estimable": estimable,
                "with_interval": s["n"],
                "coverage": s["cover"] / s["n"] if s["n"] else math.nan,
                "no_interval": 1 - s["n"] / estimable if estimable else math.nan,
                "mean_width": s["width"] / s["n"] if s["n"] else math.nan,
                "pre_alarm": (alarms[name] / pre_n[name])
                if name in alarms and pre_n[name]
                else None,
            }
        )
    return rows, elapsed / max(estimable, 1)


def _pre_estimate(result) -> float:
    """The cohort-size weighted placebo aggregate (equal to DidResult.pre_trend's estimate)."""
    pre = [e for e in result.group_time if e.pre]
    w = np.array([e.n_treated_units for e in pre], dtype=float)
    return float(w @ np.array([e.estimate for e in pre]) / w.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--never", type=int, nargs="*", default=[1, 3])
    parser.add_argument("--effects", nargs="*", default=["constant", "growing"])
    parser.add_argument("--rare", choices=["no", "yes", "both"], default="both")
    parser.add_argument(
        "--cases",
        choices=["per-unit", "in-all", "in-all-even"],
        default="per-unit",
        help="60-200 cases per unit; 60-200 in all (unequal units); 60-200 in all, 7-22 a unit",
    )
    args = parser.parse_args()
    per_unit = {"per-unit": True, "in-all": False, "in-all-even": "even"}[args.cases]
    rares = {"no": [False], "yes": [True], "both": [False, True]}[args.rare]
    print(
        "| scenario | method | with interval | coverage | no interval | mean width | "
        "false pre-trend alarms |"
    )
    print("|---|---|---|---|---|---|---|")
    for rare in rares:
        for never in args.never:
            for effect in args.effects:
                rows, per_call = run(never, effect, rare, args.reps, args.seed, per_unit)
                for r in rows:
                    alarm = "" if r["pre_alarm"] is None else f"{r['pre_alarm']:.3f}"
                    print(
                        f"| {r['scenario']} | {r['method']} | {r['with_interval']}/"
                        f"{r['estimable']} | {r['coverage']:.3f} | {r['no_interval']:.3f} | "
                        f"{r['mean_width']:.3f} | {alarm} |",
                        flush=True,
                    )
                print(f"<!-- staggered_did {per_call * 1000:.0f} ms per pilot -->", flush=True)


if __name__ == "__main__":
    main()
