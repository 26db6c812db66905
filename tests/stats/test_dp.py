"""Differentially private counts (inbeeld.stats.dp) against an independent oracle.

OpenDP draws its noise from the operating system's secure generator and cannot be seeded, so these
tests check the distribution of the noise, not exact values: one release of many equal cells is a
large sample of independent noise draws. The oracle is scipy's discrete Laplace
(scipy.stats.dlaplace with a = 1 / scale, P(k) proportional to exp(-a |k|)), which the engine never
imports. Tolerances are about 5 standard errors, so a correct mechanism fails less than once in a
million runs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from inbeeld.stats.dp import MECHANISM, DPRelease, discrete_laplace_scale, noisy_counts
from inbeeld.stats.exceptions import StatsInputError

CELLS = 40_000  # noise draws per distribution test
TRUE = 500  # far from 0, so clamping never happens


def _noise(epsilon: float, sensitivity: int = 1) -> tuple[np.ndarray, DPRelease]:
    release = noisy_counts(
        np.full(CELLS, TRUE), epsilon=epsilon, sensitivity=sensitivity, clamp_negative=False
    )
    return np.asarray(release.noisy) - TRUE, release


@pytest.mark.parametrize(("epsilon", "sensitivity"), [(1.0, 1), (0.25, 1), (0.5, 3)])
def test_the_noise_is_discrete_laplace_with_scale_sensitivity_over_epsilon(epsilon, sensitivity):
    noise, release = _noise(epsilon, sensitivity)
    scale = sensitivity / epsilon
    assert release.scale == pytest.approx(scale, rel=1e-12)
    assert release.mechanism == MECHANISM == "discrete_laplace"
    assert release.epsilon == epsilon and release.sensitivity == sensitivity
    assert release.clamped == 0
    assert noise.dtype.kind == "i"  # integer counts, no rounding needed

    oracle = stats.dlaplace(1 / scale)
    # Unbiased: the mean of the released counts is the true count.
    assert abs(noise.mean()) < 5 * oracle.std() / math.sqrt(CELLS)
    # The spread matches: the empirical variance and mean absolute error of the oracle.
    var_se = math.sqrt((oracle.moment(4) - oracle.var() ** 2) / CELLS)
    assert abs(noise.var() - oracle.var()) < 5 * var_se
    p = math.exp(-1 / scale)
    mean_abs = 2 * p / (1 - p**2)  # E|X| of the discrete Laplace
    assert abs(np.abs(noise).mean() - mean_abs) < 5 * oracle.std() / math.sqrt(CELLS)
    # The whole distribution: a chi-square test against the oracle's probabilities.
    edges = np.arange(-3 * scale, 3 * scale + 1, max(1.0, scale / 4)).round().astype(int)
    edges = np.unique(edges)
    observed = np.histogram(noise, bins=[-np.inf, *(edges[1:-1] - 0.5), np.inf])[0]
    cdf = oracle.cdf(np.concatenate([[-np.inf], edges[1:-1] - 1, [np.inf]]))
    expected = np.diff(cdf) * CELLS
    assert expected.min() > 5
    chi2 = stats.chisquare(observed, expected)
    assert chi2.pvalue > 1e-6, chi2


def test_the_95_percent_accuracy_covers_the_noise():
    """OpenDP's accuracy is at least 95 % coverage per cell (checked on the oracle and on draws)."""
    for epsilon in (2.0, 1.0, 0.5, 0.1, 0.03):
        release = noisy_counts([10], epsilon=epsilon)
        scale, halfwidth = release.scale, release.confidence_halfwidth_95
        oracle = stats.dlaplace(1 / scale)
        # P(|noise| >= halfwidth) <= 5 %, and not by far (it is not a uselessly wide bound).
        outside = 2 * oracle.sf(math.ceil(halfwidth) - 1)
        assert outside <= 0.05
        assert 2 * oracle.sf(math.ceil(halfwidth) - 2) > 0.05 or halfwidth < 2
        assert halfwidth == pytest.approx(scale * math.log(20), rel=0.3)
    noise, release = _noise(0.2)
    covered = np.mean(np.abs(noise) < release.confidence_halfwidth_95)
    assert covered >= 0.95 - 5 * math.sqrt(0.05 * 0.95 / CELLS)


