"""The measures of DESIGN §6, in one place, per case.

- Index date: the first police contact, else the case's intake date (stats.vocabulary).
- Willingness to report: a complaint (``complaint_filed``) within ``horizon`` days of the index
  date (default 180). Only cases followed up for the whole horizon (index date + horizon on or
  before the data cut-off) get a yes/no; the others are left out of the proportion (they are in the
  survival analysis, censored).
- Any cooperation: a complaint, other cooperation (melding/verklaring) or a statement at the RC
  hearing within the horizon.
- Time to complaint: days from the index date to the first complaint; censored at a withdrawal
  from the process or at the data cut-off, whichever comes first (``complaint_days``,
  ``complaint_observed``; kept for the record, no longer published).
- Time to complaint with competing events (``complaint_event_days``, ``complaint_event``): how
  the case's time to complaint ended: 1 a complaint (on or before any withdrawal or closure),
  2 a competing event — withdrawal from the process or closure of the case without a complaint
  before it, whichever came first: after it no complaint in this process can follow — and 0
  censored at the data cut-off. The share with a complaint by day t is the cumulative incidence
  of event 1 (Aalen–Johansen, stats/competing.py); the Kaplan–Meier/log-rank/Cox analyses of
  event 1 with 2 and 0 censored are cause-specific (the rate of complaints among cases still in
  the process), never read as a share.
- Dropout after the complaint: of the cases with a complaint, those with a later withdrawal.
- Lead times with competing events (``<stage>_event_days``, ``<stage>_event``, issue 12 item 3):
  per chain stage between the first occurrences of consecutive milestones (first police contact →
  complaint → prosecution decision → trial → verdict) and end to end (contact → verdict). A case
  is in a stage when it reached the start milestone on or before its first withdrawal or closure
  (a milestone after the case left the process is not a step of this process). It then ends in 1
  the next milestone, on or after the start and on or before any withdrawal or closure; 2 a
  terminal event first — the first withdrawal or closure, after which the step cannot follow in
  this process (competing); or 0 censored at the data cut-off (the only censoring). The share
  that reaches the next step is the cumulative incidence of event 1 and "how long the step takes
  when it happens" its conditional distribution (stats/lead_times.py).
- Lead times as first defined (``<stage>_days``, ``<stage>_observed``; kept for the record, no
  longer published): a case that reached the first milestone but not the next is censored at its
  closure, its withdrawal or the cut-off. Kaplan–Meier on these columns estimates the step's time
  in a world without closures: its median is longer than the time the step takes when it
  happens (1.1–2× in simulation).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from inbeeld.stats import vocabulary as v
from inbeeld.stats.tables import FORMS, EvaluationTables
from inbeeld.stats.vocabulary import COOPERATION_EVENTS, ENDING_EVENTS, MILESTONES

# MILESTONES, COOPERATION_EVENTS and ENDING_EVENTS are defined in stats.vocabulary (and still
# importable from here).
DEFAULT_HORIZON_DAYS = 180
# ``complaint_event`` codes (as lifelines' AalenJohansenFitter reads them).
CENSORED_EVENT, COMPLAINT_EVENT, COMPETING_EVENT = 0, 1, 2
# ``<stage>_event`` codes: the next milestone reached, or a withdrawal/closure first.
REACHED_EVENT, TERMINAL_EVENT = 1, 2

FIRST_DATE_EVENTS = (
    *(code for code, _ in MILESTONES),
    v.OTHER_COOPERATION,
    v.RC_HEARING,
    *ENDING_EVENTS,
)


@dataclass(frozen=True)
class Stage:
    code: str  # e.g. "contact_complaint"
    start: str  # milestone name, e.g. "contact"
    end: str


STAGES = tuple(
    Stage(f"{a}_{b}", a, b) for (_, a), (_, b) in zip(MILESTONES[:-1], MILESTONES[1:], strict=True)
)
# From the first milestone to the last: "contact_verdict".
END_TO_END = Stage(f"{STAGES[0].start}_{STAGES[-1].end}", STAGES[0].start, STAGES[-1].end)


def first_dates(tables: EvaluationTables) -> pl.DataFrame:
    """Per case the first date of each event of FIRST_DATE_EVENTS (null when it never happened),
    in columns named after the event code.

    Computed once per set of tables: the outcomes at every horizon and every retention analysis
    read it (at 1,000,000 cases six times 0.17 s). Kept in the instance's own dictionary, as
    functools.cached_property does on a frozen dataclass; the tables never change."""
    cached = tables.__dict__.get("_first_dates")
    if cached is not None:
        return cached
    wanted = tables.events.filter(pl.col("event").is_in(FIRST_DATE_EVENTS))
    # One group-by per case with a filtered minimum per event: the same table as grouping by
    # case and event and pivoting, about twice as fast on millions of events.
    dates = wanted.group_by("case_id").agg(
        pl.col("date").filter(pl.col("event") == code).min().alias(code)
        for code in FIRST_DATE_EVENTS
    )
    tables.__dict__["_first_dates"] = dates
    return dates


def _days(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days()


def case_outcomes(
    tables: EvaluationTables, *, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> pl.DataFrame:
    """One row per case: its covariates, index date, the outcomes above and, per lead-time stage,
    ``<stage>_days`` (duration or censoring time, null when the start milestone was not reached)
    and ``<stage>_observed`` (the first definition), and ``<stage>_event_days`` with
    ``<stage>_event`` (0 censored at the cut-off, 1 next milestone, 2 withdrawal or closure first;
    null when the case is not in the stage)."""
    cutoff = tables.cutoff
    dates = first_dates(tables)
    frame = tables.cases.join(dates, on="case_id", how="left").with_columns(
        v.index_date_expr(v.FIRST_POLICE_CONTACT, "intake_date")
    )
    milestone = {name: pl.col(code) for code, name in MILESTONES}
    complaint = pl.col(v.COMPLAINT_FILED)
    withdrawal = pl.col(v.WITHDRAWAL_FROM_PROCESS)
    cooperation = pl.min_horizontal(*(pl.col(code) for code in COOPERATION_EVENTS))
    followed_until = pl.min_horizontal(withdrawal, pl.lit(cutoff))
    ended = pl.min_horizontal(*(pl.col(code) for code in ENDING_EVENTS), pl.lit(cutoff))
    complaint_days = _days(complaint, pl.col("index_date")).clip(lower_bound=0)
    complaint_seen = complaint.is_not_null() & (withdrawal.is_null() | (complaint <= withdrawal))
    # Competing events: the first withdrawal or closure (null when neither happened).
    left = pl.min_horizontal(*(pl.col(code) for code in ENDING_EVENTS))
    complaint_first = complaint.is_not_null() & (left.is_null() | (complaint <= left))
    frame = frame.with_columns(
        complete_followup=(pl.col("index_date") + pl.duration(days=horizon_days) <= pl.lit(cutoff)),
        complaint_within=complaint.is_not_null() & (complaint_days <= horizon_days),
        cooperation_within=cooperation.is_not_null()
        & (_days(cooperation, pl.col("index_date")).clip(lower_bound=0) <= horizon_days),
        complaint_observed=complaint_seen,
        complaint_days=pl.when(complaint_seen)
        .then(complaint_days)
        .otherwise(_days(followed_until, pl.col("index_date")).clip(lower_bound=0)),
        complaint_event=pl.when(complaint_first)
        .then(pl.lit(COMPLAINT_EVENT))
        .when(left.is_not_null())
        .then(pl.lit(COMPETING_EVENT))
        .otherwise(pl.lit(CENSORED_EVENT))
        .cast(pl.Int8),
        complaint_event_days=_days(
            pl.when(complaint_first).then(complaint).otherwise(pl.coalesce(left, pl.lit(cutoff))),
            pl.col("index_date"),
        ).clip(lower_bound=0),
        dropout_after_complaint=complaint.is_not_null()
        & withdrawal.is_not_null()
        & (withdrawal >= complaint),
    )
    stage_columns = []
    for stage in (*STAGES, END_TO_END):
        start, end = milestone[stage.start], milestone[stage.end]
        observed = start.is_not_null() & end.is_not_null() & (end >= start)
        reached = (
            start.is_not_null()
            & end.is_not_null()
            & (end >= start)
            & (left.is_null() | (end <= left))
        )
        in_stage = start.is_not_null() & (left.is_null() | (start <= left))
        stage_columns += [
            pl.when(start.is_null())
            .then(None)
            .when(observed)
            .then(_days(end, start))
            .otherwise(_days(ended, start).clip(lower_bound=0))
            .alias(f"{stage.code}_days"),
            observed.alias(f"{stage.code}_observed"),
            pl.when(~in_stage)
            .then(None)
            .otherwise(
                _days(
                    pl.when(reached).then(end).otherwise(pl.coalesce(left, pl.lit(cutoff))), start
                )
            )
            .alias(f"{stage.code}_event_days"),
            pl.when(~in_stage)
            .then(None)
            .when(reached)
            .then(pl.lit(REACHED_EVENT))
            .when(left.is_not_null())
            .then(pl.lit(TERMINAL_EVENT))
            .otherwise(pl.lit(CENSORED_EVENT))
            .cast(pl.Int8)
            .alias(f"{stage.code}_event"),
        ]
    frame = frame.with_columns(stage_columns)
    return frame.select(
        "case_id",
        "police_unit",
        "minor",
        *(f"form_{form}" for form in FORMS),
        "intake_date",
        "index_date",
        "complete_followup",
        "complaint_within",
        "cooperation_within",
        "complaint_observed",
        "complaint_days",
        "complaint_event",
        "complaint_event_days",
        "dropout_after_complaint",
        v.COMPLAINT_FILED,
        *(
            c
            for stage in (*STAGES, END_TO_END)
            for c in (
                f"{stage.code}_days",
                f"{stage.code}_observed",
                f"{stage.code}_event_days",
                f"{stage.code}_event",
            )
        ),
    )


def exposures(tables: EvaluationTables, outcomes: pl.DataFrame) -> pl.DataFrame:
    """Per case and intervention: ``itt`` (an active deployment for the case's unit on its index
    date: intention to treat, vocabulary.deployment_active_expr) and ``delivered`` (a Delivery recorded as delivered). Columns:
    case_id, intervention, itt, delivered — one row per case × intervention of the deployments."""
    interventions = (
        tables.deployments.select("intervention")
        .vstack(tables.deliveries.select("intervention"))
        .unique()
        .sort("intervention")
    )
    base = outcomes.select("case_id", "police_unit", "index_date").join(interventions, how="cross")
    active = (
        base.join(tables.deployments, on=["intervention", "police_unit"], how="inner")
        .filter(v.deployment_active_expr("index_date", "start", "end"))
        .select("case_id", "intervention")
        .unique()
        .with_columns(pl.lit(True).alias("itt"))
    )
    delivered = (
        tables.deliveries.filter(pl.col("delivered"))
        .select("case_id", "intervention")
        .unique()
        .with_columns(pl.lit(True).alias("delivered"))
    )
    return (
        base.select("case_id", "intervention")
        .join(active, on=["case_id", "intervention"], how="left")
        .join(delivered, on=["case_id", "intervention"], how="left")
        .with_columns(pl.col("itt").fill_null(False), pl.col("delivered").fill_null(False))
    )
