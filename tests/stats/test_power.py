"""inbeeld.stats.power against statsmodels' NormalIndPower with proportion_effectsize (the
oracle), direct computation from the formulas, Cohen's published table, and properties
(monotonicity, minimality of the rounded sizes)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from inbeeld.stats import power as W
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.proportions import risk_difference

ORACLE = NormalIndPower()
SHARES = (0.0, 0.01, 0.05, 0.1, 0.25, 0.3, 0.5, 0.62, 0.9, 0.99, 1.0)
PAIRS = [(p0, p1) for p0 in SHARES for p1 in SHARES if p0 != p1]


def _solve(p0, p1, power, alpha, ratio):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ORACLE.solve_power(
            effect_size=proportion_effectsize(p1, p0),
            nobs1=None,
            alpha=alpha,
            power=power,
            ratio=1 / ratio,  # statsmodels: nobs2 = ratio * nobs1; ours: ratio = n1 / n0
        )


# --- power ------------------------------------------------------------------------------------


def test_cohen_h_matches_statsmodels():
    for p0, p1 in PAIRS:
        assert W.cohen_h(p1, p0) == pytest.approx(proportion_effectsize(p1, p0), abs=1e-15)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
def test_power_matches_statsmodels(alpha):
    failures = []
    for p0, p1 in PAIRS + [(0.3, 0.3)]:
        for n1, n0 in [(1, 1), (3, 5), (10, 10), (50, 200), (1000, 30), (12.5, 7.25), (5000, 5000)]:
            ours = W.power_two_proportions(p0, p1, n1, n0, alpha)
            theirs = ORACLE.power(
                proportion_effectsize(p1, p0), nobs1=n1, alpha=alpha, ratio=n0 / n1
            )
            if abs(ours - theirs) > 1e-12:
                failures.append((p0, p1, n1, n0, ours, theirs))
    assert not failures, failures[:5]


def test_power_without_difference_is_alpha():
    assert W.power_two_proportions(0.4, 0.4, 100, 80, 0.05) == pytest.approx(0.05, abs=1e-15)


def test_power_grows_with_n_and_with_the_difference():
    sizes = [10, 20, 40, 80, 160, 320]
    powers = [W.power_two_proportions(0.3, 0.4, n, n) for n in sizes]
    assert powers == sorted(powers) and powers[-1] > powers[0]
    gaps = [W.power_two_proportions(0.3, 0.3 + d, 100, 100) for d in (0.02, 0.05, 0.1, 0.2)]
    assert gaps == sorted(gaps)


# --- sample size ------------------------------------------------------------------------------


@pytest.mark.parametrize("ratio", [1.0, 0.5, 2.0, 3.3])
@pytest.mark.parametrize(("power", "alpha"), [(0.8, 0.05), (0.9, 0.05), (0.8, 0.01)])
def test_n_per_group_matches_statsmodels(ratio, power, alpha):
    failures = []
    for p0, p1 in PAIRS:
        n1, n0 = W.n_per_group_exact(p0, p1, power, alpha, ratio)
        theirs = _solve(p0, p1, power, alpha, ratio)
        # statsmodels' own root-finder stops at about 1e-6 relative; ours is exact (below).
        # It searches nobs1 >= 2 only and returns nan (ConvergenceWarning) below that: for
        # very large effects (e.g. 0 versus 0.99) the power check below is then the oracle.
        if math.isnan(theirs):
            if n1 >= 2:
                failures.append((p0, p1, n1, theirs))
        elif not math.isclose(n1, theirs, rel_tol=1e-6):
            failures.append((p0, p1, n1, theirs))
        if not math.isclose(n0 * ratio, n1, rel_tol=1e-15):
            failures.append((p0, p1, "ratio", n1, n0))
        achieved = W.power_two_proportions(p0, p1, n1, n0, alpha)
        if abs(achieved - power) > 1e-12:
            failures.append((p0, p1, "power at the solution", achieved))
        rounded = W.n_per_group(p0, p1, power, alpha, ratio)
        if rounded != (math.ceil(n1 - 1e-9), math.ceil(n0 - 1e-9)):
            failures.append((p0, p1, rounded, (n1, n0)))
    assert not failures, failures[:5]


def test_n_per_group_rounded_sizes_are_minimal():
    for p0, p1 in [(0.3, 0.4), (0.1, 0.15), (0.5, 0.9), (0.02, 0.0)]:
        n1, n0 = W.n_per_group(p0, p1)
        assert n1 == n0
        assert W.power_two_proportions(p0, p1, n1, n0) >= 0.8
        if n1 > 1:
            assert W.power_two_proportions(p0, p1, n1 - 1, n0 - 1) < 0.8


def test_n_per_group_cohen_table():
    # Cohen (1988), Table 6.4.1: h = 0.20, power 0.80, two-sided alpha 0.05: n = 392 per group
    # (Cohen rounds to the nearest whole number; the exact requirement is 392.4).
    p0 = 0.5
    p1 = math.sin(math.asin(math.sqrt(p0)) + 0.1) ** 2
    assert W.cohen_h(p1, p0) == pytest.approx(0.2, abs=1e-14)
    n1, n0 = W.n_per_group_exact(p0, p1)
    assert round(n1) == 392 and n1 == pytest.approx(n0)
    z = sps.norm.isf(0.025) + sps.norm.ppf(0.8)
    assert n1 == pytest.approx(2 * (z / 0.2) ** 2, rel=1e-4)  # the far tail adds a little power
    assert W.n_per_group(p0, p1) == (393, 393)


def test_n_per_group_without_difference():
    with pytest.raises(NotEstimable):
        W.n_per_group(0.3, 0.3)


# --- additional cases -------------------------------------------------------------------------


def _split_power(p0, p1, n1, n0, k, ratio, alpha=0.05):
    share = ratio / (1 + ratio)
    return W.power_two_proportions(p0, p1, n1 + share * k, n0 + (1 - share) * k, alpha)


@pytest.mark.parametrize(
    ("p0", "p1", "n1", "n0", "ratio"),
    [
        (0.3, 0.4, 100, 100, None),
        (0.3, 0.4, 120, 45, None),
        (0.2, 0.1, 37, 260, None),
        (0.05, 0.12, 10, 10, 1.0),
        (0.5, 0.55, 300, 100, 2.0),
        (0.3, 0.4, 0, 0, None),
        (0.3, 0.4, 40, 0, None),
    ],
)
def test_additional_cases_is_the_smallest_that_reaches_the_power(p0, p1, n1, n0, ratio):
    k = W.additional_cases_needed(p0, p1, n1, n0, ratio=ratio)
    used = ratio if ratio is not None else (n1 / n0 if n1 and n0 else 1.0)
    assert k > 0
    assert _split_power(p0, p1, n1, n0, k, used) >= 0.8
    assert _split_power(p0, p1, n1, n0, k - 1, used) < 0.8 if k > 1 else True


def test_additional_cases_agrees_with_n_per_group():
    """With the current allocation kept, the total after k extra cases is the total of
    n_per_group up to the rounding of each group (at most 2 apart)."""
    for p0, p1, n1, n0 in [(0.3, 0.4, 100, 100), (0.3, 0.45, 80, 40), (0.1, 0.2, 20, 60)]:
        k = W.additional_cases_needed(p0, p1, n1, n0)
        m1, m0 = W.n_per_group(p0, p1, ratio=n1 / n0)
        n1_exact, n0_exact = W.n_per_group_exact(p0, p1, ratio=n1 / n0)
        assert k == math.ceil(n1_exact + n0_exact - n1 - n0 - 1e-9)
        assert 0 <= (m1 + m0) - (n1 + n0 + k) <= 2


def test_additional_cases_zero_when_powered():
    assert W.additional_cases_needed(0.2, 0.5, 500, 500) == 0
    assert W.power_two_proportions(0.2, 0.5, 500, 500) > 0.8


def test_additional_cases_without_difference():
    with pytest.raises(NotEstimable):
        W.additional_cases_needed(0.25, 0.25, 100, 100)


def test_additional_cases_fall_as_cases_come_in():
    current = (0, 50, 100, 200, 300)
    needed = [W.additional_cases_needed(0.3, 0.4, n, n) for n in current]
    assert needed == sorted(needed, reverse=True)
    # every case that comes in is one fewer still needed: the final total stays the same
    totals = {k + 2 * n for k, n in zip(needed, current, strict=True)}
    assert max(totals) - min(totals) <= 1


# --- interval width ---------------------------------------------------------------------------


def test_expected_wald_width_direct():
    width = W.expected_wald_width(0.3, 0.4, 200, 100, 0.9)
    z = sps.norm.isf(0.05)
    assert width == pytest.approx(2 * z * math.sqrt(0.4 * 0.6 / 200 + 0.3 * 0.7 / 100), rel=1e-15)


@pytest.mark.parametrize("ratio", [1.0, 2.0, 0.4])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_n_for_interval_width_direct(ratio, confidence):
    for p0, p1 in [(0.3, 0.4), (0.05, 0.1), (0.5, 0.5), (0.0, 0.2), (0.9, 0.99)]:
        for width in (0.4, 0.2, 0.1, 0.05, 0.02):
            n1, n0 = W.n_for_interval_width(p0, p1, width, confidence, ratio)
            z = sps.norm.isf((1 - confidence) / 2)
            n0_exact = (2 * z / width) ** 2 * (p1 * (1 - p1) / ratio + p0 * (1 - p0))
            assert (n1, n0) == (math.ceil(ratio * n0_exact), math.ceil(n0_exact))
            assert W.expected_wald_width(p0, p1, n1, n0, confidence) <= width * (1 + 1e-12)
            if n0 > 1:  # one case fewer per group (same ratio) is too few
                assert W.expected_wald_width(p0, p1, ratio * (n0 - 1), n0 - 1, confidence) > width


def test_n_for_interval_width_is_monotone():
    sizes = [W.n_for_interval_width(0.3, 0.4, w) for w in (0.3, 0.2, 0.1, 0.05, 0.01)]
    assert [s[0] for s in sizes] == sorted(s[0] for s in sizes)
    assert sizes[-1][0] > sizes[0][0]
    assert W.n_for_interval_width(0.3, 0.4, 0.1, 0.99) > W.n_for_interval_width(0.3, 0.4, 0.1)


def test_n_for_interval_width_delivers_the_newcombe_width_near_the_middle():
    """For planning proportions away from 0 and 1 the reported (Newcombe) interval at the planned
    size has nearly the planned width."""
    n1, n0 = W.n_for_interval_width(0.3, 0.4, 0.1)
    interval = risk_difference(round(0.4 * n1), n1, round(0.3 * n0), n0)
    assert interval.width == pytest.approx(0.1, rel=0.02)


def test_n_for_interval_width_degenerate():
    with pytest.raises(NotEstimable):
        W.n_for_interval_width(0.0, 1.0, 0.1)


# --- precision summary ------------------------------------------------------------------------


def test_precision_summary_with_counts():
    summary = W.precision_summary(0.3, 0.4, 100, 100, x1=40, x0=30)
    assert summary.interval_width == risk_difference(40, 100, 30, 100).width
    assert "Newcombe" in summary.width_method
    assert summary.power_now == W.power_two_proportions(0.3, 0.4, 100, 100)
    assert summary.additional_cases == W.additional_cases_needed(0.3, 0.4, 100, 100)
    assert summary.n_needed == W.n_per_group(0.3, 0.4)
    assert not summary.settled
    assert (summary.target_power, summary.alpha, summary.confidence) == (0.8, 0.05, 0.95)
    with pytest.raises(AttributeError):
        summary.power_now = 1.0  # frozen


def test_precision_summary_planning_only_and_settled():
    summary = W.precision_summary(p0=0.2, p1=0.5, n1=500, n0=400, alpha=0.05, power=0.8)
    assert summary.interval_width == W.expected_wald_width(0.2, 0.5, 500, 400)
    assert summary.settled and summary.additional_cases == 0
    assert summary.n_needed == W.n_per_group(0.2, 0.5, ratio=500 / 400)


def test_precision_summary_without_difference():
    summary = W.precision_summary(0.3, 0.3, 50, 50)
    assert summary.additional_cases is None and summary.n_needed is None
    assert summary.power_now == pytest.approx(0.05)
    assert not summary.settled


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: W.power_two_proportions(-0.1, 0.3, 10, 10),
        lambda: W.power_two_proportions(0.1, 1.3, 10, 10),
        lambda: W.power_two_proportions(0.1, 0.3, -10, 10),
        lambda: W.power_two_proportions(0.1, 0.3, 10, 0),
        lambda: W.power_two_proportions(0.1, 0.3, 10, 10, alpha=1.2),
        lambda: W.power_two_proportions(0.1, math.nan, 10, 10),
        lambda: W.power_two_proportions("0.1", 0.3, 10, 10),
        lambda: W.n_per_group(0.1, 0.3, power=0.04, alpha=0.05),
        lambda: W.n_per_group(0.1, 0.3, power=1.0),
        lambda: W.n_per_group(0.1, 0.3, ratio=0),
        lambda: W.n_per_group(0.1, 0.3, ratio=-2),
        lambda: W.additional_cases_needed(0.1, 0.3, -1, 10),
        lambda: W.additional_cases_needed(0.1, 0.3, 10, 10, ratio=0),
        lambda: W.n_for_interval_width(0.1, 0.3, 0),
        lambda: W.n_for_interval_width(0.1, 0.3, -0.1),
        lambda: W.n_for_interval_width(0.1, 0.3, 0.1, confidence=1),
        lambda: W.precision_summary(0.1, 0.3, 10.5, 10),
        lambda: W.precision_summary(0.1, 0.3, 10, 10, x1=3),
        lambda: W.precision_summary(0.1, 0.3, 10, 10, x1=11, x0=3),
    ],
)
def test_bad_input_is_rejected(call):
    with pytest.raises(StatsInputError):
        call()


def test_empty_group_in_precision_summary():
    with pytest.raises(NotEstimable):
        W.precision_summary(0.1, 0.3, 0, 10)


def test_numpy_scalars_are_accepted():
    assert W.power_two_proportions(np.float64(0.3), 0.4, np.int64(100), 100) == pytest.approx(
        W.power_two_proportions(0.3, 0.4, 100, 100)
    )
