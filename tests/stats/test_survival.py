"""Survival estimators against their oracles: lifelines (Kaplan–Meier, log-rank, Cox) and
statsmodels (SurvfuncRight, survdiff, PHReg with Efron ties), on lifelines' bundled datasets
(waltons, rossi) and on seeded random data with many ties and heavy censoring.

The one documented difference: lifelines compares the survival curve with a quantile's level
without allowing for rounding, so a curve that is exactly 0.75 in exact arithmetic but comes out
as 0.7500000000000001 does not count as having reached 0.75 there. The engine does count it (and so
agrees with the empirical quantile when nothing is censored); the lifelines comparisons accept a
difference only in exactly that situation.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.survival import (
    CoxResult,
    KaplanMeier,
    cox_ph,
    cumulative_incidence_at,
    kaplan_meier,
    lead_time_summary,
    logrank_test,
)

lifelines = pytest.importorskip("lifelines")
pytest.importorskip("statsmodels")

from lifelines import CoxPHFitter, KaplanMeierFitter  # noqa: E402
from lifelines.datasets import load_rossi, load_waltons  # noqa: E402
from lifelines.statistics import logrank_test as lifelines_logrank  # noqa: E402
from lifelines.utils import median_survival_times  # noqa: E402
from statsmodels.duration.hazard_regression import PHReg  # noqa: E402
from statsmodels.duration.survfunc import SurvfuncRight, survdiff  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:Approximating using:Warning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:.*(variance|separation|convergence).*:Warning"),
]

EXACT = 1e-9  # KM, CI and log-rank: the brief's tolerance (in practice they agree to ~1e-15)
COX_RTOL = 1e-5
QUANTILES = (0.25, 0.5, 0.75, 0.9)
ROSSI_COLUMNS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


# --- data ---------------------------------------------------------------------------------------


def tied_censored(seed: int, n: int | None = None, censoring: float = 0.6):
    """Integer durations (many ties, some zero) with heavy censoring."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400)) if n is None else n
    durations = np.floor(rng.exponential(rng.uniform(3, 30), n))
    observed = rng.random(n) >= censoring
    return durations, observed


def cox_data(seed: int, n: int = 300):
    """Three covariates (binary, binary, continuous), integer durations, ~half censored."""
    rng = np.random.default_rng(seed)
    treated = rng.integers(0, 2, n).astype(float)
    minor = (rng.random(n) < 0.3).astype(float)
    age = rng.normal(30, 8, n)
    hazard = 0.05 * np.exp(0.5 * treated - 0.4 * minor + 0.03 * (age - 30))
    event_time = rng.exponential(1 / hazard)
    follow_up = rng.uniform(5, 40, n)
    durations = np.ceil(np.minimum(event_time, follow_up))
    observed = event_time <= follow_up
    return durations, observed, np.column_stack([treated, minor, age]), ["treated", "minor", "age"]


@pytest.fixture(scope="module")
def waltons():
    return load_waltons()


@pytest.fixture(scope="module")
def rossi():
    return load_rossi()


# --- helpers ------------------------------------------------------------------------------------


def lifelines_km(durations, observed, confidence: float = 0.95) -> KaplanMeierFitter:
    return KaplanMeierFitter(alpha=1 - confidence).fit(durations, observed)


def none_if_inf(value) -> float | None:
    return None if not math.isfinite(value) else float(value)


