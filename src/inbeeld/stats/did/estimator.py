"""The estimator: staggered_did. See docs/methods/did.md."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import polars as pl

from inbeeld.stats.did.cells import _cells, _Panel, _panel
from inbeeld.stats.did.group_time import _cohort_keys, _Comparison, _group_time
from inbeeld.stats.did.results import Cohort, DidResult, GroupTimeEffect
from inbeeld.stats.did_inference import (
    analytic_summary,
    randomisation_inference,
    twfe_estimate,
)
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.results import Interval

FEW_UNITS = 10  # fewer clusters than this: cluster-robust intervals are rough


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
    _check_options(control, weighting, confidence)
    panel = _panel(_cells(cases_df, unit, period, treated, outcome, transition), treated)
    units, periods = panel.units, panel.periods
    U, T = panel.N.shape
    notes: list[str] = []
    never = np.flatnonzero(~panel.ever)
    if panel.started_late.any():
        notes.append(
            "unit(s) "
            + ", ".join(str(units[u]) for u in np.flatnonzero(panel.started_late))
            + ": the intervention started in the last period(s) of the data; not yet treated "
            "there, so a control up to the start, the transition cases left out"
        )
    cohort_starts = sorted({int(g) for g in panel.start[panel.ever]})
    cohorts = tuple(
        Cohort(start=periods[g], units=tuple(units[u] for u in np.flatnonzero(panel.start == g)))
        for g in cohort_starts
    )

    # (a) two-way fixed effects
    twfe, twfe_se = _twfe(panel, confidence, notes)

    # (b) group-time effects
    always = np.flatnonzero(panel.until == 0)
    control = _choose_control(control, never, always, notes)
    post, pre = _comparisons(panel, control, weighting, notes)
    key = _cohort_keys(panel.start, panel.until, T)
    label = "never treated" if control == "never" else "not yet treated"
    summary, cs_analytic, randomised = _aggregate(
        panel, post, key, control, weighting, confidence, adoption, label
    )
    if twfe is None and summary is None:
        raise NotEstimable(
            "no comparison possible: every treated unit lacks an untreated comparison or a "
            "period before its start"
        )
    cs, reason = _published_interval(randomised, confidence, label, notes)
    pre_trend, pre_se, pre_p = _pre_trend(pre, key, randomised, confidence, notes)
    cs_se = math.nan if summary is None else summary[1]
    _design_notes(U, cohort_starts, twfe, summary, cs_se, notes)
    return DidResult(
        twfe=twfe,
        twfe_se=twfe_se,
        cs=cs,
        cs_se=float(cs_se),
        n_units=U,
        n_periods=T,
        n_cases=int(panel.N.sum()),
        cohorts=cohorts,
        never_treated=tuple(units[u] for u in never if not panel.started_late[u]),
        control=label,
        pre_trend=pre_trend,
        pre_trend_se=float(pre_se),
        group_time=_group_time_effects(pre, post, periods),
        notes=tuple(notes),
        cs_estimate=None if summary is None else float(summary[0]),
        cs_p_value=None if randomised is None else randomised.p_value,
        no_interval_reason=None if cs is not None else reason,
        cs_analytic=cs_analytic,
        pre_trend_p_value=pre_p,
        n_assignments=0 if randomised is None else randomised.n_assignments,
    )


# --- the steps of staggered_did ---------------------------------------------------------------


def _check_options(control: str, weighting: str, confidence: float) -> None:
    if control not in ("never", "notyet"):
        raise StatsInputError(f"control must be 'never' or 'notyet', not {control!r}")
    if weighting not in ("cases", "units"):
        raise StatsInputError(f"weighting must be 'cases' or 'units', not {weighting!r}")
    if not 0.0 < confidence < 1.0:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")


def _twfe(panel: _Panel, confidence: float, notes: list[str]) -> tuple[Interval | None, float]:
    """(a) Two-way fixed effects, a sensitivity analysis; None when not identifiable."""
    beta, se_twfe, lo, hi, note = twfe_estimate(panel.N, panel.S, panel.D, confidence)
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
    return twfe, float(se_twfe)


def _choose_control(control: str, never: np.ndarray, always: np.ndarray, notes: list[str]) -> str:
    """The control group actually used: not-yet-treated units when there are no never-treated."""
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
    return control


def _comparisons(
    panel: _Panel, control: str, weighting: str, notes: list[str]
) -> tuple[list[_Comparison], list[_Comparison]]:
    """The post and pre (placebo) 2x2 comparisons, with notes on what was left out."""
    post, pre, skipped_empty, without_controls = _group_time(
        panel.N, panel.S, panel.start, panel.until, control, weighting
    )
    for g in without_controls:
        notes.append(
            f"cohort starting in {panel.periods[g]}: no untreated comparison units in its periods, "
            "left out of the group-time estimate"
        )
    if skipped_empty:
        notes.append("some cohort-period comparisons had no cases and were skipped")
    return post, pre


def _aggregate(panel, post, key, control, weighting, confidence, adoption, label):
    """The group-time aggregate: its analytic summary (None without any comparison), the
    analytic sensitivity interval and the randomisation inference."""
    summary = analytic_summary(post, key, confidence)
    if summary is None:
        return None, None, None
    theta, cs_se, cs_lo, cs_hi, _ = summary
    cs_analytic = Interval(
        theta,
        cs_lo,
        cs_hi,
        confidence,
        f"SENSITIVITY: group-time ATT (Callaway & Sant'Anna), {label} controls, "
        "linearised cluster-robust SE by unit, t(G-1)",
    )
    ri_start, ri_until = _design_patterns(
        adoption, panel.units, panel.periods, panel.start, panel.until, panel.R
    )
    N_all, S_all = panel.N_all, panel.S_all
    randomised = randomisation_inference(
        N_all,
        np.divide(S_all, N_all, out=np.zeros_like(S_all), where=N_all > 0),
        ri_start,
        ri_until,
        control=control,
        weighting=weighting,
        confidence=confidence,
        transition=panel.R,
        # a 0/1 outcome: the effect on the probability lies in [-1, 1]
        bounds=(-1.0, 1.0) if panel.binary else None,
    )
    return summary, cs_analytic, randomised


def _published_interval(randomised, confidence: float, label: str, notes: list[str]):
    """The published interval of the aggregate (randomisation inference), or None and the key of
    NO_INTERVAL_REASONS that says why."""
    cs = None
    reason: str | None = "no_estimate"
    if randomised is None:
        notes.append("group-time estimate not possible: no cohort with controls and a pre-period")
        return cs, reason
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
    return cs, reason


def _pre_trend(pre, key, randomised, confidence: float, notes: list[str]):
    """The pre-trend check: the mean placebo estimate with its randomisation interval, its
    analytic standard error and its p-value."""
    pre_summary = analytic_summary(pre, key, confidence)
    if pre_summary is None or randomised is None:
        notes.append("no periods before the start to compare: pre-trend check not possible")
        return None, math.nan, None
    pre_trend = None
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
    return pre_trend, pre_se, pre_p


def _design_notes(U, cohort_starts, twfe, summary, cs_se, notes: list[str]) -> None:
    """Warnings about the design as a whole: few units, one cohort, TWFE and group-time apart."""
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


def _group_time_effects(pre, post, periods) -> tuple[GroupTimeEffect, ...]:
    return tuple(
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
