"""Repeat victimisation: cumulative incidence within 5 and 7 years of the index date."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from inbeeld.stats import survival
from inbeeld.stats import vocabulary as ev
from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.monitor.tables import (
    AGE_GROUPS,
    DEFAULT_HORIZONS,
    POLICE_CONTACT_EVENT,
    REVICTIMISATION_EVENT,
    MonitorTables,
    horizon_days,
)
from inbeeld.stats.results import Interval

# --- repeat victimisation -------------------------------------------------------------------------


def repeat_durations(tables: MonitorTables) -> pl.DataFrame:
    """Per case followed up (index date on or before the cut-off): case_id, minor, index_date,
    ``days`` (to the first revictimisation on or after the index date, else to the cut-off) and
    ``observed`` (a revictimisation was recorded)."""
    events = tables.events
    contact = (
        events.filter(pl.col("event") == POLICE_CONTACT_EVENT)
        .group_by("case_id")
        .agg(pl.col("date").min().alias("contact"))
    )
    frame = (
        tables.cases.select("case_id", "minor", "intake_date")
        .join(contact, on="case_id", how="left")
        .with_columns(ev.index_date_expr("contact", "intake_date"))
        .filter(pl.col("index_date") <= tables.cutoff)
    )
    again = (
        events.filter(pl.col("event") == REVICTIMISATION_EVENT)
        .join(frame.select("case_id", "index_date"), on="case_id")
        .filter(pl.col("date") >= pl.col("index_date"))
        .group_by("case_id")
        .agg(pl.col("date").min().alias("revictimised"))
    )
    frame = frame.join(again, on="case_id", how="left")
    end = pl.coalesce("revictimised", pl.lit(tables.cutoff))
    return frame.select(
        "case_id",
        "minor",
        "index_date",
        (end - pl.col("index_date")).dt.total_days().alias("days"),
        pl.col("revictimised").is_not_null().alias("observed"),
    ).sort("case_id")


@dataclass(frozen=True)
class IncidenceAt:
    """The cumulative incidence within ``years`` (``days``): ``estimate`` (None with ``reason``
    when it cannot be estimated), ``at_risk`` (cases still followed, without revictimisation, at
    that time: duration >= days) and ``events`` (revictimisations within it)."""

    years: float
    days: int
    estimate: Interval | None
    at_risk: int
    events: int
    reason: str = ""


@dataclass(frozen=True)
class RepeatGroup:
    group: str  # "all", "minor" or "adult"
    n: int
    n_events: int
    horizons: tuple[IncidenceAt, ...]

    @property
    def n_censored(self) -> int:
        return self.n - self.n_events

    def at(self, years: float) -> IncidenceAt:
        for horizon in self.horizons:
            if horizon.years == years:
                return horizon
        raise StatsInputError(f"no horizon of {years} years")


@dataclass(frozen=True)
class RepeatVictimisation:
    groups: tuple[RepeatGroup, ...]  # all, minor, adult
    n_excluded: int  # cases whose index date lies after the cut-off (no follow-up)
    cutoff: dt.date
    confidence: float
    method: str

    @property
    def overall(self) -> RepeatGroup:
        return self.groups[0]

    def group(self, name: str) -> RepeatGroup:
        for group in self.groups:
            if group.group == name:
                return group
        raise StatsInputError(f"no group {name!r}; groups: all, {', '.join(AGE_GROUPS)}")


def _incidence(
    days: np.ndarray, observed: np.ndarray, years: float, confidence: float
) -> IncidenceAt:
    t = horizon_days(years)
    at_risk = int(np.count_nonzero(days >= t))
    events = int(np.count_nonzero(observed & (days <= t)))
    if days.size == 0:
        return IncidenceAt(years, t, None, 0, 0, "no cases")
    try:
        interval = survival.cumulative_incidence_at(days, observed, t, confidence)
    except NotEstimable as exc:
        return IncidenceAt(years, t, None, at_risk, events, str(exc))
    return IncidenceAt(years, t, interval, at_risk, events)


def repeat_victimisation(
    tables: MonitorTables,
    *,
    horizons: Sequence[float] = DEFAULT_HORIZONS,
    confidence: float = 0.95,
) -> RepeatVictimisation:
    """Cumulative incidence of revictimisation within each horizon (years) of the index date,
    censored at the cut-off, overall and for minors and adults (see the module docstring)."""
    if not 0 < confidence < 1:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    for years in horizons:
        if not isinstance(years, int | float) or not math.isfinite(years) or years <= 0:
            raise StatsInputError(f"horizons must be positive numbers of years, got {years!r}")
    frame = repeat_durations(tables)
    days = frame.get_column("days").to_numpy().astype(np.float64)
    observed = frame.get_column("observed").to_numpy().astype(bool)
    minor = frame.get_column("minor").to_numpy().astype(bool)
    groups = []
    for name, mask in (
        ("all", np.ones(days.size, dtype=bool)),
        ("minor", minor),
        ("adult", ~minor),
    ):
        d, e = days[mask], observed[mask]
        groups.append(
            RepeatGroup(
                group=name,
                n=int(d.size),
                n_events=int(e.sum()),
                horizons=tuple(_incidence(d, e, years, confidence) for years in horizons),
            )
        )
    return RepeatVictimisation(
        groups=tuple(groups),
        n_excluded=tables.cases.height - frame.height,
        cutoff=tables.cutoff,
        confidence=confidence,
        method=(
            "1 - Kaplan-Meier from the index date (first police contact, else intake) to the "
            "first revictimisation, censored at the data cut-off; exponential Greenwood interval"
        ),
    )
