"""inbeeld.stats.proportions against independent oracles.

Oracles: statsmodels (Wilson, Newcombe, Koopman and its own score test), scipy (Fisher's exact
test, the conditional MLE odds ratio), an exact rational evaluation of Evan Miller's closed form
(posterior probability), a large seeded Monte Carlo (posterior probability and credible
interval), and published values (Newcombe 1998, Nam 1995, Fisher's tea-tasting table). The
engine itself never imports statsmodels.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.proportion import test_proportions_2indep as score_test_2indep

from inbeeld.stats import proportions as P
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.results import Interval

SIZES = (1, 2, 3, 5, 10, 17, 40, 100, 1000)


def _counts(n: int) -> list[int]:
    return sorted({0, 1, n // 3, n // 2, n - 1, n} - {-1})


def grid(sizes=SIZES) -> list[tuple[int, int, int, int]]:
    """Small and larger tables, zeros, n = 1, x = n ("separation"): about 2,000 tables."""
    return [
        (x1, n1, x0, n0) for n1 in sizes for n0 in sizes for x1 in _counts(n1) for x0 in _counts(n0)
    ]


GRID = grid()
INTERIOR = [t for t in GRID if 0 < t[0] < t[1] and 0 < t[2] < t[3]]
RANDOM_TABLES = [
    (int(rng.integers(0, n1 + 1)), int(n1), int(rng.integers(0, n0 + 1)), int(n0))
    for rng in [np.random.default_rng(20240601)]
    for n1, n0 in rng.integers(1, 5000, size=(300, 2))
]


def _assert_all(failures: list) -> None:
    assert not failures, f"{len(failures)} mismatches, first: {failures[:5]}"


# --- purity -----------------------------------------------------------------------------------


def test_engine_imports_neither_statsmodels_nor_django():
    code = (
        "import sys, inbeeld.stats.proportions, inbeeld.stats.power\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('statsmodels', 'django')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


# --- Wilson -----------------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels(confidence):
    failures = []
    for n in (*SIZES, 7, 263, 12345):
        for x in range(n + 1) if n <= 100 else _counts(n):
            ours = P.wilson_interval(x, n, confidence)
            low, high = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
            if abs(ours.low - low) > 1e-12 or abs(ours.high - high) > 1e-12:
                failures.append((x, n, ours, (low, high)))
            if ours.estimate != x / n or ours.confidence != confidence:
                failures.append((x, n, ours))
    _assert_all(failures)


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [  # Newcombe (1998a), Statistics in Medicine 17:857-872, Table II, method 3 (score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_published_values(x, n, low, high):
    interval = P.wilson_interval(x, n)
    assert round(interval.low, 4) == low
    assert round(interval.high, 4) == high


def test_wilson_edges_are_exact():
    assert P.wilson_interval(0, 7).low == 0.0
    assert P.wilson_interval(7, 7).high == 1.0
    one = P.wilson_interval(1, 1)
    assert one.estimate == 1.0 and one.high == 1.0 and 0 < one.low < 1
    with pytest.raises(NotEstimable):
        P.wilson_interval(0, 0)


# --- Newcombe ---------------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_newcombe_matches_statsmodels(confidence):
    failures = []
    for table in GRID + RANDOM_TABLES:
        ours = P.risk_difference(*table, confidence=confidence)
        low, high = confint_proportions_2indep(
            *table, compare="diff", method="newcomb", alpha=1 - confidence
        )
        if abs(ours.low - low) > 1e-12 or abs(ours.high - high) > 1e-12:
            failures.append((table, ours, (low, high)))
        x1, n1, x0, n0 = table
        if abs(ours.estimate - (x1 / n1 - x0 / n0)) > 1e-15:
            failures.append((table, ours.estimate))
    _assert_all(failures)


@pytest.mark.parametrize(
    ("table", "low", "high"),
    [  # Newcombe (1998b), Statistics in Medicine 17:873-890, Table II, method 10
        ((56, 70, 48, 80), 0.0524, 0.3339),
        ((9, 10, 3, 10), 0.1705, 0.8090),
        ((5, 56, 0, 29), -0.0381, 0.1926),
        ((0, 10, 0, 20), -0.1611, 0.2775),
        ((0, 10, 0, 10), -0.2775, 0.2775),
        ((10, 10, 0, 20), 0.6791, 1.0000),
        ((10, 10, 0, 10), 0.6075, 1.0000),
    ],
)
def test_newcombe_published_values(table, low, high):
    interval = P.risk_difference(*table)
    assert round(interval.low, 4) == low
    assert round(interval.high, 4) == high


def test_newcombe_fagerland_example():
    # Fagerland, Lydersen and Laake (2015), 7/34 versus 1/34: Newcombe hybrid score 0.019 to 0.34
    interval = P.risk_difference(7, 34, 1, 34)
    assert interval.estimate == pytest.approx(6 / 34)
    assert round(interval.low, 3) == 0.019
    assert round(interval.high, 2) == 0.34


def test_newcombe_needs_both_groups():
    with pytest.raises(NotEstimable):
        P.risk_difference(0, 0, 3, 10)
    with pytest.raises(NotEstimable):
        P.risk_difference(3, 10, 0, 0)


def test_newcombe_coverage_recovery():
    """2,000 simulated trials, true difference 0.10 (0.35 versus 0.25), 500 cases per group:
    the 95 % Newcombe interval covers the truth in 93-97 % of them."""
    rng = np.random.default_rng(6)
    p1, p0, n = 0.35, 0.25, 500
    x1s = rng.binomial(n, p1, size=2000)
    x0s = rng.binomial(n, p0, size=2000)
    covered = sum(
        P.risk_difference(int(a), n, int(c), n).contains(p1 - p0)
        for a, c in zip(x1s, x0s, strict=True)
    )
    assert 0.93 <= covered / 2000 <= 0.97


# --- Koopman ----------------------------------------------------------------------------------


def _score_p(table, value, correction):
    return score_test_2indep(
        *table, value=value, compare="ratio", method="score", correction=correction
    ).pvalue


@pytest.mark.parametrize("correction", [False, True])
def test_koopman_matches_statsmodels_closed_form(correction):
    """statsmodels solves Nam's cubic (Koopman; with correction=True Miettinen-Nurminen) with
    np.roots. The cubic is ill-conditioned when p0 is near 1 (at x0/n0 = 0.999 its bounds are off
    by up to 2e-3 relative; at x1 = n1 or x0 = n0 or a zero cell it returns complex, nan or
    spurious roots), so it is the oracle for x0/n0 <= 0.95 with 0 < x < n; the score-test
    inversion below checks every table."""
    failures = []
    tables = [
        t
        for t in INTERIOR + RANDOM_TABLES
        if 0 < t[0] < t[1] and 0 < t[2] < t[3] and t[2] / t[3] <= 0.95
    ]
    assert len(tables) > 800
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for table in tables:
            ours = P.risk_ratio(*table, correction=correction)
            low, high = confint_proportions_2indep(
                *table, compare="ratio", method="score", correction=correction
            )
            if not (
                math.isclose(ours.low, low, rel_tol=1e-8)
                and math.isclose(ours.high, high, rel_tol=1e-8)
            ):
                failures.append((table, ours, (low, high)))
    _assert_all(failures)


@pytest.mark.parametrize("correction", [False, True])
def test_koopman_bounds_invert_statsmodels_score_test(correction):
    """On every table, zeros and full cells included: at each finite non-zero bound the
    statsmodels score test of H0: p1/p0 = bound has p-value exactly 1 - confidence; just inside
    the interval it is larger, just outside smaller (the bound is the right root)."""
    failures = []
    tables = grid((1, 2, 3, 5, 10, 40, 100)) + RANDOM_TABLES[:60]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for table in tables:
            if table[0] == 0 and table[2] == 0:
                continue
            ours = P.risk_ratio(*table, correction=correction)
            for bound, inward in ((ours.low, 1.0 + 1e-6), (ours.high, 1.0 - 1e-6)):
                if bound == 0.0 or math.isinf(bound):
                    continue
                p_at = _score_p(table, bound, correction)
                p_in = _score_p(table, bound * inward, correction)
                p_out = _score_p(table, bound / inward, correction)
                if abs(p_at - 0.05) > 1e-9 or not p_in > 0.05 > p_out:
                    failures.append((table, bound, p_at, p_in, p_out))
    _assert_all(failures)


def test_koopman_published_value():
    # Nam (1995), Koopman's example 36/40 versus 16/80: 2.940 to 7.152
    interval = P.risk_ratio(36, 40, 16, 80)
    assert interval.estimate == pytest.approx(4.5)
    assert round(interval.low, 3) == 2.940
    assert round(interval.high, 3) == 7.152


def test_koopman_zero_cells_are_honest():
    no_exposed_events = P.risk_ratio(0, 20, 5, 20)
    assert no_exposed_events.estimate == 0.0 and no_exposed_events.low == 0.0
    assert math.isfinite(no_exposed_events.high) and no_exposed_events.high > 0
    no_control_events = P.risk_ratio(5, 20, 0, 20)
    assert math.isinf(no_control_events.estimate) and math.isinf(no_control_events.high)
    assert math.isfinite(no_control_events.low) and no_control_events.low > 0
    # the two are mirror images: bounds of the swapped table are the reciprocals
    assert no_control_events.low == pytest.approx(1 / no_exposed_events.high, rel=1e-10)
    no_events = P.risk_ratio(0, 20, 0, 30)
    assert math.isnan(no_events.estimate)
    assert (no_events.low, no_events.high) == (0.0, math.inf)
    single = P.risk_ratio(1, 1, 0, 1)
    assert single.low > 0 and math.isinf(single.high)
    with pytest.raises(NotEstimable):
        P.risk_ratio(0, 0, 1, 5)


def test_koopman_never_crashes_on_the_grid():
    for table in GRID:
        interval = P.risk_ratio(*table)
        assert 0.0 <= interval.low <= interval.high
        if not math.isnan(interval.estimate):
            assert interval.contains(interval.estimate)


def test_koopman_reciprocal_symmetry():
    for x1, n1, x0, n0 in INTERIOR[::7]:
        forward = P.risk_ratio(x1, n1, x0, n0)
        backward = P.risk_ratio(x0, n0, x1, n1)
        assert forward.low == pytest.approx(1 / backward.high, rel=1e-10)
        assert forward.high == pytest.approx(1 / backward.low, rel=1e-10)


# --- Fisher -----------------------------------------------------------------------------------


def _scipy_fisher(table, alternative):
    x1, n1, x0, n0 = table
    return sps.fisher_exact([[x1, n1 - x1], [x0, n0 - x0]], alternative=alternative)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_fisher_matches_scipy(alternative):
    failures = []
    large = [(5000, 10000, 5100, 10000), (1, 100000, 15, 100000), (300, 400, 250, 400)]
    for table in GRID + RANDOM_TABLES + large:
        ours = P.fisher_exact(*table, alternative=alternative, conditional_mle=False)
        theirs = _scipy_fisher(table, alternative)
        if abs(ours.p_value - theirs.pvalue) > 1e-12 or not _same(
            ours.odds_ratio, float(theirs.statistic)
        ):
            failures.append((table, ours, theirs))
        if ours.alternative != alternative or ours.conditional_odds_ratio is not None:
            failures.append((table, ours))
    _assert_all(failures)


def _brute_force_fisher(table, alternative):
    """The p-value by enumerating every table with the same margins, in exact fractions (an
    oracle independent of scipy); two-sided with R's relative tie tolerance 1e-7."""
    x1, n1, x0, n0 = table
    col1 = x1 + x0
    lo, hi = max(0, col1 - n0), min(n1, col1)
    weight = {k: Fraction(math.comb(n1, k) * math.comb(n0, col1 - k)) for k in range(lo, hi + 1)}
    whole = sum(weight.values())
    if alternative == "less":
        tail = sum(w for k, w in weight.items() if k <= x1)
    elif alternative == "greater":
        tail = sum(w for k, w in weight.items() if k >= x1)
    else:
        observed = weight[x1] * (1 + Fraction(1, 10**7))
        tail = sum(w for w in weight.values() if w <= observed)
    return float(tail / whole)


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_fisher_matches_a_brute_force_sum_over_all_tables(alternative):
    failures = []
    small = [t for t in RANDOM_TABLES if t[1] + t[3] <= 1500]
    for table in GRID + small + [(300, 400, 250, 400)]:
        if 0 in (table[1], table[3], table[0] + table[2]):
            continue
        if table[1] - table[0] + table[3] - table[2] == 0:
            continue
        ours = P.fisher_exact(*table, alternative=alternative, conditional_mle=False).p_value
        theirs = _brute_force_fisher(table, alternative)
        if not math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-300):
            failures.append((table, ours, theirs))
    _assert_all(failures)


