"""Group-time effects: every 2x2 comparison of a cohort with its controls."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class _Comparison:
    cohort: int  # period index of the start
    period: int
    base: int
    estimate: float
    psi: np.ndarray  # per-unit linearised contribution (sums to zero)
    treated_units: np.ndarray
    control_units: np.ndarray
    pre: bool
    key: int = 0  # cohort key: start and end of the clean pre-period (see _group_time)

    @property
    def se(self) -> float:
        G = len(self.treated_units) + len(self.control_units)
        return math.sqrt(G / (G - 1) * float(self.psi @ self.psi))


def _compare(N, S, treated_units, control_units, t, base, weighting):
    """One 2x2 comparison: the weighted mean change from ``base`` to ``t`` of the treated units
    minus that of the control units, and the per-unit linearised contributions. A unit's change
    is the difference of its two cell means; its weight is n_t n_b / (n_t + n_b) ("cases": the
    weighting of a case-level regression with unit effects, so the unit effects cancel even when
    the case numbers vary between periods) or 1 ("units"); a unit without cases in either
    period has weight 0. Returns None when a side has no usable unit."""
    psi = np.zeros(N.shape[0])
    estimate = 0.0
    for units, sign in ((treated_units, 1.0), (control_units, -1.0)):
        n_t, n_b = N[units, t], N[units, base]
        both = (n_t > 0) & (n_b > 0)
        if not both.any():
            return None
        if weighting == "cases":
            h = np.where(both, n_t * n_b / np.where(both, n_t + n_b, 1.0), 0.0)
        else:
            h = both.astype(float)
        change = np.where(
            both,
            S[units, t] / np.where(both, n_t, 1.0) - S[units, base] / np.where(both, n_b, 1.0),
            0.0,
        )
        mean_change = float(h @ change / h.sum())
        estimate += sign * mean_change
        psi[units] += sign * h * (change - mean_change) / h.sum()
    return estimate, psi


def _cohort_keys(start: np.ndarray, until: np.ndarray, T: int) -> np.ndarray:
    """One key per unit for its cohort: units with the same first treated period and the same
    clean pre-period (``until``: index of the first period that is no longer clean control)."""
    return start * (T + 1) + until


def _group_time(N, S, start, until, control, weighting):
    """All post and pre (placebo) comparisons and their aggregates. ``start`` holds the period
    index of each unit's start (T for never treated); ``until`` the first period that is not a
    clean control period (``start``, or earlier when the unit has transition periods: those
    periods are neither control nor treated, and the post comparisons use the last clean period
    before them as base)."""
    U, T = N.shape
    never = start == T
    key = _cohort_keys(start, until, T)
    cohorts = sorted(
        {(int(g), int(f)) for g, f in zip(start, until, strict=True) if 0 < f and g < T}
    )
    post: list[_Comparison] = []
    pre: list[_Comparison] = []
    skipped_empty = False
    without_controls: list[int] = []
    for g, f in cohorts:
        members = (start == g) & (until == f)
        treated_units = np.flatnonzero(members)
        usable = False
        for t in range(1, T):
            if f <= t < g:  # a transition period: neither before nor after
                continue
            base = f - 1 if t >= g else t - 1
            later = max(t, base)
            if control == "never":  # clean at t (a unit that started late is not, after it)
                control_units = np.flatnonzero(never & (until > later))
            else:
                control_units = np.flatnonzero((until > later) & ~members)
            if control_units.size == 0:
                continue
            result = _compare(N, S, treated_units, control_units, t, base, weighting)
            if result is None:
                skipped_empty = True
                continue
            estimate, psi = result
            cmp = _Comparison(
                g, t, base, estimate, psi, treated_units, control_units, t < g, int(key[members][0])
            )
            (pre if t < g else post).append(cmp)
            usable = usable or t >= g
        if not usable and g not in without_controls:
            without_controls.append(g)
    return post, pre, skipped_empty, without_controls
