"""The evaluation: per intervention, what the data say about willingness to report and time to
complaint, how sure that is, and how many more cases would settle it; plus lead times per chain
stage and the bottleneck per unit. Pure: tables in (stats.tables), a frozen Evaluation out.

Comparisons per intervention (DESIGN §6):
- intention to treat (ITT): cases whose unit had the intervention deployed on their index date
  versus the other cases in the intervention's deployment window (concurrent controls from units
  without it);
- as delivered: among the ITT cases, those the intervention reached (a Delivery recorded as
  delivered) versus those it did not. For interventions that act at or after the first police
  contact, only cases with police contact count (the others could not have been reached).
Binary outcomes use the cases with complete follow-up; survival uses every case in the window.
An intervention that acts only after the complaint is never compared on the complaint: its
comparisons are on staying in the process after the complaint (stats.primary.retention_rows), and
it has no time-to-complaint, cooperation or staggered comparison.
Per intervention also the times the victim told the story (outcome, ITT) and the safety facts
(description only; stats.safety). Each intervention's pre-specified
primary analysis (stats.primary) is computed first, at its own horizon; the rest are sensitivity
analyses at the horizon asked for.
The share with a complaint over time is the cumulative incidence (Aalen–Johansen, stats.competing)
with withdrawal and closure without a complaint as competing events; the log-rank test and the Cox
hazard ratio are cause-specific (competing events censored).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from inbeeld.stats import assurance
from inbeeld.stats import did as did_module
from inbeeld.stats import primary as primary_module
from inbeeld.stats import safety as safety_module
from inbeeld.stats import vocabulary as ev
from inbeeld.stats.comparisons import (  # noqa: F401 (re-exported: the evaluation's result types)
    ALPHA,
    STATED_DIFFERENCE,
    TARGET_POWER,
    GroupComparison,
    SurvivalComparison,
    _precision,
    _safe,
    _share,
    _survival,
    compare,
)
from inbeeld.stats.exceptions import StatsError
from inbeeld.stats.lead_times import StageLeadTime, UnitBottleneck
from inbeeld.stats.lead_times import lead_times as compute_lead_times
from inbeeld.stats.outcomes import (
    DEFAULT_HORIZON_DAYS,
    case_outcomes,
    exposures,
)
from inbeeld.stats.results import Interval
from inbeeld.stats.tables import EvaluationTables

DID_PERIOD_MONTHS = 6


@dataclass(frozen=True)
class InterventionSpec:
    code: str
    label: str
    requires_police_contact: bool = True
    phase_target: int | None = None  # victims the current phase aims for
    # The intervention acts only after the complaint (e.g. at the RC hearing): it is never compared
    # on the complaint (only victims who already filed one can be reached); its comparisons are on
    # staying in the process after the complaint.
    after_complaint: bool = False
    # The minimal important difference the pilot wants to be able to show (pilot design data);
    # the cases still needed are planned for it (stats.assurance), not for the observed one.
    min_important_difference: float = assurance.DEFAULT_MID
    # The pre-specified primary analysis: outcome, comparison (estimand) and horizon.
    primary: primary_module.PrimaryDesign = field(default_factory=primary_module.PrimaryDesign)


@dataclass(frozen=True)
class InterventionEvaluation:
    spec: InterventionSpec
    window_start: dt.date | None
    window_end: dt.date | None
    itt: GroupComparison
    delivered: GroupComparison
    # None for an intervention acting after the complaint (no comparison on the complaint)
    cooperation_itt: GroupComparison | None
    survival_itt: SurvivalComparison | None
    survival_delivered: SurvivalComparison | None
    staggered: object | None  # did.DidResult
    staggered_note: str = ""
    primary: primary_module.PrimaryResult | None = None  # the pre-specified primary analysis
    # Times the story was told (outcome) and the safety facts (description), on the ITT cases
    # with complete follow-up (stats.safety, ADR 0006 decision 9).
    safety: safety_module.SafetyComparison | None = None


@dataclass(frozen=True)
class Evaluation:
    cutoff: dt.date
    horizon_days: int
    n_cases: int
    n_complete_followup: int
    complaint_within: Interval | None
    cooperation_within: Interval | None
    dropout_after_complaint: Interval | None
    lead_times: tuple[StageLeadTime, ...]
    end_to_end: StageLeadTime
    bottleneck: str | None
    bottlenecks_by_unit: tuple[UnitBottleneck, ...]
    interventions: tuple[InterventionEvaluation, ...] = field(default_factory=tuple)


def _window(tables: EvaluationTables, code: str) -> tuple[dt.date | None, dt.date | None]:
    rows = tables.deployments.filter(pl.col("intervention") == code)
    if rows.is_empty():
        return None, None
    start = rows.get_column("start").min()
    ends = rows.get_column("end")
    end = tables.cutoff if ends.null_count() else min(ends.max(), tables.cutoff)
    return start, end


def _period(day: pl.Expr) -> pl.Expr:
    """Half-years as consecutive integers (2021 H1 = 4042, 2021 H2 = 4043, ...)."""
    return day.dt.year().cast(pl.Int32) * 2 + (day.dt.month() > DID_PERIOD_MONTHS).cast(pl.Int32)


def period_of(day: dt.date) -> int:
    """The half-year containing ``day``, numbered as ``_period`` does."""
    return day.year * 2 + (day.month > DID_PERIOD_MONTHS)


def first_treated_period(start: dt.date) -> int:
    """The first half-year that begins on or after ``start`` (ADR 0006, decision 5): a start on
    1 January or 1 July treats that half-year; any later start treats the next one."""
    if (start.month, start.day) == (1, 1):
        return start.year * 2
    if (start.month, start.day) <= (DID_PERIOD_MONTHS + 1, 1):
        return start.year * 2 + 1
    return (start.year + 1) * 2


def _staggered(
    tables: EvaluationTables,
    frame: pl.DataFrame,
    code: str,
    start,
    end,
    outcome: str = "complaint_within",
):
    """Difference in differences across units and half-years (staggered adoption).

    A unit counts as treated from the first half-year that begins on or after its first
    deployment start (``first_treated_period``); when the start falls part-way through a
    half-year, that half-year is a transition: its cases are neither control nor treated and are
    left out (the unit's comparisons use the half-year before it as base). The comparison runs from two years before the first start up to the last
    half-year before any unit's deployment ends (so no unit switches off), on cases with complete
    follow-up. Units without a deployment are the never-treated comparison."""
    if start is None:
        return None, "no deployments"
    spans = (
        tables.deployments.filter(pl.col("intervention") == code)
        .group_by("police_unit")
        .agg(
            pl.col("start").min().alias("first_start"),
            pl.col("end").max().alias("last_end"),
            pl.col("end").is_null().any().alias("open_end"),
        )
    )
    ends = spans.filter(~pl.col("open_end")).get_column("last_end")
    until = min(end, ends.min()) if ends.len() else end
    first = dt.date(start.year - 2, 1, 1)
    adoption = pl.DataFrame(
        [
            (unit, period_of(day), first_treated_period(day))
            for unit, day in spans.select("police_unit", "first_start").iter_rows()
        ],
        schema={
            "police_unit": spans.schema["police_unit"],
            "start_period": pl.Int32,
            "first_period": pl.Int32,
        },
        orient="row",
    )
    rows = (
        frame.filter(
            pl.col("complete_followup")
            & (pl.col("index_date") >= first)
            & (pl.col("index_date") <= until)
        )
        .with_columns(_period(pl.col("index_date")).alias("period"))
        .join(adoption, on="police_unit", how="left")
        .with_columns(
            treated=(
                pl.col("first_period").is_not_null() & (pl.col("period") >= pl.col("first_period"))
            ).cast(pl.Int8),
            transition=(
                pl.col("first_period").is_not_null()
                & (pl.col("period") >= pl.col("start_period"))
                & (pl.col("period") < pl.col("first_period"))
            ).cast(pl.Int8),
            outcome=pl.col(outcome).cast(pl.Int8),
        )
    )
    if rows.is_empty() or rows.get_column("treated").sum() == 0:
        return None, "no treated cases with complete follow-up"
    try:
        result = did_module.staggered_did(
            rows.select("police_unit", "period", "treated", "outcome", "transition"),
            unit="police_unit",
            period="period",
            treated="treated",
            outcome="outcome",
            transition="transition",
            # the design's start per unit, not the first half-year that happens to have cases
            adoption=dict(adoption.select("police_unit", "first_period").iter_rows()),
        )
    except (StatsError, ValueError, np.linalg.LinAlgError) as exc:
        return None, str(exc)
    return result, ""


def _in_window(frame: pl.DataFrame, day: str, start, end) -> pl.DataFrame:
    if start is None:
        return frame.filter(pl.col("delivered"))
    return frame.filter((pl.col(day) >= start) & (pl.col(day) <= end))


def _exposed_frame(outcomes: pl.DataFrame, exposure_rows: pl.DataFrame, code: str):
    exposed = exposure_rows.filter(pl.col("intervention") == code).select(
        "case_id", "itt", "delivered"
    )
    return outcomes.join(exposed, on="case_id", how="left").with_columns(
        pl.col("itt").fill_null(False), pl.col("delivered").fill_null(False)
    )


def _after_complaint(
    tables: EvaluationTables, outcomes: pl.DataFrame, spec: InterventionSpec, horizon_days: int
) -> InterventionEvaluation:
    """An intervention acting after the complaint, compared on staying in the process after the
    complaint among complainants (exposure on the complaint date); nothing on the complaint."""
    start, end = _window(tables, spec.code)
    rows = primary_module.retention_rows(tables, outcomes, spec.code, horizon_days)
    followed = _in_window(rows, ev.COMPLAINT_FILED, start, end).filter(pl.col("complete_followup"))
    retained = primary_module.RETAINED_AFTER_COMPLAINT
    return InterventionEvaluation(
        spec=spec,
        window_start=start,
        window_end=end,
        itt=compare(followed, exposure="itt", outcome=retained, mid=spec.min_important_difference),
        delivered=compare(followed.filter(pl.col("itt")), exposure="delivered", outcome=retained),
        cooperation_itt=None,
        survival_itt=None,
        survival_delivered=None,
        staggered=None,
        staggered_note="after complaint",
        safety=safety_module.compare_safety(
            followed, tables.safety, anchor=ev.COMPLAINT_FILED, horizon_days=horizon_days
        ),
    )


def _primary(
    tables: EvaluationTables,
    spec: InterventionSpec,
    item: InterventionEvaluation,
    outcomes: pl.DataFrame,
    exposure_rows: pl.DataFrame,
    *,
    horizon_days: int,
) -> primary_module.PrimaryResult:
    """The pre-specified primary analysis at its own horizon (``outcomes`` are at that horizon;
    ``item`` is the evaluation at ``horizon_days``, reused when the two agree)."""
    design, mid = spec.primary, spec.min_important_difference
    start, end = item.window_start, item.window_end
    if primary_module.design_problems(design, after_complaint=spec.after_complaint):
        # the admin and the pilot.json sync refuse such a design; data written around them
        # gives no verdict rather than a wrong one (or an error)
        return primary_module.invalid_design(design, mid=mid, after_complaint=spec.after_complaint)
    if design.comparison == primary_module.STAGGERED_ATT:
        if design.horizon_days == horizon_days and design.outcome == "complaint_within":
            did_result, note = item.staggered, item.staggered_note
        else:
            frame = _exposed_frame(outcomes, exposure_rows, spec.code)
            did_result, note = _staggered(
                tables, frame, spec.code, start, end, outcome=design.outcome
            )
        return primary_module.from_did(design, mid=mid, did_result=did_result, note=note)
    if spec.after_complaint:
        rows = primary_module.retention_rows(tables, outcomes, spec.code, design.horizon_days)
        followed = _in_window(rows, ev.COMPLAINT_FILED, start, end)
    else:
        frame = _exposed_frame(outcomes, exposure_rows, spec.code)
        followed = _in_window(frame, "index_date", start, end)
    followed = followed.filter(pl.col("complete_followup"))
    y = followed.get_column(design.outcome).to_numpy().astype(bool)
    e = followed.get_column("itt").to_numpy().astype(bool)
    return primary_module.from_counts(
        design,
        mid=mid,
        after_complaint=spec.after_complaint,
        x1=int(y[e].sum()),
        n1=int(e.sum()),
        x0=int(y[~e].sum()),
        n0=int((~e).sum()),
        reason=primary_module.NO_DEPLOYMENTS if start is None else None,
    )


def evaluate_intervention(
    tables: EvaluationTables,
    outcomes: pl.DataFrame,
    exposure_rows: pl.DataFrame,
    spec: InterventionSpec,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    outcomes_at=None,
) -> InterventionEvaluation:
    """The intervention's primary analysis and its sensitivity analyses. ``outcomes_at(h)`` gives
    the case outcomes at horizon h (for a primary analysis with another horizon than
    ``horizon_days``); by default they are computed from ``tables``."""
    if spec.after_complaint:
        item = _after_complaint(tables, outcomes, spec, horizon_days)
    else:
        item = _before_complaint(tables, outcomes, exposure_rows, spec, horizon_days)
    h = spec.primary.horizon_days
    if h == horizon_days:
        primary_outcomes = outcomes
    elif outcomes_at is not None:
        primary_outcomes = outcomes_at(h)
    else:
        primary_outcomes = case_outcomes(tables, horizon_days=h)
    primary = _primary(
        tables, spec, item, primary_outcomes, exposure_rows, horizon_days=horizon_days
    )
    return dataclasses.replace(item, primary=primary)


def _before_complaint(
    tables: EvaluationTables,
    outcomes: pl.DataFrame,
    exposure_rows: pl.DataFrame,
    spec: InterventionSpec,
    horizon_days: int,
) -> InterventionEvaluation:
    start, end = _window(tables, spec.code)
    frame = _exposed_frame(outcomes, exposure_rows, spec.code)
    in_window = _in_window(frame, "index_date", start, end)
    followed = in_window.filter(pl.col("complete_followup"))
    offered = in_window.filter(pl.col("itt"))
    if spec.requires_police_contact:
        offered = offered.filter(pl.col("contact_complaint_days").is_not_null())
    offered_followed = offered.filter(pl.col("complete_followup"))
    staggered, staggered_note = _staggered(tables, frame, spec.code, start, end)
    return InterventionEvaluation(
        spec=spec,
        window_start=start,
        window_end=end,
        itt=compare(
            followed,
            exposure="itt",
            outcome="complaint_within",
            mid=spec.min_important_difference,
        ),
        delivered=compare(offered_followed, exposure="delivered", outcome="complaint_within"),
        cooperation_itt=compare(
            followed, exposure="itt", outcome="cooperation_within", adjust=False
        ),
        survival_itt=_survival(in_window, "itt", horizon_days),
        survival_delivered=_survival(offered, "delivered", horizon_days),
        staggered=staggered,
        staggered_note=staggered_note,
        safety=safety_module.compare_safety(
            followed, tables.safety, anchor="index_date", horizon_days=horizon_days
        ),
    )


def evaluate(
    tables: EvaluationTables,
    interventions: list[InterventionSpec] | tuple[InterventionSpec, ...],
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Evaluation:
    """The whole evaluation. BLAS runs single-threaded here: the fits are many small matrix
    products, which multi-threaded OpenBLAS slows down (threads waiting on each other, badly so on
    a busy machine); the numbers are the same."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _evaluate(tables, interventions, horizon_days=horizon_days)


def _evaluate(
    tables: EvaluationTables,
    interventions: list[InterventionSpec] | tuple[InterventionSpec, ...],
    *,
    horizon_days: int,
) -> Evaluation:
    interventions = tuple(interventions)
    outcomes = case_outcomes(tables, horizon_days=horizon_days)
    workers = min(len(interventions) + 1, os.cpu_count() or 1)
    if workers <= 1:
        lead, exposure_rows, evaluated = _side_by_side(
            None, tables, outcomes, interventions, horizon_days
        )
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="evaluation") as pool:
            lead, exposure_rows, evaluated = _side_by_side(
                pool, tables, outcomes, interventions, horizon_days
            )
    followed = outcomes.filter(pl.col("complete_followup"))
    complainants = outcomes.filter(pl.col(ev.COMPLAINT_FILED).is_not_null())
    return Evaluation(
        cutoff=tables.cutoff,
        horizon_days=horizon_days,
        n_cases=outcomes.height,
        n_complete_followup=followed.height,
        complaint_within=_share(
            int(followed.get_column("complaint_within").sum()), followed.height
        ),
        cooperation_within=_share(
            int(followed.get_column("cooperation_within").sum()), followed.height
        ),
        dropout_after_complaint=_share(
            int(complainants.get_column("dropout_after_complaint").sum()), complainants.height
        ),
        lead_times=lead.stages,
        end_to_end=lead.end_to_end,
        bottleneck=lead.bottleneck,
        bottlenecks_by_unit=lead.by_unit,
        interventions=evaluated,
    )