def test_fisher_symmetric_tables_hit_the_tie_rule():
    """Tables whose mirror image is equally probable: the tie tolerance must count both."""
    failures = []
    for n in (2, 4, 10, 30, 101):
        for x in range(n + 1):
            table = (x, n, n - x, n)
            ours = P.fisher_exact(*table, conditional_mle=False).p_value
            theirs = _scipy_fisher(table, "two-sided").pvalue
            if abs(ours - theirs) > 1e-12:
                failures.append((table, ours, theirs))
    _assert_all(failures)


def _conditional_mle_oracle(table) -> float:
    """The odds ratio whose non-central hypergeometric mean equals the first cell, solved on the
    full support with log-weights from lgamma (independent of scipy's contingency.odds_ratio)."""
    from scipy.optimize import brentq

    x1, n1, x0, n0 = table
    col1 = x1 + x0
    lo, hi = max(0, col1 - n0), min(n1, col1)
    if lo == hi:
        return math.nan
    if x1 == lo:
        return 0.0
    if x1 == hi:
        return math.inf
    k = np.arange(lo, hi + 1)
    lg = np.vectorize(math.lgamma)
    log_central = -lg(k + 1) - lg(n1 - k + 1) - lg(col1 - k + 1) - lg(n0 - col1 + k + 1)

    def gap(log_psi: float) -> float:
        logw = log_central + k * log_psi
        w = np.exp(logw - logw.max())
        return float((k * w).sum() / w.sum()) - x1

    return math.exp(brentq(gap, -60.0, 60.0, xtol=1e-13))