def assert_km_equal(km: KaplanMeier, kmf: KaplanMeierFitter) -> None:
    sf = kmf.survival_function_.iloc[:, 0].reindex(km.times)
    ci = kmf.confidence_interval_.reindex(km.times)
    table = kmf.event_table.reindex(km.times)
    assert not sf.isna().any()
    np.testing.assert_allclose(km.survival, sf.to_numpy(), rtol=0, atol=EXACT)
    np.testing.assert_allclose(km.ci_low, ci.iloc[:, 0].to_numpy(), rtol=0, atol=EXACT)
    np.testing.assert_allclose(km.ci_high, ci.iloc[:, 1].to_numpy(), rtol=0, atol=EXACT)
    np.testing.assert_array_equal(km.at_risk, table["at_risk"].to_numpy())
    np.testing.assert_array_equal(km.events, table["observed"].to_numpy())
    np.testing.assert_array_equal(km.censored, table["censored"].to_numpy())
    assert km.n == int(table["removed"].sum())
    assert km.n_events == int(table["observed"].sum())


def assert_first_at_or_below(ours, theirs, times, curve, level) -> None:
    """``ours`` is lifelines' answer ``theirs`` (first time the curve is <= level), or lifelines
    missed the level by rounding only: its curve at our time is within 1e-12 of the level."""
    if ours == theirs:
        return
    assert ours is not None, (ours, theirs)
    value = float(np.asarray(curve)[np.searchsorted(times, ours)])
    assert abs(value - level) < 1e-12, (ours, theirs, value, level)
    assert theirs is None or theirs > ours


def assert_quantiles_match(km: KaplanMeier, kmf: KaplanMeierFitter) -> None:
    sf = kmf.survival_function_.iloc[:, 0]
    for q in QUANTILES:
        theirs = none_if_inf(kmf.percentile(1 - q))
        assert_first_at_or_below(km.quantile(q), theirs, sf.index.values, sf.values, 1 - q)
    bands = median_survival_times(kmf.confidence_interval_)
    for ours, column in zip(km.quantile_ci(0.5), kmf.confidence_interval_.columns, strict=True):
        band = kmf.confidence_interval_[column]
        theirs = none_if_inf(float(bands[column].iloc[0]))
        assert_first_at_or_below(ours, theirs, band.index.values, band.values, 0.5)


# --- Kaplan–Meier -------------------------------------------------------------------------------


def test_km_waltons_equals_lifelines(waltons):
    km = kaplan_meier(waltons["T"], waltons["E"])
    kmf = lifelines_km(waltons["T"], waltons["E"])
    assert_km_equal(km, kmf)
    assert km.median == kmf.median_survival_time_ == 56.0
    assert_quantiles_match(km, kmf)


@pytest.mark.parametrize("group", ["control", "miR-137"])
def test_km_waltons_groups(waltons, group):
    part = waltons[waltons["group"] == group]
    km = kaplan_meier(part["T"], part["E"])
    kmf = lifelines_km(part["T"], part["E"])
    assert_km_equal(km, kmf)
    assert_quantiles_match(km, kmf)


def test_km_rossi_heavy_censoring(rossi):
    km = kaplan_meier(rossi["week"], rossi["arrest"])
    kmf = lifelines_km(rossi["week"], rossi["arrest"])
    assert_km_equal(km, kmf)
    assert km.median is None  # 114 of 432 arrested: the curve stays above 0.5
    assert math.isinf(kmf.median_survival_time_)
    assert_quantiles_match(km, kmf)


@pytest.mark.parametrize("seed", range(25))
def test_km_random_ties_and_censoring(seed):
    durations, observed = tied_censored(seed, censoring=[0.0, 0.3, 0.6, 0.85, 0.95][seed % 5])
    km = kaplan_meier(durations, observed)
    kmf = lifelines_km(durations, observed)
    assert_km_equal(km, kmf)
    assert_quantiles_match(km, kmf)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.99])
def test_km_other_confidence_levels(confidence):
    durations, observed = tied_censored(7, n=250, censoring=0.4)
    km = kaplan_meier(durations, observed, confidence=confidence)
    assert km.confidence == confidence
    assert_km_equal(km, lifelines_km(durations, observed, confidence))


