"""The agenda's numbers: how often a recommendation led to a durable change (issue 18, ADR 0024).

Three estimators, pure (no Django), each checked against an independent library in
tests/stats/test_agenda.py:

* ``durable_share``: durable changes over the recommendations old enough to judge (published at
  least ``horizon_years`` before the cut-off), with Wilson's score interval (statsmodels'
  ``proportion_confint(method="wilson")``), and beside it the cumulative incidence of a durable
  change by the horizon over *all* recommendations: young ones are censored at the cut-off and an
  abandoned recommendation is a competing event (Aalen–Johansen; lifelines'
  ``AalenJohansenFitter``). Its log(−log) interval is checked against a known truth by
  ``stats.agenda_simulation``: it is withheld below ``MIN_FOLLOWED_TO_HORIZON`` recommendations
  followed to the horizon and marked ``indicative`` when under half of them were (ADR 0024, 13).
* ``cohens_kappa``: the agreement of two coders beyond chance, with the asymptotic standard error
  statsmodels' ``cohens_kappa`` gives.
* ``wilson_coverage``: the exact coverage of the Wilson interval for ``n`` recommendations and a
  true share ``p`` (a sum over the binomial distribution), so the page can say honestly how well
  its 95 % holds at the tens of recommendations the register has.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, norm

from inbeeld.stats.competing import aalen_johansen
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.proportions import wilson_interval
from inbeeld.stats.results import Interval

DAYS_PER_YEAR = 365.25
DURABLE, ABANDONED, CENSORED = 1, 2, 0
# The log(−log) interval of the cumulative incidence, checked on simulated registers with a known
# truth (scripts/simulate_agenda.py, ADR 0024 decision 13): with fewer than five recommendations
# followed to the horizon it covered 87–93 %, so none is published; with at least half of the
# register followed to the horizon it covered 94–98 %; with a fifth, 90–92 % where durable change
# is common, so below half it is published as indicative.
MIN_FOLLOWED_TO_HORIZON = 5
VERIFIED_SHARE_FOLLOWED = 0.5


@dataclass(frozen=True)
class Outcome:
    """One recommendation as the statistic sees it: when it was published, and the date of its
    durable change or of its end without one (abandoned or reversed), if any."""

    key: str
    published: dt.date
    durable_on: dt.date | None = None
    ended_on: dt.date | None = None


@dataclass(frozen=True)
class DurableShare:
    cut_off: dt.date
    horizon_years: int
    n_all: int  # recommendations published on or before the cut-off
    n_old_enough: int  # the denominator
    n_durable: int  # the numerator
    share: Interval | None  # None when no recommendation is old enough
    cumulative_incidence: Interval | None  # at the horizon; None when nobody was followed so long
    n_abandoned: int
    curve: tuple[tuple[float, float, float, float], ...]  # (years, cif, low, high)
    old_enough_keys: tuple[str, ...]
    durable_keys: tuple[str, ...]
    # True when the cumulative incidence is withheld because fewer than the minimum number of
    # recommendations were followed to the horizon (not because it cannot be computed).
    too_few_followed: bool = False
    # True when it is published but fewer than half of the recommendations were followed to the
    # horizon: the interval's coverage was not shown to hold there (ADR 0024, 13).
    indicative: bool = False


def old_enough_on(cut_off: dt.date, horizon_years: int) -> dt.date:
    """The last publication date that is old enough on ``cut_off`` (29 February → 28)."""
    try:
        return cut_off.replace(year=cut_off.year - horizon_years)
    except ValueError:
        return cut_off.replace(year=cut_off.year - horizon_years, day=28)


def _check(rows: Sequence[Outcome], cut_off: dt.date, horizon_years: int) -> None:
    if horizon_years < 1:
        raise StatsInputError("horizon_years must be at least 1")
    wrong = [
        r.key
        for r in rows
        if (r.durable_on is not None and r.durable_on < r.published)
        or (r.ended_on is not None and r.ended_on < r.published)
    ]
    if wrong:
        raise StatsInputError(f"a milestone before the publication date: {', '.join(wrong)}")


def durable_share(
    rows: Sequence[Outcome],
    *,
    cut_off: dt.date,
    horizon_years: int = 4,
    confidence: float = 0.95,
    min_followed_to_horizon: int = MIN_FOLLOWED_TO_HORIZON,
) -> DurableShare:
    """The share of durable changes among recommendations old enough to judge, and the
    cumulative incidence by the horizon (young ones censored, abandoned ones competing). The
    cumulative incidence is published only when at least ``min_followed_to_horizon``
    recommendations are old enough to have been followed to the horizon, and is marked
    ``indicative`` when fewer than half of them are."""
    _check(rows, cut_off, horizon_years)
    rows = [r for r in rows if r.published <= cut_off]
    limit = old_enough_on(cut_off, horizon_years)
    old = [r for r in rows if r.published <= limit]

    def durable(r: Outcome) -> bool:
        # A durable change that came after the recommendation ended (abandoned, reversed) does not
        # stand: the end is the later fact.
        if r.durable_on is None or r.durable_on > cut_off:
            return False
        return r.ended_on is None or r.ended_on > cut_off or r.ended_on < r.durable_on

    durable_rows = [r for r in old if durable(r)]
    share = wilson_interval(len(durable_rows), len(old), confidence) if old else None
    times, events = [], []
    for r in rows:
        first_durable = r.durable_on if r.durable_on and r.durable_on <= cut_off else None
        ended = r.ended_on if r.ended_on and r.ended_on <= cut_off else None
        if first_durable is not None and (ended is None or first_durable <= ended):
            times.append((first_durable - r.published).days)
            events.append(DURABLE)
        elif ended is not None:
            times.append((ended - r.published).days)
            events.append(ABANDONED)
        else:
            times.append((cut_off - r.published).days)
            events.append(CENSORED)
    cif = None
    too_few = indicative = False
    curve: tuple = ()
    if rows:
        fit = aalen_johansen(times, events, event_of_interest=DURABLE, confidence=confidence)
        cif = fit.at(horizon_years * DAYS_PER_YEAR)
        if len(old) < min_followed_to_horizon:
            # Too few followed to the horizon: the interval under-covers (ADR 0024, 13). This
            # reason comes first: it holds whatever the few recommendations showed.
            cif, too_few = None, True
        elif cif is not None and not cif.high > cif.low:
            # No durable change (or nothing else) seen by the horizon: the log-log interval
            # collapses to one point, which is no honest 95 % interval; none is published.
            cif = None
        indicative = cif is not None and len(old) < VERIFIED_SHARE_FOLLOWED * len(rows)
        curve = tuple(
            (float(t) / DAYS_PER_YEAR, float(f), float(lo), float(hi))
            for t, f, lo, hi in zip(fit.times, fit.cif, fit.ci_low, fit.ci_high, strict=True)
        )
    return DurableShare(
        cut_off=cut_off,
        horizon_years=horizon_years,
        n_all=len(rows),
        n_old_enough=len(old),
        n_durable=len(durable_rows),
        share=share,
        cumulative_incidence=cif,
        n_abandoned=sum(1 for e in events if e == ABANDONED),
        curve=curve,
        old_enough_keys=tuple(r.key for r in old),
        durable_keys=tuple(r.key for r in durable_rows),
        too_few_followed=too_few,
        indicative=indicative,
    )


# --- two coders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kappa:
    kappa: float
    se: float
    low: float
    high: float
    observed_agreement: float
    expected_agreement: float
    n: int
    categories: tuple[str, ...]


def cohens_kappa(first: Sequence[str], second: Sequence[str], confidence: float = 0.95) -> Kappa:
    """Cohen's (unweighted) kappa of two coders over the same items, with the asymptotic
    standard error of Fleiss, Cohen & Everitt (1969) as statsmodels computes it."""
    if len(first) != len(second):
        raise StatsInputError("both coders must code the same items")
    if not first:
        raise NotEstimable("no item was coded by both coders")
    categories = tuple(sorted(set(first) | set(second)))
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    table = np.zeros((k, k))
    for a, b in zip(first, second, strict=True):
        table[index[a], index[b]] += 1
    n = float(table.sum())
    probs = table / n
    rows, cols = probs.sum(axis=1), probs.sum(axis=0)
    observed = float(np.trace(probs))
    expected = float(rows @ cols)
    if expected >= 1.0:
        raise NotEstimable("both coders used one and the same category: kappa is undefined")
    kappa = (observed - expected) / (1 - expected)
    diag = np.diag(probs)
    term_a = float((diag * (1 - (rows + cols) * (1 - kappa)) ** 2).sum())
    term_b_matrix = probs * (cols[:, None] + rows) ** 2
    np.fill_diagonal(term_b_matrix, 0.0)
    term_b = (1 - kappa) ** 2 * float(term_b_matrix.sum())
    term_c = (kappa - expected * (1 - kappa)) ** 2
    variance = max((term_a + term_b - term_c) / (1 - expected) ** 2 / n, 0.0)
    se = math.sqrt(variance)
    z = float(norm.ppf(0.5 + confidence / 2))
    return Kappa(
        kappa=float(kappa),
        se=se,
        low=float(kappa - z * se),
        high=float(kappa + z * se),
        observed_agreement=observed,
        expected_agreement=expected,
        n=int(n),
        categories=categories,
    )


# --- how well the interval holds at this size ------------------------------------------------------


def wilson_coverage(n: int, p: float, confidence: float = 0.95) -> float:
    """The exact probability that Wilson's interval for ``n`` trials covers the true ``p``."""
    if n < 1 or not 0.0 <= p <= 1.0:
        raise StatsInputError("n must be at least 1 and p between 0 and 1")
    covered = 0.0
    for x in range(n + 1):
        interval = wilson_interval(x, n, confidence)
        if interval.low <= p <= interval.high:
            covered += float(binom.pmf(x, n, p))
    return covered


@dataclass(frozen=True)
class Coverage:
    n: int
    lowest: float  # the lowest coverage over the grid of true shares
    lowest_at: float  # the true share where it is lowest
    average: float  # the mean over the grid


COVERAGE_GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 … 0.95


def wilson_coverage_summary(n: int, confidence: float = 0.95) -> Coverage:
    """The exact coverage of Wilson's interval at ``n`` over true shares 5 % … 95 %."""
    values = [(wilson_coverage(n, p, confidence), p) for p in COVERAGE_GRID]
    lowest, at = min(values)
    return Coverage(n, lowest, at, sum(v for v, _ in values) / len(values))