def test_fisher_conditional_mle_matches_an_independent_solver():
    failures = []
    for table in GRID[::3] + RANDOM_TABLES[:100] + [(5000, 10000, 5100, 10000)]:
        ours = P.fisher_exact(*table).conditional_odds_ratio
        theirs = _conditional_mle_oracle(table)
        ok = _same(ours, theirs) or (
            math.isfinite(theirs) and math.isclose(ours, theirs, rel_tol=1e-7)
        )
        if not ok:
            failures.append((table, ours, theirs))
    _assert_all(failures)


def test_fisher_tea_tasting():
    # Fisher (1935): 3 of 4 cups right each way; R's fisher.test: p = 0.4857, estimate 6.408309
    result = P.fisher_exact(3, 4, 1, 4)
    assert result.p_value == pytest.approx(34 / 70, abs=1e-15)
    assert result.odds_ratio == 9.0
    assert result.conditional_odds_ratio == pytest.approx(6.408309, rel=1e-5)
    assert P.fisher_exact(3, 4, 1, 4, "greater").p_value == pytest.approx(17 / 70, abs=1e-15)


def test_fisher_empty_margin():
    result = P.fisher_exact(0, 10, 0, 12)
    assert result.p_value == 1.0 and math.isnan(result.odds_ratio)
    assert math.isnan(result.conditional_odds_ratio)
    assert P.fisher_exact(3, 3, 0, 0).p_value == 1.0


