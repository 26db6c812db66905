"""Lead times per chain stage and the bottleneck, overall and per unit. Pure: the per-case
outcome table of stats.outcomes in, frozen summaries out."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from inbeeld.stats import survival
from inbeeld.stats.outcomes import END_TO_END, STAGES, Stage


@dataclass(frozen=True)
class StageLeadTime:
    stage: str
    summary: object  # survival.LeadTimeSummary


@dataclass(frozen=True)
class UnitBottleneck:
    police_unit: str
    stage: str | None
    median_days: float | None
    stages: tuple[StageLeadTime, ...] = ()


def lead_time(frame: pl.DataFrame, stage: Stage) -> StageLeadTime:
    rows = frame.filter(pl.col(f"{stage.code}_days").is_not_null())
    summary = survival.lead_time_summary(
        rows.get_column(f"{stage.code}_days").to_numpy().astype(float),
        rows.get_column(f"{stage.code}_observed").to_numpy().astype(bool),
    )
    return StageLeadTime(stage.code, summary)


def bottleneck(lead_times: tuple[StageLeadTime, ...]) -> tuple[str | None, float | None]:
    """The stage with the longest median lead time (the step where cases wait longest); stages
    whose median is not reached (too few cases completed it) are skipped."""
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
