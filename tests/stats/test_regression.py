"""Logistic regression (inbeeld.stats.regression) against independent oracles: statsmodels' Logit
for maximum likelihood, a direct scipy maximisation of the penalised log-likelihood for Firth, and
the chi-square condition for the profile-likelihood bounds."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import optimize, special
from scipy import stats as sps

from inbeeld.stats import regression
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.regression import design_matrix, logistic_regression

# --- helpers: an independent implementation of the penalised likelihood ----------------------


def penalised_loglik(b, X, y, firth=True):
    eta = X @ b
    ll = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
    if not firth:
        return ll
    w = special.expit(eta) * special.expit(-eta)
    sign, logdet = np.linalg.slogdet(X.T @ (X * w[:, None]))
    return ll + 0.5 * logdet if sign > 0 else -np.inf


def scipy_firth(X, y, start=None):
    """Maximise l(b) + 1/2 log det X'W(b)X directly with BFGS (numerical gradient only)."""
    start = np.zeros(X.shape[1]) if start is None else start
    res = optimize.minimize(
        lambda b: -penalised_loglik(b, X, y),
        start,
        method="BFGS",
        options={"gtol": 1e-10, "maxiter": 10_000},
    )
    # polish with Nelder-Mead-free second pass from the BFGS point (tightens the last digits)
    res = optimize.minimize(
        lambda b: -penalised_loglik(b, X, y),
        res.x,
        method="BFGS",
        options={"gtol": 1e-11, "maxiter": 10_000},
    )
    return res.x, -res.fun


def scipy_profile(X, y, j, value, start, firth=True):
    """max over the other coefficients of the (penalised) log-likelihood with b_j = value."""
    free = [i for i in range(X.shape[1]) if i != j]

    def negative(bf):
        b = np.empty(X.shape[1])
        b[free] = bf
        b[j] = value
        return -penalised_loglik(b, X, y, firth)

    res = optimize.minimize(negative, start[free], method="BFGS", options={"gtol": 1e-11})
    res = optimize.minimize(
        negative, res.x, method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14}
    )
    return -res.fun


def case_table(n=600, seed=11):
    rng = np.random.default_rng(seed)
    form = rng.choice(["labour", "sexual", "criminal"], size=n, p=[0.5, 0.3, 0.2])
    unit = rng.choice(["north", "east", "south", "west"], size=n)
    minor = rng.integers(0, 2, size=n)
    exposure = rng.integers(0, 2, size=n)
    eta = (
        -0.6
        + 0.5 * exposure
        + 0.4 * minor
        + np.where(form == "sexual", -0.5, 0.0)
        + np.where(form == "criminal", 0.3, 0.0)
        + np.where(unit == "east", 0.4, 0.0)
        - np.where(unit == "west", 0.3, 0.0)
    )
    y = (rng.random(n) < special.expit(eta)).astype(int)
    return pl.DataFrame(
        {"complaint": y, "itt": exposure, "minor": minor, "form": form, "unit": unit}
    )


# --- maximum likelihood == statsmodels Logit ---------------------------------------------------


def test_ml_equals_statsmodels_logit_with_categorical_covariates():
    df = case_table()
    design = design_matrix(
        df, outcome="complaint", exposure="itt", categorical=["form", "unit"], binary=["minor"]
    )
    y, X, names = design
    fit = logistic_regression(y, X, names, firth=False)
    oracle = sm.Logit(y, X).fit(disp=0)

    assert fit.method == "ML" and fit.converged and not fit.separation_detected
    np.testing.assert_allclose(fit.coef, oracle.params, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.se, oracle.bse, rtol=0, atol=1e-6)
    assert fit.log_likelihood == pytest.approx(oracle.llf, abs=1e-6)
    np.testing.assert_allclose(fit.p, oracle.pvalues, rtol=1e-5, atol=1e-10)
    ci = np.exp(oracle.conf_int(alpha=0.05))
    np.testing.assert_allclose(fit.ci_low, ci[:, 0], rtol=1e-6)
    np.testing.assert_allclose(fit.ci_high, ci[:, 1], rtol=1e-6)
    assert fit.n == df.height and fit.n_events == int(df["complaint"].sum())

    # the treatment coding is the one of a formula with the same reference levels
    ref = dict(design.reference)
    formula = (
        f"complaint ~ itt + minor + C(form, Treatment('{ref['form']}'))"
        f" + C(unit, Treatment('{ref['unit']}'))"
    )
    by_formula = smf.logit(formula, data=pd.DataFrame(df.to_dict(as_series=False))).fit(disp=0)
    assert fit.coef[names.index("itt")] == pytest.approx(by_formula.params["itt"], abs=1e-6)
    assert fit.log_likelihood == pytest.approx(by_formula.llf, abs=1e-6)


