"""Staggered rollout: difference-in-differences across units and periods, for an intervention that
starts in different units at different times and stays on.

Input: a polars table with one row per case (unit, period, treated, outcome 0/1), or one row per
(unit, period) with the outcome as a rate or mean; every row counts as one observation. ``treated``
is 1 from the period in which the intervention started in that unit onwards (staggered adoption,
never switching off); units that never start are the "never treated". An optional ``transition``
column marks a unit's cases in the period(s) just before its first treated period in which the
intervention started part-way through: they count as neither control nor treated and are left
out, and that unit's comparisons take the last period before them as base. Cases are aggregated per
(unit, period) cell first; every estimate below is computed from the cell counts and sums, so a
million cases cost one group-by.

Two estimates. Published: (b), with randomisation inference that holds with few units
(``stats.did_inference``). Sensitivity only: (a), and (b) with an analytic interval.

(a) Two-way fixed effects (TWFE), a SENSITIVITY ANALYSIS only: OLS of the case-level outcome on
    ``treated`` with unit and period fixed effects, ``y ~ treated + C(unit) + C(period)``, solved
    by Frisch-Waugh-Lovell on the cells (case-level OLS equals cell-level WLS with the case counts
    as weights), with statsmodels' cluster-robust standard error by unit (CR1,
    ``G/(G-1) * (N-1)/(N-K)``) and Student's t with G - 1 degrees of freedom. TWFE is biased
    under staggered adoption when the effect varies over cohorts or grows with time since the
    start: already-treated units serve as controls for later ones, with weights that can even be
    negative (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020).

(b) Group-time average treatment effects (Callaway & Sant'Anna 2021, without covariates): for
    each cohort g (units starting in period g) and each period t >= g a simple 2x2
    difference-in-differences of cell means,
    ``ATT(g,t) = mean_u in g (Y[u,t] - Y[u,g-1]) - mean_u in C (Y[u,t] - Y[u,g-1])``, with
    Y[u,s] the mean outcome of unit u's cases in period s and C the never-treated units
    (``control="never"``, the default) or the units not yet treated at t (``control="notyet"``;
    used automatically when there are no never-treated units). Each unit's own before-after
    change is averaged, so differences in level between units cancel even when a unit's number
    of cases varies between periods (pooling the cases of a cohort would not: its mix of units
    would shift). ``weighting="cases"`` (default) weights a unit's change by
    ``n[u,t] n[u,g-1] / (n[u,t] + n[u,g-1])``, exactly the case-level regression
    ``y ~ D + C(unit) + C(period)`` on those units and two periods; ``"units"`` counts every
    unit once; a unit without cases in either period drops out of that comparison. With one
    unit per side this is the plain 2x2 difference of the four means. The overall estimate
    averages the ATT(g,t) with weights proportional to the number of units in cohort g (their
    "simple" aggregation). Units treated from the first period have no pre-period and are left
    out of this estimate.

    Published interval and p-value: randomisation inference over units and start periods
    (``stats.did_inference``); no interval, with a reason code from ``NO_INTERVAL_REASONS``, when
    the design cannot support one. A 0/1 outcome: the set is intersected with [-1, 1] (the
    range of the effect; a one-sided unbounded set then gives an interval ending at -1 or 1). Sensitivity: the analytic linearised interval
    (``cs_analytic``; Callaway & Sant'Anna's influence function, units as clusters, t(G-1)), far
    too narrow with one or two control units.

Pre-trend check: the placebo ATT(g,t) for periods before the start, each comparing period t with
t - 1 (Callaway & Sant'Anna's "varying" base period), averaged with the same weights; its p-value
and interval come from the same randomisation (``pre_trend_se`` is the analytic one). A p-value
at or below 0.05 is a warning that the parallel-trends assumption behind both estimates is
doubtful.

Checked in tests/stats/test_did.py: TWFE against statsmodels OLS with cluster-robust errors, each
ATT(g,t) and its standard error against the 2x2 regression in statsmodels, the aggregate against
a hand computation, a simulated known effect and a noise-free panel with growing effects; the
randomisation inference in tests/stats/test_did_inference.py (brute force over assignments,
coverage at pilot sizes).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from inbeeld.stats.did_inference import (
    NO_INTERVAL_REASONS,
    analytic_summary,
    randomisation_inference,
    twfe_estimate,
)
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.results import Interval

__all__ = ["NO_INTERVAL_REASONS", "Cohort", "DidResult", "GroupTimeEffect", "staggered_did"]

FEW_UNITS = 10  # fewer clusters than this: cluster-robust intervals are rough


@dataclass(frozen=True)
class Cohort:
    """The units in which the intervention started in period ``start``."""

    start: Any
    units: tuple[Any, ...]


@dataclass(frozen=True)
class GroupTimeEffect:
    """One 2x2 comparison: cohort ``cohort`` against the controls, period ``period`` against
    ``base``. ``pre`` marks a placebo comparison before the start."""

    cohort: Any
    period: Any
    base: Any
    estimate: float
    se: float
    n_treated_units: int
    n_control_units: int
    pre: bool = False


@dataclass(frozen=True)
class DidResult:
    """``cs`` is the published interval of the group-time aggregate (randomisation inference);
    None when no valid interval exists, and then ``no_interval_reason`` is a key of
    ``NO_INTERVAL_REASONS``. ``twfe`` and ``cs_analytic`` are sensitivity analyses only."""

    twfe: Interval | None  # two-way fixed effects, SENSITIVITY only (None: not identifiable)
    twfe_se: float
    cs: Interval | None  # group-time (Callaway & Sant'Anna) aggregate, published interval
    cs_se: float  # analytic linearised standard error (sensitivity)
    n_units: int
    n_periods: int
    n_cases: int
    cohorts: tuple[Cohort, ...]  # start period -> units, in order of start
    never_treated: tuple[Any, ...]
    control: str  # "never treated" or "not yet treated"
    pre_trend: Interval | None  # mean of the placebo estimates before the start
    pre_trend_se: float
    group_time: tuple[GroupTimeEffect, ...]
    notes: tuple[str, ...]
    cs_estimate: float | None = None  # the aggregate whenever estimable, also when cs is None
    cs_p_value: float | None = None  # "no effect", from the randomisation inference
    no_interval_reason: str | None = None  # key of NO_INTERVAL_REASONS when cs is None
    cs_analytic: Interval | None = None  # linearised cluster-robust interval, SENSITIVITY only
    pre_trend_p_value: float | None = None
    n_assignments: int = 0  # distinct assignments of the start periods used by the inference

    def cohort_of(self, unit: Any) -> Any | None:
        return next((c.start for c in self.cohorts if unit in c.units), None)


# --- input ------------------------------------------------------------------------------------


def _rows(idx: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(int(i)) for i in idx[:limit])
    return shown + (f" (and {len(idx) - limit} more)" if len(idx) > limit else "")


def _cells(
    df: pl.DataFrame, unit: str, period: str, treated: str, outcome: str, transition: str | None
) -> pl.DataFrame:
    if not isinstance(df, pl.DataFrame):
        raise StatsInputError("staggered_did expects a polars DataFrame")
    extra = [transition] if transition is not None else []
    missing = [c for c in (unit, period, treated, outcome, *extra) if c not in df.columns]
    if missing:
        raise StatsInputError(f"column(s) not in the table: {', '.join(missing)}")
    if len({unit, period, treated, outcome, *extra}) < 4 + len(extra):
        raise StatsInputError(
            "unit, period, treated, outcome (and transition) must be different columns"
        )
    if df.height == 0:
        raise StatsInputError("the table has no rows")
    for col in (unit, period, treated, outcome, *extra):
        nulls = df[col].is_null()
        if nulls.any():
            raise StatsInputError(
                f"column {col!r} has missing values in rows {_rows(np.flatnonzero(nulls.to_numpy()))}"
            )
    for col in (treated, outcome, *extra):
        if not (df[col].dtype.is_numeric() or df[col].dtype == pl.Boolean):
            raise StatsInputError(f"column {col!r} must be numeric or boolean, not {df[col].dtype}")
    d = df[treated].cast(pl.Float64).to_numpy()
    bad = (d != 0) & (d != 1)
    if bad.any():
        raise StatsInputError(
            f"column {treated!r} must be 0/1; rows {_rows(np.flatnonzero(bad))} are not"
        )
    if transition is not None:
        r = df[transition].cast(pl.Float64).to_numpy()
        bad = (r != 0) & (r != 1)
        if bad.any():
            raise StatsInputError(
                f"column {transition!r} must be 0/1; rows {_rows(np.flatnonzero(bad))} are not"
            )
        bad = (r == 1) & (d == 1)
        if bad.any():
            raise StatsInputError(
                f"rows {_rows(np.flatnonzero(bad))} are marked both treated and transition"
            )
    y = df[outcome].cast(pl.Float64).to_numpy()
    bad = ~np.isfinite(y)
    if bad.any():
        raise StatsInputError(
            f"column {outcome!r} is not finite in rows {_rows(np.flatnonzero(bad))}"
        )
    return (
        df.lazy()
        .select(
            pl.col(unit).alias("unit"),
            pl.col(period).alias("period"),
            pl.col(treated).cast(pl.Int8).alias("d"),
            pl.col(outcome).cast(pl.Float64).alias("y"),
            (
                pl.col(transition).cast(pl.Int8) if transition is not None else pl.lit(0, pl.Int8)
            ).alias("r"),
        )
        .group_by("unit", "period")
        .agg(
            n=pl.len(),
            s=pl.col("y").sum(),
            d_min=pl.col("d").min(),
            d_max=pl.col("d").max(),
            r_min=pl.col("r").min(),
            r_max=pl.col("r").max(),
            binary=((pl.col("y") == 0) | (pl.col("y") == 1)).all(),
        )
        .collect()
    )


def _index(values: pl.Series, name: str) -> tuple[list, pl.DataFrame]:
    levels = values.unique().sort()
    return levels.to_list(), pl.DataFrame({name: levels, f"{name}_i": np.arange(len(levels))})


# --- group-time effects -----------------------------------------------------------------------


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


# --- the estimator ----------------------------------------------------------------------------


def _design_patterns(adoption, units, periods, start, until, R):
    """Each unit's (start, until) period indices for the randomisation: from ``adoption`` (the
    design's first treated period) where given, never later than the data's own start; the
    transition, as in the data, directly before it."""
    if not adoption:
        return start, until
    design = start.copy()
    for u, name in enumerate(units):
        first = adoption.get(name)
        if first is not None:
            design[u] = min(int(start[u]), bisect.bisect_left(list(periods), first))
    design_until = np.where(R.any(axis=1), np.argmax(R, axis=1), design)
    return design, np.minimum(design_until, design)


def staggered_did(
    cases_df: pl.DataFrame,
    *,
    unit: str,
    period: str,
    treated: str,
    outcome: str,
    control: Literal["never", "notyet"] = "never",
    weighting: Literal["cases", "units"] = "cases",
    confidence: float = 0.95,
    transition: str | None = None,
    adoption: Mapping[Any, Any] | None = None,
) -> DidResult:
    """Difference-in-differences for a staggered rollout: the TWFE estimate and the group-time
    (Callaway & Sant'Anna) aggregate, with a pre-trend check and plain-English notes.

    ``transition`` (optional 0/1 column) marks a unit's cases in the period(s) just before its
    first treated period in which the intervention started part-way through: those cases are
    neither control nor treated and are left out of every estimate; the unit's post comparisons
    then use the last period before the transition as their base.

    ``adoption`` (optional) maps each unit to its first treated period *by design* (None or
    absent: as the data say). The randomisation inference then re-assigns these design patterns
    instead of patterns dated from the first treated period that has cases: in a sparse pilot a
    unit without cases in its first treated half-year would be dated later, so the observed
    assignment depends on the data and is no longer exchangeable with its reference set (with no
    effect at all the test covered 0.928 instead of 0.95; 0.941 with the design patterns)."""
    if control not in ("never", "notyet"):
        raise StatsInputError(f"control must be 'never' or 'notyet', not {control!r}")
    if weighting not in ("cases", "units"):
        raise StatsInputError(f"weighting must be 'cases' or 'units', not {weighting!r}")
    if not 0.0 < confidence < 1.0:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    cells = _cells(cases_df, unit, period, treated, outcome, transition)
    mixed = cells.filter(
        (pl.col("d_min") != pl.col("d_max")) | (pl.col("r_min") != pl.col("r_max"))
    )
    if mixed.height:
        shown = ", ".join(
            f"({r['unit']}, {r['period']})" for r in mixed.head(10).iter_rows(named=True)
        )
        raise StatsInputError(
            f"{treated!r} (or the transition mark) differs between cases of the same unit and "
            f"period: {shown}; the intervention starts per unit and period"
        )
    units, unit_idx = _index(cells["unit"], "unit")
    periods, period_idx = _index(cells["period"], "period")
    U, T = len(units), len(periods)
    if T < 2:
        raise NotEstimable("a single period: no before and after to compare")
    if U < 2:
        raise NotEstimable("a single unit: nothing to compare with")
    cells = cells.join(unit_idx, on="unit").join(period_idx, on="period")
    ui, ti = cells["unit_i"].to_numpy(), cells["period_i"].to_numpy()
    N = np.zeros((U, T))
    S = np.zeros((U, T))
    Dobs = np.full((U, T), np.nan)
    N[ui, ti] = cells["n"].to_numpy()
    S[ui, ti] = cells["s"].to_numpy()
    Dobs[ui, ti] = cells["d_min"].to_numpy()
    R = np.zeros((U, T), dtype=bool)
    R[ui, ti] = cells["r_min"].to_numpy() == 1

    D0 = np.nan_to_num(Dobs, nan=0.0)
    switched_off = ~np.isnan(Dobs) & (np.maximum.accumulate(D0, axis=1) > Dobs)
    if switched_off.any():
        bad = [
            f"{units[u]} (period {periods[int(np.argmax(switched_off[u]))]})"
            for u in np.flatnonzero(switched_off.any(axis=1))[:10]
        ]
        raise StatsInputError(
            f"{treated!r} switches back to 0 after the start in unit(s) {', '.join(bad)}: "
            "a staggered rollout stays on once started"
        )
    ever = D0.any(axis=1)
    start = np.where(ever, np.argmax(D0 == 1, axis=1), T)
    D = (np.arange(T)[None, :] >= start[:, None]).astype(float)  # fills unobserved cells
    # transition periods: from a unit's first transition cell up to its start, none of them clean
    until = np.where(R.any(axis=1), np.argmax(R, axis=1), start)
    observed = ~np.isnan(Dobs)
    # a unit with transition cases and no treated case started at the end of the data: it is a
    # clean control up to its transition (start = T, until = its first transition period)
    started_late = R.any(axis=1) & ~ever
    stray = observed & ~R & (np.arange(T)[None, :] >= until[:, None]) & (D == 0)
    if stray.any():
        bad = [str(units[u]) for u in np.flatnonzero(stray.any(axis=1))[:10]]
        raise StatsInputError(
            "transition periods must lie directly before a unit's first treated period, in "
            f"unit(s) {', '.join(bad)}"
        )
    N_all, S_all = N.copy(), S.copy()  # the randomisation's other assignments use them
    N[R] = 0.0  # transition cases count neither as control nor as treated
    S[R] = 0.0
    if not ever.any():
        raise NotEstimable("no unit is ever treated: nothing to evaluate")
    n_cases = int(N.sum())

    notes: list[str] = []
    never = np.flatnonzero(~ever)
    if started_late.any():
        notes.append(
            "unit(s) "
            + ", ".join(str(units[u]) for u in np.flatnonzero(started_late))
            + ": the intervention started in the last period(s) of the data; not yet treated "
            "there, so a control up to the start, the transition cases left out"
        )
    always = np.flatnonzero(until == 0)
    cohort_starts = sorted({int(g) for g in start[ever]})
    cohorts = tuple(
        Cohort(start=periods[g], units=tuple(units[u] for u in np.flatnonzero(start == g)))
        for g in cohort_starts
    )

    # (a) two-way fixed effects
    beta, se_twfe, lo, hi, note = twfe_estimate(N, S, D, confidence)
    if note:
        notes.append(note)
    twfe = (
        None
        if math.isnan(beta)
        else Interval(
            beta,
            lo,
            hi,
            confidence,
            "SENSITIVITY: two-way fixed effects (unit and period), cluster-robust by unit (CR1), "
            "t(G-1); biased when the effect grows after the start",
        )
    )

    # (b) group-time effects
    if control == "never" and never.size == 0:
        control = "notyet"
        notes.append("no never-treated units: units not yet treated serve as controls")
    if control == "never" and never.size < 2:
        notes.append("fewer than 2 never-treated units: comparison weak")
    if always.size:
        notes.append(
            f"{always.size} unit(s) treated from the first period have no period before the "
            "start and are left out of the group-time estimate"
        )
    post, pre, skipped_empty, without_controls = _group_time(N, S, start, until, control, weighting)
    for g in without_controls:
        notes.append(
            f"cohort starting in {periods[g]}: no untreated comparison units in its periods, "
            "left out of the group-time estimate"
        )
    if skipped_empty:
        notes.append("some cohort-period comparisons had no cases and were skipped")
    key = _cohort_keys(start, until, T)
    summary = analytic_summary(post, key, confidence)
    label = "never treated" if control == "never" else "not yet treated"
    cs = cs_analytic = randomised = None
    cs_se = math.nan
    if summary is not None:
        theta, cs_se, cs_lo, cs_hi, _ = summary
        cs_analytic = Interval(
            theta,
            cs_lo,
            cs_hi,
            confidence,
            f"SENSITIVITY: group-time ATT (Callaway & Sant'Anna), {label} controls, "
            "linearised cluster-robust SE by unit, t(G-1)",
        )
        ri_start, ri_until = _design_patterns(adoption, units, periods, start, until, R)
        randomised = randomisation_inference(
            N_all,
            np.divide(S_all, N_all, out=np.zeros_like(S_all), where=N_all > 0),
            ri_start,
            ri_until,
            control=control,
            weighting=weighting,
            confidence=confidence,
            transition=R,
            # a 0/1 outcome: the effect on the probability lies in [-1, 1]
            bounds=(-1.0, 1.0) if bool(cells["binary"].all()) else None,
        )
    if twfe is None and summary is None:
        raise NotEstimable(
            "no comparison possible: every treated unit lacks an untreated comparison or a "
            "period before its start"
        )
    reason: str | None = "no_estimate"
    if randomised is None:
        notes.append("group-time estimate not possible: no cohort with controls and a pre-period")
    else:
        reason = randomised.reason
        if reason is None:
            cs = Interval(
                randomised.estimate,
                randomised.low,
                randomised.high,
                confidence,
                f"group-time ATT (Callaway & Sant'Anna), {label} controls, cohort-size weights; "
                f"randomisation inference over {randomised.n_assignments} assignments of the "
                "start periods to the units",
            )
            if cs.low <= -1.0 and cs.high >= 1.0:
                notes.append("the group-time interval spans every possible effect (-1 to 1)")
        else:
            notes.append(f"no valid interval for the group-time estimate: {reason}")

    pre_summary = analytic_summary(pre, key, confidence)
    pre_trend = None
    pre_se = math.nan
    pre_p = None
    if pre_summary is None or randomised is None:
        notes.append("no periods before the start to compare: pre-trend check not possible")
    else:
        pre_se = pre_summary[1]
        pre_p = randomised.pre_p_value if math.isfinite(randomised.pre_p_value) else None
        if randomised.pre_reason is None:
            pre_trend = Interval(
                randomised.pre_estimate,
                randomised.pre_low,
                randomised.pre_high,
                confidence,
                "mean of pre-period placebo group-time estimates, randomisation inference",
            )
        else:
            notes.append(f"no valid interval for the pre-trend check: {randomised.pre_reason}")
        if pre_p is not None and pre_p <= 1.0 - confidence:
            notes.append(
                "the placebo estimates before the start differ from zero: the trends were not "
                "parallel beforehand, so both estimates are doubtful"
            )

    if U < FEW_UNITS:
        notes.append(
            f"only {U} units: the cluster-robust sensitivity intervals rest on few clusters "
            "and are rough"
        )
    if len(cohort_starts) == 1:
        notes.append(
            "all treated units start in the same period: a plain difference-in-differences"
        )
    if twfe is not None and summary is not None and abs(twfe.estimate - summary[0]) > cs_se:
        notes.append(
            "the two-way fixed effects and group-time estimates differ by more than one standard "
            "error: the effect probably varies between cohorts or over time; prefer the "
            "group-time estimate"
        )

    group_time = tuple(
        GroupTimeEffect(
            cohort=periods[c.cohort],
            period=periods[c.period],
            base=periods[c.base],
            estimate=c.estimate,
            se=c.se,
            n_treated_units=len(c.treated_units),
            n_control_units=len(c.control_units),
            pre=c.pre,
        )
        for c in sorted(pre + post, key=lambda c: (c.cohort, c.period))
    )
    return DidResult(
        twfe=twfe,
        twfe_se=float(se_twfe),
        cs=cs,
        cs_se=float(cs_se),
        n_units=U,
        n_periods=T,
        n_cases=n_cases,
        cohorts=cohorts,
        never_treated=tuple(units[u] for u in never if not started_late[u]),
        control="never treated" if control == "never" else "not yet treated",
        pre_trend=pre_trend,
        pre_trend_se=float(pre_se),
        group_time=group_time,
        notes=tuple(notes),
        cs_estimate=None if summary is None else float(summary[0]),
        cs_p_value=None if randomised is None else randomised.p_value,
        no_interval_reason=None if cs is not None else reason,
        cs_analytic=cs_analytic,
        pre_trend_p_value=pre_p,
        n_assignments=0 if randomised is None else randomised.n_assignments,
    )
