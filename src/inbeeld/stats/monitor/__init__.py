"""Monitor figures in the style of the National Rapporteur's victim monitor (Slachtoffermonitor
mensenhandel, DOMAIN §5). Pure: tables in, frozen results out.

Three kinds of figures, all on *registered* cases (registrations, not prevalence):

1. **Yearly counts** (``yearly_counts``): registered cases per intake year by exploitation form,
   minor or adult, nationality group and police unit, as a :class:`CountTable` (rows × years)
   whose ``counts`` go straight into ``stats.disclosure.protect_table``. Every year from the first
   to the last intake year is a column, also a year without cases (0).

   *Exploitation form*: a case with several forms counts **once in each of its forms**, so the
   form rows add up to more than the number of cases; the column totals of that table count
   case-forms. The separate ``total_cases`` line (``CountTable.cases_per_year``) counts each case
   once. The ``unknown`` row holds the cases recorded with form "unknown" and the cases with no
   form at all. The other breakdowns put every case in exactly one row, so their column totals
   are the cases per year.

2. **The chain funnel** (``chain_funnel``), per intake year and over all years:
   cases → first police contact → complaint → prosecution decision → summons → conviction, on the
   effective chain events (a corrected event is already replaced by its correction in the input).
   The counts are **nested**: a case counts at a stage when it reached that stage *or a later
   one* (``FunnelStage.reached``), so every count is at most the one before it and the share
   between consecutive stages lies in [0, 1]. The OM can prosecute without a complaint (trafficking
   is not a complaint offence), so "reached the complaint stage" is not "filed a complaint":
   ``FunnelStage.recorded`` is the number of cases with the stage's own event. *Summons* is a
   prosecution decision with outcome ``summons``; *conviction* a (first-instance) ``verdict``
   with outcome ``conviction`` — both need the events' ``outcome`` column and are None without
   it. Before the cases comes the signal stage when a signals table is given: the signals
   received that year and how many of them became a case (signals and cases are different
   populations — most cases do not start as a signal — so the stage stands beside the case
   funnel; its share is the conversion of signals into cases).

3. **Repeat victimisation** (``repeat_victimisation``): the cumulative incidence of a
   ``revictimisation`` event within 5 and within 7 years of the index date (the first police
   contact, else the intake date), as 1 − Kaplan–Meier with the exponential Greenwood interval
   (``stats.survival.cumulative_incidence_at``). Follow-up is censored at the data cut-off. Only
   revictimisation on or after the index date counts. A year is 365.25 days (5 years = 1,826
   days, 7 years = 2,557 days). When nobody is followed up that long the incidence is unknown:
   None with the reason. Also per minor/adult at intake.

``build_monitor`` bundles the three into a frozen :class:`MonitorReport`.

The package: ``tables`` (vocabulary and input tables), ``counts`` (1), ``funnel`` (2), ``repeat``
(3), ``report``; every public name is importable from ``inbeeld.stats.monitor``.
"""

from __future__ import annotations

from inbeeld.stats.monitor.counts import CountTable, yearly_counts
from inbeeld.stats.monitor.funnel import Funnel, FunnelStage, FunnelYear, SignalStage, chain_funnel
from inbeeld.stats.monitor.repeat import (
    IncidenceAt,
    RepeatGroup,
    RepeatVictimisation,
    repeat_durations,
    repeat_victimisation,
)
from inbeeld.stats.monitor.report import MonitorReport, build_monitor
from inbeeld.stats.monitor.tables import (
    BREAKDOWNS,
    FUNNEL_STAGES,
    MONITOR_FORMS,
    NATIONALITY_GROUPS,
    OPTIONAL_FORMS,
    PROSECUTION_EVENT,
    REVICTIMISATION_EVENT,
    VERDICT_EVENT,
    MonitorTables,
    horizon_days,
)

__all__ = [
    "BREAKDOWNS",
    "CountTable",
    "FUNNEL_STAGES",
    "Funnel",
    "FunnelStage",
    "FunnelYear",
    "IncidenceAt",
    "MONITOR_FORMS",
    "MonitorReport",
    "MonitorTables",
    "NATIONALITY_GROUPS",
    "OPTIONAL_FORMS",
    "PROSECUTION_EVENT",
    "REVICTIMISATION_EVENT",
    "RepeatGroup",
    "RepeatVictimisation",
    "SignalStage",
    "VERDICT_EVENT",
    "build_monitor",
    "chain_funnel",
    "horizon_days",
    "repeat_durations",
    "repeat_victimisation",
    "yearly_counts",
]