def test_km_survival_at_equals_lifelines_predict():
    durations, observed = tied_censored(11, n=300)
    km = kaplan_meier(durations, observed)
    kmf = lifelines_km(durations, observed)
    times = np.array([0.0, 0.5, 1.0, 2.5, 7.0, 10.0, 33.3, durations.max(), durations.max() + 10])
    np.testing.assert_allclose(km.survival_at(times), kmf.predict(times).to_numpy(), atol=EXACT)
    assert km.survival_at(3.0) == pytest.approx(float(kmf.predict(3.0)), abs=EXACT)
    assert isinstance(km.survival_at(3.0), float)


def test_km_before_the_first_time_is_one():
    km = kaplan_meier([5.0, 6.0, 7.0], [1, 1, 0])
    assert km.survival_at(4.9) == 1.0
    assert km.ci_at(4.9) == (1.0, 1.0)
    assert km.survival_at(5.0) == pytest.approx(2 / 3)


@pytest.mark.parametrize("seed", range(6))
def test_km_equals_statsmodels_survfunc(seed):
    durations, observed = tied_censored(100 + seed, censoring=0.5)
    km = kaplan_meier(durations, observed)
    sf = SurvfuncRight(durations, observed.astype(int))
    at = np.searchsorted(km.times, sf.surv_times)
    np.testing.assert_allclose(km.survival[at], sf.surv_prob, rtol=1e-12, atol=1e-12)
    # Greenwood's SE; where S hits 0, statsmodels leaves it undefined (nan), lifelines and the
    # engine drop the infinite term (SE 0)
    alive = km.survival[at] > 0
    greenwood_se = km.survival[at] * np.sqrt(km.greenwood[at])
    np.testing.assert_allclose(greenwood_se[alive], sf.surv_prob_se[alive], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(km.at_risk[at], sf.n_risk)
    np.testing.assert_array_equal(km.events[at], sf.n_events)


def test_km_quantiles_equal_statsmodels_without_exact_hits():
    """statsmodels takes the first time with S < 1-p (strict, SAS); with continuous durations
    the curve never sits exactly on a level and both rules agree."""
    rng = np.random.default_rng(5)
    durations = rng.exponential(10, 400)
    observed = rng.random(400) < 0.7
    km = kaplan_meier(durations, observed)
    sf = SurvfuncRight(durations, observed.astype(int))
    for q in QUANTILES:
        theirs = sf.quantile(q)
        assert km.quantile(q) == (None if np.isnan(theirs) else theirs)


def test_km_arrays_are_read_only():
    km = kaplan_meier([1.0, 2.0], [1, 0])
    with pytest.raises(ValueError):
        km.survival[0] = 0.5


# --- edge cases ---------------------------------------------------------------------------------


def test_all_censored():
    durations = np.array([3.0, 5.0, 5.0, 9.0])
    km = kaplan_meier(durations, np.zeros(4, dtype=bool))
    kmf = lifelines_km(durations, np.zeros(4))
    assert_km_equal(km, kmf)
    np.testing.assert_array_equal(km.survival, 1.0)
    np.testing.assert_array_equal(km.ci_low, 1.0)
    assert km.median is None and math.isinf(kmf.median_survival_time_)
    assert all(km.quantile(q) is None for q in QUANTILES)
    assert km.quantile_ci(0.5) == (None, None)
    summary = lead_time_summary(durations, np.zeros(4))
    assert (summary.n, summary.n_observed, summary.n_censored) == (4, 0, 4)
    assert summary.median is summary.q1 is summary.q3 is summary.p90 is None


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8, 10, 13, 20, 21, 50, 99, 100, 101, 1000])
@pytest.mark.parametrize("ties", [False, True])
def test_no_censoring_gives_the_empirical_quantile(n, ties):
    """Without censoring the KM q-quantile is the smallest time t with F(t) >= q: numpy's
    ``inverted_cdf``. (lifelines misses this for e.g. n=4, q=0.25 by rounding: see module doc.)"""
    rng = np.random.default_rng(n)
    durations = rng.integers(0, 10, n).astype(float) if ties else rng.permutation(n).astype(float)
    km = kaplan_meier(durations, np.ones(n, dtype=bool))
    for q in (*QUANTILES, 0.1, 0.6, 1.0):
        assert km.quantile(q) == np.quantile(durations, q, method="inverted_cdf"), q
    assert_quantiles_match(km, lifelines_km(durations, np.ones(n)))


