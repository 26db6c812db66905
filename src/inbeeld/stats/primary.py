"""The primary analysis of an intervention and its verdict (issue 12 item 7).

Each intervention's primary analysis is fixed in the pilot design before the data are looked at
(Intervention.primary_*): one outcome, one comparison (the estimand), one horizon and the minimal
important difference (MID). It is computed first and read as one verdict; every other analysis is
a sensitivity analysis. Pure: counts, intervals and tables in, frozen results out.

Outcomes:
- ``complaint_within``: a complaint within the horizon after the index date;
- ``cooperation_within``: any cooperation (complaint, melding/verklaring, RC hearing) within it;
- ``retained_after_complaint``: for an intervention that acts only after the complaint: no
  withdrawal from the process within the horizon after the complaint, among cases with a
  complaint. Its intention-to-treat exposure is the deployment on the complaint date (the moment
  the intervention can act), not on the index date.

Comparisons (estimands):
- ``itt_concurrent``: intention to treat with concurrent controls, the risk difference with
  Newcombe's interval (cases of units with the intervention versus the other units' cases in the
  deployment window, complete follow-up only);
- ``staggered_att``: the group-time average effect on the treated of the staggered rollout
  (Callaway & Sant'Anna, stats.did), with the few-cluster interval stats.did publishes (``cs``),
  or none when it says no valid interval exists.

The verdict reads the 95 % interval [low, high] of the difference (treated minus control, in
proportions; positive is more of the outcome) against the MID m > 0, the interval taken as closed
(a bound equal to a value means that value is not excluded):

    no valid interval (or too few cases)   -> NOT_YET_POSSIBLE, with a reason code
    low > 0 and high >= m                  -> POSITIVE            (an important effect possible)
    low > 0 and high < m                   -> POSITIVE_SMALL      (smaller than the MID)
    low <= 0 <= high, -m < low, high < m   -> NO_IMPORTANT_EFFECT (inside +-MID)
    low <= 0 <= high, low <= -m, high < m  -> NO_IMPORTANT_BENEFIT (harm not excluded)
    low <= 0 <= high, high >= m            -> INCONCLUSIVE        (0 and the MID both fit)
    high < 0 and low > -m                  -> NEGATIVE_SMALL
    high < 0 and low <= -m                 -> NEGATIVE
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from inbeeld.stats import assurance, proportions
from inbeeld.stats import vocabulary as ev
from inbeeld.stats.exceptions import NotEstimable, StatsError, StatsInputError
from inbeeld.stats.outcomes import first_dates
from inbeeld.stats.results import Interval
from inbeeld.stats.tables import FORMS, EvaluationTables

COMPLAINT_WITHIN = "complaint_within"
COOPERATION_WITHIN = "cooperation_within"
RETAINED_AFTER_COMPLAINT = "retained_after_complaint"
OUTCOMES = (COMPLAINT_WITHIN, COOPERATION_WITHIN, RETAINED_AFTER_COMPLAINT)
# Outcomes measured from the index date: the ones an intervention acting after the complaint can
# never be judged on (the complaint had already happened when it acted).
BEFORE_COMPLAINT_OUTCOMES = (COMPLAINT_WITHIN, COOPERATION_WITHIN)

ITT_CONCURRENT = "itt_concurrent"
STAGGERED_ATT = "staggered_att"
COMPARISONS = (ITT_CONCURRENT, STAGGERED_ATT)

MIN_HORIZON_DAYS, MAX_HORIZON_DAYS = 30, 730

# Reason codes when no verdict is possible (the presenter says them in Dutch).
NO_DEPLOYMENTS = "no_deployments"
NO_EXPOSED = "no_exposed"
NO_UNEXPOSED = "no_unexposed"
TOO_FEW = "too_few"
NOT_ESTIMABLE = "not_estimable"
STAGGERED_NOT_ESTIMABLE = "staggered_not_estimable"
INVALID_DESIGN = "invalid_design"
# stats.did's own reason codes are passed through as they are.


class Verdict(StrEnum):
    NOT_YET_POSSIBLE = "not_yet_possible"
    POSITIVE = "positive"
    POSITIVE_SMALL = "positive_small"
    NO_IMPORTANT_EFFECT = "no_important_effect"
    NO_IMPORTANT_BENEFIT = "no_important_benefit"
    INCONCLUSIVE = "inconclusive"
    NEGATIVE_SMALL = "negative_small"
    NEGATIVE = "negative"


@dataclass(frozen=True)
class PrimaryDesign:
    """The pre-specified primary analysis of one intervention (pilot design data)."""

    outcome: str = COMPLAINT_WITHIN
    comparison: str = ITT_CONCURRENT
    horizon_days: int = 180


def design_problems(design: PrimaryDesign, *, after_complaint: bool) -> list[str]:
    """Codes of what is wrong with ``design`` for an intervention that acts (or not) only after
    the complaint; empty when it is valid. The pilot model turns them into Dutch messages."""
    problems = []
    if design.outcome not in OUTCOMES:
        problems.append("unknown_outcome")
    if design.comparison not in COMPARISONS:
        problems.append("unknown_comparison")
    if not MIN_HORIZON_DAYS <= design.horizon_days <= MAX_HORIZON_DAYS:
        problems.append("horizon_out_of_range")
    if after_complaint and design.outcome in BEFORE_COMPLAINT_OUTCOMES:
        # it can never change whether a complaint was filed: only complainants can be reached
        problems.append("after_complaint_needs_retention")
    if not after_complaint and design.outcome == RETAINED_AFTER_COMPLAINT:
        # an earlier intervention changes who files a complaint, so comparing complainants
        # compares different people (selection after treatment)
        problems.append("retention_needs_after_complaint")
    if design.comparison == STAGGERED_ATT and design.outcome == RETAINED_AFTER_COMPLAINT:
        problems.append("staggered_needs_index_outcome")
    return problems


def verdict(interval: Interval | None, mid: float) -> Verdict:
    """The verdict category of a 95 % interval of the difference against the MID (see the module
    docstring for the table). ``mid`` is a proportion (0.10 = 10 percentage points), > 0."""
    if not (isinstance(mid, int | float) and math.isfinite(mid) and mid > 0):
        raise StatsInputError(f"the minimal important difference must be > 0, got {mid!r}")
    if interval is None or not all(math.isfinite(v) for v in (interval.low, interval.high)):
        return Verdict.NOT_YET_POSSIBLE
    low, high = interval.low, interval.high
    if low > high:
        raise StatsInputError(f"interval bounds in the wrong order: {low} > {high}")
    if low > 0:
        return Verdict.POSITIVE if high >= mid else Verdict.POSITIVE_SMALL
    if high < 0:
        return Verdict.NEGATIVE if low <= -mid else Verdict.NEGATIVE_SMALL
    if high >= mid:
        return Verdict.INCONCLUSIVE
    return Verdict.NO_IMPORTANT_EFFECT if low > -mid else Verdict.NO_IMPORTANT_BENEFIT


@dataclass(frozen=True)
class PrimaryResult:
    """The primary analysis of one intervention: its design, the estimate with its interval (or
    the reason there is none) and the verdict."""

    outcome: str
    comparison: str
    horizon_days: int
    mid: float
    after_complaint: bool
    verdict: Verdict
    estimate: float | None = None
    interval: Interval | None = None
    reason: str | None = None  # code, set when verdict is NOT_YET_POSSIBLE
    # the 2x2 table of an intention-to-treat comparison (0 for the staggered comparison)
    n1: int = 0
    x1: int = 0
    n0: int = 0
    x0: int = 0
    planning: assurance.Planning | None = None  # cases per group for the MID (ITT only)


def invalid_design(design: PrimaryDesign, *, mid: float, after_complaint: bool) -> PrimaryResult:
    """No verdict for a design that does not fit the intervention (design_problems)."""
    return PrimaryResult(
        outcome=design.outcome,
        comparison=design.comparison,
        horizon_days=design.horizon_days,
        mid=mid,
        after_complaint=after_complaint,
        verdict=Verdict.NOT_YET_POSSIBLE,
        reason=INVALID_DESIGN,
    )


def from_counts(
    design: PrimaryDesign,
    *,
    mid: float,
    after_complaint: bool,
    x1: int,
    n1: int,
    x0: int,
    n0: int,
    reason: str | None = None,
) -> PrimaryResult:
    """The intention-to-treat primary analysis from its 2x2 table: Newcombe's interval of the
    risk difference, no verdict while either group is empty or small (fewer than 30 cases or 5
    cases with the outcome: the 'indicative' rule of ADR 0006)."""
    base = {
        "outcome": design.outcome,
        "comparison": design.comparison,
        "horizon_days": design.horizon_days,
        "mid": mid,
        "after_complaint": after_complaint,
        "n1": n1,
        "x1": x1,
        "n0": n0,
        "x0": x0,
    }
    if reason is None and n1 == 0:
        reason = NO_EXPOSED
    elif reason is None and n0 == 0:
        reason = NO_UNEXPOSED
    planning = None
    if n1 and n0:
        try:
            planning = assurance.planning_summary(x0, n0, n1, mid)
        except (StatsError, ValueError, ZeroDivisionError, FloatingPointError):
            planning = None
    if reason is not None:
        return PrimaryResult(**base, verdict=Verdict.NOT_YET_POSSIBLE, reason=reason)
    try:
        interval = proportions.risk_difference(x1, n1, x0, n0)
    except (NotEstimable, StatsError, ValueError, ZeroDivisionError, FloatingPointError):
        return PrimaryResult(
            **base, verdict=Verdict.NOT_YET_POSSIBLE, reason=NOT_ESTIMABLE, planning=planning
        )
    if proportions.is_indicative(n1, n0, x1, x0):
        return PrimaryResult(
            **base,
            verdict=Verdict.NOT_YET_POSSIBLE,
            reason=TOO_FEW,
            estimate=interval.estimate,
            planning=planning,
        )
    return PrimaryResult(
        **base,
        verdict=verdict(interval, mid),
        estimate=interval.estimate,
        interval=interval,
        planning=planning,
    )


def from_did(design: PrimaryDesign, *, mid: float, did_result, note: str = "") -> PrimaryResult:
    """The staggered primary analysis from a stats.did.DidResult: its published few-cluster
    interval ``cs`` (None when stats.did found no valid interval; then its
    ``no_interval_reason`` code is the reason) and ``cs_estimate``. Two-way fixed effects and the
    analytic interval are never read here: they are sensitivity analyses."""
    base = {
        "outcome": design.outcome,
        "comparison": design.comparison,
        "horizon_days": design.horizon_days,
        "mid": mid,
        "after_complaint": False,
    }
    if did_result is None:
        reason = NO_DEPLOYMENTS if note == "no deployments" else STAGGERED_NOT_ESTIMABLE
        return PrimaryResult(**base, verdict=Verdict.NOT_YET_POSSIBLE, reason=reason)
    interval = getattr(did_result, "cs", None)
    estimate = getattr(did_result, "cs_estimate", None)
    if estimate is None and interval is not None:
        estimate = interval.estimate
    if interval is None or not interval.is_finite() or interval.width <= 0:
        # a zero-width "95 %" interval is no interval (one treated and one control unit)
        reason = getattr(did_result, "no_interval_reason", None) or STAGGERED_NOT_ESTIMABLE
        return PrimaryResult(
            **base, verdict=Verdict.NOT_YET_POSSIBLE, reason=reason, estimate=estimate
        )
    return PrimaryResult(
        **base, verdict=verdict(interval, mid), estimate=estimate, interval=interval
    )


def retention_rows(
    tables: EvaluationTables, outcomes: pl.DataFrame, code: str, horizon_days: int
) -> pl.DataFrame:
    """Cases with a complaint, for an intervention ``code`` that acts after the complaint: per
    case its covariates, ``complaint_filed``, ``itt`` (a deployment of ``code`` for the case's unit
    on the complaint date), ``delivered`` (a delivery of ``code`` recorded as delivered),
    ``complete_followup`` (complaint + horizon on or before the cut-off) and
    ``retained_after_complaint`` (no withdrawal from the process within the horizon after the
    complaint)."""
    withdrawals = first_dates(tables).select("case_id", ev.WITHDRAWAL_FROM_PROCESS)
    rows = (
        outcomes.filter(pl.col(ev.COMPLAINT_FILED).is_not_null())
        .select(
            "case_id",
            "police_unit",
            "minor",
            *(f"form_{form}" for form in FORMS),
            ev.COMPLAINT_FILED,
        )
        .join(withdrawals, on="case_id", how="left")
    )
    deployed = tables.deployments.filter(pl.col("intervention") == code)
    # The exposure rule of stats.vocabulary, applied to the complaint date instead of the index date.
    active = (
        rows.select("case_id", "police_unit", ev.COMPLAINT_FILED)
        .join(deployed, on="police_unit", how="inner")
        .filter(ev.deployment_active_expr(ev.COMPLAINT_FILED))
        .select("case_id")
        .unique()
        .with_columns(pl.lit(True).alias("itt"))
    )
    delivered = (
        tables.deliveries.filter(pl.col("delivered") & (pl.col("intervention") == code))
        .select("case_id")
        .unique()
        .with_columns(pl.lit(True).alias("delivered"))
    )
    withdrawal, complaint = pl.col(ev.WITHDRAWAL_FROM_PROCESS), pl.col(ev.COMPLAINT_FILED)
    dropped = (
        withdrawal.is_not_null()
        & (withdrawal >= complaint)
        & ((withdrawal - complaint).dt.total_days() <= horizon_days)
    )
    return (
        rows.join(active, on="case_id", how="left")
        .join(delivered, on="case_id", how="left")
        .with_columns(
            pl.col("itt").fill_null(False),
            pl.col("delivered").fill_null(False),
            complete_followup=complaint + pl.duration(days=horizon_days) <= pl.lit(tables.cutoff),
            retained_after_complaint=~dropped,
        )
        .drop(ev.WITHDRAWAL_FROM_PROCESS)
    )
