"""Kaplan–Meier, censored lead-time summaries and the log-rank test."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.results import Interval, TestResult
from inbeeld.stats.survival.checks import _confidence, _durations, _frozen, _observed

# A survival value within this distance of a quantile's level counts as having reached it; it
# absorbs the rounding of exp(cumsum(log ...)) (a few ulps), not a statistical tolerance.
_LEVEL_TOLERANCE = 1e-10


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """A Kaplan–Meier curve with its pointwise confidence band.

    One entry per distinct duration (event or censoring time), ascending; ``survival[i]`` is
    S(times[i]), the right-continuous step function; before ``times[0]`` it is 1. ``at_risk`` is
    the number still under observation just before that time, ``events`` and ``censored`` the
    number ending there. The arrays are read-only.
    """

    times: np.ndarray
    survival: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray
    n: int
    n_events: int
    confidence: float = 0.95
    # Greenwood's cumulative sum Σ d/(n(n-d)): Var(log S) at each time.
    greenwood: np.ndarray | None = None

    @property
    def n_censored(self) -> int:
        return self.n - self.n_events

    def _index(self, t) -> np.ndarray:
        return np.searchsorted(self.times, np.asarray(t, dtype=np.float64), side="right") - 1

    def _step(self, values: np.ndarray, t, before: float):
        idx = self._index(t)
        out = np.where(idx >= 0, values[np.maximum(idx, 0)], before)
        return float(out) if out.ndim == 0 else out

    def survival_at(self, t):
        """S(t) at a time or an array of times (1 before the first time; beyond the last time
        the last value, as lifelines does)."""
        return self._step(self.survival, t, 1.0)

    def ci_at(self, t) -> tuple:
        """The confidence band (low, high) at a time or an array of times."""
        return self._step(self.ci_low, t, 1.0), self._step(self.ci_high, t, 1.0)

    @staticmethod
    def _first_at_or_below(times: np.ndarray, curve: np.ndarray, level: float) -> float | None:
        reached = curve <= level + _LEVEL_TOLERANCE
        if not reached.any():
            return None
        return float(times[int(np.argmax(reached))])

    @staticmethod
    def _check_q(q: float) -> float:
        if not 0 < q <= 1:
            raise StatsInputError(f"q must be in (0, 1], got {q}")
        return 1.0 - q

    def quantile(self, q: float) -> float | None:
        """The time by which a fraction ``q`` has had the event: the first time at which S drops
        to or below ``1 - q`` (q=0.5 the median, 0.25/0.75 the quartiles, 0.9 the p90); None
        when censoring keeps the curve above that level."""
        return self._first_at_or_below(self.times, self.survival, self._check_q(q))

    def quantile_ci(self, q: float) -> tuple[float | None, float | None]:
        """Confidence interval of ``quantile(q)``: the same rule applied to the lower and the
        upper confidence band (lifelines' ``median_survival_times(confidence_interval_)``).
        The upper end is None when the upper band never reaches the level."""
        level = self._check_q(q)
        return (
            self._first_at_or_below(self.times, self.ci_low, level),
            self._first_at_or_below(self.times, self.ci_high, level),
        )

    @property
    def median(self) -> float | None:
        return self.quantile(0.5)


def _km_from_counts(
    times: np.ndarray,
    at_risk: np.ndarray,
    events: np.ndarray,
    removed: np.ndarray,
    n: int,
    confidence: float,
) -> KaplanMeier:
    z = _confidence(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.cumsum(np.log(at_risk - events) - np.log(at_risk))
        survival = np.exp(log_s)
        term = events / (at_risk * (at_risk - events)).astype(np.float64)
        term[~np.isfinite(term)] = 0.0  # everyone at risk has the event: S is 0 from here on
        greenwood = np.cumsum(term)
        v = np.log(survival)
        spread = z * np.sqrt(greenwood) / v
        ci_low = np.exp(-np.exp(np.log(-v) - spread))
        ci_high = np.exp(-np.exp(np.log(-v) + spread))
    ci_low[np.isnan(ci_low)] = 1.0  # S == 1: no uncertainty yet
    ci_high[np.isnan(ci_high)] = 1.0
    n_events = int(events.sum())
    return KaplanMeier(
        times=_frozen(times),
        survival=_frozen(survival),
        ci_low=_frozen(ci_low),
        ci_high=_frozen(ci_high),
        at_risk=_frozen(at_risk),
        events=_frozen(events),
        censored=_frozen(removed - events),
        n=n,
        n_events=n_events,
        confidence=confidence,
        greenwood=_frozen(greenwood),
    )


def kaplan_meier(durations, observed, confidence: float = 0.95) -> KaplanMeier:
    """Kaplan–Meier estimate of the survival curve from right-censored durations.

    ``observed[i]`` is true when case i had the event at ``durations[i]`` and false when it was
    censored then (still under way, or lost to follow-up).
    """
    d = _durations(durations)
    e = _observed(observed, d.size)
    if d.size == 0:
        raise StatsInputError("no durations: the Kaplan–Meier curve needs at least one case")
    times, inverse, removed = np.unique(d, return_inverse=True, return_counts=True)
    events = np.bincount(inverse[e], minlength=times.size).astype(np.int64)
    removed = removed.astype(np.int64)
    at_risk = d.size - np.concatenate(([0], np.cumsum(removed)[:-1]))
    return _km_from_counts(times, at_risk, events, removed, d.size, confidence)


def cumulative_incidence_at(durations, observed, t: float, confidence: float = 0.95) -> Interval:
    """The fraction that has had the event by time ``t``, ``1 - S(t)`` from the Kaplan–Meier
    curve, with the (complemented) exponential Greenwood interval.

    Raises NotEstimable when nobody was followed up to ``t`` while the curve is still above zero:
    the curve is then unknown at ``t`` (lifelines would silently carry the last value forward).
    """
    km = kaplan_meier(durations, observed, confidence)
    t = float(t)
    if not math.isfinite(t) or t < 0:
        raise StatsInputError(f"t must be a finite, non-negative time, got {t}")
    if t > km.times[-1] and km.survival[-1] > 0:
        raise NotEstimable(
            f"nobody was followed up to t={t:g} (the longest follow-up is {km.times[-1]:g}); "
            "the cumulative incidence at t is unknown"
        )
    s = km.survival_at(t)
    low, high = km.ci_at(t)
    return Interval(
        estimate=1.0 - s,
        low=1.0 - high,
        high=1.0 - low,
        confidence=confidence,
        method="Kaplan-Meier, exponential Greenwood",
    )


# --- lead-time summary ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadTimeSummary:
    """Censoring-aware lead-time quantiles from the Kaplan–Meier curve.

    ``q1``, ``median``, ``q3`` and ``p90`` are the times by which 25, 50, 75 and 90 % of the cases
    have completed the stage; None when censoring (cases still under way) keeps the curve above
    that level. ``median_low``/``median_high`` is the confidence interval of the median (None when
    not reached).
    """

    n: int
    n_observed: int
    n_censored: int
    median: float | None
    q1: float | None
    q3: float | None
    p90: float | None
    median_low: float | None = None
    median_high: float | None = None
    confidence: float = 0.95


def lead_time_summary(durations, observed, confidence: float = 0.95) -> LeadTimeSummary:
    """Median, quartiles and p90 of a lead time with censoring (see LeadTimeSummary). No cases
    gives n=0 and every quantile None."""
    d = _durations(durations)
    e = _observed(observed, d.size)
    if d.size == 0:
        return LeadTimeSummary(0, 0, 0, None, None, None, None, None, None, confidence)
    km = kaplan_meier(d, e, confidence)
    low, high = km.quantile_ci(0.5)
    return LeadTimeSummary(
        n=km.n,
        n_observed=km.n_events,
        n_censored=km.n_censored,
        median=km.quantile(0.5),
        q1=km.quantile(0.25),
        q3=km.quantile(0.75),
        p90=km.quantile(0.9),
        median_low=low,
        median_high=high,
        confidence=confidence,
    )


# --- log-rank -------------------------------------------------------------------------------------


def logrank_test(durations_a, observed_a, durations_b, observed_b) -> TestResult:
    """Two-group log-rank test (Mantel–Haenszel, hypergeometric variance), chi-squared with one
    degree of freedom; the statistic is (O_a - E_a)² / V."""
    da = _durations(durations_a, "durations_a")
    ea = _observed(observed_a, da.size, "observed_a")
    db = _durations(durations_b, "durations_b")
    eb = _observed(observed_b, db.size, "observed_b")
    if da.size == 0 or db.size == 0:
        raise StatsInputError("the log-rank test needs cases in both groups")
    d = np.concatenate((da, db))
    e = np.concatenate((ea, eb))
    in_a = np.zeros(d.size, dtype=bool)
    in_a[: da.size] = True
    if not e.any():
        raise NotEstimable("no events in either group: the log-rank test is not defined")

    times, inverse = np.unique(d, return_inverse=True)
    k = times.size
    removed = np.bincount(inverse, minlength=k).astype(np.float64)
    removed_a = np.bincount(inverse[in_a], minlength=k).astype(np.float64)
    deaths = np.bincount(inverse[e], minlength=k).astype(np.float64)
    deaths_a = np.bincount(inverse[e & in_a], minlength=k).astype(np.float64)
    n_i = d.size - np.concatenate(([0.0], np.cumsum(removed)[:-1]))
    n_a = da.size - np.concatenate(([0.0], np.cumsum(removed_a)[:-1]))
    n_b = n_i - n_a

    expected_a = deaths * n_a / n_i
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n_i > 1, (n_i - deaths) / (n_i - 1), 1.0) * deaths / n_i**2
    variance = float(np.sum(n_a * n_b * factor))
    diff = float(deaths_a.sum() - expected_a.sum())
    if variance <= 0:
        raise NotEstimable(
            "the log-rank variance is zero (no events while both groups are at risk)"
        )
    statistic = diff * diff / variance
    return TestResult(
        statistic=statistic, p_value=float(stats.chi2.sf(statistic, 1)), method="log-rank"
    )
