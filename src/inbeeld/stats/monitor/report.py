"""Every monitor figure in one frozen :class:`MonitorReport` (:func:`build_monitor`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.monitor.counts import CountTable, yearly_counts
from inbeeld.stats.monitor.funnel import Funnel, chain_funnel
from inbeeld.stats.monitor.repeat import RepeatVictimisation, repeat_victimisation
from inbeeld.stats.monitor.tables import BREAKDOWNS, DEFAULT_HORIZONS, MonitorTables

# --- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorReport:
    cutoff: dt.date
    n_cases: int
    by_form: CountTable
    by_minor: CountTable
    by_nationality: CountTable
    by_police_unit: CountTable
    funnel: Funnel
    repeat_victimisation: RepeatVictimisation

    def counts(self, by: str) -> CountTable:
        if by not in BREAKDOWNS:
            raise StatsInputError(f"by must be one of {', '.join(BREAKDOWNS)}, got {by!r}")
        return getattr(self, f"by_{by}")


def build_monitor(
    tables: MonitorTables,
    *,
    horizons: Sequence[float] = DEFAULT_HORIZONS,
    confidence: float = 0.95,
) -> MonitorReport:
    """Every monitor figure of ``tables``."""
    if not isinstance(tables, MonitorTables):
        raise StatsInputError(f"build_monitor needs MonitorTables, got {type(tables).__name__}")
    return MonitorReport(
        cutoff=tables.cutoff,
        n_cases=tables.cases.height,
        by_form=yearly_counts(tables, "form"),
        by_minor=yearly_counts(tables, "minor"),
        by_nationality=yearly_counts(tables, "nationality"),
        by_police_unit=yearly_counts(tables, "police_unit"),
        funnel=chain_funnel(tables),
        repeat_victimisation=repeat_victimisation(tables, horizons=horizons, confidence=confidence),
    )
