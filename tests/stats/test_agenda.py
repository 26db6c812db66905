"""The agenda's statistic checked against statsmodels and lifelines on the same data, and the
Wilson interval's coverage at the register's small sizes against a simulation with a known truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from lifelines import AalenJohansenFitter
from statsmodels.stats.inter_rater import cohens_kappa as sm_kappa
from statsmodels.stats.proportion import proportion_confint

from inbeeld.stats import agenda
from inbeeld.stats.agenda import Outcome
from inbeeld.stats.exceptions import NotEstimable, StatsInputError

CUT_OFF = dt.date(2026, 12, 1)


def _rows(seed: int = 3, n: int = 40):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        published = CUT_OFF - dt.timedelta(days=int(rng.integers(100, 9 * 365)))
        u = rng.random()
        durable = ended = None
        if u < 0.45:
            durable = published + dt.timedelta(days=int(rng.integers(200, 2500)))
        elif u < 0.65:
            ended = published + dt.timedelta(days=int(rng.integers(100, 2000)))
        rows.append(Outcome(f"r{i}", published, durable, ended))
    return rows


def test_the_share_and_its_wilson_interval_match_statsmodels():
    result = agenda.durable_share(_rows(), cut_off=CUT_OFF, horizon_years=4)
    limit = dt.date(2022, 12, 1)
    old = [r for r in _rows() if r.published <= limit]
    durable = [r for r in old if r.durable_on is not None and r.durable_on <= CUT_OFF]
    assert result.n_old_enough == len(old) > 5
    assert result.n_durable == len(durable) > 0
    low, high = proportion_confint(len(durable), len(old), alpha=0.05, method="wilson")
    assert result.share.estimate == pytest.approx(len(durable) / len(old))
    assert result.share.low == pytest.approx(low, abs=1e-10)
    assert result.share.high == pytest.approx(high, abs=1e-10)
    assert set(result.durable_keys) == {r.key for r in durable}


def test_the_cumulative_incidence_matches_lifelines_aalen_johansen():
    rows = _rows(seed=11, n=60)
    result = agenda.durable_share(rows, cut_off=CUT_OFF, horizon_years=4)
    times, events = [], []
    for r in rows:
        if r.durable_on and r.durable_on <= CUT_OFF:
            times.append((r.durable_on - r.published).days)
            events.append(1)
        elif r.ended_on and r.ended_on <= CUT_OFF:
            times.append((r.ended_on - r.published).days)
            events.append(2)
        else:
            times.append((CUT_OFF - r.published).days)
            events.append(0)
    assert 0 in events and 2 in events  # young ones censored, abandoned ones competing
    fitter = AalenJohansenFitter(calculate_variance=True, seed=1)
    fitter.fit(np.array(times, float), np.array(events), event_of_interest=1)
    frame = fitter.cumulative_density_
    horizon = 4 * 365.25
    expected = float(frame[frame.index <= horizon].iloc[-1, 0])
    assert result.cumulative_incidence.estimate == pytest.approx(expected, abs=1e-9)
    naive = sum(1 for e, t in zip(events, times, strict=True) if e == 1 and t <= horizon) / len(
        rows
    )
    # Censoring the young ones is not the same as counting them as failures.
    assert result.cumulative_incidence.estimate > naive
    assert result.n_abandoned == events.count(2)


def test_a_durable_change_after_the_end_does_not_count_and_young_ones_are_not_in_the_denominator():
    rows = [
        Outcome("old-durable", dt.date(2018, 6, 12), dt.date(2022, 1, 1)),
        Outcome("old-reversed", dt.date(2018, 6, 12), dt.date(2021, 1, 1), dt.date(2023, 1, 1)),
        Outcome("old-nothing", dt.date(2019, 1, 1)),
        Outcome("young-durable", dt.date(2024, 1, 1), dt.date(2026, 1, 1)),
        Outcome("future", dt.date(2027, 1, 1)),
    ]
    result = agenda.durable_share(rows, cut_off=CUT_OFF, horizon_years=4)
    assert result.n_all == 4
    assert result.old_enough_keys == ("old-durable", "old-reversed", "old-nothing")
    assert result.durable_keys == ("old-durable",)
    assert result.share.estimate == pytest.approx(1 / 3)


def test_no_durable_change_yet_gives_no_cumulative_incidence_interval_instead_of_zero_to_zero():
    rows = [
        Outcome("old-nothing", dt.date(2018, 6, 12)),
        Outcome("old-abandoned", dt.date(2019, 1, 1), None, dt.date(2020, 1, 1)),
        Outcome("young", dt.date(2025, 1, 1)),
    ]
    result = agenda.durable_share(rows, cut_off=CUT_OFF, horizon_years=4)
    assert result.share.estimate == 0 and result.share.high > 0  # Wilson: 0 % (0–x %)
    assert result.cumulative_incidence is None


def test_bad_input_is_refused_with_the_rows_named():
    with pytest.raises(StatsInputError, match="r1"):
        agenda.durable_share(
            [Outcome("r1", dt.date(2020, 1, 1), dt.date(2019, 1, 1))], cut_off=CUT_OFF
        )
    with pytest.raises(StatsInputError):
        agenda.durable_share([], cut_off=CUT_OFF, horizon_years=0)
    empty = agenda.durable_share([], cut_off=CUT_OFF)
    assert empty.share is None and empty.cumulative_incidence is None


def test_a_leap_day_cut_off_has_an_old_enough_date():
    assert agenda.old_enough_on(dt.date(2028, 2, 29), 4) == dt.date(2024, 2, 29)
    assert agenda.old_enough_on(dt.date(2028, 2, 29), 3) == dt.date(2025, 2, 28)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cohens_kappa_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    rungs = ["on_agenda", "adopted", "implemented", "durable"]
    first = list(rng.choice(rungs, 40))
    second = [a if rng.random() < 0.7 else str(rng.choice(rungs)) for a in first]
    ours = agenda.cohens_kappa(first, second)
    table = pd.crosstab(
        pd.Categorical(first, categories=ours.categories),
        pd.Categorical(second, categories=ours.categories),
        dropna=False,
    ).to_numpy()
    theirs = sm_kappa(table)
    assert ours.kappa == pytest.approx(theirs.kappa, abs=1e-12)
    assert ours.se == pytest.approx(theirs.std_kappa, abs=1e-12)
    assert ours.low == pytest.approx(theirs.kappa_low, abs=1e-10)
    assert 0 < ours.kappa < 1


def test_kappa_edge_cases():
    assert agenda.cohens_kappa(["a", "b"], ["a", "b"]).kappa == pytest.approx(1.0)
    with pytest.raises(NotEstimable):
        agenda.cohens_kappa(["a", "a"], ["a", "a"])
    with pytest.raises(NotEstimable):
        agenda.cohens_kappa([], [])
    with pytest.raises(StatsInputError):
        agenda.cohens_kappa(["a"], ["a", "b"])


@pytest.mark.parametrize(("n", "p"), [(10, 0.8), (20, 0.5), (30, 0.1), (40, 0.8), (15, 0.3)])
def test_wilson_coverage_by_simulation_with_a_known_truth(n, p):
    """Simulate registers of n recommendations with a true durable share p: the share of runs in
    which the published interval covers p agrees with the exact coverage the page reports."""
    rng = np.random.default_rng(n * 100 + int(p * 100))
    runs = 4000
    covered = 0
    for x in rng.binomial(n, p, size=runs):
        interval = agenda.wilson_interval(int(x), n)
        covered += interval.low <= p <= interval.high
    simulated = covered / runs
    exact = agenda.wilson_coverage(n, p)
    assert simulated == pytest.approx(exact, abs=3 * np.sqrt(exact * (1 - exact) / runs) + 1e-3)


def test_wilson_coverage_at_tens_of_recommendations_is_near_but_not_always_at_95():
    """The honest statement on the figure page: at these sizes the 95 % interval covers between
    about 91 % and 99 % of the time, depending on the true share (lowest near the edges)."""
    for n in (10, 20, 30, 50):
        summary = agenda.wilson_coverage_summary(n)
        assert 0.90 < summary.average < 0.97, summary
        assert summary.lowest < 0.95, summary  # below nominal somewhere: the page must say so
        assert summary.lowest > 0.80, summary
    # At n = 10 and p = 0.05 the interval misses far more often than 5 %.
    assert agenda.wilson_coverage(10, 0.05) < 0.93