# --- Firth == direct maximisation of the penalised likelihood ----------------------------------


def test_firth_equals_scipy_maximum_of_penalised_likelihood():
    df = case_table(n=80, seed=3)
    y, X, names = design_matrix(
        df, outcome="complaint", exposure="itt", categorical=["form"], binary=["minor"]
    )
    fit = logistic_regression(y, X, names)
    b, value = scipy_firth(X, y)

    assert fit.method == "Firth" and fit.converged
    np.testing.assert_allclose(fit.coef, b, rtol=0, atol=1e-5)
    assert fit.log_likelihood == pytest.approx(value, abs=1e-8)
    # standard errors from the information matrix at the estimate
    w = special.expit(X @ b) * special.expit(-(X @ b))
    se = np.sqrt(np.diag(np.linalg.inv(X.T @ (X * w[:, None]))))
    np.testing.assert_allclose(fit.se, se, rtol=1e-4)
    # Firth shrinks towards zero relative to ML in a small sample
    ml = logistic_regression(y, X, names, firth=False)
    assert abs(fit.coef[1]) < abs(ml.coef[1])


SEPARATED_X = np.column_stack([np.ones(6), np.arange(1.0, 7.0)])
SEPARATED_Y = np.array([0, 0, 0, 1, 1, 1])


def test_complete_separation_ml_diverges_firth_stays_finite():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            oracle = sm.Logit(SEPARATED_Y, SEPARATED_X).fit(disp=0)
        except Exception as exc:  # statsmodels' PerfectSeparationError in older versions
            assert "separation" in str(exc).lower()
        else:
            assert abs(oracle.params[1]) > 10  # no finite maximum: the coefficient runs off

    ml = logistic_regression(SEPARATED_Y, SEPARATED_X, ["intercept", "x"], firth=False)
    assert ml.separation_detected and not ml.converged
    assert abs(ml.coef[1]) > 10
    assert any("complete separation" in w and "infinite" in w for w in ml.warnings)
    assert ml.separation_columns == ("intercept", "x")

    firth = logistic_regression(SEPARATED_Y, SEPARATED_X, ["intercept", "x"])
    b, value = scipy_firth(SEPARATED_X, SEPARATED_Y.astype(float))
    assert firth.converged and firth.separation_detected
    assert all(np.isfinite(firth.coef)) and all(np.isfinite(firth.se))
    np.testing.assert_allclose(firth.coef, b, atol=1e-5)
    assert firth.log_likelihood == pytest.approx(value, abs=1e-9)
    assert any(w.startswith("complete separation") for w in firth.warnings)


def test_quasi_complete_separation_in_one_category():
    df = case_table(n=300, seed=5).with_columns(
        complaint=pl.when(pl.col("form") == "criminal").then(0).otherwise(pl.col("complaint"))
    )
    y, X, names = design_matrix(
        df, outcome="complaint", exposure="itt", categorical=["form"], binary=["minor"]
    )
    ml = logistic_regression(y, X, names, firth=False)
    assert ml.separation_detected and not ml.converged
    assert ml.separation_columns == ("form[criminal]",)
    assert ml.coef[names.index("form[criminal]")] < -10

    firth = logistic_regression(y, X, names)
    assert firth.converged and firth.separation_detected
    assert any(w.startswith("quasi-complete separation") for w in firth.warnings)
    b, _ = scipy_firth(X, y)
    np.testing.assert_allclose(firth.coef, b, atol=1e-5)
    assert -10 < firth.coef[names.index("form[criminal]")] < -1


def test_no_separation_reported_for_ordinary_data():
    df = case_table(n=2000, seed=8)
    y, X, names = design_matrix(
        df, outcome="complaint", exposure="itt", categorical=["form", "unit"], binary=["minor"]
    )
    for firth in (True, False):
        fit = logistic_regression(y, X, names, firth=firth)
        assert not fit.separation_detected and fit.converged
        assert fit.warnings == ()


# --- profile (penalised) likelihood intervals --------------------------------------------------