def test_one_subject():
    km = kaplan_meier([4.0], [True])
    assert_km_equal(km, lifelines_km([4.0], [1]))
    assert (km.survival.tolist(), km.ci_low.tolist(), km.ci_high.tolist()) == ([0.0], [0.0], [0.0])
    assert km.median == 4.0 and km.quantile(0.9) == 4.0
    km = kaplan_meier([4.0], [False])
    assert_km_equal(km, lifelines_km([4.0], [0]))
    assert km.median is None
    assert lead_time_summary([4.0], [True]).median == 4.0


def test_zero_durations():
    durations = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 2.0, 3.0, 0.0])
    observed = np.array([1, 1, 0, 1, 0, 1, 1, 0])
    km = kaplan_meier(durations, observed)
    kmf = lifelines_km(durations, observed)
    assert_km_equal(km, kmf)
    assert km.times[0] == 0.0 and km.survival[0] == pytest.approx(0.75)
    assert_quantiles_match(km, kmf)
    assert km.quantile(0.25) == 0.0


def test_lifelines_rounding_difference_is_the_only_one():
    """The documented difference, pinned: 0..3 uncensored, q=0.25. S(0) = 3/4 exactly; lifelines
    computes 0.7500000000000001 and reports 1, the engine reports 0 (= the empirical quantile)."""
    durations = np.arange(4.0)
    km = kaplan_meier(durations, np.ones(4))
    assert km.quantile(0.25) == 0.0 == np.quantile(durations, 0.25, method="inverted_cdf")
    assert km.survival[0] == pytest.approx(0.75, abs=1e-15)


@pytest.mark.parametrize(
    ("durations", "observed", "match"),
    [
        ([1.0, float("nan"), 3.0], [1, 1, 1], "row 1"),
        ([1.0, float("inf"), 3.0], [1, 1, 1], "not finite"),
        ([1.0, -2.0, 3.0], [1, 1, 1], "negative in row 1"),
        ([1.0, 2.0, 3.0], [1, 2, 1], "0/1"),
        ([1.0, 2.0, 3.0], [1, float("nan"), 1], "row 1"),
        ([1.0, 2.0, 3.0], [1, 1], "one value per duration"),
        ([], [], "no durations"),
        ([[1.0, 2.0]], [[1, 1]], "one-dimensional"),
        (["a", "b"], [1, 1], "numbers"),
    ],
)
def test_km_input_errors(durations, observed, match):
    with pytest.raises(StatsInputError, match=match):
        kaplan_meier(durations, observed)


def test_quantile_out_of_range():
    km = kaplan_meier([1.0, 2.0], [1, 1])
    for q in (0.0, -0.1, 1.5):
        with pytest.raises(StatsInputError):
            km.quantile(q)


def test_accepts_polars_series():
    frame = pl.DataFrame({"days": [3, 5, 5, 8, 13], "done": [True, True, False, True, False]})
    km = kaplan_meier(frame["days"], frame["done"])
    assert_km_equal(km, lifelines_km([3, 5, 5, 8, 13], [1, 1, 0, 1, 0]))