def test_fisher_rejects_bad_alternative():
    with pytest.raises(StatsInputError):
        P.fisher_exact(1, 2, 1, 2, alternative="larger")


# --- Bayesian posterior -----------------------------------------------------------------------


def _beta_fn(a: int, b: int) -> Fraction:
    return Fraction(math.factorial(a - 1) * math.factorial(b - 1), math.factorial(a + b - 1))


def miller_exact(x1, n1, x0, n0, prior_a=1, prior_b=1) -> float:
    """Evan Miller's closed form for P(p1 > p0), integer parameters, in exact rationals."""
    a_b, b_b = prior_a + x1, prior_b + n1 - x1
    a_a, b_a = prior_a + x0, prior_b + n0 - x0
    total = sum(
        _beta_fn(a_a + i, b_a + b_b) / ((b_b + i) * _beta_fn(1 + i, b_b) * _beta_fn(a_a, b_a))
        for i in range(a_b)
    )
    return float(total)


def miller_float(x1, n1, x0, n0, prior_a=1, prior_b=1) -> float:
    """The same sum in floating point (log-gamma), for tables too large for rationals."""
    a_b, b_b = prior_a + x1, prior_b + n1 - x1
    a_a, b_a = prior_a + x0, prior_b + n0 - x0

    def lbeta(a, b):
        return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)

    return math.fsum(
        math.exp(
            lbeta(a_a + i, b_a + b_b) - math.log(b_b + i) - lbeta(1 + i, b_b) - lbeta(a_a, b_a)
        )
        for i in range(a_b)
    )


