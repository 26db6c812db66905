"""The agenda's cumulative incidence against a known truth (ADR 0024, decision 13): the truth of
the simulation is computed right, the published 95 % interval covers it at the register's size,
and the harness is sharp enough to catch an interval that is too narrow."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inbeeld.stats.agenda import DAYS_PER_YEAR
from inbeeld.stats.agenda_simulation import CUT_OFF, SCENARIOS, AgendaScenario, simulate


def test_true_cif_matches_the_closed_form_for_constant_hazards():
    # Exponential durable change (rate 1/3) among 70 %, exponential abandonment (rate 1/5):
    # F1(τ) = 0.7 · λ1/(λ1+λ2) · (1 − exp(−(λ1+λ2) τ)).
    scenario = AgendaScenario("exp", cure=0.3, shape=1.0, scale=3.0, abandon_scale=5.0)
    l1, l2 = 1 / 3, 1 / 5
    expected = 0.7 * l1 / (l1 + l2) * (1 - math.exp(-(l1 + l2) * 4))
    assert scenario.true_cif(4) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.label)
def test_true_cif_matches_the_latent_times_it_draws(scenario):
    # The integral of the hazards and the sampler describe the same world: with everyone followed
    # long enough, the share with a durable change by 4 years (whole days) is the computed truth.
    rng = np.random.default_rng(7)
    m = 200_000
    changes = rng.uniform(size=m) >= scenario.cure
    durable = np.where(changes, scenario._durable().rvs(m, random_state=rng), np.inf)
    abandon = scenario._abandon().rvs(m, random_state=rng)
    share = np.mean((durable <= abandon) & (np.floor(durable * DAYS_PER_YEAR) <= 4 * 365.25))
    assert share == pytest.approx(scenario.true_cif(4), abs=4 * math.sqrt(0.25 / m))


def test_draw_censors_at_the_cut_off_and_spreads_publications():
    rows = SCENARIOS[1].draw(400, np.random.default_rng(3))
    ages = [(CUT_OFF - r.published).days for r in rows]
    assert min(ages) >= 0 and max(ages) < 8 * 365.25
    assert 0.4 < np.mean([a >= 4 * 365.25 for a in ages]) < 0.6  # half followed to the horizon
    seen = [r.durable_on or r.ended_on for r in rows]
    assert all(d is None or r.published <= d <= CUT_OFF for r, d in zip(rows, seen, strict=True))
    assert sum(d is None for d in seen) > 40  # censoring is real


def test_published_interval_covers_the_truth_at_thirty_recommendations():
    row = simulate(SCENARIOS[1], 30, 600, seed=11)
    low, high = row.band()
    assert row.published >= 570  # at n = 30 an interval is almost always published
    assert low <= row.coverage <= high, (row.coverage, low, high)
    assert abs(row.bias) < 0.02
    assert 0.3 < row.mean_width < 0.45


def test_harness_detects_a_too_narrow_interval():
    # An 80 % interval published as if it were 95 %: the same check must reject it.
    row = simulate(SCENARIOS[1], 30, 600, seed=11, confidence=0.80)
    low, _ = row.band()
    assert row.coverage < low, (row.coverage, low)
