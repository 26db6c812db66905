"""The simulation harness (stats.simulation, stats.simulation_coverage): the simulated tables are
valid evaluation input, the generator's truths are right (large samples converge to them, checked
with statsmodels and lifelines as oracles), replications are reproducible for any number of
processes, and a deliberately wrong interval is caught as under-covering."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm
from lifelines import AalenJohansenFitter
from scipy import stats as sps

from inbeeld.stats import proportions
from inbeeld.stats.evaluation import InterventionSpec, evaluate_intervention, first_treated_period
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.outcomes import case_outcomes, exposures
from inbeeld.stats.results import Interval
from inbeeld.stats.simulation import (
    COVARIATES,
    INTERVENTION,
    did_truth,
    model_coefficients,
    simulate,
    staggered_design,
    standard_designs,
    two_group_design,
)
from inbeeld.stats.simulation_coverage import interval_record, run, summarise
from inbeeld.stats.tables import EvaluationTables


def _rng(seed: int = 1) -> np.random.Generator:
    return np.random.default_rng(seed)


def _case_frame(pilot):
    outcomes = case_outcomes(pilot.tables)
    exposed = exposures(pilot.tables, outcomes).filter(pl.col("intervention") == INTERVENTION)
    return outcomes.join(exposed.select("case_id", "itt"), on="case_id", how="left").with_columns(
        pl.col("itt").fill_null(False)
    )


@pytest.mark.parametrize("design", standard_designs(), ids=lambda d: d.key)
def test_simulated_tables_pass_the_evaluation_input_validation(design):
    pilot = simulate(design, _rng(3))
    t = pilot.tables
    again = EvaluationTables.build(
        cases=t.cases,
        events=t.events,
        deliveries=t.deliveries,
        deployments=t.deployments,
        cutoff=t.cutoff,
    )
    assert again.cases.equals(t.cases) and again.events.equals(t.events)
    low, high = design.cases
    assert low <= t.cases.height <= high
    assert t.events.get_column("date").max() <= design.cutoff
    assert set(t.cases.get_column("police_unit").unique()) <= set(design.units)
    # every exposed case has its delivery, nobody else
    frame = _case_frame(pilot)
    exposed = set(frame.filter(pl.col("itt")).get_column("case_id"))
    assert exposed == set(t.deliveries.get_column("case_id"))


def test_two_group_design_has_exactly_18_plus_18_followed_cases():
    pilot = simulate(two_group_design(), _rng(5))
    frame = _case_frame(pilot)
    assert frame.filter(pl.col("complete_followup")).height == 36
    assert frame.get_column("itt").sum() == 18


def test_staggered_design_mixes_starts_on_and_within_half_years():
    design = staggered_design(key="x", label="x", units=9, never_treated=3)
    assert design.never_treated == ("eenheid-07", "eenheid-08", "eenheid-09")
    starts = [s for _, s, _ in design.deployments]
    on_boundary = [(s.month, s.day) in ((1, 1), (7, 1)) for s in starts]
    assert any(on_boundary) and not all(on_boundary)  # transition half-years occur
    assert len({first_treated_period(s) for s in starts}) >= 3  # staggered


def test_truth_itt_and_odds_ratio_converge_with_a_huge_sample():
    """200,000 cases in two groups: the observed risk difference lies within 4 standard errors
    of the generator's ITT truth, and statsmodels' ML logistic regression (the true model) finds
    the true conditional odds ratio exp(b)."""
    design = two_group_design(per_group=100_000, control_rate=0.3, effect=0.1)
    pilot = simulate(design, _rng(11))
    frame = _case_frame(pilot).filter(pl.col("complete_followup"))
    y = frame.get_column("complaint_within").to_numpy().astype(float)
    e = frame.get_column("itt").to_numpy()
    p1, p0 = y[e].mean(), y[~e].mean()
    se = math.sqrt(p1 * (1 - p1) / e.sum() + p0 * (1 - p0) / (~e).sum())
    assert abs((p1 - p0) - pilot.truth.itt_risk_difference) < 4 * se
    assert abs(p0 - design.control_rate) < 4 * math.sqrt(0.21 / (~e).sum())
    columns = [name for name, _, _ in COVARIATES]
    X = np.column_stack(
        [np.ones(len(y)), e.astype(float)]
        + [frame.get_column(c).to_numpy().astype(float) for c in columns]
    )
    fit = sm.Logit(y, X).fit(disp=0)
    a, b = model_coefficients(design)
    assert pilot.truth.odds_ratio == pytest.approx(math.exp(b))
    assert abs(fit.params[1] - b) < 4 * fit.bse[1]
    assert abs(fit.params[0] - a) < 4 * fit.bse[0]
    for j, (_, _, gamma) in enumerate(COVARIATES):
        assert abs(fit.params[2 + j] - gamma) < 4 * fit.bse[2 + j]


def test_truth_of_the_cumulative_incidence_difference_converges():
    """lifelines' Aalen–Johansen on 100,000 cases with competing withdrawals and censoring at the
    cut-off: the difference at the horizon is within 4 standard errors of the truth."""
    design = dataclasses.replace(
        staggered_design(key="big", label="big", units=9, never_treated=3),
        cases=(100_000, 100_000),
    )
    pilot = simulate(design, _rng(12))
    frame = _case_frame(pilot).filter(
        pl.col("index_date") >= min(s for _, s, _ in design.deployments)
    )
    assert (frame.get_column("complaint_event") == 2).sum() > 1000  # competing events occur
    assert (frame.get_column("complaint_event") == 0).sum() > 1000  # and censoring
    cif = {}
    for flag in (True, False):
        rows = frame.filter(pl.col("itt") == flag)
        fitter = AalenJohansenFitter(calculate_variance=False)
        fitter.fit(
            rows.get_column("complaint_event_days").to_numpy(),
            rows.get_column("complaint_event").to_numpy(),
            event_of_interest=1,
        )
        cif[flag] = float(fitter.predict(180.0))
    se = math.sqrt(sum(c * (1 - c) / 30_000 for c in cif.values()))
    assert abs((cif[True] - cif[False]) - pilot.truth.cif_difference) < 4 * se


def test_truth_of_the_staggered_aggregate_with_a_growing_effect():
    """With a growing effect the true aggregate depends on the half-years since each start; on a
    huge staggered pilot the product's group-time estimate lands on it (within 4 analytic
    standard errors), and it lies between the first half-year's effect and the full effect."""
    design = dataclasses.replace(
        staggered_design(key="g", label="g", units=9, never_treated=3, ramp=3),
        cases=(60_000, 60_000),
    )
    pilot = simulate(design, _rng(13))
    assert pilot.truth.effect_by_halfyear[0] < pilot.truth.effect_by_halfyear[-1]
    tables = pilot.tables
    outcomes = case_outcomes(tables)
    result = evaluate_intervention(
        tables, outcomes, exposures(tables, outcomes), InterventionSpec(INTERVENTION, "sim")
    )
    did = result.staggered
    estimate = getattr(did, "cs_estimate", None)
    estimate = did.cs.estimate if estimate is None else estimate
    truth = did_truth(did, pilot)
    assert abs(estimate - truth) < 4 * did.cs_se
    first, full = pilot.truth.effect_by_halfyear[0], pilot.truth.effect_by_halfyear[-1]
    assert first + 0.01 < truth < full - 0.01