@pytest.mark.parametrize("prior", [(1, 1), (2, 3)])
def test_posterior_matches_exact_closed_form(prior):
    failures = []
    tables = grid((1, 2, 3, 5, 10, 17, 40)) + [(0, 0, 0, 0), (0, 0, 3, 5), (2, 3, 0, 0)]
    for table in tables:
        ours = P.posterior_probability_positive(*table, *prior)
        exact = miller_exact(*table, *prior)
        if abs(ours - exact) > 1e-12:
            failures.append((table, ours, exact))
    _assert_all(failures)


def test_posterior_matches_closed_form_on_larger_tables():
    failures = []
    for table in [*RANDOM_TABLES[:80], (500, 1000, 450, 1000), (3, 40, 2, 3000)]:
        ours = P.posterior_probability_positive(*table)
        reference = miller_float(*table)
        if abs(ours - reference) > 1e-8:
            failures.append((table, ours, reference))
    _assert_all(failures)


def test_posterior_very_large_groups_exact():
    # Beta(2, 500000) versus Beta(1, 500001): the closed form has two terms, in exact rationals
    exact = Fraction(500001, 1000001) + Fraction(500000 * 500001, 1000001 * 1000002)
    ours = P.posterior_probability_positive(1, 500000, 0, 500000)
    assert ours == pytest.approx(float(exact), abs=1e-12)


@pytest.mark.parametrize(
    ("table", "prior"),
    [
        ((12, 40, 7, 38), (1.0, 1.0)),
        ((0, 5, 1, 6), (0.5, 0.5)),  # Jeffreys prior: not integer, no closed form
        ((30, 31, 29, 33), (0.5, 0.5)),
        ((3, 200, 9, 150), (2.5, 7.0)),
    ],
)
def test_posterior_matches_monte_carlo(table, prior):
    rng = np.random.default_rng(42)
    draws = 2_000_000
    x1, n1, x0, n0 = table
    a, b = prior
    p1 = rng.beta(a + x1, b + n1 - x1, draws)
    p0 = rng.beta(a + x0, b + n0 - x0, draws)
    estimate = float(np.mean(p1 > p0))
    standard_error = math.sqrt(max(estimate * (1 - estimate), 1e-6) / draws)
    ours = P.posterior_probability_positive(*table, *prior)
    assert abs(ours - estimate) < 5 * standard_error


def test_posterior_symmetry_and_range():
    for table in GRID[::5]:
        x1, n1, x0, n0 = table
        forward = P.posterior_probability_positive(x1, n1, x0, n0)
        backward = P.posterior_probability_positive(x0, n0, x1, n1)
        assert 0.0 <= forward <= 1.0
        assert forward + backward == pytest.approx(1.0, abs=1e-11)


@pytest.mark.parametrize(
    "table", [(12, 40, 7, 38), (0, 5, 1, 6), (50, 100, 40, 100), (3, 40, 2, 3000), (1, 1, 0, 1)]
)
def test_posterior_difference_interval_matches_monte_carlo(table):
    rng = np.random.default_rng(7)
    draws = 2_000_000
    x1, n1, x0, n0 = table
    difference = rng.beta(1 + x1, 1 + n1 - x1, draws) - rng.beta(1 + x0, 1 + n0 - x0, draws)
    interval = P.posterior_difference_interval(*table)
    tail_se = math.sqrt(0.025 * 0.975 / draws)
    assert abs(float(np.mean(difference < interval.low)) - 0.025) < 5 * tail_se
    assert abs(float(np.mean(difference > interval.high)) - 0.025) < 5 * tail_se
    assert abs(interval.estimate - float(difference.mean())) < 5 * difference.std() / math.sqrt(
        draws
    )
    assert interval.contains(interval.estimate)
    assert -1.0 <= interval.low < interval.high <= 1.0


