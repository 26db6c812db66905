"""Build the evaluation's input tables (stats.tables) from the database, within a scope.

Only what the statistics need leaves the database (analysis.builders): case ids (never codes),
units, dates, the minor flag, exploitation forms, the FIRST date of each relevant chain event per
case (effective events only: a corrected event is replaced by its correction), deliveries,
deployments and the safety facts (codes and dates, suspects.selectors.safety_fact_rows). The cases come from inbeeld.policy: ``evaluation_scope(user)`` (a researcher: only
cases with research consent, ADR 0004) or, without a user, ``research_scope()``. The data cut-off
is the last day with a recorded event in scope.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from inbeeld.analysis import builders
from inbeeld.analysis.builders import data_fingerprint
from inbeeld.cases import selectors as case_selectors
from inbeeld.stats.outcomes import FIRST_DATE_EVENTS
from inbeeld.stats.tables import FORMS, SCHEMAS, EvaluationTables
from inbeeld.suspects import selectors as suspect_selectors

__all__ = ["data_fingerprint", "evaluation_tables_for", "research_cases", "tables_for_cases"]


def research_cases():
    """The cases every researcher sees (policy.research_scope): the scope of a research release
    without a user."""
    return case_selectors.cases_in_research_scope()


def evaluation_tables_for(user, *, cutoff: dt.date | None = None) -> EvaluationTables:
    return tables_for_cases(case_selectors.cases_in_evaluation_scope(user), cutoff=cutoff)


def tables_for_cases(
    cases, *, cutoff: dt.date | None = None, with_safety: bool = True
) -> EvaluationTables:
    """The evaluation's tables of ``cases`` (already scoped by inbeeld.policy); without the
    safety facts (an empty table, one query less) for readers that do not use them."""
    tables, _extra, _events = tables_with_extra(cases, cutoff=cutoff, with_safety=with_safety)
    return tables


CASE_TABLE_COLUMNS = ("police_unit", "intake_date", "minor")


def tables_with_extra(
    cases,
    *,
    cutoff: dt.date | None = None,
    with_safety: bool = True,
    extra_columns: tuple[str, ...] = (),
    extra_forms: tuple[str, ...] = (),
    extra_events: tuple[str, ...] = (),
) -> tuple[EvaluationTables, pl.DataFrame, pl.DataFrame]:
    """``tables_for_cases`` plus, from the same queries (each query evaluates the scope again
    and reads its table once), a table of ``case_id``, ``extra_columns`` (names of
    builders.CASE_COLUMNS) and a flag per ``extra_forms`` code; and, when ``extra_events`` are
    asked, the effective events of FIRST_DATE_EVENTS and those codes up to the cut-off with
    their outcome (builders.standing_events; else an empty table)."""
    forms = tuple(dict.fromkeys((*FORMS, *extra_forms)))
    every_case = builders.case_table(
        cases, tuple(dict.fromkeys((*CASE_TABLE_COLUMNS, *extra_columns)))
    )
    every_case = builders.with_form_flags(every_case, builders.form_rows(cases, forms), forms)
    case_rows = every_case.select(
        "case_id", *CASE_TABLE_COLUMNS, *(f"form_{code}" for code in FORMS)
    )
    extra = every_case.select("case_id", *extra_columns, *(f"form_{code}" for code in extra_forms))
    events = builders.standing_events(
        cases,
        tuple(dict.fromkeys((*FIRST_DATE_EVENTS, *extra_events))),
        with_outcome=bool(extra_events),
    )
    if cutoff is None:
        cutoff = builders.data_cutoff(cases)
    events = events.filter(pl.col("date") <= cutoff)
    first_dates = builders.first_dates_of(events.filter(pl.col("event").is_in(FIRST_DATE_EVENTS)))
    safety_rows = (
        builders.query_frame(suspect_selectors.safety_fact_rows(cases), SCHEMAS["safety"])
        if with_safety
        else pl.DataFrame(schema=SCHEMAS["safety"])
    )
    tables = EvaluationTables.build(
        cases=case_rows,
        events=first_dates,
        deliveries=builders.delivery_table(cases),
        deployments=builders.deployment_table(),
        cutoff=cutoff,
        safety=safety_rows.filter(pl.col("date") <= cutoff),
    )
    return tables, extra, events if extra_events else events.clear()