# --- lead-time summary and cumulative incidence -------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_lead_time_summary_equals_lifelines(seed):
    durations, observed = tied_censored(200 + seed, censoring=[0.1, 0.4, 0.7][seed % 3])
    summary = lead_time_summary(durations, observed)
    kmf = lifelines_km(durations, observed)
    sf = kmf.survival_function_.iloc[:, 0]
    for value, q in (
        (summary.q1, 0.25),
        (summary.median, 0.5),
        (summary.q3, 0.75),
        (summary.p90, 0.9),
    ):
        theirs = none_if_inf(kmf.percentile(1 - q))
        assert_first_at_or_below(value, theirs, sf.index.values, sf.values, 1 - q)
    bands = median_survival_times(kmf.confidence_interval_)
    for ours, column in zip(
        (summary.median_low, summary.median_high), kmf.confidence_interval_.columns, strict=True
    ):
        band = kmf.confidence_interval_[column]
        theirs = none_if_inf(float(bands[column].iloc[0]))
        assert_first_at_or_below(ours, theirs, band.index.values, band.values, 0.5)
    assert summary.n == durations.size
    assert summary.n_observed == int(observed.sum())
    assert summary.n_observed + summary.n_censored == summary.n


def test_lead_time_summary_of_nothing():
    summary = lead_time_summary([], [])
    assert (summary.n, summary.n_observed, summary.n_censored) == (0, 0, 0)
    assert summary.median is summary.q1 is summary.q3 is summary.p90 is None


def test_lead_time_quantiles_are_ordered():
    durations, observed = tied_censored(3, n=400, censoring=0.2)
    s = lead_time_summary(durations, observed)
    assert s.q1 <= s.median <= s.q3 <= s.p90
    assert s.median_low <= s.median <= s.median_high


@pytest.mark.parametrize("t", [0.0, 1.0, 4.5, 12.0, 30.0])
def test_cumulative_incidence_equals_lifelines(t):
    durations, observed = tied_censored(17, n=300, censoring=0.5)
    durations = np.append(durations, 40.0)  # someone followed up past every t
    observed = np.append(observed, False)
    interval = cumulative_incidence_at(durations, observed, t)
    kmf = lifelines_km(durations, observed)
    assert interval.estimate == pytest.approx(1 - float(kmf.predict(t)), abs=EXACT)
    band = kmf.confidence_interval_cumulative_density_
    row = band.iloc[band.index.searchsorted(t, side="right") - 1]
    assert interval.low == pytest.approx(float(row.iloc[0]), abs=EXACT)
    assert interval.high == pytest.approx(float(row.iloc[1]), abs=EXACT)
    assert interval.low <= interval.estimate <= interval.high
    assert interval.confidence == 0.95


def test_cumulative_incidence_before_any_event_is_zero():
    interval = cumulative_incidence_at([5.0, 6.0, 9.0], [1, 0, 1], 2.0)
    assert (interval.estimate, interval.low, interval.high) == (0.0, 0.0, 0.0)


def test_cumulative_incidence_beyond_follow_up_is_not_estimable():
    with pytest.raises(NotEstimable, match="followed up"):
        cumulative_incidence_at([1.0, 2.0, 3.0], [1, 0, 0], 5.0)
    # ... unless everyone has had the event by then: the curve is 0 from there on
    assert cumulative_incidence_at([1.0, 2.0, 3.0], [1, 1, 1], 5.0).estimate == 1.0


# --- log-rank -----------------------------------------------------------------------------------


def assert_logrank_equal(da, ea, db, eb) -> None:
    ours = logrank_test(da, ea, db, eb)
    theirs = lifelines_logrank(da, db, ea, eb)
    assert ours.statistic == pytest.approx(theirs.test_statistic, rel=EXACT, abs=1e-12)
    assert ours.p_value == pytest.approx(theirs.p_value, rel=EXACT, abs=1e-15)
    # statsmodels as a second oracle
    group = np.r_[np.zeros(len(da)), np.ones(len(db))]
    chisq, p = survdiff(np.r_[da, db], np.r_[ea, eb].astype(int), group)
    assert ours.statistic == pytest.approx(chisq, rel=1e-8)
    assert ours.p_value == pytest.approx(p, rel=1e-7, abs=1e-15)


