"""Time InBeeld's own estimators against the libraries that could replace them (ADR 0011).

    PYTHONPATH=src .venv/bin/python scripts/measure_estimators.py [--sizes 3000 1000000]
        [--repeat 3] [--seed 2026] [--limit 300] [--only NAME]

For every estimator in stats/ that a library also offers, it runs ours and the library on the
same seeded data, at pilot size (3,000 cases: the demo pilot) and at 1,000,000 cases, and prints
one Markdown row per (estimator, size, library): the best of ``--repeat`` wall-clock times (one
run at the large size), and the largest absolute difference between our main estimate and the
library's, so a speed figure never compares different numbers. A library call that runs longer
than ``--limit`` seconds is stopped and reported as "> limit". Estimators without a library
counterpart (Firth, its profile intervals, the MSE model search and profile interval, the
group-time DiD and its randomisation inference) are timed on our side only.

lifelines and statsmodels are the test oracles (``.[test]``); scipy is a product dependency.
Nothing here is imported by src/inbeeld.
"""

from __future__ import annotations

import argparse
import math
import platform
import signal
import time
import warnings

import numpy as np
import polars as pl

from inbeeld.stats import competing, did_inference, mse, proportions, regression, survival


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def timed(fn, repeat: int, limit: float):
    """(best seconds, last result) or (inf, None) when a run passes ``limit`` seconds."""
    best, result = math.inf, None
    signal.signal(signal.SIGALRM, _alarm)
    for _ in range(repeat):
        signal.setitimer(signal.ITIMER_REAL, limit)
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = fn()
        except _Timeout:
            return math.inf, None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        best = min(best, time.perf_counter() - start)
    return best, result


def survival_data(n: int, seed: int):
    """Whole-day durations (many ties, as the case data), about half censored, 3 covariates, and
    a competing-event code (1 complaint, 2 withdrawal, 0 censored)."""
    rng = np.random.default_rng(seed)
    treated = rng.integers(0, 2, n).astype(float)
    minor = (rng.random(n) < 0.3).astype(float)
    age = rng.normal(30, 8, n)
    hazard = 0.004 * np.exp(0.3 * treated - 0.2 * minor + 0.01 * (age - 30))
    event_time = rng.exponential(1 / hazard)
    follow_up = rng.uniform(30, 400, n)
    durations = np.ceil(np.minimum(event_time, follow_up))
    observed = event_time <= follow_up
    codes = np.where(observed, np.where(rng.random(n) < 0.7, 1, 2), 0)
    return durations, observed, np.column_stack([treated, minor, age]), codes


def logistic_data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    df = pl.DataFrame(
        {
            "y": (rng.random(n) < 0.3).astype(int),
            "itt": rng.integers(0, 2, n),
            "minor": rng.integers(0, 2, n),
            "unit": rng.choice(["north", "south", "east", "west"], n),
        }
    )
    dm = regression.design_matrix(
        df, outcome="y", exposure="itt", categorical=["unit"], binary=["minor"]
    )
    return dm.y, dm.X, dm.names


def panel_data(n: int, seed: int) -> pl.DataFrame:
    """9 units, 6 half-years, staggered starts (3 never treated), an effect of +0.1."""
    rng = np.random.default_rng(seed)
    starts = np.array([2, 2, 3, 3, 4, 4, 99, 99, 99])
    unit = rng.integers(0, 9, n)
    period = rng.integers(0, 6, n)
    treated = (period >= starts[unit]).astype(int)
    y = (rng.random(n) < 0.3 + 0.02 * unit + 0.01 * period + 0.1 * treated).astype(int)
    return pl.DataFrame({"unit": unit, "period": period, "treated": treated, "y": y})


def cells(df: pl.DataFrame):
    """Our TWFE works on (unit x period) cell counts and sums: the group-by is part of its time."""
    g = df.group_by("unit", "period").agg(
        n=pl.len(), s=pl.col("y").sum(), d=pl.col("treated").max()
    )
    N, S, D = (np.zeros((9, 6)) for _ in range(3))
    u, t = g["unit"].to_numpy(), g["period"].to_numpy()
    N[u, t], S[u, t], D[u, t] = g["n"].to_numpy(), g["s"].to_numpy(), g["d"].to_numpy()
    return N, S, D


