"""Cumulative incidence with competing events (Aalen–Johansen).

Time to complaint ends in one of three ways: a complaint (the event of interest, code 1), a
competing event that makes a later complaint in this process impossible (withdrawal from the
process or closure of the case without a complaint, code 2), or the data cut-off (censored, code
0). Treating the competing events as censoring and reporting 1 − Kaplan–Meier estimates the
share with a complaint in a world where nobody withdraws: it overstates the real share (0.71
against a true 0.51 at day 180 in simulation). The cumulative incidence function (CIF)

    F1(t) = Σ_{t_j ≤ t} S(t_j−) · d1_j / n_j

with S the Kaplan–Meier estimate of "no event of any kind yet", d1_j the complaints and n_j the
cases at risk at t_j, estimates the real share with a complaint by day t.

Variance: the delta-method (Greenwood-type) estimator of Collett, *Modelling Survival Data in
Medical Research* (3rd ed., p. 411) and SAS PROC LIFETEST, the one lifelines'
``AalenJohansenFitter`` uses (checked against it in tests/stats/test_competing.py):

    Var F1(t) = Σ (F1(t) − F1(t_j))² d_j / (n_j (n_j − d_j))
              + Σ S(t_j−)² d1_j (n_j − d1_j) / n_j³
              − 2 Σ (F1(t) − F1(t_j)) S(t_j−) d1_j / n_j²      (sums over t_j ≤ t)

with d_j the events of any kind. The pointwise 95 % interval is built on the log(−log) scale,
F1 · exp(±z se/(F1 |log F1|)) transformed back, so it stays inside (0, 1).

Two groups are compared at a horizon by the difference of their CIFs with the Wald interval
from the sum of the two variances (independent groups). Gray's test of whole curves is not
implemented: the difference at the stated horizon is the estimand the evaluation publishes.

Ties: events of different kinds at the same time are handled exactly (the product-limit step is
the same in whatever order they are taken); censorings at an event time count as at risk there.
Pure numpy, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t

from inbeeld.stats.exceptions import NotEstimable
from inbeeld.stats.results import Interval

COMPLAINT, COMPETING, CENSORED = 1, 2, 0


@dataclass(frozen=True)
class CumulativeIncidence:
    """The CIF of the event of interest at each distinct time (event or censoring), ascending;
    ``cif[i]`` is F1(times[i]) (right-continuous, 0 before times[0]). ``variance``, ``ci_low`` and
    ``ci_high`` are pointwise. ``survival`` is 1 − CIF so that charts drawing "1 − survival" as
    the share with a complaint draw the cumulative incidence."""

    times: np.ndarray
    cif: np.ndarray
    variance: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray  # events of interest at each time
    competing: np.ndarray  # competing events at each time
    censored: np.ndarray
    n: int
    n_events: int  # events of interest
    n_competing: int
    confidence: float = 0.95

    @property
    def survival(self) -> np.ndarray:
        return 1.0 - self.cif

    @property
    def n_censored(self) -> int:
        """Cases without a complaint (competing event or censored): what a table of "with / without
        a complaint" shows."""
        return self.n - self.n_events

    @property
    def last_time(self) -> float:
        return float(self.times[-1]) if self.times.size else 0.0

    def _index(self, t: float) -> int:
        return int(np.searchsorted(self.times, t, side="right")) - 1

    def at(self, t: float) -> Interval | None:
        """F1(t) with its pointwise interval, or None when nobody was followed up to ``t`` (the
        share at ``t`` is then not identified) unless every case had already ended by then."""
        if self.n == 0:
            return None
        if t > self.last_time and self.censored[-1] > 0:
            return None
        i = self._index(t)
        if i < 0:
            return Interval(0.0, 0.0, 0.0, method="Aalen–Johansen")
        return Interval(
            float(self.cif[i]),
            float(self.ci_low[i]),
            float(self.ci_high[i]),
            method="Aalen–Johansen",
        )

    def variance_at(self, t: float) -> float:
        i = self._index(t)
        return 0.0 if i < 0 else float(self.variance[i])

    def quantile(self, q: float) -> float | None:
        """The first time at which the CIF reaches ``q`` (None when it never does)."""
        reached = np.nonzero(self.cif >= q - 1e-12)[0]
        return float(self.times[reached[0]]) if reached.size else None


