"""Cumulative incidence with competing events (issue 12 item 3): the Aalen–Johansen estimator of
stats/competing.py against lifelines' AalenJohansenFitter, and against a simulation with a known
truth in which withdrawal from the process competes with the complaint."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from lifelines import AalenJohansenFitter, KaplanMeierFitter

from inbeeld.stats.competing import aalen_johansen, cif_difference

HORIZON = 180.0
# Exponential hazards per day for a complaint and for withdrawal/closure without a complaint
# (competing), plus censoring at the data cut-off; chosen as in the issue: the true share with a
# complaint by day 180 is 0.51, while 1 − Kaplan–Meier (withdrawal as censoring) estimates 0.71.
COMPLAINT_RATE, COMPETING_RATE = 0.006877, 0.005024


def true_cif(t: float, complaint: float = COMPLAINT_RATE, competing: float = COMPETING_RATE):
    total = complaint + competing
    return complaint / total * (1 - np.exp(-total * t))


def simulate(rng, n, complaint=COMPLAINT_RATE, competing=COMPETING_RATE):
    t1 = rng.exponential(1 / complaint, n)
    t2 = rng.exponential(1 / competing, n)
    cutoff = rng.uniform(120, 400, n)  # staggered entry: followed up between 4 and 13 months
    time = np.minimum(np.minimum(t1, t2), cutoff)
    event = np.where(time == t1, 1, np.where(time == t2, 2, 0))
    return time, event


def _lifelines(time, event):
    fitter = AalenJohansenFitter(calculate_variance=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter.fit(time, event, event_of_interest=1)
    return fitter


def _step(curve, t):
    return np.array([curve.cif[curve._index(x)] if curve._index(x) >= 0 else 0.0 for x in t])


def test_agrees_with_lifelines_on_continuous_times():
    rng = np.random.default_rng(12)
    time, event = simulate(rng, 300)
    ours = aalen_johansen(time, event)
    fitter = _lifelines(time, event)
    grid = fitter.cumulative_density_.index.to_numpy()
    expected = fitter.cumulative_density_.iloc[:, 0].to_numpy()
    np.testing.assert_allclose(_step(ours, grid), expected, rtol=0, atol=1e-8)
    variance = fitter.variance_.to_numpy()
    ours_var = np.array([ours.variance_at(x) for x in grid])
    np.testing.assert_allclose(ours_var[1:], variance[1:], rtol=1e-6, atol=1e-10)
    ci = fitter.confidence_interval_.to_numpy()
    at = ours.at(150.0)
    i = np.searchsorted(grid, 150.0, side="right") - 1
    assert at.estimate == pytest.approx(expected[i], abs=1e-8)
    assert sorted((at.low, at.high)) == pytest.approx(sorted(ci[i]), abs=1e-8)


def test_agrees_with_lifelines_on_tied_day_counts():
    """Whole days, as in the product: many ties between complaints, withdrawals and censorings.
    lifelines jitters tied event times of different kinds at random; the Aalen–Johansen step is
    the same in any order of tied events, so breaking ties deterministically (events before
    censorings, as both estimators assume) must give our tied estimate exactly."""
    rng = np.random.default_rng(3)
    time, event = simulate(rng, 200)
    # Day 1 onwards: lifelines sets the CIF of its first row to 0, which drops events at t = 0.
    days = np.floor(time) + 1
    ours = aalen_johansen(days, event)
    order = np.lexsort((event == 0, days))
    untied = np.empty_like(days)
    untied[order] = days[order] + np.arange(days.size) * 1e-6
    fitter = _lifelines(untied, event)
    grid = np.arange(1, 400)
    lifelines_cif = fitter.cumulative_density_.iloc[:, 0]
    expected = np.array([lifelines_cif[lifelines_cif.index <= x + 0.5].iloc[-1] for x in grid])
    np.testing.assert_allclose(_step(ours, grid), expected, rtol=0, atol=1e-8)


def test_one_minus_kaplan_meier_overstates_and_aalen_johansen_recovers_the_truth():
    rng = np.random.default_rng(2026)
    time, event = simulate(rng, 5000)
    truth = true_cif(HORIZON)
    km = KaplanMeierFitter().fit(time, event == 1)
    naive = 1 - float(km.survival_function_at_times(HORIZON).iloc[0])
    at = aalen_johansen(time, event).at(HORIZON)
    assert truth == pytest.approx(0.51, abs=0.001)
    assert naive == pytest.approx(0.71, abs=0.02)  # what the old definition published
    assert at.contains(truth)
    assert abs(at.estimate - truth) < 0.02


@pytest.mark.parametrize("n", [40, 200])
def test_interval_at_the_horizon_covers_the_truth(n):
    rng = np.random.default_rng(n)
    truth = true_cif(HORIZON)
    replications, covered, estimates = 400, 0, []
    for _ in range(replications):
        at = aalen_johansen(*simulate(rng, n)).at(HORIZON)
        covered += at.contains(truth)
        estimates.append(at.estimate)
    coverage = covered / replications
    assert coverage >= 0.92, coverage
    assert abs(np.mean(estimates) - truth) < 0.015


def test_difference_of_two_groups_covers_the_true_difference():
    rng = np.random.default_rng(7)
    truth = true_cif(HORIZON, 0.004) - true_cif(HORIZON)
    covered = 0
    for _ in range(300):
        exposed = aalen_johansen(*simulate(rng, 80, complaint=0.004))
        unexposed = aalen_johansen(*simulate(rng, 80))
        covered += cif_difference(exposed, unexposed, HORIZON).contains(truth)
    assert covered / 300 >= 0.92


def test_difference_with_a_rare_complaint_covers_the_truth():
    """Rare outcome (about 5 % against 10 % by the horizon, 40 + 40 cases): the delta-method Wald
    interval covered about 92 % here; the Newcombe (MOVER) interval on the effective sample
    sizes must hold its 95 %, also when a group has no complaint yet."""
    rng = np.random.default_rng(11)
    rare, double = 0.00035, 0.00072
    truth = true_cif(HORIZON, double) - true_cif(HORIZON, rare)
    covered, wald_covered, zero_groups = 0, 0, 0
    replications = 600
    for _ in range(replications):
        exposed = aalen_johansen(*simulate(rng, 40, complaint=double))
        unexposed = aalen_johansen(*simulate(rng, 40, complaint=rare))
        interval = cif_difference(exposed, unexposed, HORIZON)
        covered += interval.contains(truth)
        assert interval.high > interval.estimate  # never a zero-width side
        zero_groups += exposed.at(HORIZON).estimate == 0 or unexposed.at(HORIZON).estimate == 0
        se = np.sqrt(exposed.variance_at(HORIZON) + unexposed.variance_at(HORIZON))
        wald_covered += abs(interval.estimate - truth) <= 1.96 * se
    assert zero_groups > 0  # the situation the Wald interval cannot handle occurred
    assert covered / replications >= 0.93, covered / replications
    assert covered > wald_covered


def test_not_identified_beyond_follow_up_and_edge_cases():
    curve = aalen_johansen([10.0, 20.0, 30.0], [1, 2, 0])
    assert curve.at(31.0) is None
    assert curve.at(5.0).estimate == 0.0
    assert curve.at(10.0).estimate == pytest.approx(1 / 3)
    assert curve.at(25.0).estimate == pytest.approx(1 / 3)
    everyone_ended = aalen_johansen([10.0, 20.0], [1, 2])
    assert everyone_ended.at(100.0).estimate == pytest.approx(0.5)
    assert aalen_johansen([], []).at(10.0) is None
    assert cif_difference(curve, everyone_ended, 31.0) is None


def test_presenter_says_cumulative_incidence_and_cause_specific():
    """The evaluation page and PDF describe the share as a cumulative incidence with competing
    outcomes, and label log-rank and Cox as cause-specific (issue 12 item 3)."""
    import polars as pl

    from inbeeld.analysis.presenter import intervention_sections
    from inbeeld.stats.evaluation import (
        GroupComparison,
        InterventionEvaluation,
        InterventionSpec,
        _survival,
    )

    rng = np.random.default_rng(5)
    t1, k1 = simulate(rng, 120, complaint=0.004)
    t0, k0 = simulate(rng, 120)
    rows = pl.DataFrame(
        {
            "itt": [True] * 120 + [False] * 120,
            "complaint_event_days": np.floor(np.concatenate([t1, t0])),
            "complaint_event": np.concatenate([k1, k0]),
        }
    )
    comparison = _survival(rows, "itt", 180)
    assert comparison.cif_difference is not None
    empty = GroupComparison(
        "itt",
        "complaint_within",
        0,
        0,
        0,
        0,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "",
        True,
        None,
    )
    item = InterventionEvaluation(
        spec=InterventionSpec("psy", "Psycholoog"),
        window_start=None,
        window_end=None,
        itt=empty,
        delivered=empty,
        cooperation_itt=empty,
        survival_itt=comparison,
        survival_delivered=comparison,
        staggered=None,
    )
    section = next(s for s in intervention_sections(item, 180) if s["title"] == "Tijd tot aangifte")
    text = " ".join(section["sentences"])
    assert "cumulatieve incidentie; terugtrekken uit het proces en sluiten zonder aangifte" in text
    assert "tellen als concurrerende uitkomst" in text
    assert "Log-ranktoets, oorzaakspecifiek" in text and "Cox-regressie, oorzaakspecifiek" in text
    assert "Kaplan" not in text


def test_the_pointwise_band_agrees_with_lifelines_at_every_time():
    """The band the charts draw (``ci_low``/``ci_high`` at each distinct time) is lifelines'
    pointwise interval everywhere, not only at one horizon."""
    rng = np.random.default_rng(2021)
    time, event = simulate(rng, 250)
    ours = aalen_johansen(time, event)
    fitter = _lifelines(time, event)
    grid = fitter.cumulative_density_.index.to_numpy()
    ci = fitter.confidence_interval_.to_numpy()
    checked = 0
    for i, t in enumerate(grid):
        j = ours._index(t)
        if j < 0 or not 0 < ours.cif[j] < 1:
            continue
        assert sorted((ours.ci_low[j], ours.ci_high[j])) == pytest.approx(sorted(ci[i]), abs=1e-8)
        assert ours.ci_low[j] <= ours.cif[j] <= ours.ci_high[j]
        checked += 1
    assert checked > 100
