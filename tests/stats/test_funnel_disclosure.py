"""stats.funnel_disclosure: the published funnel publishes true counts only, none between 0 and the
minimum cell size, and an attacker who knows the nesting pins no suppressed count to an interval
narrower than the minimum (an attacker of its own here, by linear programming)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from inbeeld.stats.disclosure import DisclosurePolicy
from inbeeld.stats.funnel_disclosure import protect_funnel


def _attack(counts, published) -> dict[tuple[int, int], tuple[float, float]]:
    """Per suppressed (stage, column) the narrowest interval the published numbers, the row sums
    (years add up to the total), non-negativity and the nesting (a stage is at most the one
    above it, column by column) allow."""
    n_rows, n_cols = len(published), len(published[0])
    unknown = [(k, j) for k in range(n_rows) for j in range(n_cols) if published[k][j] is None]
    if not unknown:
        return {}
    at = {p: i for i, p in enumerate(unknown)}

    def term(k, j):
        coef = np.zeros(len(unknown))
        if (k, j) in at:
            coef[at[(k, j)]] = 1.0
            return coef, 0.0
        return coef, float(published[k][j])

    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for k in range(n_rows):
        coef, known = np.zeros(len(unknown)), 0.0
        for j in range(n_cols):
            c, v = term(k, j)
            sign = -1.0 if j == n_cols - 1 else 1.0
            coef += sign * c
            known += sign * v
        if coef.any():
            a_eq.append(coef)
            b_eq.append(-known)
    for k, j in itertools.product(range(n_rows - 1), range(n_cols)):
        (lower, lv), (upper, uv) = term(k + 1, j), term(k, j)
        coef = lower - upper
        if coef.any():
            a_ub.append(coef)
            b_ub.append(uv - lv)
    out = {}
    for p in unknown:
        objective = np.zeros(len(unknown))
        objective[at[p]] = 1.0
        ends = []
        for sense in (1.0, -1.0):
            result = linprog(
                sense * objective,
                A_eq=np.array(a_eq) if a_eq else None,
                b_eq=np.array(b_eq) if b_eq else None,
                A_ub=np.array(a_ub) if a_ub else None,
                b_ub=np.array(b_ub) if b_ub else None,
                bounds=(0, None),
                method="highs",
            )
            ends.append(np.inf if result.status == 3 else sense * result.fun)
        out[p] = (ends[0], ends[1])
    return out


@st.composite
def _nested_funnels(draw):
    n_years = draw(st.integers(1, 5))
    n_stages = draw(st.integers(2, 6))
    columns = []
    for _ in range(n_years):
        column = [draw(st.integers(0, 40))]
        for _ in range(n_stages - 1):
            column.append(draw(st.integers(0, column[-1])))
        columns.append(column)
    return [[columns[j][k] for j in range(n_years)] for k in range(n_stages)]


def _check(counts, min_cell):
    years = [str(2020 + j) for j in range(len(counts[0]))]
    published = protect_funnel(counts, years, DisclosurePolicy(min_cell=min_cell))
    truth = [[*row, sum(row)] for row in counts]
    for row, shown in zip(truth, published, strict=True):
        for true, value in zip(row, shown, strict=True):
            if value is not None:
                assert value == true and not 0 < value < min_cell
        assert all(v is None for t, v in zip(row, shown, strict=True) if 0 < t < min_cell)
    for (k, j), (low, high) in _attack(counts, published).items():
        assert low - 1e-6 <= truth[k][j] <= high + 1e-6
        assert high - low >= min_cell - 1e-6, (counts, published, k, j, low, high)
    return published


def test_a_funnel_of_large_counts_is_published_whole():
    counts = [[50, 60], [40, 45], [30, 31]]
    assert _check(counts, 10) == [[50, 60, 110], [40, 45, 85], [30, 31, 61]]


def test_a_small_count_is_suppressed_with_a_neighbour_that_hides_it():
    published = _check([[50, 60], [40, 45], [3, 31]], 10)
    assert published[2][0] is None
    assert sum(v is None for row in published for v in row) >= 2


def test_zeros_under_a_published_zero_column_are_published():
    published = _check([[0, 60], [0, 45], [0, 31]], 10)
    assert [row[0] for row in published] == [0, 0, 0]


@pytest.mark.parametrize("min_cell", [3, 10])
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=_nested_funnels())
def test_the_protection_holds_for_any_nested_funnel(counts, min_cell):
    _check(counts, min_cell)
