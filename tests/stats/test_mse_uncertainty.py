"""The dark number with model-choice uncertainty (issue 12 item 6): the sensitivity table per
selection rule, the bootstrap that repeats the selection, checked on the Dutch six lists, the UK
five lists and a simulation with a known population size."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from inbeeld.stats.mse import CaptureHistories, capture_histories, estimate_population
from inbeeld.stats.mse_uncertainty import (
    DEFAULT_SEED,
    selection_bootstrap,
    sensitivity,
)
from tests.realdata import NL_MSE_SIX_LISTS, shared_data

# SparseMSE's UKdat_5 (R package SparseMSE 2.0.1, data/UKdat_5.rda, read from github:cran/SparseMSE):
# the UK 2013 strategic assessment (Home Office; Silverman 2014, "Modern slavery: an application
# of multiple systems estimation"), six lists with PF and NCA merged. Published estimate about
# 11,300, range 10,000-13,000. Columns LA, NG, PFNCA, GO, GP, count.
UK5 = [
    (1, 0, 0, 0, 0, 54),
    (0, 1, 0, 0, 0, 463),
    (0, 0, 1, 0, 0, 995),
    (0, 0, 0, 1, 0, 695),
    (0, 0, 0, 0, 1, 316),
    (1, 1, 0, 0, 0, 15),
    (1, 0, 1, 0, 0, 19),
    (1, 0, 0, 1, 0, 3),
    (0, 1, 1, 0, 0, 62),
    (0, 1, 0, 1, 0, 19),
    (0, 1, 0, 0, 1, 1),
    (0, 0, 1, 1, 0, 76),
    (0, 0, 1, 0, 1, 11),
    (0, 0, 0, 1, 1, 8),
    (1, 1, 1, 0, 0, 1),
    (1, 1, 0, 1, 0, 1),
    (0, 1, 1, 1, 0, 4),
    (1, 1, 1, 1, 0, 1),
]


def _dutch() -> CaptureHistories:
    frame = pl.read_csv(shared_data(NL_MSE_SIX_LISTS)).with_columns(pl.all().cast(pl.Int64))
    return capture_histories(frame, frequency="frequency")


def _uk() -> CaptureHistories:
    frame = pl.DataFrame(UK5, schema=["LA", "NG", "PFNCA", "GO", "GP", "n"], orient="row")
    return capture_histories(frame, frequency="n")


@pytest.fixture(scope="module")
def dutch():
    table = _dutch()
    rules = {row.rule: row for row in sensitivity(table)}
    boot = selection_bootstrap(table, rules["bic"].fit, replicates=40, max_seconds=None)
    return table, rules, boot


def test_dutch_sensitivity_table_gives_each_rules_published_estimate(dutch):
    _table, rules, _boot = dutch
    assert rules["bic"].estimate == pytest.approx(43_585, abs=1)
    assert (rules["bic"].interval.low, rules["bic"].interval.high) == pytest.approx(
        (38_105, 50_284), abs=1
    )
    assert rules["aic"].estimate == pytest.approx(41_561, abs=1)
    # SparseMSE's stepwisefit(Ned, pthresh = 0.02): about 111,000 (issue 12).
    assert 105_000 < rules["sparsemse"].estimate < 117_000
    assert rules["sparsemse"].interval.low < rules["sparsemse"].estimate
    assert len(rules["all_two_way"].model) == 15
    assert rules["all_two_way"].interval.width > rules["bic"].interval.width


def test_dutch_bootstrap_interval_contains_bic_and_is_wider_than_profile(dutch):
    _table, rules, boot = dutch
    profile = rules["bic"].interval
    assert boot.interval is not None and boot.replicates >= 36
    assert boot.interval.low < rules["bic"].estimate < boot.interval.high
    assert boot.interval.width > profile.width
    # model choice mostly adds upward uncertainty (denser models find more hidden victims)
    assert boot.interval.high > profile.high
    assert str(DEFAULT_SEED) in boot.interval.method


def test_the_time_cap_stops_the_bootstrap_and_gives_no_interval_from_too_few():
    table = _uk()
    boot = selection_bootstrap(table, replicates=40, max_seconds=0.0)
    assert boot.truncated and boot.replicates == 0 and boot.interval is None


def _loglinear_population(rng, n, main, ab, k):
    """N people over all 2^k patterns (the empty one included) with log-linear probabilities:
    main effects ``main`` and one A:B interaction ``ab``. Returns the observable table."""
    patterns = np.array([[(code >> j) & 1 for j in range(k)] for code in range(2**k)])
    logit = patterns @ np.asarray(main) + ab * patterns[:, 0] * patterns[:, 1]
    probs = np.exp(logit) / np.exp(logit).sum()
    counts = rng.multinomial(n, probs)
    return CaptureHistories(
        tuple("ABCD"[:k]), patterns[1:].astype(np.int8), counts[1:].astype(np.int64)
    )


def test_same_seed_same_interval_other_seed_other_interval():
    table = _loglinear_population(np.random.default_rng(3), 3000, [-1.2, -1.5, -1.0], 0.6, 3)
    fit = estimate_population(table).fit
    a = selection_bootstrap(table, fit, replicates=30, seed=7, max_seconds=None)
    b = selection_bootstrap(table, fit, replicates=30, seed=7, max_seconds=None)
    c = selection_bootstrap(table, fit, replicates=30, seed=8, max_seconds=None)
    assert a.estimates == b.estimates and a.interval == b.interval
    assert a.estimates != c.estimates


def test_simulation_bootstrap_interval_covers_the_known_truth():
    """Three lists, a true A:B dependence the selection has to find, N = 3,000 known: the
    selection bootstrap covers N in most of 12 replications (nominal 95 %)."""
    rng = np.random.default_rng(2026)
    truth, covered, narrower = 3000, 0, 0
    for _ in range(12):
        table = _loglinear_population(rng, truth, [-1.3, -1.6, -0.9], 0.8, 3)
        result = estimate_population(table)
        boot = selection_bootstrap(table, result.fit, replicates=20, seed=1, max_seconds=None)
        assert boot.interval is not None
        covered += boot.interval.low <= truth <= boot.interval.high
        narrower += result.interval.width <= boot.interval.width
    assert covered >= 9  # 95 % nominal: 9 or fewer of 12 has probability < 0.3 %
    assert narrower >= 6


def test_uk_five_lists_against_the_published_range():
    table = _uk()
    rules = {row.rule: row for row in sensitivity(table)}
    bic = rules["bic"]
    assert 10_000 < bic.estimate < 13_000  # published 10,000-13,000 (about 11,300)
    assert bic.estimate == pytest.approx(11_175, abs=1)
    assert 9_000 < bic.interval.low < 10_500 and 12_000 < bic.interval.high < 13_500
    boot = selection_bootstrap(table, bic.fit, replicates=40, max_seconds=None)
    assert boot.interval.low < bic.estimate < boot.interval.high
    assert boot.interval.low > 9_000  # the lower end agrees with the published one
    # SparseMSE's rule reproduces the published point estimate of the Home Office study
    assert rules["sparsemse"].estimate == pytest.approx(11_313, abs=1)
    assert 9_000 < rules["aic"].estimate < 13_000