def cases(n: int, seed: int):
    """(estimator, ours, [(library, fn, difference-of-results)]) for one size."""
    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from lifelines import AalenJohansenFitter, CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test as ll_logrank
    from scipy import stats as sps
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.duration.survfunc import CumIncidenceRight, SurvfuncRight, survdiff

    d, o, x, codes = survival_data(n, seed)
    grp = x[:, 0] == 1
    frame = pd.DataFrame({"T": d, "E": o, "treated": x[:, 0], "minor": x[:, 1], "age": x[:, 2]})
    t_at = 100.0

    yield (
        "Kaplan–Meier with log(-log) band",
        lambda: survival.kaplan_meier(d, o),
        [
            (
                "lifelines KaplanMeierFitter",
                lambda: KaplanMeierFitter().fit(d, o),
                lambda ours, lib: abs(ours.survival_at(t_at) - float(lib.predict(t_at))),
            ),
            (
                "scipy.stats.ecdf + log-log CI",
                lambda: (
                    (r := sps.ecdf(sps.CensoredData.right_censored(d, ~o))),
                    r.sf.confidence_interval(method="log-log"),
                )[0],
                lambda ours, lib: abs(ours.survival_at(t_at) - float(lib.sf.evaluate(t_at))),
            ),
            (
                "statsmodels SurvfuncRight",
                lambda: SurvfuncRight(d, o.astype(int)),
                lambda ours, lib: abs(
                    ours.survival_at(t_at)
                    - float(lib.surv_prob[np.searchsorted(lib.surv_times, t_at, "right") - 1])
                ),
            ),
        ],
    )
    yield (
        "log-rank test",
        lambda: survival.logrank_test(d[grp], o[grp], d[~grp], o[~grp]),
        [
            (
                "lifelines logrank_test",
                lambda: ll_logrank(d[grp], d[~grp], o[grp], o[~grp]),
                lambda ours, lib: abs(ours.statistic - lib.test_statistic),
            ),
            (
                "scipy.stats.logrank",
                lambda: sps.logrank(
                    sps.CensoredData.right_censored(d[grp], ~o[grp]),
                    sps.CensoredData.right_censored(d[~grp], ~o[~grp]),
                ),
                lambda ours, lib: abs(ours.statistic - lib.statistic**2),
            ),
            (
                "statsmodels survdiff",
                lambda: survdiff(d, o.astype(int), grp.astype(int)),
                lambda ours, lib: abs(ours.statistic - lib[0]),
            ),
        ],
    )
    yield (
        "Cox PH, Efron ties, 3 covariates",
        lambda: survival.cox_ph(d, o, x, ["treated", "minor", "age"]),
        [
            (
                "lifelines CoxPHFitter",
                lambda: CoxPHFitter().fit(frame, "T", "E"),
                lambda ours, lib: float(np.max(np.abs(np.array(ours.coef) - lib.params_.values))),
            ),
            (
                "statsmodels PHReg(ties='efron')",
                lambda: PHReg(d, x, status=o.astype(int), ties="efron").fit(disp=0),
                lambda ours, lib: float(np.max(np.abs(np.array(ours.coef) - lib.params))),
            ),
        ],
    )
    yield (
        "Aalen–Johansen cumulative incidence",
        lambda: competing.aalen_johansen(d, codes, event_of_interest=1),
        [
            (
                "lifelines AalenJohansenFitter (jitters ties)",
                lambda: AalenJohansenFitter(seed=1).fit(d, codes, event_of_interest=1),
                lambda ours, lib: abs(
                    float(ours.cif[np.searchsorted(ours.times, t_at, "right") - 1])
                    - float(lib.cumulative_density_.asof(t_at).iloc[0])
                ),
            ),
            (
                "statsmodels CumIncidenceRight",
                lambda: CumIncidenceRight(d, codes),
                lambda ours, lib: abs(
                    float(ours.cif[np.searchsorted(ours.times, t_at, "right") - 1])
                    - float(lib.cinc[0][np.searchsorted(lib.times, t_at, "right") - 1])
                ),
            ),
        ],
    )
    y, X, names = logistic_data(n, seed)
    yield (
        "logistic regression, ML",
        lambda: regression.logistic_regression(y, X, names, firth=False),
        [
            (
                "statsmodels Logit",
                lambda: sm.Logit(y, X).fit(disp=0),
                lambda ours, lib: float(np.max(np.abs(np.array(ours.coef) - lib.params))),
            )
        ],
    )
    yield ("logistic regression, Firth", lambda: regression.logistic_regression(y, X, names), [])
    yield (
        "Firth + profile penalised-likelihood interval",
        lambda: regression.logistic_regression(y, X, names, profile_ci=True),
        [],
    )
    df = panel_data(n, seed)
    pdf = pd.DataFrame({c: df[c].to_numpy() for c in df.columns})
    yield (
        "DiD two-way fixed effects, CR1 by unit",
        lambda: did_inference.twfe_estimate(*cells(df), 0.95),
        [
            (
                "statsmodels OLS + cluster",
                lambda: smf.ols("y ~ treated + C(unit) + C(period)", pdf).fit(
                    cov_type="cluster", cov_kwds={"groups": pdf["unit"]}
                ),
                lambda ours, lib: max(
                    abs(ours[0] - lib.params["treated"]), abs(ours[1] - lib.bse["treated"])
                ),
            )
        ],
    )
    from inbeeld.stats.did import staggered_did

    yield (
        "DiD group-time ATT + randomisation inference",
        lambda: staggered_did(df, unit="unit", period="period", treated="treated", outcome="y"),
        [],
    )