@pytest.mark.parametrize("firth", [True, False])
def test_profile_bounds_satisfy_the_chi_square_condition(firth):
    df = case_table(n=120, seed=21)
    y, X, names = design_matrix(
        df, outcome="complaint", exposure="itt", categorical=["form"], binary=["minor"]
    )
    fit = logistic_regression(y, X, names, firth=firth, profile_ci=True)
    j = names.index("itt")
    (prof,) = fit.profile
    assert prof.name == "itt" and fit.ci_method[j].startswith("profile")
    q = sps.chi2.ppf(0.95, 1)
    b = np.asarray(fit.coef)
    for bound in (prof.coef_low, prof.coef_high):
        ell = scipy_profile(X, y, j, bound, b, firth)
        assert 2 * (fit.log_likelihood - ell) == pytest.approx(q, abs=1e-5)
    assert prof.coef_low < fit.coef[j] < prof.coef_high
    assert fit.ci_low[j] == pytest.approx(np.exp(prof.coef_low))
    assert fit.ci_high[j] == pytest.approx(np.exp(prof.coef_high))
    # likelihood-ratio test of b_j = 0
    ell0 = scipy_profile(X, y, j, 0.0, b, firth)
    assert prof.lr_statistic == pytest.approx(2 * (fit.log_likelihood - ell0), abs=1e-6)
    assert prof.p == pytest.approx(sps.chi2.sf(prof.lr_statistic, 1))
    # the other coefficients keep their Wald intervals
    assert fit.ci_method[names.index("minor")] == "Wald"
    interval = fit.odds_ratio_interval("itt")
    assert interval.low == fit.ci_low[j] and "profile" in interval.method
    if not firth:  # ML profile interval: statsmodels' likelihood at the bounds agrees
        for bound in (prof.coef_low, prof.coef_high):
            oracle = sm.Logit(y, np.delete(X, j, axis=1), offset=bound * X[:, j]).fit(disp=0)
            assert 2 * (fit.log_likelihood - oracle.llf) == pytest.approx(q, abs=1e-5)


def test_profile_interval_under_separation_is_finite_and_asymmetric():
    fit = logistic_regression(SEPARATED_Y, SEPARATED_X, ["intercept", "x"], profile_ci="x")
    (prof,) = fit.profile
    q = sps.chi2.ppf(0.95, 1)
    for bound in (prof.coef_low, prof.coef_high):
        assert np.isfinite(bound)
        ell = scipy_profile(SEPARATED_X, SEPARATED_Y.astype(float), 1, bound, np.asarray(fit.coef))
        assert 2 * (fit.log_likelihood - ell) == pytest.approx(q, abs=1e-5)
    b = fit.coef[1]
    assert (prof.coef_high - b) > 2 * (b - prof.coef_low)  # long tail towards the separation
    # ML: the likelihood never falls on the side of the separation, so that bound is infinite
    ml = logistic_regression(
        SEPARATED_Y, SEPARATED_X, ["intercept", "x"], firth=False, profile_ci=True
    )
    assert np.isfinite(ml.profile[0].coef_low) and ml.profile[0].coef_high == np.inf


# --- repeated rows fitted once with their count (fitting.distinct_rows) ----------------------


