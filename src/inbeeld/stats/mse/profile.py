"""Cormack's (1992) multinomial profile-likelihood interval for N."""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special
from scipy import stats as sps

from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.mse.fitting import _describe, _design, _irls, _keep_mask
from inbeeld.stats.mse.results import LoglinearFit
from inbeeld.stats.mse.table import CaptureHistories
from inbeeld.stats.results import Interval

_PROFILE_MAX_FACTOR = 1e6  # upper bound searched up to n + factor * max(dark figure, 1)


def profile_interval(
    table: CaptureHistories,
    fit: LoglinearFit,
    confidence: float = 0.95,
) -> tuple[Interval, tuple[str, ...]]:
    """Cormack's (1992) multinomial profile-likelihood interval for N under the model of ``fit``.

    Returns the interval (estimate = the Poisson estimate of ``fit``) and warnings."""
    if not 0.0 < confidence < 1.0:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    lists = table.lists
    keep = _keep_mask(table, fit.empty_terms)
    y_obs = table.counts[keep].astype(float)
    n = float(table.observed)
    X = np.vstack(
        [
            _design(table.patterns[keep], lists, fit.terms),
            np.eye(1, 1 + len(lists) + len(fit.terms)),
        ]
    )
    state = {"beta": np.asarray(fit.coefficients, dtype=float)}

    def loglik(N: float) -> float:
        y = np.append(y_obs, N - n)
        beta, mu, _, _ = _irls(X, y, state["beta"])
        state["beta"] = beta
        return float(
            special.gammaln(N + 1.0)
            - special.gammaln(N - n + 1.0)
            + np.sum(special.xlogy(y, mu / N))
        )

    center = fit.estimate
    spread = max(math.sqrt(max(fit.unobserved, 1.0)) * 10.0, 10.0)
    lo_search, hi_search = n, center + spread
    while loglik(hi_search) >= loglik(center) and hi_search - n < _PROFILE_MAX_FACTOR * max(
        fit.unobserved, 1.0
    ):
        hi_search = n + 2.0 * (hi_search - n)
    best = optimize.minimize_scalar(
        lambda N: -loglik(N),
        bounds=(lo_search, hi_search),
        method="bounded",
        options={"xatol": 1e-9 * max(center, 1.0)},
    )
    n_max = float(best.x)
    l_max = max(-float(best.fun), loglik(center))
    cut = float(sps.chi2.ppf(confidence, 1)) / 2.0
    warnings: list[str] = []

    def excess(N: float) -> float:
        return l_max - loglik(N) - cut

    if excess(n) <= 0.0:
        low = n
    else:
        low = optimize.brentq(excess, n, n_max, xtol=1e-8 * max(center, 1.0))
    high_cap = n + _PROFILE_MAX_FACTOR * max(fit.unobserved, 1.0)
    hi = n_max + spread
    while excess(hi) <= 0.0 and hi < high_cap:
        hi = n + 2.0 * (hi - n)
    if excess(hi) <= 0.0:
        high = math.inf
        warnings.append(
            "the profile likelihood of N is flat to the right: the upper bound of the interval "
            "does not exist for this model (reported as infinity)"
        )
    else:
        high = optimize.brentq(excess, n_max, hi, xtol=1e-8 * max(center, 1.0))
    low, high = float(low), float(high)
    if not low <= center <= high:
        warnings.append(
            f"the point estimate {center:.1f} lies outside the profile interval "
            f"[{low:.1f}, {high:.1f}] (multinomial maximum at {n_max:.1f})"
        )
    interval = Interval(
        estimate=center,
        low=low,
        high=high,
        confidence=confidence,
        method="profile likelihood (Cormack 1992), log-linear model "
        + _describe(fit.terms + fit.empty_terms),
    )
    return interval, tuple(warnings)