def aalen_johansen(
    times, events, *, event_of_interest: int = COMPLAINT, confidence: float = 0.95
) -> CumulativeIncidence:
    """The CIF of ``event_of_interest``. ``events``: 0 censored, any other positive code an event
    (codes other than ``event_of_interest`` compete)."""
    t = np.asarray(times, dtype=float)
    e = np.asarray(events, dtype=int)
    if t.shape != e.shape or t.ndim != 1:
        raise NotEstimable("times and events must be one-dimensional and of equal length")
    if t.size and (not np.all(np.isfinite(t)) or (t < 0).any() or (e < 0).any()):
        raise NotEstimable("times must be finite and non-negative, event codes non-negative")
    uniq, inverse = np.unique(t, return_inverse=True)
    k = uniq.size
    d_all = np.bincount(inverse, weights=(e != 0), minlength=k)
    d1 = np.bincount(inverse, weights=(e == event_of_interest), minlength=k)
    cens = np.bincount(inverse, weights=(e == 0), minlength=k)
    removed = np.bincount(inverse, minlength=k).astype(float)
    n_at = t.size - np.concatenate(([0.0], np.cumsum(removed)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d_all / n_at)
        lag_s = np.concatenate(([1.0], surv[:-1]))
        f = np.cumsum(lag_s * d1 / n_at)
        a = np.where(n_at > d_all, d_all / (n_at * (n_at - d_all)), 0.0)
        b = lag_s**2 * d1 * (n_at - d1) / n_at**3
        c = lag_s * d1 / n_at**2
    # Σ_i (F_j − F_i)² a_i = F_j² Σa − 2 F_j Σ(F_i a_i) + Σ(F_i² a_i); likewise for c.
    sa, sfa, sffa = np.cumsum(a), np.cumsum(f * a), np.cumsum(f * f * a)
    sc, sfc = np.cumsum(c), np.cumsum(f * c)
    var = f * f * sa - 2 * f * sfa + sffa + np.cumsum(b) - 2 * (f * sc - sfc)
    var = np.maximum(var, 0.0)
    z = float(norm.ppf(0.5 + confidence / 2))
    low, high = np.zeros(k), np.zeros(k)
    inside = (f > 0) & (f < 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        loglog = np.log(-np.log(f[inside]))
        se = np.sqrt(var[inside]) / (f[inside] * np.abs(np.log(f[inside])))
    # A very wide interval overflows exp(); its limit exp(-inf) = 0 is the right bound.
    with np.errstate(over="ignore"):
        low[inside] = np.exp(-np.exp(loglog + z * se))
        high[inside] = np.exp(-np.exp(loglog - z * se))
    low[f >= 1], high[f >= 1] = 1.0, 1.0
    arrays = {
        "times": uniq,
        "cif": f,
        "variance": var,
        "ci_low": low,
        "ci_high": high,
        "at_risk": n_at,
        "events": d1,
        "competing": d_all - d1,
        "censored": cens,
    }
    for array in arrays.values():
        array.setflags(write=False)
    return CumulativeIncidence(
        **arrays,
        n=int(t.size),
        n_events=int(d1.sum()),
        n_competing=int((d_all - d1).sum()),
        confidence=confidence,
    )


def _followed(curve: CumulativeIncidence, t: float) -> int:
    """Cases still followed at ``t``: everyone except those censored before ``t``."""
    return int(curve.n - curve.censored[curve.times < t].sum())


def _wilson_bounds(curve: CumulativeIncidence, t: float, z: float) -> tuple[float, float, float]:
    """F1(t) with a Wilson score interval on the effective sample size F(1 − F)/Var (Korn &
    Graubard 1998); with F = 0 or 1 (no variance) the cases still followed at ``t`` count."""
    i = curve._index(t)
    f = 0.0 if i < 0 else float(curve.cif[i])
    var = curve.variance_at(t)
    n = f * (1 - f) / var if 0 < f < 1 and var > 0 else float(_followed(curve, t))
    if n <= 0:
        return f, 0.0, 1.0
    z2 = z * z
    centre = (f + z2 / (2 * n)) / (1 + z2 / n)
    half = z * np.sqrt(f * (1 - f) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return f, max(0.0, centre - half), min(1.0, centre + half)


def cif_difference(
    exposed: CumulativeIncidence,
    unexposed: CumulativeIncidence,
    horizon: float,
    *,
    confidence: float = 0.95,
) -> Interval | None:
    """F1_exposed(horizon) − F1_unexposed(horizon) with Newcombe's hybrid score (MOVER) interval
    built from each group's Wilson interval on its effective sample size; None when either CIF
    is not identified at the horizon.

    The Wald interval from the sum of the two delta-method variances covered 92 % of the truth
    with rare outcomes (5 % → 10 %, `inbeeld simulate`): it is symmetric where the sampling
    distribution is not and has no width when a group has no event yet. The MOVER combination
    (Zou & Donner 2008; Newcombe 1998 for two proportions) keeps each group's asymmetry."""
    if exposed.at(horizon) is None or unexposed.at(horizon) is None:
        return None
    z = float(norm.ppf(0.5 + confidence / 2))
    f1, l1, u1 = _wilson_bounds(exposed, horizon, z)
    f0, l0, u0 = _wilson_bounds(unexposed, horizon, z)
    difference = f1 - f0
    low = difference - float(np.sqrt((f1 - l1) ** 2 + (u0 - f0) ** 2))
    high = difference + float(np.sqrt((u1 - f1) ** 2 + (f0 - l0) ** 2))
    return Interval(
        difference,
        max(-1.0, low),
        min(1.0, high),
        confidence,
        method="verschil in cumulatieve incidentie (Aalen–Johansen), Newcombe-interval op de "
        "effectieve steekproefgrootte",
    )


# --- the conditional distribution: "how long does it take when it happens" ----------------------


@dataclass(frozen=True)
class ConditionalQuantile:
    """The q-quantile of the time to the event of interest among the cases that have it within
    the follow-up, with its test-based interval (None where the data do not bound it)."""

    q: float
    estimate: float | None
    low: float | None
    high: float | None
    confidence: float = 0.95


def _conditional_variance(cif: CumulativeIncidence, q: float) -> tuple[np.ndarray, np.ndarray]:
    """X(t) = F1(t) − q F1(τ) at every time of ``cif`` (τ its last time) and the delta-method
    variance of X(t), the same Greenwood-type estimator as ``aalen_johansen`` applied to the linear
    combination: with a_j the weight of the cause-1 term and b_j that of the all-cause term at t_j,

        Var = Σ b_j² d_j/(n_j(n_j − d_j)) + Σ a_j² S(t_j−)² d1_j(n_j − d1_j)/n_j³
              + 2 Σ a_j b_j S(t_j−) d1_j/n_j²

    where for F1(t) alone a_j = 1, b_j = −(F1(t) − F1(t_j)) (t_j ≤ t), so that Var F1(t) is the
    Collett/SAS estimator; X(t) takes (1 − q, −F1(t) + q F1(τ) + (1 − q) F1(t_j)) for t_j ≤ t and
    (−q, q (F1(τ) − F1(t_j))) for t < t_j ≤ τ. Prefix and suffix sums give all t in O(k)."""
    n_at, d1 = cif.at_risk, cif.events
    d_all = d1 + cif.competing
    f = cif.cif
    with np.errstate(divide="ignore", invalid="ignore"):
        lag_s = np.concatenate(([1.0], np.cumprod(1.0 - d_all / n_at)[:-1]))
        a = np.where(n_at > d_all, d_all / (n_at * (n_at - d_all)), 0.0)
        bv = np.where(n_at > 0, lag_s**2 * d1 * (n_at - d1) / n_at**3, 0.0)
        c = np.where(n_at > 0, lag_s * d1 / n_at**2, 0.0)
    f_tau = f[-1]
    beta = q * f_tau - f
    r = 1.0 - q
    prefix = (
        beta**2 * np.cumsum(a)
        + 2 * beta * r * np.cumsum(f * a)
        + r**2 * np.cumsum(f * f * a)
        + r**2 * np.cumsum(bv)
        + 2 * r * (beta * np.cumsum(c) + r * np.cumsum(f * c))
    )
    term = q**2 * ((f_tau - f) ** 2 * a + bv - 2 * (f_tau - f) * c)
    suffix = np.concatenate((np.cumsum(term[::-1])[::-1][1:], [0.0]))
    return f - q * f_tau, np.maximum(prefix + suffix, 0.0)


def conditional_quantile(
    cif: CumulativeIncidence, q: float, *, confidence: float = 0.95
) -> ConditionalQuantile:
    """The q-quantile of G(t) = F1(t)/F1(τ), the distribution of the time to the event of
    interest among the cases that have it by τ, the last time of the follow-up: the first time
    at which F1 reaches q F1(τ). Its interval inverts the test of G(t) = q, i.e. of
    X(t) = F1(t) − q F1(τ) = 0 (Fieller's construction for a ratio, as Brookmeyer and Crowley's
    interval for a Kaplan–Meier median): the times at which |X(t)| ≤ z se X(t), from the first
    time with X + z se ≥ 0 to the first with X − z se ≥ 0 (None when it never gets there). The
    variance is the one under the hypothesis (q fixed, a score-type test), and z is the Student
    t quantile with (events − 1) degrees of freedom: the variance is estimated from that many
    jumps, and with 25–40 cases the normal quantile covered 92–94 % in simulation, the t
    quantile 95–97 % (tests/stats/test_lead_times.py, scripts/simulate_lead_times.py)."""
    if not 0 < q < 1:
        raise NotEstimable("the quantile must lie strictly between 0 and 1")
    if cif.n == 0 or cif.n_events == 0:
        return ConditionalQuantile(q, None, None, None, confidence)
    x, var = _conditional_variance(cif, q)
    z = float(student_t.ppf(0.5 + confidence / 2, max(cif.n_events - 1, 1)))
    se = np.sqrt(var)
    tolerance = 1e-12

    def first(mask: np.ndarray) -> float | None:
        hit = np.nonzero(mask)[0]
        return float(cif.times[hit[0]]) if hit.size else None

    return ConditionalQuantile(
        q,
        first(x >= -tolerance),
        first(x + z * se >= -tolerance),
        first(x - z * se >= -tolerance),
        confidence,
    )
