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
The share with a complaint over time is the cumulative incidence (Aalen–Johansen, stats.competing)
with withdrawal and closure without a complaint as competing events; the log-rank test and the Cox
hazard ratio are cause-specific (competing events censored).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from inbeeld.stats import assurance, power, proportions, regression, survival
from inbeeld.stats import did as did_module
from inbeeld.stats.competing import aalen_johansen, cif_difference
from inbeeld.stats.exceptions import NotEstimable, StatsError
from inbeeld.stats.lead_times import StageLeadTime, UnitBottleneck
from inbeeld.stats.lead_times import lead_times as compute_lead_times
from inbeeld.stats.outcomes import (
    DEFAULT_HORIZON_DAYS,
    case_outcomes,
    exposures,
)
from inbeeld.stats.results import Interval, TestResult
from inbeeld.stats.tables import FORMS, EvaluationTables

# Settled-question target for the "cases still needed" figure.
TARGET_POWER = 0.8
ALPHA = 0.05
# When the observed difference is (nearly) zero, precision is planned for this difference.
STATED_DIFFERENCE = 0.10
DID_PERIOD_MONTHS = 6


@dataclass(frozen=True)
class InterventionSpec:
    code: str
    label: str
    requires_police_contact: bool = True
    phase_target: int | None = None  # victims the current phase aims for
    # The intervention acts only after the complaint (e.g. at the RC hearing): its as-delivered
    # comparison on willingness to report is not meaningful (only victims who already filed a
    # complaint can be reached), so it is labelled so and never read as an effect.
    after_complaint: bool = False
    # The minimal important difference the pilot wants to be able to show (pilot design data);
    # the cases still needed are planned for it (stats.assurance), not for the observed one.
    min_important_difference: float = assurance.DEFAULT_MID


@dataclass(frozen=True)
class GroupComparison:
    """One binary outcome, exposed (1) versus unexposed (0)."""

    exposure: str  # "itt" or "delivered"
    outcome: str  # "complaint_within" or "cooperation_within"
    n1: int
    x1: int
    n0: int
    x0: int
    p1: Interval | None
    p0: Interval | None
    risk_difference: Interval | None
    risk_ratio: Interval | None
    fisher: object | None
    posterior_positive: float | None
    adjusted_odds_ratio: Interval | None
    adjusted_note: str
    indicative: bool
    precision: object | None
    planning: object | None = None  # assurance.Planning for the MID (ITT comparison only)


@dataclass(frozen=True)
class SurvivalComparison:
    exposure: str
    exposed: object | None  # competing.CumulativeIncidence of a complaint
    unexposed: object | None
    logrank: TestResult | None
    hazard_ratio: Interval | None
    median_exposed: float | None
    median_unexposed: float | None
    indicative: bool
    # Share with a complaint by the horizon (cumulative incidence) per group and their difference.
    horizon_days: int = DEFAULT_HORIZON_DAYS
    cif_exposed: Interval | None = None
    cif_unexposed: Interval | None = None
    cif_difference: Interval | None = None


@dataclass(frozen=True)
class InterventionEvaluation:
    spec: InterventionSpec
    window_start: dt.date | None
    window_end: dt.date | None
    itt: GroupComparison
    delivered: GroupComparison
    cooperation_itt: GroupComparison
    survival_itt: SurvivalComparison
    survival_delivered: SurvivalComparison
    staggered: object | None  # did.DidResult
    staggered_note: str = ""


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


def _share(successes: int, n: int) -> Interval | None:
    return proportions.wilson_interval(successes, n) if n else None


