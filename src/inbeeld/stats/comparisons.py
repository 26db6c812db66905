"""Two-group comparisons of the evaluation: one binary outcome (shares, risk difference and ratio,
Fisher, the Bayesian probability of a positive difference, the Firth-adjusted odds ratio, the
precision and the planning for the MID) and time to complaint with competing events (cumulative
incidence per group and its difference; cause-specific log-rank and Cox). Pure; split out of
stats.evaluation, which re-exports these names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from inbeeld.stats import assurance, power, proportions, regression, survival
from inbeeld.stats.competing import aalen_johansen, cif_difference
from inbeeld.stats.exceptions import NotEstimable, StatsError
from inbeeld.stats.outcomes import DEFAULT_HORIZON_DAYS
from inbeeld.stats.results import Interval, TestResult
from inbeeld.stats.tables import FORMS

TARGET_POWER = 0.8
ALPHA = 0.05
# When the observed difference is (nearly) zero, precision is planned for this difference.
STATED_DIFFERENCE = 0.10


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
