"""Profile (penalised-)likelihood intervals and likelihood-ratio tests for one coefficient of a
Firth (or ML) logistic regression, as R's logistf publishes them by default (Heinze & Schemper
2002).

For coefficient ``j`` the profile is ``l*_p(t) = max_{b: b_j = t} l*(b)``, with ``l*`` the
penalised log-likelihood of the full model (the penalty ``1/2 log det I(b)`` keeps all columns,
as in logistf). The interval is ``{t : 2 (l*(b^) - l*_p(t)) <= chi2_1(confidence)}``; its bounds
are found by bracketing outwards from the estimate in doubling steps and Brent's root finder on
``chi2_1(confidence) - 2 (l*(b^) - l*_p(t))``. The p-value is that of the penalised
likelihood-ratio statistic ``2 (l*(b^) - l*_p(0))`` on one degree of freedom.

Under separation the penalised likelihood is markedly asymmetric and the Wald interval
``b^ +- z se`` is too short on the side of the separation; the profile interval is not. With a
large sample and no separation the profile is close to quadratic and the two intervals agree.

The constrained fits are supplied by the caller (``constrained_fit(b0, j)``: the Firth Newton
iteration with ``b_j`` held at ``b0[j]``, warm-started from the nearest profile point already
computed), so this module needs only numpy/scipy and knows nothing about the design matrix.
Checked in tests/stats/test_firth_profile.py against logistf's published sex2 output and a
brute-force profile by scipy.optimize.minimize on the penalised log-likelihood.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as sps

__all__ = ["PROFILE_LIMIT", "ProfileInterval", "profile_interval"]

PROFILE_LIMIT = 50.0  # |coefficient| beyond which a profile bound is reported as infinite
_XTOL = 1e-10

# b0 (start, with b0[j] the fixed value), j -> (objective, coefficients, converged)
ConstrainedFit = Callable[[np.ndarray, int], tuple[float, np.ndarray, bool]]


def _exp(v: float) -> float:
    return math.exp(v) if v < 709.0 else math.inf


@dataclass(frozen=True)
class ProfileInterval:
    name: str
    coef_low: float  # -inf / inf when the profile does not fall far enough on that side
    coef_high: float
    lr_statistic: float  # 2 (l*(b^) - l*_profile(0)): the (penalised) likelihood-ratio statistic
    p: float
    confidence: float = 0.95

    @property
    def odds_ratio_low(self) -> float:
        return _exp(self.coef_low) if math.isfinite(self.coef_low) else 0.0

    @property
    def odds_ratio_high(self) -> float:
        return _exp(self.coef_high)


def profile_interval(
    constrained_fit: ConstrainedFit,
    b_hat: np.ndarray,
    best: float,
    j: int,
    se_j: float,
    confidence: float,
    name: str,
) -> tuple[ProfileInterval, list[str]]:
    """The profile interval and likelihood-ratio test of coefficient ``j``.

    ``b_hat``/``best``: the unconstrained estimate and its (penalised) log-likelihood; ``se_j``
    the Wald standard error, used only to size the first bracket. Returns the interval and notes
    (an infinite bound, a constrained fit that did not converge where it shaped a bound)."""
    target = float(sps.chi2.ppf(confidence, 1))
    cache: dict[float, np.ndarray] = {float(b_hat[j]): np.asarray(b_hat, dtype=np.float64)}
    notes: list[str] = []
    pending: list[str] = []

    def profile_objective(t: float) -> float:
        nearest = min(cache, key=lambda v: abs(v - t))
        b0 = cache[nearest].copy()
        b0[j] = t
        objective, b, converged = constrained_fit(b0, j)
        if not converged and math.isfinite(objective):
            pending.append(f"profile fit for {name!r} at {t:.4g} did not fully converge")
        cache[float(t)] = b
        return objective

    memo: dict[float, float] = {}

    def excess(t: float) -> float:  # > 0 inside the interval, < 0 outside
        t = float(t)
        if t not in memo:
            memo[t] = target - 2.0 * (best - profile_objective(t))
        return memo[t]

    bhat = float(b_hat[j])
    scale = se_j if math.isfinite(se_j) and se_j > 0 else 1.0
    half = float(sps.norm.ppf(0.5 + confidence / 2)) * scale
    bounds = []
    for direction in (-1.0, 1.0):
        pending.clear()
        inner, width = bhat, min(max(half, 1e-3), 2.0)
        bound = direction * math.inf
        while True:
            outer = bhat + direction * width
            if direction * outer > PROFILE_LIMIT:
                notes.append(
                    f"profile {'lower' if direction < 0 else 'upper'} bound for {name!r} "
                    "is infinite (the likelihood does not fall far enough)"
                )
                break
            if excess(outer) < 0:
                lo, hi = min(inner, outer), max(inner, outer)
                bound = optimize.brentq(excess, lo, hi, xtol=_XTOL)
                break
            inner, width = outer, width * 2.0
        if math.isfinite(bound):
            notes.extend(pending)
        bounds.append(float(bound))
    lr = max(0.0, 2.0 * (best - profile_objective(0.0))) if bhat != 0.0 else 0.0
    interval = ProfileInterval(
        name=name,
        coef_low=bounds[0],
        coef_high=bounds[1],
        lr_statistic=float(lr),
        p=float(sps.chi2.sf(lr, 1)),
        confidence=confidence,
    )
    return interval, sorted(set(notes))
