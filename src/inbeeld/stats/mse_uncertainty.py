"""The dark number with its model-choice uncertainty (issue 12 item 6).

``stats.mse.estimate_population`` reports the profile-likelihood interval of the one model the
stepwise BIC search chose. That interval treats the chosen model as known; it is not. On the
Dutch six lists (SparseMSE's ``Ned``) BIC gives 43,585 (38,105-50,284), AIC 41,561, and
SparseMSE's own p-value rule about 111,000. This module adds:

- ``selection_bootstrap``: the *published* interval. A parametric bootstrap that repeats the whole
  forward stepwise BIC selection on every resample: draw N = round(estimate) people
  multinomially over the 2^k cells (the hidden one included) with the probabilities of the
  chosen fit, drop the hidden cell, select a model afresh, keep its estimate; the interval is
  the 2.5 % and 97.5 % percentiles of those estimates. ``DEFAULT_REPLICATES`` (100) resamples
  with ``DEFAULT_SEED`` (the product takes the number from settings.INBEELD_DARK_NUMBER_REPLICATES):
  with five or more lists 40 resamples covered the truth in only 0.908 of simulated populations,
  100 in 0.970 (scripts/simulate_dark_number.py, ADR 0007). On the Dutch six lists one selection
  takes about 1 s of CPU on this machine, so the worker computes it off the request path
  (publication.stored_results). ``max_seconds`` (600 s) caps the run: the replicates done by then
  are used and counted in the method text (so under heavy load the interval rests on fewer
  replicates and is no longer reproducible from the seed alone); fewer than ``MIN_REPLICATES``
  gives none.
- ``sensitivity``: the estimate and its profile interval under each selection rule: BIC
  (stepwise, the primary estimate), AIC (stepwise), SparseMSE's rule (``stepwisefit`` with
  ``pthresh = 0.02``: from the independence model, add the pair whose overlap total has the
  smallest one-sided Poisson p-value under the current fit, min(P(X <= n), P(X >= n)), as long
  as it is below 0.02 and the extended model exists and is identifiable), and the model with all
  two-way interactions.

Pure numpy / scipy: no Django. Caching per data fingerprint is done by the caller
(``fingerprint`` gives the key).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

import numpy as np
from scipy import stats as sstats

from inbeeld.stats.exceptions import NotEstimable
from inbeeld.stats.mse import (
    CaptureHistories,
    LoglinearFit,
    _all_pairs,
    _fit_prepared,
    _prepare,
    _Selector,
    profile_interval,
)
from inbeeld.stats.results import Interval

DEFAULT_REPLICATES = 100
DEFAULT_SEED = 20_151_231
DEFAULT_MAX_SECONDS = 600.0
MIN_REPLICATES = 20
SPARSEMSE_PTHRESH = 0.02

RULES = ("bic", "aic", "sparsemse", "all_two_way")
RULE_LABELS = {  # Dutch: shown on the page and in the report
    "bic": "BIC, stapsgewijs (hoofdschatting)",
    "aic": "AIC, stapsgewijs",
    "sparsemse": "regel van SparseMSE (p < 0,02)",
    "all_two_way": "alle paarsgewijze afhankelijkheden",
}


def fingerprint(table: CaptureHistories, *extra: object) -> str:
    """A short hash of the table (lists and counts) and ``extra`` options: the cache key."""
    text = repr((table.lists, table.counts.tolist(), extra))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _fit(table: CaptureHistories, terms) -> LoglinearFit | None:
    prep, _status = _prepare(table, tuple(terms), "extended")
    if prep is None:
        return None
    fit = _fit_prepared(table, prep)
    return fit if fit.converged else None


def sparsemse_stepwise(table: CaptureHistories, pthresh: float = SPARSEMSE_PTHRESH) -> LoglinearFit:
    """SparseMSE's ``stepwisefit(zdat, pthresh)`` (R package SparseMSE, routines.R)."""
    fit = _fit(table, ())
    if fit is None:
        raise NotEstimable("the independence model cannot be fitted to these data")
    pairs = _all_pairs(table.lists)
    both = [
        table.patterns[:, table.lists.index(a)] * table.patterns[:, table.lists.index(b)]
        for a, b in pairs
    ]
    current: list = []
    included = [False] * len(pairs)
    for _cycle in pairs:
        pvalues = np.ones(len(pairs))
        for j, term in enumerate(pairs):
            if included[j]:
                continue
            nstar = int(table.counts @ both[j])
            pstar = float(fit.fitted @ both[j])
            p = min(sstats.poisson.cdf(nstar, pstar), sstats.poisson.sf(nstar - 1, pstar))
            prep, _status = _prepare(table, (*current, term), "extended")
            pvalues[j] = 1.0 if prep is None else p
        j = int(np.argmin(pvalues))
        if pvalues[j] >= pthresh:
            return fit
        candidate = _fit(table, (*current, pairs[j]))
        if candidate is None:
            return fit
        current.append(pairs[j])
        included[j] = True
        fit = candidate
    return fit