def test_logrank_waltons(waltons):
    control = waltons[waltons["group"] == "control"]
    treated = waltons[waltons["group"] == "miR-137"]
    result = logrank_test(control["T"], control["E"], treated["T"], treated["E"])
    assert result.method == "log-rank"
    assert result.statistic == pytest.approx(122.249, abs=1e-3)  # lifelines' documented value
    assert_logrank_equal(
        control["T"].to_numpy(),
        control["E"].to_numpy(),
        treated["T"].to_numpy(),
        treated["E"].to_numpy(),
    )


def test_logrank_rossi_fin(rossi):
    a, b = rossi[rossi["fin"] == 1], rossi[rossi["fin"] == 0]
    assert_logrank_equal(
        a["week"].to_numpy(), a["arrest"].to_numpy(), b["week"].to_numpy(), b["arrest"].to_numpy()
    )


@pytest.mark.parametrize("seed", range(20))
def test_logrank_random_ties_and_censoring(seed):
    da, ea = tied_censored(300 + seed, censoring=0.7)
    db, eb = tied_censored(400 + seed, censoring=0.5)
    assert_logrank_equal(da, ea, db, eb)


def test_logrank_is_symmetric_and_tiny_groups():
    da, ea = tied_censored(1, n=30)
    db, eb = tied_censored(2, n=40)
    assert logrank_test(da, ea, db, eb).statistic == pytest.approx(
        logrank_test(db, eb, da, ea).statistic, rel=1e-12
    )
    assert_logrank_equal(np.array([2.0]), np.array([1]), np.array([1.0, 3.0]), np.array([1, 1]))


def test_logrank_not_estimable():
    with pytest.raises(NotEstimable, match="no events"):
        logrank_test([1.0, 2.0], [0, 0], [3.0], [0])
    with pytest.raises(StatsInputError, match="both groups"):
        logrank_test([], [], [3.0], [1])


# --- Cox ----------------------------------------------------------------------------------------


# lifelines' default stopping rule (relative change of the log-likelihood below 1e-9) can stop
# while the coefficients are still ~1e-4 (relative) off the maximum: on some of the random data
# sets below its default fit differs from statsmodels by that much, while the engine agrees with
# statsmodels to ~1e-15. The random comparisons therefore ask lifelines to converge fully.
TIGHT = {"precision": 1e-14, "r_precision": 1e-16}


def lifelines_cox(durations, observed, x, names) -> CoxPHFitter:
    frame = lifelines_frame(durations, observed, x, names)
    return CoxPHFitter().fit(frame, "T", "E", fit_options=TIGHT)


def lifelines_frame(durations, observed, x, names):
    import pandas as pd

    frame = pd.DataFrame(np.asarray(x, dtype=float), columns=names)
    frame["T"] = durations
    frame["E"] = np.asarray(observed).astype(int)
    return frame


def assert_cox_equal_lifelines(res: CoxResult, cph: CoxPHFitter) -> None:
    s = cph.summary.loc[list(res.names)]
    np.testing.assert_allclose(res.coef, s["coef"], rtol=COX_RTOL)
    np.testing.assert_allclose(res.se, s["se(coef)"], rtol=COX_RTOL)
    np.testing.assert_allclose(res.hazard_ratio, s["exp(coef)"], rtol=COX_RTOL)
    np.testing.assert_allclose(res.ci_low, s["exp(coef) lower 95%"], rtol=COX_RTOL)
    np.testing.assert_allclose(res.ci_high, s["exp(coef) upper 95%"], rtol=COX_RTOL)
    np.testing.assert_allclose(res.z, s["z"], rtol=COX_RTOL)
    np.testing.assert_allclose(res.p, s["p"], rtol=1e-4, atol=1e-12)
    assert res.log_likelihood == pytest.approx(cph.log_likelihood_, rel=1e-9)
    lr = cph.log_likelihood_ratio_test()
    assert res.likelihood_ratio_test().statistic == pytest.approx(lr.test_statistic, rel=1e-6)
    assert res.n == cph._n_examples
    assert res.n_events == int(cph.event_observed.sum())
    assert res.converged and res.warning == ""


