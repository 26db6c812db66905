"""Randomisation inference for the staggered group-time aggregate (inbeeld.stats.did_inference):
the p-value and the interval against a brute-force loop that relabels the units and reruns the
estimator for every assignment; the enumeration against itertools; the designs that cannot
support an interval; and coverage of a known truth on simulated pilots of the pilot's size."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from inbeeld.stats import did_inference
from inbeeld.stats.did import NO_INTERVAL_REASONS, staggered_did
from inbeeld.stats.did_inference import assignments
from inbeeld.stats.exceptions import NotEstimable

COLUMNS = {"unit": "unit", "period": "period", "treated": "treated", "outcome": "y"}


def panel(rng, starts, n_periods, effect, cases=(60, 200), transition_units=(), base=0.3):
    """Cases of units with first treated period ``starts[u]`` (None: never); the units in
    ``transition_units`` started part-way through the period before (a transition period)."""
    rows = []
    for u, g in starts.items():
        n = int(rng.integers(*cases))
        period = rng.integers(0, n_periods, size=n)
        level = base + rng.normal(0.0, 0.05)
        d = np.zeros(n, dtype=bool) if g is None else period >= g
        r = np.zeros(n, dtype=bool)
        if u in transition_units:
            r = period == g - 1
        # cases of a transition period come after the start with probability 1/2
        exposed = d | (r & (rng.random(n) < 0.5))
        tau = [0.0 if g is None else effect(g, max(t, g)) for t in period]
        p = level + 0.01 * period + np.where(exposed, tau, 0.0)
        y = rng.random(n) < np.clip(p, 0, 1)
        for t, dd, rr, yy in zip(period, d, r, y, strict=True):
            rows.append((u, int(t), int(dd), int(rr), int(yy)))
    return pl.DataFrame(rows, schema=["unit", "period", "treated", "transition", "y"], orient="row")


# --- the enumeration --------------------------------------------------------------------------


def test_every_distinct_assignment_is_enumerated_once():
    labels = np.array([7, 7, 3, 3, 3, 9])
    rows, enumerated = assignments(labels)
    oracle = set(itertools.permutations(labels.tolist()))
    assert enumerated and len(rows) == len(oracle) == 60
    assert {tuple(r) for r in rows.tolist()} == oracle


def test_large_designs_are_sampled_with_a_fixed_seed():
    labels = np.repeat(np.arange(5), 3)  # 15! / (3!)^5: far more than can be enumerated
    rows, enumerated = assignments(labels)
    again, _ = assignments(labels)
    assert not enumerated and rows.shape == (1 + did_inference.N_SAMPLED, 15)
    assert (rows[0] == labels).all() and (rows == again).all()
    assert all(sorted(r) == sorted(labels.tolist()) for r in rows.tolist())


# --- p-value and interval against a brute-force loop ------------------------------------------


STARTS = {"a": 2, "b": 3, "c": 3, "d": None, "e": None}


def relabel(df: pl.DataFrame, pattern: dict) -> pl.DataFrame:
    """The same cases with unit u given the adoption pattern pattern[u] = (start, until); the
    observed transition cases stay in as ordinary cases."""
    start = pl.col("unit").replace_strict({u: p[0] for u, p in pattern.items()})
    until = pl.col("unit").replace_strict({u: p[1] for u, p in pattern.items()})
    return df.with_columns(
        treated=(pl.col("period") >= start).cast(pl.Int8),
        transition=((pl.col("period") >= until) & (pl.col("period") < start)).cast(pl.Int8),
    )


def test_p_value_and_interval_equal_a_brute_force_loop_over_assignments():
    rng = np.random.default_rng(11)
    T = 5
    df = panel(rng, STARTS, T, lambda g, t: 0.15, cases=(150, 250), transition_units=("b",))
    result = staggered_did(df, **COLUMNS, transition="transition")
    observed = {"a": (2, 2), "b": (3, 2), "c": (3, 3), "d": (T, T), "e": (T, T)}
    # D of the null Y - tau D: 1 once treated, 1/2 in the observed transition period
    df = df.with_columns(d_obs=(pl.col("treated") + 0.5 * pl.col("transition")).cast(pl.Float64))
    d_obs = pl.col("d_obs")
    units = list(observed)
    perms = sorted(set(itertools.permutations([observed[u] for u in units])))
    estimates_y, estimates_d, var_y, var_d, var_ymd = [], [], [], [], []
    kw = {**COLUMNS, "transition": "transition"}
    for perm in perms:
        pattern = dict(zip(units, perm, strict=True))
        relabelled = relabel(df, pattern)
        on_y = staggered_did(relabelled, **kw)
        on_d = staggered_did(relabelled.with_columns(y=d_obs), **kw)
        on_ymd = staggered_did(relabelled.with_columns(y=pl.col("y") - d_obs), **kw)
        estimates_y.append(on_y.cs_estimate)
        estimates_d.append(on_d.cs_estimate)
        var_y.append(on_y.cs_se**2)
        var_d.append(on_d.cs_se**2)
        var_ymd.append(on_ymd.cs_se**2)
    y_a, d_a = np.array(estimates_y), np.array(estimates_d)
    # the analytic variance of the aggregate on Y - tau D: vy - 2 tau c + tau^2 vd
    vy, vd = np.array(var_y), np.array(var_d)
    c = (vy + vd - np.array(var_ymd)) / 2
    assert len(y_a) == result.n_assignments == 60

    # linearity, used below: the estimate on Y - tau D equals T(Y) - tau T(D)
    tau = 0.07
    check = staggered_did(
        relabel(
            df, dict(zip(units, [(3, 3), (2, 2), (T, T), (3, 2), (T, T)], strict=True))
        ).with_columns(y=pl.col("y") - tau * d_obs),
        **COLUMNS,
        transition="transition",
    )
    index = perms.index(((3, 3), (2, 2), (T, T), (3, 2), (T, T)))
    assert check.cs_estimate == pytest.approx(y_a[index] - tau * d_a[index], abs=1e-12)
    assert check.cs_se**2 == pytest.approx(vy[index] - 2 * tau * c[index] + tau**2 * vd[index])

    theta = result.cs_estimate
    obs = perms.index(tuple(observed[u] for u in units))
    assert y_a[obs] == pytest.approx(theta, abs=1e-12) and d_a[obs] == pytest.approx(1.0)

    def p_value(tau):
        """The studentised statistic |T(Y - tau D)| / se(Y - tau D) of every assignment
        against the observed one, the variance floored by a share of its mean."""
        v = vy - 2 * tau * c + tau**2 * vd
        v = v + did_inference.VARIANCE_FLOOR * v.mean()
        stat = (y_a - tau * d_a) ** 2 / v
        return np.mean(stat >= stat[obs] * (1 - 1e-9))

    assert result.cs_p_value == pytest.approx(p_value(0.0), abs=1e-12)
    low, high = result.cs.low, result.cs.high
    assert -1 < low < theta < high < 1
    assert p_value(low) > 0.05 and p_value(high) > 0.05
    for outside in (low - 1e-6, high + 1e-6, low - 0.1, high + 0.1, -1.0, 1.0):
        assert p_value(outside) <= 0.05
    grid = np.linspace(-1.0, 1.0, 2001)
    kept = grid[[p_value(g) > 0.05 for g in grid]]
    assert kept.min() >= low - 1e-9 and kept.max() <= high + 1e-9


@pytest.mark.parametrize("control", ["never", "notyet"])
@pytest.mark.parametrize("weighting", ["cases", "units"])
def test_the_vectorised_estimator_equals_the_estimator_on_relabelled_data(control, weighting):
    """group_time_aggregates for several assignments at once against staggered_did on the
    relabelled cases, post and placebo aggregates, both control groups and weightings."""
    rng = np.random.default_rng(21)
    T = 7
    starts = {"a": 2, "b": 3, "c": 3, "d": 5, "e": 4, "f": None, "g": None}
    df = panel(rng, starts, T, lambda g, t: 0.1, cases=(40, 90), transition_units=("c", "e"))
    observed = {u: (T, T) if g is None else (g, g - 1 if u in ("c", "e") else g)
                for u, g in starts.items()}  # fmt: skip
    units = list(observed)
    N = np.zeros((len(units), T))
    S = np.zeros((len(units), T))
    cells = df.group_by("unit", "period").agg(pl.len().alias("n"), pl.col("y").sum())
    for u, t, n, y in cells.select("unit", "period", "n", "y").iter_rows():
        N[units.index(u), t] = n
        S[units.index(u), t] = y
    perms = [rng.permutation(len(units)) for _ in range(6)]
    patterns = [[observed[units[i]] for i in perm] for perm in perms]
    start = np.array([[p[0] for p in row] for row in patterns])
    until = np.array([[p[1] for p in row] for row in patterns])
    means = np.divide(S, N, out=np.zeros_like(S), where=N > 0)[None]
    post, pre = did_inference.group_time_aggregates(
        N, means, start, until, control=control, weighting=weighting
    )
    for row, pattern in enumerate(patterns):
        result = staggered_did(
            relabel(df, dict(zip(units, pattern, strict=True))),
            **COLUMNS,
            transition="transition",
            control=control,
            weighting=weighting,
        )
        assert post[row, 0] == pytest.approx(result.cs_estimate, abs=1e-12)
        placebo = [e for e in result.group_time if e.pre]
        w = np.array([e.n_treated_units for e in placebo], dtype=float)
        expected = float(w @ np.array([e.estimate for e in placebo]) / w.sum())
        assert pre[row, 0] == pytest.approx(expected, abs=1e-12)
        if result.cs is not None:
            assert result.cs.estimate == pytest.approx(result.cs_estimate, abs=1e-12)


def test_placebo_p_value_equals_a_brute_force_loop():
    rng = np.random.default_rng(5)
    starts = {"a": 3, "b": 3, "c": 4, "d": 4, "e": None, "f": None}
    df = panel(rng, starts, 6, lambda g, t: 0.1, cases=(150, 250))
    result = staggered_did(df, **COLUMNS)
    observed = {u: (6, 6) if g is None else (g, g) for u, g in starts.items()}
    units = list(observed)
    y_pre, d_pre = [], []
    for perm in sorted(set(itertools.permutations([observed[u] for u in units]))):
        pattern = dict(zip(units, perm, strict=True))
        relabelled = relabel(df, pattern)
        for out, column in ((y_pre, pl.col("y")), (d_pre, pl.col("treated_obs"))):
            r = staggered_did(
                relabelled.with_columns(treated_obs=df["treated"].cast(pl.Float64)).with_columns(
                    y=column
                ),
                **COLUMNS,
            )
            pre = [e for e in r.group_time if e.pre]
            w = np.array([e.n_treated_units for e in pre], dtype=float)
            out.append(float(w @ np.array([e.estimate for e in pre]) / w.sum()))
    placebo = result.pre_trend.estimate
    reference = np.array(y_pre) - result.cs_estimate * np.array(d_pre)
    same = np.isclose(reference, placebo, rtol=0, atol=1e-13)
    assert same.sum() >= 1  # the observed assignment
    expected = (1 + np.sum(np.abs(reference[~same]) >= abs(placebo))) / (1 + np.sum(~same))
    assert result.pre_trend_p_value == pytest.approx(expected)
    assert result.n_assignments == 90


# --- designs without a valid interval ---------------------------------------------------------


def test_reason_codes_are_a_small_documented_set():
    assert set(NO_INTERVAL_REASONS) == {"no_estimate", "too_few_assignments", "unbounded"}
    assert all(isinstance(text, str) and text for text in NO_INTERVAL_REASONS.values())


def test_three_treated_against_three_never_treated_starting_together_has_no_interval():
    """20 assignments, but each has a mirror image (treated and controls swapped) with the same
    absolute statistic: the smallest attainable p-value is 0.10, so no 95 % interval."""
    rng = np.random.default_rng(3)
    starts = {"a": 3, "b": 3, "c": 3, "d": None, "e": None, "f": None}
    df = panel(rng, starts, 5, lambda g, t: 0.3, cases=(400, 500)).drop("transition")
    result = staggered_did(df, **COLUMNS)
    assert result.n_assignments == 20
    assert result.cs is None and result.no_interval_reason == "too_few_assignments"
    assert result.cs_estimate == pytest.approx(result.cs_analytic.estimate)
    assert result.cs_p_value >= 0.1
    assert result.pre_trend is None


def test_one_treated_unit_among_nine_has_no_interval():
    rng = np.random.default_rng(4)
    starts = {f"u{i}": None for i in range(8)} | {"t": 3}
    df = panel(rng, starts, 6, lambda g, t: 0.1).drop("transition")
    result = staggered_did(df, **COLUMNS)
    assert result.n_assignments == 9
    assert result.cs is None and result.no_interval_reason == "too_few_assignments"
    assert result.cs_estimate is not None and result.cs_analytic is not None


def test_the_same_numbers_on_every_run():
    rng = np.random.default_rng(8)
    starts = {f"u{i}": [3, 4, 5, None][i % 4] for i in range(12)}
    df = panel(rng, starts, 7, lambda g, t: 0.1).drop("transition")
    first, second = staggered_did(df, **COLUMNS), staggered_did(df, **COLUMNS)
    assert first.n_assignments == 2000
    assert first.cs == second.cs and first.cs_p_value == second.cs_p_value
    assert first.pre_trend == second.pre_trend


# --- coverage of a known truth at the pilot's size ---------------------------------------------


def coverage(never: int, effect, seed: int, reps: int, base: float = 0.3, cases=(60, 200)):
    """9 units with ``cases`` cases each over 8 half-years, starts in periods 4, 5 and 6, half of
    the treated units with a transition period; returns (coverage among the pilots with an
    interval, share of estimable pilots without one, false pre-trend alarms)."""
    rng = np.random.default_rng(seed)
    covered = missing = alarms = n = 0
    for _ in range(reps):
        treated = 9 - never
        order = rng.permutation(9)
        starts = {f"u{order[i]}": (4, 5, 6)[i % 3] if i < treated else None for i in range(9)}
        mids = tuple(u for u, g in starts.items() if g is not None and rng.random() < 0.5)
        df = panel(rng, starts, 8, effect, cases=cases, transition_units=mids, base=base)
        try:
            result = staggered_did(df, **COLUMNS, transition="transition")
        except NotEstimable:  # sparse pilots: no comparison at all
            continue
        if result.cs_estimate is None:
            continue
        post = [e for e in result.group_time if not e.pre]
        w = np.array([e.n_treated_units for e in post], dtype=float)
        truth = float(w @ np.array([effect(e.cohort, e.period) for e in post]) / w.sum())
        n += 1
        if result.cs is None:
            missing += 1
        else:
            covered += result.cs.contains(truth)
        alarms += result.pre_trend_p_value is not None and result.pre_trend_p_value <= 0.05
    return covered / (n - missing), missing / n, alarms / n


@pytest.mark.parametrize(
    ("never", "effect", "base", "cases"),
    # measured (coverage, share without an interval, false pre-trend alarms) in the comments
    [
        # effects growing after the start, 60-200 cases per unit: (0.927, 0, 0.027)
        (1, lambda g, t: 0.02 * (t - g + 1), 0.3, (60, 200)),
        # a rare outcome (5 %), 60-200 cases per unit: (0.947, 0, 0.013)
        (3, lambda g, t: 0.05, 0.05, (60, 200)),
        # 60-200 cases in all (7-22 per unit), mostly 1-3 cases per cell: (0.929, 0.047, 0.061)
        (1, lambda g, t: 0.10, 0.3, (7, 23)),
    ],
    ids=["one-never-growing", "three-never-rare", "one-never-sparse"],
)
def test_coverage_at_pilot_size(never, effect, base, cases):
    """150 simulated pilots per design (the 500-replication table is in ADR 0006). The
    analytic interval covered about 0.79 (0.65 sparse) with one never-treated unit."""
    seed = never if cases == (60, 200) else 10 + never
    cover, missing, alarms = coverage(never, effect, seed=seed, reps=150, base=base, cases=cases)
    assert cover >= 0.90
    assert missing <= 0.15
    assert alarms <= 0.10


def test_the_published_interval_is_exact_where_the_analytic_one_is_not():
    """One never-treated unit, 100 pilots: the analytic interval undercovers, the published
    one does not (a contrast that fails if either inference is swapped for the other)."""
    rng = np.random.default_rng(99)
    cover = {"cs": 0, "cs_analytic": 0}
    for _ in range(100):
        order = rng.permutation(9)
        starts = {f"u{order[i]}": (4, 5, 6)[i % 3] if i < 8 else None for i in range(9)}
        df = panel(rng, starts, 8, lambda g, t: 0.1).drop("transition")
        result = staggered_did(df, **COLUMNS)
        for name in cover:
            cover[name] += getattr(result, name).contains(0.1)
    assert cover["cs"] >= 90 and cover["cs_analytic"] <= 88


@pytest.mark.parametrize("seed", [1, 3])
def test_a_binary_outcome_intersects_the_set_with_the_range_of_the_effect(seed):
    """Sparse pilots (5-15 cases per unit). The statistic is scale-free, so the set for 2Y is
    twice the set for Y: unclipped there (not 0/1), intersected with [-1, 1] for the 0/1 Y.
    Seed 1: a bounded set reaching past 1; seed 3: a set unbounded on one side, published as an
    interval ending at -1 or 1 for the 0/1 outcome and withheld (unbounded) for 2Y."""
    rng = np.random.default_rng(seed)
    starts = {f"u{i}": (3, 4, 5)[i % 3] if i < 8 else None for i in range(9)}
    df = panel(rng, starts, 7, lambda g, t: 0.1, cases=(5, 15)).drop("transition")
    binary = staggered_did(df, **COLUMNS)
    doubled = staggered_did(df.with_columns(y=pl.col("y") * 2.0), **COLUMNS)
    assert binary.cs_p_value == pytest.approx(doubled.cs_p_value)
    assert -1.0 <= binary.cs.low < binary.cs.estimate < binary.cs.high <= 1.0
    if seed == 1:
        assert doubled.cs.high / 2 > 1.0 and binary.cs.high == 1.0
        assert binary.cs.low == pytest.approx(max(doubled.cs.low / 2, -1.0))
    else:
        assert doubled.cs is None and doubled.no_interval_reason == "unbounded"
        assert binary.cs.low == -1.0 or binary.cs.high == 1.0


# --- the design's adoption instead of dating from the data ------------------------------------


def test_design_adoption_that_matches_the_data_changes_nothing():
    rng = np.random.default_rng(41)
    starts = {"a": 3, "b": 4, "c": 5, "d": None, "e": 4, "f": None, "g": 3}
    df = panel(rng, starts, 8, lambda g, t: 0.1)
    plain = staggered_did(df, **COLUMNS, transition="transition")
    designed = staggered_did(df, **COLUMNS, transition="transition", adoption=starts)
    assert designed.cs == plain.cs and designed.cs_p_value == plain.cs_p_value


def test_a_unit_without_cases_in_its_first_treated_period_keeps_its_design_start():
    """Unit "c" started in period 5 but has no case there: the data date it to period 6. With the
    design's adoption the randomisation re-assigns start 5 (its observed assignment no longer
    depends on where the cases happened to fall); a design start later than the data's is not
    believed (the treated cases are there)."""
    rng = np.random.default_rng(42)
    starts = {"a": 3, "b": 4, "c": 5, "d": None, "e": 4, "f": None, "g": 3}
    df = panel(rng, starts, 8, lambda g, t: 0.1).filter(
        ~((pl.col("unit") == "c") & (pl.col("period") == 5))
    )
    plain = staggered_did(df, **COLUMNS, transition="transition")
    designed = staggered_did(df, **COLUMNS, transition="transition", adoption=starts)
    assert plain.cs.estimate == pytest.approx(plain.cs_estimate)  # data-dated: the same aggregate
    assert designed.cs.estimate != pytest.approx(plain.cs.estimate)  # c now in cohort 5
    late = staggered_did(df, **COLUMNS, transition="transition", adoption={**starts, "a": 6})
    assert late.cs == designed.cs  # a's treated cases from period 3 on outweigh a later design date

    from inbeeld.stats.did import _design_patterns

    units, periods = list(starts), list(range(8))
    start = np.array([3, 4, 6, 8, 4, 8, 3])
    R = np.zeros((7, 8), dtype=bool)
    design, until = _design_patterns(starts, units, periods, start, start.copy(), R)
    assert design.tolist() == [3, 4, 5, 8, 4, 8, 3] and until.tolist() == design.tolist()
