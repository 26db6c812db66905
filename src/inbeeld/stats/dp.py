"""Differentially private counts for open data (OpenDP), PURE: no Django.

``noisy_counts`` releases a vector of counts (a frequency table: one cell per category) under
epsilon-differential privacy with OpenDP's discrete Laplace mechanism (``make_laplace`` on
``vector_domain(atom_domain(T="i64"))`` with the ``l1_distance`` metric; on an integer domain
OpenDP samples the discrete Laplace, also called the two-sided geometric mechanism, so the
released counts are integers and need no rounding).

Definitions and choices:

* **Sensitivity** is the L1 sensitivity of the whole vector: how much the table can change, summed
  over all cells, when one person is added or removed. A histogram in which every person is in
  exactly one cell has sensitivity 1 (the default); a table in which a person can appear in up to
  ``k`` cells (e.g. several exploitation forms) has sensitivity ``k``.
* **Scale** is ``sensitivity / epsilon``, nudged up by a few floating-point steps when needed so
  that OpenDP's own privacy map confirms the loss is at most ``epsilon`` (it rounds
  conservatively; e.g. 3 / 0.3 would otherwise map to 0.30000000000000004). The noise of every
  cell is discrete Laplace with P(k) proportional to exp(-|k| / scale).
* **Accuracy**: ``confidence_halfwidth_95`` comes from OpenDP's
  ``discrete_laplacian_scale_to_accuracy(scale, alpha=0.05)``: per cell, the noise is smaller than
  this in absolute value with probability at least 95 %. It depends on the scale only, never on
  the data, so publishing it costs no privacy.
* **Clamping**: a noisy count can be negative. With ``clamp_negative=True`` (the default)
  negative released counts are set to 0. That is post-processing of the noisy output, so it does
  not weaken the privacy guarantee, but it biases small counts upwards (the unclamped noise has
  mean 0). ``clamped`` says how many cells were clamped; pass ``clamp_negative=False`` for the
  unbiased values (e.g. to sum cells afterwards).
* **No seed**: OpenDP draws its noise from the operating system's cryptographically secure
  generator and cannot be seeded; a seeded (reproducible) noise generator would let anyone who
  knows the seed subtract the noise. Tests therefore check the distribution of the noise, not
  exact values.

The privacy budget (how much epsilon a data set may spend in total, over all its releases) is not
kept here: see ``inbeeld.publication.services.dp_release``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cache

import numpy as np

from inbeeld.stats.exceptions import StatsInputError

__all__ = ["MECHANISM", "DPRelease", "discrete_laplace_scale", "noisy_counts"]

MECHANISM = "discrete_laplace"
# OpenDP counts in 64-bit integers; a count must leave room for the noise.
_MAX_COUNT = 2**62


@dataclass(frozen=True)
class DPRelease:
    """The outcome of one differentially private release of a vector of counts."""

    noisy: tuple[int, ...]  # the released counts, in the order of the input
    epsilon: float  # the privacy loss of this release (epsilon-DP, pure)
    mechanism: str  # "discrete_laplace" (OpenDP make_laplace on integers)
    scale: float  # the noise scale of every cell: sensitivity / epsilon (or just above)
    confidence_halfwidth_95: float  # per cell: |noise| < this with probability >= 95 %
    sensitivity: int = 1  # L1 sensitivity of the vector the noise was calibrated to
    clamped: int = 0  # how many released counts were negative and set to 0


@cache
def _opendp():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    return dp


def _measurement(scale: float):
    dp = _opendp()
    space = dp.vector_domain(dp.atom_domain(T="i64")), dp.l1_distance(T="i64")
    return dp.m.make_laplace(*space, scale=scale)


def _check_epsilon(epsilon) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real):
        raise StatsInputError(f"epsilon must be a number, not {epsilon!r}")
    epsilon = float(epsilon)
    if not math.isfinite(epsilon) or epsilon <= 0:
        raise StatsInputError(f"epsilon must be a positive finite number, not {epsilon!r}")
    return epsilon


def _check_sensitivity(sensitivity) -> int:
    if isinstance(sensitivity, bool) or not isinstance(sensitivity, numbers.Integral):
        raise StatsInputError(f"sensitivity must be a whole number, not {sensitivity!r}")
    if sensitivity < 1:
        raise StatsInputError(f"sensitivity must be at least 1, not {sensitivity}")
    return int(sensitivity)


def _check_counts(counts) -> list[int]:
    array = np.asarray(counts)
    if array.ndim != 1:
        raise StatsInputError(f"counts must be one-dimensional, not of shape {array.shape}")
    if array.size == 0:
        raise StatsInputError("counts is empty: there is nothing to release")
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise StatsInputError(f"counts must be whole numbers, not {array.dtype}")
    values = array.astype(float)
    bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)))
    if bad.size:
        raise StatsInputError(f"counts must be whole numbers; cells {bad.tolist()[:10]} are not")
    negative = np.flatnonzero(values < 0)
    if negative.size:
        raise StatsInputError(f"counts cannot be negative; cells {negative.tolist()[:10]} are")
    if np.any(values > _MAX_COUNT):
        raise StatsInputError("counts are too large")
    return [int(v) for v in array.tolist()]


def discrete_laplace_scale(*, epsilon: float, sensitivity: int = 1) -> float:
    """The smallest scale (from ``sensitivity / epsilon`` upwards) for which OpenDP's privacy map
    gives a loss of at most ``epsilon`` for an L1 change of ``sensitivity``."""
    epsilon = _check_epsilon(epsilon)
    sensitivity = _check_sensitivity(sensitivity)
    scale = sensitivity / epsilon
    for _ in range(64):
        if _measurement(scale).map(d_in=sensitivity) <= epsilon:
            return scale
        scale = math.nextafter(scale, math.inf)
    raise StatsInputError(f"no noise scale found for epsilon={epsilon}")  # pragma: no cover


def noisy_counts(
    counts: np.ndarray | list[int],
    *,
    epsilon: float,
    sensitivity: int = 1,
    clamp_negative: bool = True,
) -> DPRelease:
    """Release ``counts`` with epsilon-differential privacy (discrete Laplace noise, OpenDP).

    Raises StatsInputError when epsilon is not positive, the sensitivity is not a whole number of
    at least 1, or a count is negative or not whole.
    """
    values = _check_counts(counts)
    epsilon = _check_epsilon(epsilon)
    sensitivity = _check_sensitivity(sensitivity)
    scale = discrete_laplace_scale(epsilon=epsilon, sensitivity=sensitivity)
    measurement = _measurement(scale)
    loss = measurement.map(d_in=sensitivity)
    assert loss <= epsilon, (loss, epsilon)  # discrete_laplace_scale guarantees it
    released = [int(v) for v in measurement(values)]
    clamped = 0
    if clamp_negative:
        clamped = sum(v < 0 for v in released)
        released = [max(v, 0) for v in released]
    halfwidth = float(_opendp().discrete_laplacian_scale_to_accuracy(scale=scale, alpha=0.05))
    return DPRelease(
        noisy=tuple(released),
        epsilon=epsilon,
        mechanism=MECHANISM,
        scale=scale,
        confidence_halfwidth_95=halfwidth,
        sensitivity=sensitivity,
        clamped=clamped,
    )
