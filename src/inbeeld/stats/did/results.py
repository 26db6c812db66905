"""Frozen results of the staggered difference-in-differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inbeeld.stats.results import Interval


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