def assert_cox_equal_statsmodels(res: CoxResult, durations, observed, x) -> None:
    fit = PHReg(
        np.asarray(durations, float),
        np.asarray(x, float),
        status=np.asarray(observed).astype(int),
        ties="efron",
    ).fit()
    np.testing.assert_allclose(res.coef, fit.params, rtol=COX_RTOL)
    np.testing.assert_allclose(res.se, fit.bse, rtol=COX_RTOL)
    assert res.log_likelihood == pytest.approx(fit.llf, rel=1e-9)


def test_cox_rossi_equals_lifelines_summary(rossi):
    res = cox_ph(rossi["week"], rossi["arrest"], rossi[ROSSI_COLUMNS].to_numpy(), ROSSI_COLUMNS)
    assert_cox_equal_lifelines(res, CoxPHFitter().fit(rossi, "week", "arrest"))
    # the classic numbers (lifelines' docs, R's coxph)
    assert res.row("fin")["coef"] == pytest.approx(-0.379422, abs=1e-6)
    assert res.row("prio")["hazard_ratio"] == pytest.approx(1.095814, abs=1e-6)
    assert res.log_likelihood == pytest.approx(-658.748, abs=1e-3)
    assert res.n == 432 and res.n_events == 114


def test_cox_rossi_equals_statsmodels(rossi):
    x = rossi[ROSSI_COLUMNS].to_numpy()
    res = cox_ph(rossi["week"], rossi["arrest"], x, ROSSI_COLUMNS)
    assert_cox_equal_statsmodels(res, rossi["week"], rossi["arrest"], x)


@pytest.mark.parametrize("seed", range(8))
def test_cox_random_ties_and_censoring(seed):
    durations, observed, x, names = cox_data(seed, n=[60, 150, 400, 800][seed % 4])
    res = cox_ph(durations, observed, x, names)
    assert_cox_equal_lifelines(res, lifelines_cox(durations, observed, x, names))
    assert_cox_equal_statsmodels(res, durations, observed, x)


def test_cox_heavy_ties_and_heavy_censoring():
    """Few distinct times (large tie groups) and 85 % censored."""
    rng = np.random.default_rng(99)
    n = 500
    x = np.column_stack([rng.integers(0, 2, n), rng.normal(size=n)]).astype(float)
    durations = rng.integers(0, 6, n).astype(float)
    observed = rng.random(n) < 0.15 + 0.1 * x[:, 0]
    res = cox_ph(durations, observed, x, ["a", "b"])
    assert_cox_equal_lifelines(res, lifelines_cox(durations, observed, x, ["a", "b"]))
    assert_cox_equal_statsmodels(res, durations, observed, x)


def test_cox_single_covariate_and_polars_frame():
    durations, observed, x, names = cox_data(21, n=200)
    frame = pl.DataFrame({"treated": x[:, 0]})
    res = cox_ph(durations, observed, frame, ["treated"])
    assert_cox_equal_lifelines(res, lifelines_cox(durations, observed, x[:, :1], ["treated"]))
    one_d = cox_ph(durations, observed, x[:, 0], ["treated"])
    assert one_d.coef == res.coef


def test_cox_other_confidence():
    durations, observed, x, names = cox_data(4)
    res = cox_ph(durations, observed, x, names, confidence=0.9)
    cph = CoxPHFitter(alpha=0.1).fit(
        lifelines_frame(durations, observed, x, names), "T", "E", fit_options=TIGHT
    )
    s = cph.summary
    np.testing.assert_allclose(res.ci_low, s["exp(coef) lower 90%"], rtol=COX_RTOL)
    np.testing.assert_allclose(res.ci_high, s["exp(coef) upper 90%"], rtol=COX_RTOL)


