"""Build the monitor's input tables (stats.monitor.MonitorTables) from the database, within a
user's scope.

On top of the evaluation's tables (analysis.tables.tables_for_cases: case ids, units, dates, minor
flag, forms, the first date of each chain event) the monitor needs

- the nationality group and the forms 'organ_removal' and 'unknown' of each case;
- the *outcome* of the prosecution decisions (summons or dismissal) and of the first-instance
  verdicts (conviction, acquittal, discharge), and every revictimisation date — all from the
  effective events only (a corrected event is replaced by its correction);
- the signals the user may count (policy: SIGNAL_FUNNEL), by local date of receipt.

All in a constant number of queries, whatever the number of cases; every table comes from the
builders of analysis.builders.

Scope and consent (ADR 0004): the cases are ``case_selectors.cases_in_monitor_scope(user)``: the user's visible
cases and, for a researcher, only those whose current research consent covers the monitor
(consent is given either for "the evaluation" or for "the evaluation and the monitor",
ConsentRecord.Scope); a consented case without any consent record (its scope unknown) is left out.
The rule applies to every user with a researcher membership: a user who is also, say, a police
officer then loses those cases in their unit's monitor too (the safe side). Without a user (the
national report) the cases are ``case_selectors.cases_in_research_scope(monitor=True)``. A signal whose case lies
outside the tables counts as converted, but its case id is not passed on (``case_id`` null,
``converted`` true): no id of an out-of-scope case reaches the tables.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import QuerySet

from inbeeld import policy
from inbeeld.analysis import builders
from inbeeld.analysis.tables import tables_with_extra
from inbeeld.cases import selectors as case_selectors
from inbeeld.cases.models import Case
from inbeeld.intake import selectors as signal_selectors
from inbeeld.stats.monitor import (
    OPTIONAL_FORMS,
    PROSECUTION_EVENT,
    REVICTIMISATION_EVENT,
    VERDICT_EVENT,
    MonitorTables,
)

OUTCOME_EVENTS = (PROSECUTION_EVENT, VERDICT_EVENT)


def monitor_cases_for(user) -> QuerySet[Case]:
    """The cases ``user`` may count in the monitor (policy.monitor_scope)."""
    return case_selectors.cases_in_monitor_scope(user)


def monitor_tables_for(user, *, cutoff: dt.date | None = None) -> MonitorTables:
    """The monitor's tables within ``user``'s scope; the cut-off (default: the last effective
    event in scope, as for the evaluation) bounds events and signals alike."""
    return monitor_tables_of_scope(policy.research_scope(user, monitor=True), cutoff=cutoff)


def monitor_tables_of_scope(
    scope: policy.ResearchScope, *, cutoff: dt.date | None = None
) -> MonitorTables:
    """The monitor's tables of a research scope (policy.research_scope with ``monitor``), rebuilt
    from the scope alone (the worker's stored monitor, jobs.results). The signals are those the
    scope may count, received up to the cut-off (local dates); none when it may count none."""
    signals = signal_selectors.signals_of_research_scope(scope)

    def signals_of(day: dt.date, visible: pl.Series) -> pl.DataFrame | None:
        return None if signals is None else builders.signal_table(signals, day, visible)

    return monitor_tables_for_cases(
        case_selectors.cases_of_research_scope(scope), cutoff=cutoff, signals_of=signals_of
    )


def research_monitor_tables(*, cutoff: dt.date | None = None) -> MonitorTables:
    """The national monitor's tables without a user (case_selectors.cases_in_research_scope(monitor=True))."""
    return monitor_tables_for_cases(
        case_selectors.cases_in_research_scope(monitor=True), cutoff=cutoff
    )


def monitor_tables_for_cases(
    cases: QuerySet[Case], *, cutoff: dt.date | None = None, signals_of=None
) -> MonitorTables:
    """The monitor's tables of ``cases`` (already scoped); ``signals_of(cutoff, case_ids)``, when
    given, returns the signals table (or None)."""
    # The monitor counts no safety facts (only the evaluation does). Its nationality, optional
    # forms and outcome events come with the evaluation's queries (one scope evaluation and one
    # read of each table).
    evaluation, extra, events = tables_with_extra(
        cases,
        cutoff=cutoff,
        with_safety=False,
        extra_columns=("nationality_group",),
        extra_forms=OPTIONAL_FORMS,
        extra_events=(*OUTCOME_EVENTS, REVICTIMISATION_EVENT),
    )
    cutoff = evaluation.cutoff
    # Outcome events: the first date of each (case, event, outcome); revictimisation: every date.
    outcome_rows = builders.first_dates_of(
        events.filter(pl.col("event").is_in(OUTCOME_EVENTS)), by_outcome=True
    )
    again_rows = builders.every_event_of(
        events.filter(pl.col("event") == REVICTIMISATION_EVENT), distinct=True
    )
    outcomes = pl.concat([outcome_rows, again_rows]).with_columns(
        pl.when(pl.col("outcome") == "").then(None).otherwise(pl.col("outcome")).alias("outcome")
    )
    # The evaluation's events of these codes are replaced, so every code is there (even when
    # no row of it is in scope).
    signals = (
        signals_of(cutoff, evaluation.cases.get_column("case_id"))
        if signals_of is not None
        else None
    )
    return MonitorTables.from_evaluation(
        evaluation,
        extra,
        outcomes=outcomes,
        replace=(*OUTCOME_EVENTS, REVICTIMISATION_EVENT),
        signals=signals,
    )