class _Horizons:
    """The case outcomes at each horizon a primary analysis asks for, computed once however
    many interventions ask (each horizon's table is computed by the first to ask, or in
    advance by the pool; the others wait for it)."""

    def __init__(self, tables: EvaluationTables, outcomes: pl.DataFrame, horizon_days: int):
        self.tables = tables
        self.ready: dict[int, Future] = {horizon_days: _done(outcomes)}
        self.lock = threading.Lock()

    def start(self, pool: ThreadPoolExecutor, h: int) -> None:
        with self.lock:
            if h not in self.ready:
                self.ready[h] = pool.submit(case_outcomes, self.tables, horizon_days=h)

    def __call__(self, h: int) -> pl.DataFrame:
        with self.lock:
            future = self.ready.get(h)
            mine = future is None
            if mine:
                future = self.ready[h] = Future()
        if mine:
            try:
                future.set_result(case_outcomes(self.tables, horizon_days=h))
            except BaseException as error:
                future.set_exception(error)
        return future.result()


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


def _side_by_side(pool, tables, outcomes, interventions: tuple, horizon_days: int) -> tuple:
    """The lead times, the exposures and the interventions' results (in their order), computed
    side by side on the machine's cores: the lead times and the outcomes at the primary
    analyses' other horizons start in the pool while this thread builds the exposures; then
    the interventions, each independent of the others. The time goes to polars and numpy,
    which release the GIL. Without a pool (one core): one after the other, the same results."""
    horizons = _Horizons(tables, outcomes, horizon_days)

    def evaluate_one(spec: InterventionSpec) -> InterventionEvaluation:
        return evaluate_intervention(
            tables,
            outcomes,
            exposure_rows,
            spec,
            horizon_days=horizon_days,
            outcomes_at=horizons,
        )

    if pool is None:
        exposure_rows = exposures(tables, outcomes)
        evaluated = tuple(evaluate_one(spec) for spec in interventions)
        return compute_lead_times(outcomes), exposure_rows, evaluated
    lead = pool.submit(compute_lead_times, outcomes)
    for spec in interventions:
        horizons.start(pool, spec.primary.horizon_days)
    exposure_rows = exposures(tables, outcomes)
    evaluated = tuple(pool.map(evaluate_one, interventions))
    return lead.result(), exposure_rows, evaluated