@dataclass(frozen=True)
class RuleEstimate:
    """The estimate and profile interval under one selection rule (``fit`` None: no estimate)."""

    rule: str
    label: str  # Dutch
    model: tuple[str, ...]
    estimate: float
    interval: Interval | None
    fit: LoglinearFit | None = None


def _select(table: CaptureHistories, rule: str) -> LoglinearFit | None:
    try:
        if rule in ("bic", "aic"):
            return _Selector(table, rule, "extended").stepwise()
        if rule == "sparsemse":
            return sparsemse_stepwise(table)
        if rule == "all_two_way":
            return _fit(table, _all_pairs(table.lists))
    except NotEstimable:
        return None
    raise ValueError(f"unknown rule {rule!r}")


def sensitivity(
    table: CaptureHistories, *, rules=RULES, confidence: float = 0.95
) -> tuple[RuleEstimate, ...]:
    """The estimate under each rule in ``rules`` with its profile-likelihood interval."""
    out = []
    for rule in rules:
        fit = _select(table, rule)
        if fit is None:
            out.append(RuleEstimate(rule, RULE_LABELS[rule], (), math.nan, None))
            continue
        interval, _warnings = profile_interval(table, fit, confidence)
        out.append(RuleEstimate(rule, RULE_LABELS[rule], fit.model, fit.estimate, interval, fit))
    return tuple(out)


@dataclass(frozen=True)
class SelectionBootstrap:
    """The published interval: percentile bounds over resamples that each repeat the selection."""

    interval: Interval | None  # None: fewer than MIN_REPLICATES replicates could be fitted
    requested: int
    replicates: int  # fitted replicates used
    failures: int
    seed: int
    seconds: float
    truncated: bool  # stopped by max_seconds
    estimates: tuple[float, ...] = ()


def selection_bootstrap(
    table: CaptureHistories,
    fit: LoglinearFit | None = None,
    *,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    max_seconds: float | None = DEFAULT_MAX_SECONDS,
    confidence: float = 0.95,
    criterion: str = "bic",
) -> SelectionBootstrap:
    """Parametric bootstrap of the population size repeating the stepwise ``criterion``
    selection on every resample (see the module docstring)."""
    start = time.monotonic()
    if fit is None:
        fit = _Selector(table, criterion, "extended").stepwise()
    rng = np.random.default_rng(seed)
    total = int(round(fit.estimate))
    probs = np.append(fit.unobserved, fit.fitted)
    probs = probs / probs.sum()
    estimates: list[float] = []
    failures, truncated = 0, False
    for _ in range(replicates):
        if max_seconds is not None and time.monotonic() - start > max_seconds:
            truncated = True
            break
        counts = rng.multinomial(total, probs)[1:]
        if counts.sum() == 0 or np.any(counts @ table.patterns == 0):
            failures += 1
            continue
        sample = CaptureHistories(table.lists, table.patterns, counts.astype(np.int64))
        try:
            chosen = _Selector(sample, criterion, "extended").stepwise()
        except NotEstimable:
            failures += 1
            continue
        estimates.append(chosen.estimate)
    seconds = time.monotonic() - start
    interval = None
    if len(estimates) >= MIN_REPLICATES:
        alpha = (1.0 - confidence) / 2.0
        low, high = np.quantile(np.asarray(estimates), [alpha, 1.0 - alpha])
        interval = Interval(
            estimate=fit.estimate,
            low=float(low),
            high=float(high),
            confidence=confidence,
            method=(
                f"parametric bootstrap repeating the stepwise {criterion.upper()} selection, "
                f"{len(estimates)} of {replicates} replicates, seed {seed}, percentile interval"
            ),
        )
    return SelectionBootstrap(
        interval, replicates, len(estimates), failures, seed, seconds, truncated, tuple(estimates)
    )


__all__ = [
    "DEFAULT_REPLICATES",
    "DEFAULT_SEED",
    "RULES",
    "RULE_LABELS",
    "RuleEstimate",
    "SelectionBootstrap",
    "fingerprint",
    "selection_bootstrap",
    "sensitivity",
    "sparsemse_stepwise",
]