def test_designs_refuse_bad_input():
    with pytest.raises(StatsInputError, match="control rate"):
        staggered_design(key="x", label="x", control_rate=0.0)
    with pytest.raises(StatsInputError, match="control rate \\+ effect"):
        staggered_design(key="x", label="x", control_rate=0.95, effect=0.1)
    with pytest.raises(StatsInputError, match="never-treated"):
        staggered_design(key="x", label="x", units=3, never_treated=3)
    with pytest.raises(StatsInputError, match="cases"):
        staggered_design(key="x", label="x", cases=(10, 5))


def _wald(x1, n1, x0, n0, z):
    p1, p0 = x1 / n1, x0 / n0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return Interval(p1 - p0, p1 - p0 - z * se, p1 - p0 + z * se)


def test_a_deliberately_narrow_interval_is_detected_as_under_covering():
    """The same scoring and summary the harness uses, fed a 50 % Wald interval and a 95 %
    Newcombe interval for the ITT risk difference of 400 simulated 100 + 100 pilots: the first
    covers about half the truths and is flagged, the second holds."""
    design = two_group_design(key="narrow", per_group=100)
    z50 = float(sps.norm.ppf(0.75))
    records = []
    for i in range(400):
        pilot = simulate(design, _rng(1000 + i))
        frame = _case_frame(pilot).filter(pl.col("complete_followup"))
        y = frame.get_column("complaint_within").to_numpy()
        e = frame.get_column("itt").to_numpy()
        counts = (int(y[e].sum()), int(e.sum()), int(y[~e].sum()), int((~e).sum()))
        truth = pilot.truth.itt_risk_difference
        records.append(interval_record("narrow", "itt_risk_difference", _wald(*counts, z50), truth))
        records.append(
            interval_record(
                "newcombe", "itt_risk_difference", proportions.risk_difference(*counts), truth
            )
        )
    wide = dataclasses.replace(design, key="newcombe")
    narrow_row, newcombe_row = summarise(records, [design, wide])
    assert narrow_row.replications == 400
    assert narrow_row.coverage < 0.6 and narrow_row.holds is False
    assert narrow_row.coverage_high < 0.93
    assert newcombe_row.holds is True
    assert abs(newcombe_row.bias) < 1.0  # percentage points


