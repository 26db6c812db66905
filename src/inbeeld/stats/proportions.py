"""Two groups, one binary outcome: proportions, their difference and ratio, Fisher's exact test and
the Bayesian posterior probability that the effect is positive.

Group 1 is the exposed group (the intervention), group 0 the comparison group; ``x`` is the number
of cases with the outcome (an "event", e.g. a complaint within the horizon) and ``n`` the number
of cases in the group. Every function takes plain counts (int, or a float with an integral value);
negative counts, ``x > n`` and non-integral values raise :class:`StatsInputError`.

Methods (all checked in tests/stats/test_proportions.py against an independent oracle):

- one proportion: Wilson's score interval (Wilson 1927), which stays inside [0, 1] and keeps its
  coverage for small n and for 0 or n events, unlike the Wald interval;
- risk difference p1 - p0: Newcombe's hybrid score interval (Newcombe 1998, method 10), built
  from the two Wilson intervals; it needs no iteration and behaves well with zero cells;
- risk ratio p1 / p0: Koopman's score interval (Koopman 1984), the set of ratios that the
  Pearson chi-square score test does not reject, found by inverting the statistic numerically
  (Miettinen and Nurminen's small-sample factor N/(N-1) is available as ``correction=True``);
- Fisher's exact test (scipy's ``fisher_exact``: the hypergeometric distribution of the first cell
  given the margins, two-sided by the "probabilities no larger than the observed one" rule with a
  relative tie tolerance; R uses 1e-7), plus the conditional maximum-likelihood odds ratio (scipy's
  ``contingency.odds_ratio``, the one R's fisher.test reports); the tests check both against a
  brute-force sum over every table with the same margins in exact fractions;
- the Bayesian posterior P(p1 > p0 | data) under independent Beta priors (beta-binomial model),
  computed by numerical integration, and an equal-tailed credible interval of p1 - p0 from the
  exact cdf of the difference (no Monte Carlo, so no seed and the same numbers on every run).

Below a minimum size a result is labelled "indicative": see :func:`is_indicative`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import integrate, optimize, special
from scipy import stats as sps

from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.results import Interval

__all__ = [
    "MIN_EVENTS",
    "MIN_N",
    "FisherResult",
    "fisher_exact",
    "is_indicative",
    "posterior_difference_interval",
    "posterior_probability_positive",
    "risk_difference",
    "risk_ratio",
    "wilson_interval",
]

# A comparison with fewer than MIN_N cases in either group, or fewer than MIN_EVENTS events in
# either group, is labelled "indicative": the interval is honest but wide, and the
# large-sample reasoning behind "significant" and the power figures is not to be leaned on.
MIN_N = 30
MIN_EVENTS = 5

Alternative = Literal["two-sided", "less", "greater"]
_ALTERNATIVES = ("two-sided", "less", "greater")


# --- validation -------------------------------------------------------------------------------


def _count(name: str, value: object) -> int:
    """An integral, non-negative count (int, numpy integer or an integral float)."""
    if isinstance(value, bool | np.bool_):
        raise StatsInputError(f"{name} must be a count, not a boolean ({value!r})")
    if isinstance(value, numbers.Integral):
        result = int(value)
    elif isinstance(value, numbers.Real):
        as_float = float(value)
        if not math.isfinite(as_float) or not as_float.is_integer():
            raise StatsInputError(f"{name} must be a whole number, got {value!r}")
        result = int(as_float)
    else:
        raise StatsInputError(f"{name} must be a whole number, got {type(value).__name__}")
    if result < 0:
        raise StatsInputError(f"{name} must not be negative, got {result}")
    return result


def _group(x: object, n: object, label: str) -> tuple[int, int]:
    xi, ni = _count(f"x{label}", x), _count(f"n{label}", n)
    if xi > ni:
        raise StatsInputError(f"x{label} ({xi}) exceeds n{label} ({ni}): more events than cases")
    return xi, ni


def _table(x1: object, n1: object, x0: object, n0: object) -> tuple[int, int, int, int]:
    a, b = _group(x1, n1, "1")
    c, d = _group(x0, n0, "0")
    return a, b, c, d


def _confidence(confidence: object) -> float:
    try:
        value = float(confidence)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise StatsInputError(f"confidence must be a number, got {confidence!r}") from None
    if not 0.0 < value < 1.0:
        raise StatsInputError(f"confidence must lie strictly between 0 and 1, got {value}")
    return value


def _nonempty(n1: int, n0: int) -> None:
    if n1 == 0 or n0 == 0:
        raise NotEstimable("a comparison needs at least one case in each group")


def _z(confidence: float) -> float:
    return float(sps.norm.isf((1.0 - confidence) / 2.0))


# --- one proportion ---------------------------------------------------------------------------


def _wilson_bounds(x: int, n: int, z: float) -> tuple[float, float]:
    p = x / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator
    low = 0.0 if x == 0 else min(max(centre - half, 0.0), 1.0)
    high = 1.0 if x == n else min(max(centre + half, 0.0), 1.0)
    return low, high


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """The share ``successes / n`` with Wilson's score interval.

    With no events the lower bound is exactly 0, with only events the upper bound exactly 1.
    ``n == 0`` raises :class:`NotEstimable` (there is no share of nothing).
    """
    x, m = _group(successes, n, "")
    level = _confidence(confidence)
    if m == 0:
        raise NotEstimable("a proportion of zero cases does not exist")
    low, high = _wilson_bounds(x, m, _z(level))
    return Interval(x / m, low, high, level, "Wilson score interval")


# --- risk difference --------------------------------------------------------------------------


def risk_difference(x1: int, n1: int, x0: int, n0: int, confidence: float = 0.95) -> Interval:
    """p1 - p0 with Newcombe's hybrid score interval (Newcombe 1998, method 10).

    The bounds combine the two Wilson intervals (l1, u1) and (l0, u0)::

        low  = d - sqrt((p1 - l1)^2 + (u0 - p0)^2)
        high = d + sqrt((u1 - p1)^2 + (p0 - l0)^2)

    Zero cells need no special case; an empty group raises :class:`NotEstimable`.
    """
    a, m1, c, m0 = _table(x1, n1, x0, n0)
    level = _confidence(confidence)
    _nonempty(m1, m0)
    z = _z(level)
    p1, p0 = a / m1, c / m0
    l1, u1 = _wilson_bounds(a, m1, z)
    l0, u0 = _wilson_bounds(c, m0, z)
    d = p1 - p0
    low = d - math.hypot(p1 - l1, u0 - p0)
    high = d + math.hypot(u1 - p1, p0 - l0)
    return Interval(d, max(low, -1.0), min(high, 1.0), level, "Newcombe hybrid score interval")


# --- risk ratio -------------------------------------------------------------------------------


def _koopman_statistic(phi: float, a: int, m1: int, c: int, m0: int) -> float:
    """The score (Pearson chi-square) statistic for H0: p1 / p0 = phi.

    p0~ and p1~ = phi * p0~ are the maximum-likelihood estimates under H0 (the smaller root of
    the quadratic of Miettinen and Nurminen 1985, written in the cancellation-free form); the
    statistic (p1^ - phi p0^)^2 / (p1~ q1~ / n1 + phi^2 p0~ q0~ / n0) equals Koopman's U.
    """
    total = m1 + m0
    b = m1 * phi + a + m0 + c * phi
    events = a + c
    discriminant = max(b * b - 4.0 * total * phi * events, 0.0)
    p0_tilde = 2.0 * events / (b + math.sqrt(discriminant))
    p1_tilde = phi * p0_tilde
    numerator = (a / m1 - phi * c / m0) ** 2
    if numerator == 0.0:
        return 0.0
    variance = p1_tilde * (1.0 - p1_tilde) / m1 + phi * phi * p0_tilde * (1.0 - p0_tilde) / m0
    if variance <= 0.0:
        return math.inf
    return numerator / variance


def _invert(function, start: float, step: float) -> float:
    """The root of the increasing-away-from-``start`` function ``function(t)`` on the side of
    ``start`` given by the sign of ``step``: expand the bracket, then Brent."""
    inner, outer = start, start + step
    for _ in range(200):
        if function(outer) > 0.0:
            break
        inner, outer = outer, outer + step
        step *= 2.0
    else:  # pragma: no cover - the statistic grows without bound; guard only
        raise NotEstimable("the score interval could not be bracketed")
    low, high = sorted((inner, outer))
    return float(optimize.brentq(function, low, high, xtol=1e-14, rtol=4 * np.finfo(float).eps))


def _walk_until_accepted(function, start: float, step: float) -> float:
    """Step from ``start`` until ``function`` is no longer positive (the ratio is not rejected)."""
    for _ in range(2000):
        if function(start) <= 0.0:
            return start
        start += step
    raise NotEstimable("the score interval could not be bracketed")  # pragma: no cover


def risk_ratio(
    x1: int,
    n1: int,
    x0: int,
    n0: int,
    confidence: float = 0.95,
    *,
    correction: bool = False,
) -> Interval:
    """p1 / p0 with Koopman's score interval (Koopman 1984).

    The interval is {phi : U(phi) <= chi2_1(confidence)}, found by root-finding on log(phi).
    With ``correction=True`` the statistic is divided by N / (N - 1) (Miettinen and Nurminen
    1985). Zero cells give honest bounds and never an error:

    - ``x1 == 0`` (and x0 > 0): estimate 0, lower bound exactly 0, finite upper bound;
    - ``x0 == 0`` (and x1 > 0): estimate and upper bound ``inf``, finite lower bound;
    - ``x1 == x0 == 0``: the ratio 0/0 is undefined: estimate ``nan``, interval [0, inf]
      (no ratio is contradicted by data without events);
    - an empty group (n1 == 0 or n0 == 0) raises :class:`NotEstimable`.
    """
    a, m1, c, m0 = _table(x1, n1, x0, n0)
    level = _confidence(confidence)
    _nonempty(m1, m0)
    method = "Koopman score interval" + (" (Miettinen-Nurminen correction)" if correction else "")
    if a == 0 and c == 0:
        return Interval(math.nan, 0.0, math.inf, level, method)
    critical = float(sps.chi2.isf(1.0 - level, 1))
    total = m1 + m0
    factor = (total - 1) / total if correction else 1.0

    def excess(log_phi: float) -> float:
        return factor * _koopman_statistic(math.exp(log_phi), a, m1, c, m0) - critical

    if a == 0:
        estimate, low = 0.0, 0.0
    elif c == 0:
        estimate, high = math.inf, math.inf
    else:
        estimate = (a / m1) / (c / m0)
    if c > 0:
        if a > 0:
            start = math.log(estimate)
        else:  # U rises from 0 at phi -> 0: start at a small ratio that is not rejected
            start = math.log((0.5 / m1) / (c / m0))
            start = _walk_until_accepted(excess, start, -1.0)
        high = math.exp(_invert(excess, start, 0.5))
    if a > 0:
        if c > 0:
            start = math.log(estimate)
        else:  # U falls to 0 as phi -> inf: start at a large ratio that is not rejected
            start = math.log((a / m1) / (0.5 / m0))
            start = _walk_until_accepted(excess, start, 1.0)
        low = math.exp(_invert(excess, start, -0.5))
    return Interval(estimate, low, high, level, method)


# --- Fisher's exact test ----------------------------------------------------------------------


@dataclass(frozen=True)
class FisherResult:
    """Fisher's exact test of the 2x2 table [[x1, n1 - x1], [x0, n0 - x0]].

    ``odds_ratio`` is the sample odds ratio x1 (n0 - x0) / ((n1 - x1) x0) (``inf`` when only
    its denominator is 0, ``nan`` when a row or column of the table is empty);
    ``conditional_odds_ratio`` the conditional maximum-likelihood estimate (R's fisher.test),
    ``None`` when not asked for.
    """

    odds_ratio: float
    p_value: float
    alternative: str = "two-sided"
    conditional_odds_ratio: float | None = None
    method: str = "Fisher's exact test (hypergeometric, scipy)"


def fisher_exact(
    x1: int,
    n1: int,
    x0: int,
    n0: int,
    alternative: Alternative = "two-sided",
    *,
    conditional_mle: bool = True,
) -> FisherResult:
    """Fisher's exact test for the table [[x1, n1 - x1], [x0, n0 - x0]].

    Given the margins, x1 follows a hypergeometric distribution (N = n1 + n0 cases, n1 in group
    1, x1 + x0 events). ``'greater'`` tests p1 > p0 (P(X >= x1)), ``'less'`` p1 < p0
    (P(X <= x1)), ``'two-sided'`` sums the probabilities of all tables at most as probable as
    the observed one. A table with an empty row or column has p-value 1 and odds ratio ``nan``.
    """
    a, m1, c, m0 = _table(x1, n1, x0, n0)
    if alternative not in _ALTERNATIVES:
        raise StatsInputError(f"alternative must be one of {_ALTERNATIVES}, got {alternative!r}")
    b, d = m1 - a, m0 - c
    col1 = a + c
    if 0 in (m1, m0, col1, b + d):
        return FisherResult(math.nan, 1.0, alternative, math.nan if conditional_mle else None)
    odds_ratio = (a * d) / (b * c) if b > 0 and c > 0 else math.inf
    # scipy serves here (ADR 0011): the same p-values as the hypergeometric sums we used to write
    # out, with the same tie rule, and about 30 times faster on a million cases.
    table = [[a, b], [c, d]]
    p_value = float(sps.fisher_exact(table, alternative=alternative).pvalue)
    conditional = None
    if conditional_mle:
        conditional = float(sps.contingency.odds_ratio(table, kind="conditional").statistic)
    return FisherResult(float(odds_ratio), min(p_value, 1.0), alternative, conditional)


# --- Bayesian posterior -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Posterior:
    a1: float
    b1: float
    a0: float
    b0: float


def _posterior(
    x1: object, n1: object, x0: object, n0: object, prior_a: object, prior_b: object
) -> _Posterior:
    a, m1, c, m0 = _table(x1, n1, x0, n0)
    try:
        pa, pb = float(prior_a), float(prior_b)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise StatsInputError("prior_a and prior_b must be numbers") from None
    if not (math.isfinite(pa) and math.isfinite(pb) and pa > 0 and pb > 0):
        raise StatsInputError(f"prior_a and prior_b must be positive, got {pa}, {pb}")
    return _Posterior(pa + a, pb + m1 - a, pa + c, pb + m0 - c)


def _integrate_over_narrower(
    post: _Posterior, integrand_1, integrand_0, kinks_1=(), kinks_0=()
) -> float:
    """Integrate over the posterior with the smaller spread (its density is the weight), on its
    central range outside which it has less than 1e-16 of its mass on either side, with break
    points at both posteriors' centres so that quad sees the peak and the other's transition."""
    dist1 = sps.beta(post.a1, post.b1)
    dist0 = sps.beta(post.a0, post.b0)
    if dist1.std() <= dist0.std():
        weight, other, integrand, kinks = dist1, dist0, integrand_1, kinks_1
    else:
        weight, other, integrand, kinks = dist0, dist1, integrand_0, kinks_0
    low = float(weight.ppf(1e-16))
    high = float(weight.isf(1e-16))
    points = sorted(
        {
            float(np.clip(v, low, high))
            for v in (
                weight.mean(),
                weight.mean() - 3 * weight.std(),
                weight.mean() + 3 * weight.std(),
                other.mean(),
                other.mean() - 3 * other.std(),
                other.mean() + 3 * other.std(),
                *kinks,
            )
        }
        - {low, high}
    )
    if high <= low:
        return float(integrand(weight.mean()))
    value, _ = integrate.quad(
        lambda t: float(weight.pdf(t)) * integrand(t),
        low,
        high,
        points=points or None,
        limit=400,
        epsabs=1e-13,
        epsrel=1e-11,
    )
    return float(value)


def posterior_probability_positive(
    x1: int,
    n1: int,
    x0: int,
    n0: int,
    prior_a: float = 1.0,
    prior_b: float = 1.0,
) -> float:
    """P(p1 > p0 | data) with independent Beta(prior_a, prior_b) priors on p1 and p0.

    The posteriors are Beta(prior_a + x, prior_b + n - x); the probability is the integral
    of f1(t) F0(t) dt (or of f0(t) S1(t) dt, whichever posterior is narrower carries the
    integral) computed with scipy's adaptive quadrature to about 1e-11. The default
    Beta(1, 1) prior is uniform. Empty groups are allowed (their posterior is the prior).
    """
    post = _posterior(x1, n1, x0, n0, prior_a, prior_b)

    def over_p1(t: float) -> float:  # P(p1 > p0) = E_p1[F0(p1)]
        return float(special.betainc(post.a0, post.b0, t))

    def over_p0(t: float) -> float:  # P(p1 > p0) = E_p0[S1(p0)]
        return float(special.betaincc(post.a1, post.b1, t))

    value = _integrate_over_narrower(post, over_p1, over_p0)
    return min(max(value, 0.0), 1.0)


def _difference_cdf(post: _Posterior, d: float) -> float:
    """P(p1 - p0 <= d)."""

    def over_p1(s: float) -> float:  # E_p1[P(p0 >= s - d)]
        return float(special.betaincc(post.a0, post.b0, min(max(s - d, 0.0), 1.0)))

    def over_p0(t: float) -> float:  # E_p0[P(p1 <= t + d)]
        return float(special.betainc(post.a1, post.b1, min(max(t + d, 0.0), 1.0)))

    # The integrands are clipped where s - d or t + d leaves [0, 1]: break points there.
    value = _integrate_over_narrower(
        post, over_p1, over_p0, kinks_1=(d, 1.0 + d), kinks_0=(-d, 1.0 - d)
    )
    return min(max(value, 0.0), 1.0)


def posterior_difference_interval(
    x1: int,
    n1: int,
    x0: int,
    n0: int,
    prior_a: float = 1.0,
    prior_b: float = 1.0,
    confidence: float = 0.95,
) -> Interval:
    """Equal-tailed credible interval of p1 - p0 under the model of
    :func:`posterior_probability_positive`.

    The bounds are the (1 - confidence)/2 and (1 + confidence)/2 quantiles of the posterior of
    the difference, found by root-finding (Brent, to 1e-10) on its cdf, which is itself a
    one-dimensional integral computed with quad: exact up to numerical tolerance, deterministic,
    no simulation and hence no seed. The estimate is the posterior mean
    (a1 / (a1 + b1) - a0 / (a0 + b0)).
    """
    post = _posterior(x1, n1, x0, n0, prior_a, prior_b)
    level = _confidence(confidence)
    tail = (1.0 - level) / 2.0

    def quantile(q: float) -> float:
        return float(optimize.brentq(lambda d: _difference_cdf(post, d) - q, -1.0, 1.0, xtol=1e-10))

    mean = post.a1 / (post.a1 + post.b1) - post.a0 / (post.a0 + post.b0)
    return Interval(
        mean,
        quantile(tail),
        quantile(1.0 - tail),
        level,
        "Beta-binomial posterior, equal-tailed credible interval (numerical integration)",
    )


# --- indicative -------------------------------------------------------------------------------


def is_indicative(n1: int, n0: int, events1: int | None = None, events0: int | None = None) -> bool:
    """True when a comparison is to be labelled "indicative": fewer than ``MIN_N`` (30) cases in
    either group, or (when the event counts are given) fewer than ``MIN_EVENTS`` (5) events in
    either group."""
    sizes = [_count("n1", n1), _count("n0", n0)]
    if min(sizes) < MIN_N:
        return True
    events = [
        _count(name, e) for name, e in (("events1", events1), ("events0", events0)) if e is not None
    ]
    return bool(events) and min(events) < MIN_EVENTS