def test_posterior_difference_interval_symmetric_case():
    interval = P.posterior_difference_interval(5, 10, 5, 10, confidence=0.9)
    assert interval.estimate == 0.0
    assert interval.low == pytest.approx(-interval.high, abs=1e-9)
    assert interval.confidence == 0.9


def test_posterior_rejects_bad_priors():
    for prior in [(0, 1), (1, -2), (math.nan, 1), ("a", 1)]:
        with pytest.raises(StatsInputError):
            P.posterior_probability_positive(1, 2, 1, 2, *prior)


# --- indicative -------------------------------------------------------------------------------


def test_indicative_rule():
    assert P.MIN_N == 30 and P.MIN_EVENTS == 5
    assert P.is_indicative(29, 100)
    assert P.is_indicative(100, 29)
    assert not P.is_indicative(30, 30)
    assert not P.is_indicative(30, 30, 5, 5)
    assert P.is_indicative(30, 30, 4, 10)
    assert P.is_indicative(300, 300, 10, 4)
    assert not P.is_indicative(300, 300, 10, None)
    with pytest.raises(StatsInputError):
        P.is_indicative(-1, 30)


# --- validation -------------------------------------------------------------------------------

BAD_TABLES = [
    (-1, 10, 2, 10),
    (1, 10, -2, 10),
    (11, 10, 2, 10),
    (1, 10, 12, 10),
    (2.5, 10, 2, 10),
    (2, 10.5, 2, 10),
    (math.nan, 10, 2, 10),
    (math.inf, 10, 2, 10),
    ("3", 10, 2, 10),
    (True, 10, 2, 10),
    (None, 10, 2, 10),
]


@pytest.mark.parametrize("table", BAD_TABLES)
@pytest.mark.parametrize(
    "function",
    [
        P.risk_difference,
        P.risk_ratio,
        P.fisher_exact,
        P.posterior_probability_positive,
        P.posterior_difference_interval,
    ],
)
def test_bad_counts_are_rejected(function, table):
    with pytest.raises(StatsInputError):
        function(*table)


@pytest.mark.parametrize("args", [(-1, 10), (11, 10), (1.5, 10), (1, "10"), (False, 3)])
def test_wilson_bad_counts(args):
    with pytest.raises(StatsInputError):
        P.wilson_interval(*args)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, "high", math.nan])
def test_bad_confidence(confidence):
    with pytest.raises(StatsInputError):
        P.wilson_interval(3, 10, confidence)
    with pytest.raises(StatsInputError):
        P.risk_difference(3, 10, 2, 10, confidence)
    with pytest.raises(StatsInputError):
        P.risk_ratio(3, 10, 2, 10, confidence)


def test_integral_floats_and_numpy_integers_are_counts():
    assert P.risk_difference(3.0, 10.0, np.int64(2), np.int32(10)) == P.risk_difference(
        3, 10, 2, 10
    )


# --- properties -------------------------------------------------------------------------------


def test_intervals_contain_their_estimate_and_stay_in_range():
    for table in GRID:
        x1, n1, x0, n0 = table
        for share in (P.wilson_interval(x1, n1), P.wilson_interval(x0, n0)):
            assert 0.0 <= share.low <= share.estimate <= share.high <= 1.0
        difference = P.risk_difference(*table)
        assert -1.0 <= difference.low <= difference.estimate <= difference.high <= 1.0
        assert isinstance(difference, Interval)


@pytest.mark.parametrize("shares", [(0.3, 0.2), (0.5, 0.5), (0.05, 0.0), (0.9, 0.6)])
def test_widths_shrink_with_n(shares):
    s1, s0 = shares
    previous = None
    for n in (20, 40, 80, 160, 320, 640, 1280):
        x1, x0 = round(s1 * n), round(s0 * n)
        widths = (
            P.wilson_interval(x1, n).width,
            P.risk_difference(x1, n, x0, n).width,
            P.posterior_difference_interval(x1, n, x0, n).width if n <= 160 else 0.0,
        )
        if previous is not None:
            assert all(w <= p for w, p in zip(widths, previous, strict=True))
            assert widths[0] < previous[0] and widths[1] < previous[1]
        previous = widths
    finite = [P.risk_ratio(round(s1 * n), n, round(s0 * n), n) for n in (20, 80, 320, 1280)]
    if s0 > 0:
        widths = [math.log(r.high) - math.log(r.low) for r in finite]
        assert widths == sorted(widths, reverse=True)
