"""Lead times per chain stage and the bottleneck, overall and per unit. Pure: the per-case
outcome table of stats.outcomes in, frozen summaries out.

Definition (issue 12 item 3, ADR 0006 item 1). A case is in a stage when it reached the stage's
start milestone (before leaving the process). It then ends in one of three ways
(``<stage>_event`` of stats.outcomes): 1 the next milestone, 2 a withdrawal or closure first — a
terminal event that competes with the step: after it the step cannot follow in this process — or 0
censored at the data cut-off, the only censoring. Two figures describe the stage:

* the **share that reaches the next step** by day 90, 180 and 365 and by the end of the
  follow-up: the cumulative incidence F1(t) of event 1 (Aalen–Johansen, stats/competing.py);
* **how long the step takes when it happens**: the quartiles and the 90th percentile of the
  conditional distribution G(t) = F1(t)/F1(τ), the time to the next milestone among the cases that
  reach it within the follow-up τ (the longest time a case in the stage was followed). The median
  has a test-based 95 % interval (competing.conditional_quantile).

Kaplan–Meier with closures censored, the first definition, estimated the step's time in a world
without closures: a median 1.1–2× the time the step takes when it happens. With fewer than
``MIN_REACHED`` cases that reached the next step the quantiles are not published ("nog niet te
bepalen"). The bottleneck is the stage with the longest conditional median.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from inbeeld.stats.competing import aalen_johansen, conditional_quantile
from inbeeld.stats.outcomes import END_TO_END, STAGES, Stage
from inbeeld.stats.results import Interval

# Below this many cases that reached the next step the conditional quantiles are not published:
# a median of fewer than ten times has an interval spanning nearly all of them.
MIN_REACHED = 10
SHARE_DAYS = (90, 180, 365)
REACHED, TERMINAL, CENSORED = 1, 2, 0


@dataclass(frozen=True)
class ShareByDay:
    """The share of the stage's cases that reached the next step within ``days`` days (None when
    nobody was followed that long)."""

    days: int
    share: Interval | None


@dataclass(frozen=True)
class LeadTimeEstimate:
    """One stage. ``n`` cases reached its start; ``n_reached`` the next milestone, ``n_terminal``
    were withdrawn or closed first, ``n_censored`` were still under way at the cut-off.
    ``share_reached`` is the cumulative incidence of the next milestone by ``followup_days``,
    ``shares`` by fixed days. ``q1``, ``median``, ``q3``, ``p90``: the conditional quantiles (how
    long the step takes when it happens), None when not determinable (``determinable`` False:
    fewer than MIN_REACHED cases reached the next step); ``median_low``/``median_high`` the
    interval of the median (None where the data do not bound it)."""

    n: int
    n_reached: int
    n_terminal: int
    n_censored: int
    followup_days: float | None
    share_reached: Interval | None
    shares: tuple[ShareByDay, ...]
    determinable: bool
    median: float | None
    q1: float | None
    q3: float | None
    p90: float | None
    median_low: float | None = None
    median_high: float | None = None
    confidence: float = 0.95

    @property
    def n_observed(self) -> int:
        """The cases that completed the step (the name the first definition used)."""
        return self.n_reached


def estimate_lead_time(days, events, *, confidence: float = 0.95) -> LeadTimeEstimate:
    """The stage's figures from per-case ``days`` and ``events`` (1 next milestone, 2 terminal
    event first, 0 censored at the cut-off)."""
    t = np.asarray(days, dtype=float)
    e = np.asarray(events, dtype=int)
    n = int(t.size)
    counts = {code: int((e == code).sum()) for code in (REACHED, TERMINAL, CENSORED)}
    if n == 0:
        return LeadTimeEstimate(0, 0, 0, 0, None, None, (), False, None, None, None, None)
    cif = aalen_johansen(t, e, event_of_interest=REACHED, confidence=confidence)
    followup = cif.last_time
    shares = tuple(ShareByDay(d, cif.at(d)) for d in SHARE_DAYS)
    determinable = counts[REACHED] >= MIN_REACHED
    quantiles = {}
    if determinable:
        quantiles = {
            q: conditional_quantile(cif, q, confidence=confidence) for q in (0.25, 0.5, 0.75, 0.9)
        }
    median = quantiles.get(0.5)
    return LeadTimeEstimate(
        n=n,
        n_reached=counts[REACHED],
        n_terminal=counts[TERMINAL],
        n_censored=counts[CENSORED],
        followup_days=followup,
        share_reached=cif.at(followup),
        shares=shares,
        determinable=determinable,
        median=median.estimate if median else None,
        q1=quantiles[0.25].estimate if determinable else None,
        q3=quantiles[0.75].estimate if determinable else None,
        p90=quantiles[0.9].estimate if determinable else None,
        median_low=median.low if median else None,
        median_high=median.high if median else None,
        confidence=confidence,
    )


@dataclass(frozen=True)
class StageLeadTime:
    stage: str
    summary: LeadTimeEstimate


@dataclass(frozen=True)
class UnitBottleneck:
    police_unit: str
    stage: str | None
    median_days: float | None
    stages: tuple[StageLeadTime, ...] = ()


def lead_time(frame: pl.DataFrame, stage: Stage) -> StageLeadTime:
    rows = frame.filter(pl.col(f"{stage.code}_event").is_not_null())
    summary = estimate_lead_time(
        rows.get_column(f"{stage.code}_event_days").to_numpy().astype(float),
        rows.get_column(f"{stage.code}_event").to_numpy().astype(int),
    )
    return StageLeadTime(stage.code, summary)


def bottleneck(lead_times: tuple[StageLeadTime, ...]) -> tuple[str | None, float | None]:
    """The stage with the longest conditional median (the step that takes longest when it
    happens); stages whose median is not determinable are skipped."""
    known = [(lt.summary.median, lt.stage) for lt in lead_times if lt.summary.median is not None]
    if not known:
        return None, None
    median, stage = max(known)
    return stage, median


def lead_times_by_unit(outcomes: pl.DataFrame) -> tuple[UnitBottleneck, ...]:
    result = []
    for unit in sorted(outcomes.get_column("police_unit").unique().to_list()):
        rows = outcomes.filter(pl.col("police_unit") == unit)
        stages = tuple(lead_time(rows, stage) for stage in STAGES)
        stage, median = bottleneck(stages)
        result.append(UnitBottleneck(unit, stage, median, stages))
    return tuple(result)


@dataclass(frozen=True)
class LeadTimes:
    stages: tuple[StageLeadTime, ...]
    end_to_end: StageLeadTime
    bottleneck: str | None
    by_unit: tuple[UnitBottleneck, ...]


def lead_times(outcomes: pl.DataFrame) -> LeadTimes:
    """Every stage, end to end, the bottleneck and the bottleneck per unit."""
    stages = tuple(lead_time(outcomes, stage) for stage in STAGES)
    return LeadTimes(
        stages=stages,
        end_to_end=lead_time(outcomes, END_TO_END),
        bottleneck=bottleneck(stages)[0],
        by_unit=lead_times_by_unit(outcomes),
    )