def count_cases(n: int):
    """Count-based estimators: the cost does not grow with the number of cases."""
    from scipy import stats as sps
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import (
        confint_proportions_2indep,
        proportion_confint,
        proportion_effectsize,
    )

    n1 = n0 = n // 2
    x1, x0 = int(0.40 * n1), int(0.30 * n0)
    yield (
        "Wilson interval",
        lambda: proportions.wilson_interval(x1, n1),
        [
            (
                "statsmodels proportion_confint(wilson)",
                lambda: proportion_confint(x1, n1, method="wilson"),
                lambda ours, lib: max(abs(ours.low - lib[0]), abs(ours.high - lib[1])),
            )
        ],
    )
    yield (
        "risk difference, Newcombe hybrid score",
        lambda: proportions.risk_difference(x1, n1, x0, n0),
        [
            (
                "statsmodels confint_proportions_2indep(newcomb)",
                lambda: confint_proportions_2indep(x1, n1, x0, n0, method="newcomb"),
                lambda ours, lib: max(abs(ours.low - lib[0]), abs(ours.high - lib[1])),
            )
        ],
    )
    yield (
        "risk ratio, Koopman score",
        lambda: proportions.risk_ratio(x1, n1, x0, n0),
        [
            (
                "statsmodels confint_proportions_2indep(ratio, score)",
                lambda: confint_proportions_2indep(
                    x1, n1, x0, n0, compare="ratio", method="score", correction=False
                ),
                lambda ours, lib: max(abs(ours.low - lib[0]), abs(ours.high - lib[1])),
            )
        ],
    )
    table = [[x1, n1 - x1], [x0, n0 - x0]]
    yield (
        "Fisher exact test (two-sided p)",
        lambda: proportions.fisher_exact(x1, n1, x0, n0, conditional_mle=False),
        [
            (
                "scipy.stats.fisher_exact",
                lambda: sps.fisher_exact(table),
                lambda ours, lib: abs(ours.p_value - lib.pvalue),
            )
        ],
    )
    yield (
        "Fisher exact test + conditional MLE odds ratio",
        lambda: proportions.fisher_exact(x1, n1, x0, n0),
        [
            (
                "scipy fisher_exact + odds_ratio(conditional)",
                lambda: (
                    sps.fisher_exact(table),
                    sps.contingency.odds_ratio(table, kind="conditional"),
                ),
                lambda ours, lib: max(
                    abs(ours.p_value - lib[0].pvalue),
                    abs(ours.conditional_odds_ratio - lib[1].statistic),
                ),
            )
        ],
    )
    from inbeeld.stats import power

    yield (
        "power, two proportions (Cohen's h)",
        lambda: power.power_two_proportions(0.30, 0.40, n1, n0),
        [
            (
                "statsmodels NormalIndPower",
                lambda: NormalIndPower().power(
                    proportion_effectsize(0.40, 0.30), n1, 0.05, ratio=n0 / n1
                ),
                lambda ours, lib: abs(ours - lib),
            )
        ],
    )


