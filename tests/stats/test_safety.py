"""Times the story was told and the safety facts per intervention (stats.safety, issue 17 item 5,
ADR 0006 decision 9): the Welch interval against scipy and statsmodels, its coverage in a
simulation with a known truth at the pilot's sizes, the window rule, and the evaluation's use."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from inbeeld.stats import safety
from inbeeld.stats.evaluation import InterventionSpec, evaluate
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.tables import SAFETY_CODES, EvaluationTables
from tests.stats.test_evaluation import tiny_tables

# --- (a) oracle --------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("n1", "n0"), [(18, 18), (40, 40), (12, 55)])
def test_welch_interval_agrees_with_scipy_and_statsmodels(seed, n1, n0):
    rng = np.random.default_rng(seed)
    a = 1 + rng.poisson(1.6, n1)
    b = 1 + rng.negative_binomial(2, 0.5, n0)
    result = safety.welch_difference(a, b)
    oracle = sps.ttest_ind(a, b, equal_var=False)
    interval = oracle.confidence_interval(0.95)
    assert result.difference == pytest.approx(a.mean() - b.mean(), abs=1e-12)
    assert result.low == pytest.approx(interval.low, abs=1e-10)
    assert result.high == pytest.approx(interval.high, abs=1e-10)
    assert result.p_value == pytest.approx(oracle.pvalue, abs=1e-10)
    assert result.df == pytest.approx(oracle.df, abs=1e-9)
    low, high = CompareMeans(DescrStatsW(a), DescrStatsW(b)).tconfint_diff(usevar="unequal")
    assert (result.low, result.high) == pytest.approx((low, high), abs=1e-10)
    assert (result.mean1, result.mean0, result.total1, result.total0) == pytest.approx(
        (a.mean(), b.mean(), a.sum(), b.sum())
    )


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ([1, 2, 3] * 3, [1, 2] * 10, safety.TOO_FEW),  # 9 < 10 exposed
        ([0] * 12, [0] * 12, safety.NONE_RECORDED),
        ([2] * 12, [1, 2, 3] * 4, safety.NO_VARIATION),  # one group all the same
        ([], [1, 2] * 10, safety.TOO_FEW),
    ],
)
def test_no_interval_where_it_would_not_hold(a, b, reason):
    result = safety.welch_difference(a, b)
    assert result.reason == reason
    assert result.low is None and result.high is None and result.p_value is None


def test_at_the_minimum_there_is_an_interval_and_below_thirty_it_is_indicative():
    result = safety.welch_difference([1, 2] * 5, [1, 2, 3] * 10)
    assert result.reason is None and result.low < result.difference < result.high
    assert result.indicative
    assert not safety.welch_difference([1, 2] * 15, [1, 3] * 15).indicative


# --- (b) simulation with a known truth --------------------------------------------------------


def _coverage(rng, n1: int, n0: int, mean1: float, mean0: float, reps: int) -> tuple[float, int]:
    """Tellings 1 + Poisson (every victim in the comparison told it at least once)."""
    truth, hit, shown = mean1 - mean0, 0, 0
    for _ in range(reps):
        result = safety.welch_difference(
            1 + rng.poisson(mean1 - 1, n1), 1 + rng.poisson(mean0 - 1, n0)
        )
        if result.low is None:
            continue
        shown += 1
        hit += result.low <= truth <= result.high
    return hit / shown, shown


@pytest.mark.parametrize(
    ("n1", "n0", "mean1", "mean0"),
    [(18, 18, 2.5, 2.0), (18, 18, 2.0, 2.0), (40, 40, 2.6, 2.0), (12, 50, 2.4, 2.0)],
)
def test_the_interval_covers_about_95_percent_at_pilot_sizes(n1, n0, mean1, mean0):
    reps = 2000  # Monte-Carlo standard error ≈ 0.5 point
    coverage, shown = _coverage(np.random.default_rng(17), n1, n0, mean1, mean0, reps)
    assert shown >= 0.99 * reps
    assert 0.93 <= coverage <= 0.97


# --- the window rule and the evaluation --------------------------------------------------------


def _safety(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=tables_schema(), orient="row")


def tables_schema():
    return [("case_id", pl.Int64), ("fact", pl.String), ("date", pl.Date)]


INTAKE = dt.date(2023, 2, 1)
COACH = InterventionSpec("coach", "Coach", requires_police_contact=False)


def _with_safety(base: EvaluationTables, rows) -> EvaluationTables:
    return EvaluationTables.build(
        cases=base.cases,
        events=base.events,
        deliveries=base.deliveries,
        deployments=base.deployments,
        cutoff=base.cutoff,
        safety=_safety(rows),
    )


def test_tellings_count_from_the_index_date_up_to_the_horizon_only():
    base = tiny_tables(n1=12, x1=4, n0=12, x0=4)  # cases 1-12 exposed (unit A), 13-24 not

    def day(days: int) -> dt.date:
        return INTAKE + dt.timedelta(days=days)

    rows = []
    for case_id in range(1, 25):
        rows.append((case_id, "complaint", day(days=10)))
        if case_id <= 12:
            rows.append((case_id, "studio_interview", day(days=180)))  # last day in the window
        if case_id % 2:
            rows.append((case_id, "trial", day(days=181)))  # after the horizon: not counted
            rows.append((case_id, "rc_hearing", day(days=-1)))  # before the index date
            rows.append((case_id, "threat", day(days=40)))
    result = evaluate(_with_safety(base, rows), [COACH], horizon_days=180)
    (item,) = result.interventions
    tellings = item.safety.tellings
    assert (tellings.n1, tellings.n0, tellings.total1, tellings.total0) == (12, 12, 24, 12)
    assert tellings.mean1 == 2.0 and tellings.mean0 == 1.0
    # every group constant: no interval rather than a zero-width one
    assert tellings.reason == safety.NO_VARIATION
    threat = next(b for b in item.safety.balance if b.fact == "threat")
    assert (threat.x1, threat.n1, threat.x0, threat.n0) == (6, 12, 6, 12)
    assert {b.fact for b in item.safety.balance} == set(safety.SAFETY_FACTS)


def test_after_complaint_the_tellings_after_the_complaint_count():
    base = tiny_tables(n1=12, x1=12, n0=12, x0=12)
    complaint = INTAKE + dt.timedelta(days=10)
    rows = [(c, "complaint", complaint) for c in range(1, 25)]
    rows += [(c, "rc_hearing", complaint + dt.timedelta(days=30)) for c in range(1, 25, 2)]
    judge = dataclasses.replace(COACH, after_complaint=True)
    (item,) = evaluate(_with_safety(base, rows), [judge], horizon_days=180).interventions
    assert item.safety.anchor == "complaint_filed"
    tellings = item.safety.tellings
    # the complaint itself is the entry into the comparison, not an outcome
    assert (tellings.total1, tellings.total0) == (6, 6)
    assert tellings.low < 0 < tellings.high


def test_without_safety_facts_the_evaluation_says_none_were_recorded():
    (item,) = evaluate(tiny_tables(n1=12, x1=4, n0=12, x0=4), [COACH]).interventions
    assert item.safety.tellings.reason == safety.NONE_RECORDED
    assert all(b.x1 == b.x0 == 0 for b in item.safety.balance)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ((99, "threat", INTAKE), "unknown cases"),
        ((1, "burglary", INTAKE), "unknown fact code"),
        ((1, "threat", dt.date(2030, 1, 1)), "after the cut-off"),
    ],
)
def test_safety_table_is_validated(row, message):
    with pytest.raises(StatsInputError, match=message):
        _with_safety(tiny_tables(n1=2, x1=1, n0=2, x0=1), [row])


def test_the_codes_are_the_tellings_and_the_facts():
    assert set(SAFETY_CODES) == set(safety.STORY_TOLD_FACTS) | set(safety.SAFETY_FACTS)