def test_interval_record_counts_missing_intervals_and_truths_apart():
    missing = interval_record("d", "itt_risk_difference", None, 0.1)
    assert not missing.published and not missing.no_truth
    no_truth = interval_record("d", "adjusted_odds_ratio", Interval(2.0, 1.0, 4.0), None)
    assert not no_truth.published and no_truth.no_truth
    odds = interval_record("d", "adjusted_odds_ratio", Interval(2.0, 1.0, 4.0), 1.5, scale="log")
    assert odds.covered and odds.width == pytest.approx(math.log(4.0))
    assert odds.error == pytest.approx(math.log(2.0) - math.log(1.5))


def test_run_gives_the_same_rows_on_one_and_on_two_processes():
    design = two_group_design()
    one = run([design], 4, seed=7, jobs=1, block=2)
    two = run([design], 4, seed=7, jobs=2, block=2)
    assert one.rows == two.rows
    kinds = {row.kind for row in one.rows}
    assert {"itt_risk_difference", "cif_difference", "planning_range"} <= kinds
    did = next(r for r in one.rows if r.kind == "did_group_time")
    # one unit treated from the first day has no period before its start: no interval published
    assert did.published == 0 and did.no_interval_share == 1.0


def test_truth_of_the_staggered_aggregate_follows_the_units_each_comparison_uses():
    """In sparse pilots a unit without cases in its first treated half-year is dated later by
    the estimator and drops out of (or moves between) comparisons. The truth must be that of the
    units actually compared: run the product's estimator on a noise-free table with the pilot's
    cells whose outcome is each case's true effect (tau at the unit's true half-year since its
    start when treated, 0 otherwise); its aggregate is the truth by construction, and did_truth
    must give it for the pilot's real evaluation (same comparisons)."""
    from inbeeld.stats import did as did_module

    design = dataclasses.replace(standard_designs()[3], cases=(60, 80))  # 9u-growing, sparse
    checked = 0
    for seed in range(40):
        pilot = simulate(design, _rng(500 + seed))
        misdated = [
            u
            for u, g in pilot.first_treated.items()
            if pilot.cells.get((u, g), 0) == 0
            or (pilot.start_period[u] < g and pilot.cells.get((u, g - 1), 0) == 0)
        ]
        if not misdated:
            continue
        tables = pilot.tables
        outcomes = case_outcomes(tables)
        result = evaluate_intervention(
            tables, outcomes, exposures(tables, outcomes), InterventionSpec(INTERVENTION, "sim")
        ).staggered
        if result is None or result.cs_estimate is None:
            continue
        rows = []
        for (unit, period), n in pilot.cells.items():
            first = pilot.first_treated.get(unit)
            treated = first is not None and period >= first
            transition = first is not None and pilot.start_period[unit] <= period < first
            effect = pilot.truth.tau(period - first) if treated else 0.0
            rows += [(unit, period, int(treated), int(transition), effect)] * n
        table = pl.DataFrame(
            rows, schema=["unit", "period", "treated", "transition", "y"], orient="row"
        )
        noise_free = did_module.staggered_did(
            table, unit="unit", period="period", treated="treated", outcome="y",
            transition="transition",
        )  # fmt: skip
        same = [(c.cohort, c.period, c.base, c.n_treated_units) for c in result.group_time]
        assert same == [
            (c.cohort, c.period, c.base, c.n_treated_units) for c in noise_free.group_time
        ]
        assert did_truth(result, pilot) == pytest.approx(noise_free.cs_estimate, abs=1e-12)
        checked += 1
        if checked == 3:
            break
    assert checked == 3


def test_a_comparison_the_cells_cannot_rebuild_gives_no_truth_not_a_crash():
    """A comparison whose number of units the pilot's cells do not reproduce has no trustworthy
    truth: did_truth says NaN (counted as 'no truth', neither covered nor missed) instead of
    stopping the whole `inbeeld simulate` run."""
    from types import SimpleNamespace

    design = standard_designs()[1]
    pilot = simulate(design, _rng(7))
    first = min(g for g in pilot.first_treated.values() if g is not None)
    impossible = SimpleNamespace(
        group_time=(
            SimpleNamespace(cohort=first, period=first, base=first - 1, n_treated_units=99),
        )
    )
    assert math.isnan(did_truth(impossible, pilot))
    record = interval_record(design, "did_group_time", None, did_truth(impossible, pilot))
    assert record.no_truth and not record.published