def mse_cases(seed: int):
    """MSE works on the 2^k - 1 cells, not on the cases: six lists, 63 cells."""
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    k = 6
    pats = np.array([[(i >> j) & 1 for j in range(k)] for i in range(1, 2**k)])
    counts = rng.poisson(40 * np.exp(-pats.sum(axis=1) + 0.5 * pats[:, 0] * pats[:, 1]))
    table = mse.capture_histories(pats, counts, lists=[f"L{j}" for j in range(k)])
    X = mse._design(table.patterns, table.lists, [("L0", "L1")])
    yield (
        "MSE: one Poisson log-linear fit (63 cells)",
        lambda: mse.fit_loglinear(table, ["L0:L1"]),
        [
            (
                "statsmodels GLM(Poisson)",
                lambda: sm.GLM(table.counts, X, family=sm.families.Poisson()).fit(),
                lambda ours, lib: float(np.max(np.abs(ours.coefficients - lib.params))),
            )
        ],
    )
    prep, _status = mse._prepare(table, (("L0", "L1"),), "extended")
    yield (
        "MSE: the IRLS alone, without the existence LP and rank check",
        lambda: mse._fit_prepared(table, prep),
        [
            (
                "statsmodels GLM(Poisson)",
                lambda: sm.GLM(table.counts, X, family=sm.families.Poisson()).fit(),
                lambda ours, lib: float(np.max(np.abs(ours.coefficients - lib.params))),
            )
        ],
    )
    yield (
        "MSE: stepwise BIC search + Cormack profile interval",
        lambda: mse.estimate_population(table),
        [],
    )


def fmt(seconds: float, limit: float) -> str:
    if math.isinf(seconds):
        return f"> {limit:.0f} s"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--limit", type=float, default=300.0)
    parser.add_argument("--only", default="", help="only estimators whose name contains this")
    args = parser.parse_args()
    print(f"<!-- {platform.python_version()}, {platform.machine()}, seed {args.seed} -->")
    print("| estimator | n | ours | library | library time | max abs difference |")
    print("|---|---:|---:|---|---:|---:|")
    groups = [(n, cases(n, args.seed)) for n in args.sizes]
    groups += [(n, count_cases(n)) for n in args.sizes]
    groups.append(("63 cells", mse_cases(args.seed)))
    for n, rows in groups:
        repeat = args.repeat if not isinstance(n, int) or n <= 100_000 else 1
        label = f"{n:,}" if isinstance(n, int) else n
        for name, ours_fn, libraries in rows:
            if args.only.lower() not in name.lower():
                continue
            ours_s, ours = timed(ours_fn, repeat, args.limit)
            if not libraries:
                print(
                    f"| {name} | {label} | {fmt(ours_s, args.limit)} | none | — | — |", flush=True
                )
            for lib_name, lib_fn, diff in libraries:
                lib_s, lib = timed(lib_fn, repeat, args.limit)
                delta = "—" if lib is None or ours is None else f"{diff(ours, lib):.1e}"
                print(
                    f"| {name} | {label} | {fmt(ours_s, args.limit)} | {lib_name} | "
                    f"{fmt(lib_s, args.limit)} | {delta} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