def _safe(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except (NotEstimable, StatsError, ZeroDivisionError, FloatingPointError, ValueError):
        return None


def _adjusted(rows: pl.DataFrame, exposure: str, outcome: str) -> tuple[Interval | None, str]:
    """Odds ratio of the exposure adjusted for exploitation form, minor and unit (Firth)."""
    try:
        y, X, names = regression.design_matrix(
            rows,
            outcome=outcome,
            exposure=exposure,
            categorical=["police_unit"],
            binary=["minor", *(f"form_{form}" for form in FORMS)],
        )
        # profile penalised-likelihood interval of the exposure, as logistf publishes it
        fit = regression.logistic_regression(y, X, names, firth=True, profile_ci=exposure)
    except (StatsError, ValueError, np.linalg.LinAlgError) as exc:
        return None, f"not estimable: {exc}"
    if exposure not in fit.names:
        return None, "exposure constant after adjustment"
    i = list(fit.names).index(exposure)
    interval = Interval(
        float(fit.odds_ratio[i]),
        float(fit.ci_low[i]),
        float(fit.ci_high[i]),
        method=f"{fit.method} logistic regression, adjusted for form, minor and unit, "
        f"{fit.ci_method[i]} interval",
    )
    note = "" if fit.converged else "did not converge"
    return interval, note


def _precision(x1: int, n1: int, x0: int, n0: int) -> object | None:
    if not (n1 and n0):
        return None
    p1, p0 = x1 / n1, x0 / n0
    if abs(p1 - p0) < 1e-9:
        p1 = min(1.0, p0 + STATED_DIFFERENCE)
    # x1, x0: the width is that of the data's own (Newcombe) interval, the one the pages show.
    return _safe(
        power.precision_summary,
        p0=p0,
        p1=p1,
        n1=n1,
        n0=n0,
        alpha=ALPHA,
        power=TARGET_POWER,
        x1=x1,
        x0=x0,
    )


def compare(
    rows: pl.DataFrame,
    *,
    exposure: str,
    outcome: str,
    adjust: bool = True,
    mid: float | None = None,
) -> GroupComparison:
    y = rows.get_column(outcome).to_numpy().astype(bool)
    e = rows.get_column(exposure).to_numpy().astype(bool)
    n1, n0 = int(e.sum()), int((~e).sum())
    x1, x0 = int(y[e].sum()), int(y[~e].sum())
    both = n1 > 0 and n0 > 0
    adjusted, note = (None, "")
    if both and adjust:
        adjusted, note = _adjusted(rows, exposure, outcome)
    return GroupComparison(
        exposure=exposure,
        outcome=outcome,
        n1=n1,
        x1=x1,
        n0=n0,
        x0=x0,
        p1=_share(x1, n1),
        p0=_share(x0, n0),
        risk_difference=_safe(proportions.risk_difference, x1, n1, x0, n0) if both else None,
        risk_ratio=_safe(proportions.risk_ratio, x1, n1, x0, n0) if both else None,
        fisher=_safe(proportions.fisher_exact, x1, n1, x0, n0) if both else None,
        posterior_positive=_safe(proportions.posterior_probability_positive, x1, n1, x0, n0)
        if both
        else None,
        adjusted_odds_ratio=adjusted,
        adjusted_note=note,
        indicative=proportions.is_indicative(n1, n0, x1, x0),
        precision=_precision(x1, n1, x0, n0) if both else None,
        planning=_safe(assurance.planning_summary, x0, n0, n1, mid, TARGET_POWER, ALPHA)
        if both and mid is not None
        else None,
    )


def _survival(
    rows: pl.DataFrame, exposure: str, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> SurvivalComparison:
    """Time to complaint with competing events: the curves are cumulative incidences (the share
    with a complaint by each day); log-rank and Cox are cause-specific (event 1, the rest
    censored), valid as a comparison of complaint rates among cases still in the process."""
    e = rows.get_column(exposure).to_numpy().astype(bool)
    t = rows.get_column("complaint_event_days").to_numpy().astype(float)
    kind = rows.get_column("complaint_event").to_numpy().astype(int)
    d = kind == 1
    if not e.any() or e.all():
        return SurvivalComparison(
            exposure, None, None, None, None, None, None, True, horizon_days=horizon_days
        )
    exposed = aalen_johansen(t[e], kind[e])
    unexposed = aalen_johansen(t[~e], kind[~e])
    logrank = _safe(survival.logrank_test, t[e], d[e], t[~e], d[~e])
    hazard = None
    cox = _safe(survival.cox_ph, t, d, e.astype(float)[:, None], [exposure])
    if cox is not None and cox.converged:
        hazard = Interval(
            float(cox.hazard_ratio[0]), float(cox.ci_low[0]), float(cox.ci_high[0]), method="Cox"
        )
    return SurvivalComparison(
        exposure=exposure,
        exposed=exposed,
        unexposed=unexposed,
        logrank=logrank,
        hazard_ratio=hazard,
        median_exposed=exposed.quantile(0.5),
        median_unexposed=unexposed.quantile(0.5),
        indicative=proportions.is_indicative(
            int(e.sum()), int((~e).sum()), int(d[e].sum()), int(d[~e].sum())
        ),
        horizon_days=horizon_days,
        cif_exposed=exposed.at(horizon_days),
        cif_unexposed=unexposed.at(horizon_days),
        cif_difference=cif_difference(exposed, unexposed, horizon_days),
    )


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


def _staggered(tables: EvaluationTables, frame: pl.DataFrame, code: str, start, end):
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
            outcome=pl.col("complaint_within").cast(pl.Int8),
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
        )
    except (StatsError, ValueError, np.linalg.LinAlgError) as exc:
        return None, str(exc)
    return result, ""


def evaluate_intervention(
    tables: EvaluationTables,
    outcomes: pl.DataFrame,
    exposure_rows: pl.DataFrame,
    spec: InterventionSpec,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> InterventionEvaluation:
    start, end = _window(tables, spec.code)
    exposed = exposure_rows.filter(pl.col("intervention") == spec.code).select(
        "case_id", "itt", "delivered"
    )
    frame = outcomes.join(exposed, on="case_id", how="left").with_columns(
        pl.col("itt").fill_null(False), pl.col("delivered").fill_null(False)
    )
    if start is not None:
        in_window = frame.filter((pl.col("index_date") >= start) & (pl.col("index_date") <= end))
    else:
        in_window = frame.filter(pl.col("delivered"))
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
    outcomes = case_outcomes(tables, horizon_days=horizon_days)
    exposure_rows = exposures(tables, outcomes)
    followed = outcomes.filter(pl.col("complete_followup"))
    complainants = outcomes.filter(pl.col("complaint_filed").is_not_null())
    lead = compute_lead_times(outcomes)
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
        interventions=tuple(
            evaluate_intervention(tables, outcomes, exposure_rows, spec, horizon_days=horizon_days)
            for spec in interventions
        ),
    )