def _fit_both_ways(monkeypatch, y, X, names, **kwargs):
    """The fit as it runs (repeated rows grouped) and the fit over every row one by one."""
    from inbeeld.stats.regression import estimator

    grouped = logistic_regression(y, X, names, **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(estimator, "distinct_rows", lambda X, y: None)
        row_by_row = logistic_regression(y, X, names, **kwargs)
    return grouped, row_by_row


def _assert_same_fit(grouped, row_by_row):
    for field in ("coef", "se", "ci_low", "ci_high", "p", "z"):
        np.testing.assert_allclose(
            getattr(grouped, field), getattr(row_by_row, field), rtol=1e-8, atol=1e-10
        )
    assert grouped.log_likelihood == pytest.approx(row_by_row.log_likelihood, rel=1e-12)
    assert (grouped.n, grouped.n_events) == (row_by_row.n, row_by_row.n_events)
    assert grouped.converged == row_by_row.converged
    assert grouped.separation_detected == row_by_row.separation_detected
    assert grouped.separation_columns == row_by_row.separation_columns
    assert grouped.warnings == row_by_row.warnings
    assert grouped.ci_method == row_by_row.ci_method


def test_distinct_rows_are_the_rows_with_their_counts():
    df = case_table(n=5000, seed=4)
    y, X, _names = design_matrix(
        df, outcome="complaint", exposure="itt", categorical=["form", "unit"], binary=["minor"]
    )
    Xd, yd, m = regression.fitting.distinct_rows(X, y)
    assert m.sum() == len(y) and len(m) <= 2 * 3 * 4 * 2 * 2  # outcome x form x unit x minor x itt
    # the same multiset of (row, outcome): every distinct pair counted as often as it occurs
    full = pd.DataFrame(np.column_stack([X, y])).value_counts().sort_index()
    expanded = pd.DataFrame(np.repeat(np.column_stack([Xd, yd]), m.astype(int), axis=0))
    assert expanded.value_counts().sort_index().equals(full)
    # not for a continuous covariate, nor when hardly any row repeats
    continuous = np.column_stack([X, np.random.default_rng(1).normal(size=len(y))])
    assert regression.fitting.distinct_rows(continuous, y) is None
    assert regression.fitting.distinct_rows(X[:40], y[:40]) is None


@pytest.mark.parametrize("firth", [True, False])
def test_grouped_rows_give_the_fit_of_every_row(monkeypatch, firth):
    df = case_table(n=20_000, seed=9)
    y, X, names = design_matrix(
        df, outcome="complaint", exposure="itt", categorical=["form", "unit"], binary=["minor"]
    )
    assert regression.fitting.distinct_rows(X, y) is not None  # this data takes the grouped path
    grouped, row_by_row = _fit_both_ways(monkeypatch, y, X, names, firth=firth, profile_ci=True)
    assert grouped.converged and not grouped.separation_detected
    _assert_same_fit(grouped, row_by_row)
    # and the independent oracle on every row (ML: statsmodels' Logit)
    if not firth:
        oracle = sm.Logit(y, X).fit(disp=0)
        np.testing.assert_allclose(grouped.coef, oracle.params, rtol=0, atol=1e-6)
        np.testing.assert_allclose(grouped.se, oracle.bse, rtol=0, atol=1e-6)


@pytest.mark.parametrize("firth", [True, False])
def test_grouped_rows_find_the_same_separation(monkeypatch, firth):
    df = case_table(n=3000, seed=5).with_columns(
        complaint=pl.when(pl.col("form") == "criminal").then(0).otherwise(pl.col("complaint"))
    )
    y, X, names = design_matrix(
        df, outcome="complaint", exposure="itt", categorical=["form", "unit"], binary=["minor"]
    )
    assert regression.fitting.distinct_rows(X, y) is not None
    grouped, row_by_row = _fit_both_ways(monkeypatch, y, X, names, firth=firth, profile_ci=True)
    assert grouped.separation_detected and grouped.separation_columns == ("form[criminal]",)
    if firth:
        _assert_same_fit(grouped, row_by_row)
    else:  # ML diverges: both stop on the runaway coefficient, the rest agrees
        assert not grouped.converged and not row_by_row.converged
        assert grouped.warnings == row_by_row.warnings
        j = names.index("form[criminal]")
        assert grouped.coef[j] < -10 and row_by_row.coef[j] < -10
        keep = [i for i in range(len(names)) if i != j]
        np.testing.assert_allclose(
            np.asarray(grouped.coef)[keep], np.asarray(row_by_row.coef)[keep], atol=1e-4
        )


# --- validation ---------------------------------------------------------------------------------


def test_input_validation_names_the_problem():
    X = np.column_stack([np.ones(8), np.arange(8.0), np.zeros(8)])
    y = np.array([0, 1, 0, 1, 0, 1, 1, 0])
    with pytest.raises(StatsInputError, match="'z'.*always 0"):
        logistic_regression(y, X, ["intercept", "x", "z"])
    with pytest.raises(StatsInputError, match="names for 3 columns"):
        logistic_regression(y, X, ["intercept", "x"])
    bad_y = y.copy()
    bad_y[3] = 2
    with pytest.raises(StatsInputError, match="rows 3"):
        logistic_regression(bad_y, X[:, :2], ["intercept", "x"])
    X_nan = X[:, :2].copy()
    X_nan[5, 1] = np.nan
    with pytest.raises(StatsInputError, match="column.* x, rows 5"):
        logistic_regression(y, X_nan, ["intercept", "x"])
    with pytest.raises(NotEstimable):
        logistic_regression(np.zeros(8), X[:, :2], ["intercept", "x"])
    with pytest.raises(StatsInputError, match="2-D"):
        logistic_regression(y, np.arange(8.0), ["x"])


def test_collinear_columns_are_named():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=50), rng.normal(size=50)
    X = np.column_stack([np.ones(50), a, b, 2 * a - b])
    y = (rng.random(50) < 0.5).astype(int)
    with pytest.raises(StatsInputError, match=r"'a_minus_b' is a linear combination of 'a', 'b'"):
        logistic_regression(y, X, ["intercept", "a", "b", "a_minus_b"])
    # dummies of every level next to the intercept
    g = rng.integers(0, 2, size=50)
    X = np.column_stack([np.ones(50), a, g == 0, g == 1]).astype(float)
    with pytest.raises(
        StatsInputError, match=r"'g\[1\]' is a linear combination of 'intercept', 'g\[0\]'"
    ):
        logistic_regression(y, X, ["intercept", "a", "g[0]", "g[1]"])


