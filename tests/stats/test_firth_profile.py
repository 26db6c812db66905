"""Profile penalised-likelihood intervals and p-values of the Firth fit (stats/firth_profile.py,
issue 12 item 4) against two oracles: R logistf's published output for its own ``sex2`` data, and a
brute-force profile computed here with scipy.optimize.minimize on the penalised log-likelihood
(independent of the Newton iteration in regression.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import interpolate, optimize, special
from scipy import stats as sps

from inbeeld.stats import evaluation, firth_profile
from inbeeld.stats.regression import logistic_regression

# logistf::sex2 (239 women, urinary tract infection; Cytel LogXact manual), read from
# data/sex2.rda of github.com/georgheinze/logistf (v1.26.1) and written here as its 36 distinct
# rows: (case, age, oc, vic, vicl, vis, dia, number of women).
SEX2_ROWS = (
    (1, 1, 1, 1, 0, 0, 0, 3), (1, 1, 1, 0, 0, 0, 0, 5), (1, 1, 0, 1, 1, 1, 1, 1),
    (1, 1, 0, 1, 1, 0, 0, 1), (1, 1, 0, 1, 0, 1, 1, 1), (1, 1, 0, 1, 0, 1, 0, 1),
    (1, 1, 0, 1, 0, 0, 0, 2), (1, 0, 1, 1, 1, 1, 0, 3), (1, 0, 1, 1, 1, 0, 0, 7),
    (1, 0, 1, 1, 0, 1, 0, 2), (1, 0, 1, 1, 0, 0, 1, 1), (1, 0, 1, 1, 0, 0, 0, 15),
    (1, 0, 1, 0, 0, 0, 1, 3), (1, 0, 1, 0, 0, 0, 0, 44), (1, 0, 0, 1, 1, 1, 1, 1),
    (1, 0, 0, 1, 1, 1, 0, 12), (1, 0, 0, 1, 1, 0, 0, 10), (1, 0, 0, 1, 0, 1, 0, 3),
    (1, 0, 0, 1, 0, 0, 0, 14), (1, 0, 0, 0, 0, 1, 0, 1), (0, 1, 1, 1, 1, 1, 0, 2),
    (0, 1, 1, 1, 0, 0, 0, 1), (0, 1, 1, 0, 0, 1, 0, 1), (0, 1, 1, 0, 0, 0, 0, 14),
    (0, 1, 0, 1, 1, 1, 0, 4), (0, 1, 0, 1, 1, 0, 0, 2), (0, 0, 1, 1, 1, 1, 0, 6),
    (0, 0, 1, 1, 1, 0, 0, 5), (0, 0, 1, 1, 0, 0, 0, 1), (0, 0, 1, 0, 0, 1, 0, 1),
    (0, 0, 1, 0, 0, 0, 0, 42), (0, 0, 0, 1, 1, 1, 0, 18), (0, 0, 0, 1, 1, 0, 0, 8),
    (0, 0, 0, 1, 0, 1, 0, 1), (0, 0, 0, 1, 0, 0, 0, 2), (0, 0, 0, 0, 0, 1, 0, 1),
)  # fmt: skip
SEX2_NAMES = ("intercept", "age", "oc", "vic", "vicl", "vis", "dia")

# logistf(case ~ age + oc + vic + vicl + vis + dia, data = sex2), logistf >= 1.24 (default
# pl = TRUE): coefficients and 95 % profile penalised-likelihood bounds as published in the
# firthlogist test-suite ("compare with logistf for logistf::sex2", tests/test_firthlogist.py),
# chi-square and p as printed by easystats/parameters' logistf snapshot
# (tests/testthat/_snaps/windows/model_parameters.logistf.md, 2 and 3 decimals).
LOGISTF_COEF = {
    "intercept": 0.12025405, "age": -1.10598131, "oc": -0.06881673, "vic": 2.26887464,
    "vicl": -2.11140817, "vis": -0.78831694, "dia": 3.09601166,
}  # fmt: skip
LOGISTF_CI = {
    "intercept": (-0.8185591, 1.07315122), "age": (-1.9737884, -0.30742514),
    "oc": (-0.9414363, 0.78920202), "vic": (1.2730216, 3.43543273),
    "vicl": (-3.2608611, -1.11773495), "vis": (-1.6080879, 0.01518468),
    "dia": (0.7745682, 8.03029352),
}  # fmt: skip
LOGISTF_CHISQ_P = {
    "intercept": (0.06, 0.802), "age": (7.51, 0.006), "oc": (0.02, 0.875), "vic": (22.93, 0.0),
    "vicl": (19.10, 0.0), "vis": (3.70, 0.054), "dia": (7.90, 0.005),
}  # fmt: skip


def sex2():
    rows = np.repeat(np.array(SEX2_ROWS)[:, :7], np.array(SEX2_ROWS)[:, 7], axis=0)
    y = rows[:, 0].astype(float)
    X = np.column_stack([np.ones(len(rows)), rows[:, 1:]]).astype(float)
    return y, X


# --- the independent oracle: brute-force profile with scipy -----------------------------------


def penalised_loglik(b, X, y):
    eta = X @ b
    w = special.expit(eta) * special.expit(-eta)
    sign, logdet = np.linalg.slogdet(X.T @ (X * w[:, None]))
    ll = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    return ll + 0.5 * logdet if sign > 0 else -np.inf


def brute_max(X, y, j=None, value=0.0, start=None):
    """max of l* over all coefficients, or over all but b_j = value, by BFGS then Powell."""
    k = X.shape[1]
    free = [i for i in range(k) if i != j]
    start = np.zeros(k) if start is None else np.asarray(start, dtype=float)

    def negative(bf):
        b = np.empty(k)
        b[free] = bf
        if j is not None:
            b[j] = value
        return -penalised_loglik(b, X, y)

    res = optimize.minimize(negative, start[free], method="BFGS", options={"gtol": 1e-9})
    res = optimize.minimize(negative, res.x, method="BFGS", options={"gtol": 1e-10})
    b = np.empty(k)
    b[free] = res.x
    if j is not None:
        b[j] = value
    return -res.fun, b


def brute_bound(X, y, j, best, b_hat, near, target):
    """The bound nearest to ``near``: constrained maxima on a dense grid (step 0.005 over
    +-0.05) and the crossing of the deviance with chi2_1(0.95) by cubic interpolation."""
    grid = np.linspace(near - 0.05, near + 0.05, 21)
    dev = np.array([2.0 * (best - brute_max(X, y, j, t, b_hat)[0]) for t in grid])
    spline = interpolate.CubicSpline(grid, dev - target)
    roots = [r for r in spline.roots(extrapolate=False) if grid[0] <= r <= grid[-1]]
    assert len(roots) == 1, (grid, dev)
    return float(roots[0])


# --- logistf's published sex2 output ------------------------------------------------------------


@pytest.fixture(scope="module")
def sex2_fit():
    y, X = sex2()
    return logistic_regression(y, X, SEX2_NAMES, firth=True, profile_ci=list(SEX2_NAMES))


def test_sex2_coefficients_intervals_and_p_values_equal_logistf(sex2_fit):
    fit = sex2_fit
    assert fit.n == 239 and fit.n_events == 130
    assert fit.separation_detected and fit.separation_columns == ("dia",)
    for name in SEX2_NAMES:
        i = fit.index(name)
        pr = fit.profile_for(name)
        # logistf stops at its own tolerance (xconv 1e-4 on the standardised scale): 2e-7 on dia
        assert fit.coef[i] == pytest.approx(LOGISTF_COEF[name], abs=1e-6)
        assert pr.coef_low == pytest.approx(LOGISTF_CI[name][0], abs=1e-6)
        assert pr.coef_high == pytest.approx(LOGISTF_CI[name][1], abs=1e-6)
        chisq, p = LOGISTF_CHISQ_P[name]
        assert round(pr.lr_statistic, 2) == pytest.approx(chisq, abs=1e-9)
        assert round(pr.p, 3) == pytest.approx(p, abs=1e-9)
        # the published odds-ratio interval and p-value are the profile ones
        assert fit.ci_low[i] == pytest.approx(np.exp(pr.coef_low), rel=1e-12)
        assert fit.ci_high[i] == pytest.approx(np.exp(pr.coef_high), rel=1e-12)
        assert fit.p[i] == pr.p
        assert fit.ci_method[i] == "profile penalised likelihood"
    # dia (quasi-complete separation): Wald is far too short above and too long below
    i = fit.index("dia")
    wald_high = fit.coef[i] + sps.norm.ppf(0.975) * fit.se[i]
    assert wald_high < 6.4 < LOGISTF_CI["dia"][1]
    assert fit.coef[i] - sps.norm.ppf(0.975) * fit.se[i] < 0.0 < LOGISTF_CI["dia"][0]


@pytest.mark.parametrize("name", ["dia", "age"])
def test_profile_agrees_with_brute_force_scipy_profile(sex2_fit, name):
    """The separated coefficient (dia) and an ordinary one (age): both bounds and the
    likelihood-ratio statistic agree with the brute-force profile to 1e-4."""
    y, X = sex2()
    j = SEX2_NAMES.index(name)
    best, b_hat = brute_max(X, y)
    assert best == pytest.approx(sex2_fit.log_likelihood, abs=1e-7)
    target = sps.chi2.ppf(0.95, 1)
    pr = sex2_fit.profile_for(name)
    for ours in (pr.coef_low, pr.coef_high):
        oracle = brute_bound(X, y, j, best, b_hat, round(ours, 2), target)
        assert abs(ours - oracle) < 1e-4, (name, ours, oracle)
    lr0 = 2.0 * (best - brute_max(X, y, j, 0.0, b_hat)[0])
    assert abs(pr.lr_statistic - lr0) < 1e-4
    assert abs(pr.p - sps.chi2.sf(lr0, 1)) < 1e-4


def test_large_sample_without_separation_profile_approaches_wald():
    rng = np.random.default_rng(2026)
    wide = []
    for n in (200, 20_000):
        x = rng.normal(size=n)
        z = rng.integers(0, 2, size=n)
        y = (rng.random(n) < special.expit(-0.4 + 0.5 * x + 0.3 * z)).astype(float)
        X = np.column_stack([np.ones(n), x, z])
        fit = logistic_regression(y, X, ["intercept", "x", "z"], profile_ci=["x", "z"])
        assert not fit.separation_detected
        gaps = []
        for name in ("x", "z"):
            i, pr = fit.index(name), fit.profile_for(name)
            half = sps.norm.ppf(0.975) * fit.se[i]
            gaps += [abs(pr.coef_low - (fit.coef[i] - half)) / fit.se[i]]
            gaps += [abs(pr.coef_high - (fit.coef[i] + half)) / fit.se[i]]
            wald_p = 2.0 * sps.norm.sf(abs(fit.z[i]))
            assert pr.p == pytest.approx(wald_p, rel=0.5 if n == 200 else 0.05)
        wide.append(max(gaps))
    assert wide[1] < 0.02  # within 2 % of a standard error at n = 20,000
    assert wide[1] < wide[0]


def test_evaluation_publishes_the_profile_interval_of_the_exposure():
    rng = np.random.default_rng(4)
    n = 60
    rows = pl.DataFrame(
        {
            "complaint": rng.integers(0, 2, size=n),
            "itt": rng.integers(0, 2, size=n),
            "minor": rng.integers(0, 2, size=n),
            "form_sexual": rng.integers(0, 2, size=n),
            "form_labour": rng.integers(0, 2, size=n),
            "form_criminal": rng.integers(0, 2, size=n),
            "police_unit": rng.choice(["north", "south", "east"], size=n),
        }
    )
    comparison = evaluation.compare(rows, exposure="itt", outcome="complaint")
    interval = comparison.adjusted_odds_ratio
    assert interval is not None and "profile penalised likelihood" in interval.method
    from inbeeld.stats import regression

    y, X, names = regression.design_matrix(
        rows,
        outcome="complaint",
        exposure="itt",
        categorical=["police_unit"],
        binary=["minor", "form_sexual", "form_labour", "form_criminal"],
    )
    fit = regression.logistic_regression(y, X, names, profile_ci="itt")
    pr = fit.profile_for("itt")
    assert interval.low == pytest.approx(pr.odds_ratio_low, rel=1e-12)
    assert interval.high == pytest.approx(pr.odds_ratio_high, rel=1e-12)
    wald = regression.logistic_regression(y, X, names)
    assert interval.low != pytest.approx(wald.ci_low[wald.index("itt")], rel=1e-6)


def test_profile_module_is_pure_numpy_scipy():
    tree = ast.parse(Path(firth_profile.__file__).read_text())
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "math", "collections", "dataclasses", "numpy", "scipy"}