def test_privacy_loss_of_neighbouring_tables_is_bounded_by_epsilon():
    """The DP guarantee itself, on the oracle: for counts that differ by the sensitivity, the
    probability of any released value differs by at most exp(epsilon)."""
    for epsilon, sensitivity in ((1.0, 1), (0.1, 1), (0.3, 3), (0.7, 2)):
        scale = discrete_laplace_scale(epsilon=epsilon, sensitivity=sensitivity)
        assert scale >= sensitivity / epsilon
        assert scale == pytest.approx(sensitivity / epsilon, rel=1e-12)
        k = np.arange(-200, 201)
        log_ratio = stats.dlaplace.logpmf(k, 1 / scale) - stats.dlaplace.logpmf(
            k - sensitivity, 1 / scale
        )
        assert np.abs(log_ratio).max() <= epsilon + 1e-12


def test_the_scale_is_nudged_up_when_floating_point_would_overspend():
    # 3 / 0.3 is 10.0 in floating point, which OpenDP maps to a loss of 0.30000000000000004.
    scale = discrete_laplace_scale(epsilon=0.3, sensitivity=3)
    assert scale > 10.0
    assert scale == pytest.approx(10.0, rel=1e-14)


def test_negative_counts_are_clamped_to_zero_as_post_processing():
    release = noisy_counts(np.zeros(2_000, dtype=int), epsilon=0.5)
    values = np.asarray(release.noisy)
    assert values.min() == 0
    # About half the zero cells get negative noise: P(X < 0) = p / (1 + p), p = exp(-1 / scale).
    p = math.exp(-1 / release.scale)
    assert release.clamped == pytest.approx(2_000 * p / (1 + p), abs=5 * math.sqrt(2_000 * 0.25))
    assert release.clamped <= int((values == 0).sum())
    unclamped = noisy_counts(np.zeros(2_000, dtype=int), epsilon=0.5, clamp_negative=False)
    assert min(unclamped.noisy) < 0 and unclamped.clamped == 0


def test_a_release_is_frozen_and_keeps_the_order_and_length():
    release = noisy_counts(np.array([0, 1_000_000, 7]), epsilon=50.0)
    assert isinstance(release.noisy, tuple) and len(release.noisy) == 3
    assert abs(release.noisy[1] - 1_000_000) < 10  # epsilon 50: noise of scale 0.02
    assert all(isinstance(v, int) for v in release.noisy)
    with pytest.raises(AttributeError):
        release.epsilon = 99  # type: ignore[misc]


def test_two_releases_of_the_same_counts_differ():
    """No seed, no fixed noise: repeated releases are fresh draws (each one costs epsilon)."""
    counts = [100] * 50
    assert noisy_counts(counts, epsilon=0.5).noisy != noisy_counts(counts, epsilon=0.5).noisy


@pytest.mark.parametrize(
    ("counts", "kwargs", "message"),
    [
        ([1, 2], {"epsilon": 0}, "epsilon must be a positive"),
        ([1, 2], {"epsilon": -0.5}, "epsilon must be a positive"),
        ([1, 2], {"epsilon": math.inf}, "epsilon must be a positive"),
        ([1, 2], {"epsilon": math.nan}, "epsilon must be a positive"),
        ([1, 2], {"epsilon": "1"}, "epsilon must be a number"),
        ([1, 2], {"epsilon": True}, "epsilon must be a number"),
        ([1, -2, 3], {"epsilon": 1.0}, "cannot be negative; cells [1]"),
        ([1, 2.5], {"epsilon": 1.0}, "whole numbers; cells [1]"),
        ([1, math.nan], {"epsilon": 1.0}, "whole numbers"),
        ([], {"epsilon": 1.0}, "empty"),
        ([[1, 2], [3, 4]], {"epsilon": 1.0}, "one-dimensional"),
        (["a", "b"], {"epsilon": 1.0}, "whole numbers"),
        ([True, False], {"epsilon": 1.0}, "whole numbers"),
        ([1, 2], {"epsilon": 1.0, "sensitivity": 0}, "sensitivity must be at least 1"),
        ([1, 2], {"epsilon": 1.0, "sensitivity": 1.5}, "sensitivity must be a whole number"),
    ],
)
def test_invalid_input_is_refused(counts, kwargs, message):
    with pytest.raises(StatsInputError) as excinfo:
        noisy_counts(counts, **kwargs)
    assert message in str(excinfo.value)


def test_integral_floats_and_numpy_integers_are_counts():
    release = noisy_counts(np.array([3.0, 4.0]), epsilon=100.0)
    assert len(release.noisy) == 2
    release = noisy_counts(
        np.array([3, 4], dtype=np.uint16), epsilon=100.0, sensitivity=np.int64(2)
    )
    assert release.sensitivity == 2 and isinstance(release.sensitivity, int)