# --- the design matrix ------------------------------------------------------------------------


def test_design_matrix_coding_reference_and_dropped_columns():
    df = pl.DataFrame(
        {
            "y": [0, 1, 1, 0, 1, 0, 1, 0],
            "itt": [True, False, True, False, True, False, True, False],
            "minor": [0, 0, 0, 0, 0, 0, 0, 0],
            "form": ["a", "b", "b", "c", "b", "a", "b", "c"],
            "unit": ["u1"] * 8,
            "region": ["x", "y", "x", "y", "x", "y", "x", "z"],
        }
    )
    d = design_matrix(
        df,
        outcome="y",
        exposure="itt",
        categorical=["form", "unit", "region"],
        binary=["minor"],
        reference={"region": "y"},
    )
    assert d.names == ("intercept", "itt", "form[a]", "form[c]", "region[x]", "region[z]")
    assert dict(d.reference) == {"form": "b", "region": "y"}  # most frequent / explicit
    assert any("'minor' is constant" in s for s in d.dropped)
    assert any("'unit' has a single level 'u1'" in s for s in d.dropped)
    y, X, names = d
    np.testing.assert_array_equal(y, df["y"].to_numpy())
    np.testing.assert_array_equal(X[:, 0], 1.0)
    np.testing.assert_array_equal(X[:, 1], df["itt"].cast(pl.Float64).to_numpy())
    np.testing.assert_array_equal(X[:, 2], (df["form"] == "a").to_numpy())
    np.testing.assert_array_equal(X[:, 5], (df["region"] == "z").to_numpy())
    assert X.flags.c_contiguous and X.dtype == np.float64


def test_design_matrix_errors():
    df = pl.DataFrame({"y": [0, 1, None, 1], "e": [0, 1, 0, 1], "f": ["a", "b", "a", "b"]})
    with pytest.raises(StatsInputError, match="'y' has missing values in rows 2"):
        design_matrix(df, outcome="y", exposure="e")
    df = df.with_columns(pl.col("y").fill_null(0))
    with pytest.raises(StatsInputError, match="not in the table: g"):
        design_matrix(df, outcome="y", exposure="e", categorical=["g"])
    with pytest.raises(StatsInputError, match="reference level 'c'"):
        design_matrix(df, outcome="y", exposure="e", categorical=["f"], reference={"f": "c"})
    with pytest.raises(StatsInputError, match="exposure 'e' is constant"):
        design_matrix(df.with_columns(e=pl.lit(1)), outcome="y", exposure="e")
    with pytest.raises(StatsInputError, match="'f' must be numeric or boolean"):
        design_matrix(df, outcome="y", exposure="f")
    with pytest.raises(StatsInputError, match="must be 0/1; rows 1"):
        design_matrix(
            df.with_columns(b=pl.Series([0, 3, 1, 0])), outcome="y", exposure="e", binary=["b"]
        )


def test_engine_never_imports_the_oracles():
    for module in (regression, pytest.importorskip("inbeeld.stats.did")):
        # a package (did, and regression if split): every module in it, not only its __init__
        path = Path(module.__file__)
        sources = sorted(path.parent.glob("*.py")) if path.name == "__init__.py" else [path]
        tree = ast.Module(body=[n for s in sources for n in ast.parse(s.read_text()).body])
        imported = {
            (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not {m for m in imported if m.split(".")[0] in {"statsmodels", "django"}}