def test_cox_covariance_matches_lifelines(rossi):
    res = cox_ph(rossi["week"], rossi["arrest"], rossi[ROSSI_COLUMNS].to_numpy(), ROSSI_COLUMNS)
    cph = CoxPHFitter().fit(rossi, "week", "arrest")
    np.testing.assert_allclose(
        np.array(res.covariance), cph.variance_matrix_.loc[ROSSI_COLUMNS, ROSSI_COLUMNS], rtol=1e-5
    )


def test_cox_separation_in_a_dummy_is_reported_with_the_limit_of_the_rest():
    """No events at all in one category: its coefficient is -inf (the likelihood keeps rising as
    it falls); the others converge to the fit without that category's cases (lifelines, by
    contrast, stops at a large finite coefficient and warns)."""
    rng = np.random.default_rng(3)
    n = 200
    group = rng.integers(0, 2, n).astype(float)
    other = rng.normal(size=n)
    durations = rng.exponential(10, n).round()
    observed = (group == 0) & (rng.random(n) < 0.7)  # no events among group == 1
    x = np.column_stack([group, other])
    res = cox_ph(durations, observed, x, ["group", "x"])
    assert not res.converged
    assert "'group' is infinite" in res.warning and "group = 1" in res.warning
    assert res.coef[0] == -math.inf and res.hazard_ratio[0] == 0.0 and math.isnan(res.se[0])
    keep = group == 0
    limit = lifelines_cox(durations[keep], observed[keep], other[keep, None], ["x"])
    assert res.coef[1] == pytest.approx(float(limit.params_["x"]), rel=COX_RTOL)
    assert res.se[1] == pytest.approx(float(limit.standard_errors_["x"]), rel=COX_RTOL)
    assert res.log_likelihood == pytest.approx(limit.log_likelihood_, rel=1e-9)
    # all events in group 1 instead: +inf
    flipped = cox_ph(durations, (group == 1) & observed.any(), x, ["group", "x"])
    assert flipped.coef[0] == math.inf and not flipped.converged


def test_cox_separation_on_a_continuous_covariate_is_reported_not_raised():
    """At every event the case with the highest x fails: the likelihood rises without bound in
    the coefficient of x; Newton–Raphson notices and stops."""
    n = 300
    x = np.arange(n, dtype=float)
    other = np.random.default_rng(8).normal(size=n)
    res = cox_ph(n - x, np.ones(n, dtype=bool), np.column_stack([x, other]), ["x", "other"])
    assert not res.converged
    assert "'x' diverges" in res.warning and "'other'" not in res.warning
    assert res.iterations < 30


@pytest.mark.parametrize(
    ("column", "match"),
    [
        (
            np.where(np.arange(50) == 7, np.nan, 1.0) + np.arange(50),
            "'b' is missing or not finite in row 7",
        ),
        (np.full(50, 3.0), "'b' is constant"),
        (np.arange(50) * 2.0 + 1.0, "'b' is a linear combination"),
    ],
)
def test_cox_input_errors_name_the_column(column, match):
    durations, observed = tied_censored(5, n=50, censoring=0.3)
    x = np.column_stack([np.arange(50.0), column])
    with pytest.raises(StatsInputError, match=match):
        cox_ph(durations, observed, x, ["a", "b"])


def test_cox_other_input_errors():
    durations, observed = tied_censored(5, n=50, censoring=0.3)
    x = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(StatsInputError, match="no events"):
        cox_ph(durations, np.zeros(50), x, ["a", "b"])
    with pytest.raises(StatsInputError, match="names"):
        cox_ph(durations, observed, x, ["a"])
    with pytest.raises(StatsInputError, match="not unique"):
        cox_ph(durations, observed, x, ["a", "a"])
    with pytest.raises(StatsInputError, match="rows"):
        cox_ph(durations, observed, x[:40], ["a", "b"])
