"""Disclosure control of a nested funnel (stats.funnel, stats.monitor.chain_funnel): which of its
counts may be published.

The line and table rules of stats.disclosure protect each stage as a line of its own, but a funnel
leaks more: its stages are nested (a stage holds at most the cases of the stage before it, and the
published page says so), which bounds a suppressed count by its neighbours above and below. So the
funnel as a whole is audited by linear programming (:func:`funnel_exposed`) and more counts are
suppressed until none can be pinned to an interval narrower than the protection width
(:func:`protect_funnel`). Pure: no Django; the policy (minimum cell size, rounding) comes in as a
stats.disclosure.DisclosurePolicy.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog

from inbeeld.stats.disclosure import DisclosurePolicy, protect_one_way

__all__ = ["funnel_exposed", "protect_funnel"]

_LP_TOLERANCE = 1e-6


def funnel_exposed(
    values: np.ndarray, suppressed: np.ndarray, width: int
) -> tuple[tuple[int, int] | None, float]:
    """The first suppressed number of the funnel an attacker can pin to an interval narrower than
    ``width``, and how much wider it must become; (None, 0) when every one is protected.

    ``values`` is stages × (years + total). The attacker knows every published number, that the
    years of a stage add up to its total, that counts are not negative, and that the funnel is
    nested: in every column a stage holds at most the cases of the stage before it (the page says
    so). By linear programming, the smallest and largest value of each suppressed number."""
    unknown = [tuple(int(i) for i in p) for p in np.argwhere(suppressed)]
    if not unknown:
        return None, 0.0
    index = {p: i for i, p in enumerate(unknown)}
    n_rows, n_cols = values.shape

    def linear(terms) -> tuple[np.ndarray, float]:
        coef, known = np.zeros(len(unknown)), 0.0
        for position, sign in terms:
            if suppressed[position]:
                coef[index[position]] += sign
            else:
                known += sign * float(values[position])
        return coef, -known

    equalities = [
        linear([((k, j), -1.0 if j == n_cols - 1 else 1.0) for j in range(n_cols)])
        for k in range(n_rows)
    ]
    inequalities = [
        linear([((k + 1, j), 1.0), ((k, j), -1.0)])
        for k in range(n_rows - 1)
        for j in range(n_cols)
    ]
    equalities = [e for e in equalities if e[0].any()]
    inequalities = [e for e in inequalities if e[0].any()]
    a_eq = np.array([e[0] for e in equalities]) if equalities else None
    b_eq = np.array([e[1] for e in equalities]) if equalities else None
    a_ub = np.array([e[0] for e in inequalities]) if inequalities else None
    b_ub = np.array([e[1] for e in inequalities]) if inequalities else None
    for position in unknown:
        objective = np.zeros(len(unknown))
        objective[index[position]] = 1.0
        ends = []
        for sense in (1.0, -1.0):
            result = linprog(
                sense * objective,
                A_eq=a_eq,
                b_eq=b_eq,
                A_ub=a_ub,
                b_ub=b_ub,
                bounds=(0, None),
                method="highs",
            )
            if result.status == 3 and sense < 0:
                ends.append(math.inf)
            elif result.status == 0:
                ends.append(sense * float(result.fun))
            else:  # the true counts are feasible, so this is a solver failure
                raise RuntimeError(f"funnel disclosure audit: linprog failed ({result.message})")
        low, high = max(ends[0], 0.0), ends[1]
        if high - low < width - _LP_TOLERANCE:
            return position, width - (high - low)
    return None, 0.0


def protect_funnel(counts, years: list[str], policy: DisclosurePolicy) -> list[list[int | None]]:
    """The published funnel: per stage the yearly counts and the total (None: suppressed).

    Every stage is first protected as a line of its own (protect_one_way); then the funnel is
    audited as a whole, because its stages are nested (a stage is at most the stage before it),
    which bounds a suppressed number by its neighbours above and below. While a suppressed number
    can be pinned to an interval narrower than the protection width, one more is suppressed: a
    neighbour in its column (never in the first line, the registered cases, which the breakdown
    tables publish anyway) or in its own stage, the smallest that is at least the missing width
    (else the largest), cells before totals.

    A column whose registered cases are a published 0 is 0 in every stage (nothing can be
    hidden there): those zeros are published, never suppressed."""
    matrix = np.asarray(counts, dtype=np.int64)
    n_rows, n_years = matrix.shape
    series = [protect_one_way(list(row), years, policy) for row in matrix]
    values = np.column_stack([matrix, matrix.sum(axis=1)])
    suppressed = np.array(
        [
            [s.status_of(j).suppressed for j in range(n_years)] + [s.total_status.suppressed]
            for s in series
        ],
        dtype=bool,
    )
    structural = np.zeros_like(suppressed)
    structural[1:, :] = (values[0] == 0) & ~suppressed[0]
    suppressed &= ~structural
    while True:
        exposed, need = funnel_exposed(values, suppressed, policy.required_width)
        if exposed is None:
            break
        k, j = exposed
        around = [(k + step, j) for step in (-1, 1) if 1 <= k + step < n_rows]
        candidates = [
            p
            for p in [*around, *((k, c) for c in range(n_years + 1))]
            if not suppressed[p] and not structural[p]
        ]
        if not candidates:
            candidates = [tuple(int(i) for i in p) for p in np.argwhere(~suppressed & ~structural)]
        if not candidates:  # cannot happen: with everything suppressed nothing is bounded
            raise RuntimeError("funnel disclosure: no number left to suppress")
        suppressed[
            min(
                candidates,
                key=lambda p: (
                    p[1] == n_years,
                    values[p] < need,
                    int(values[p]) if values[p] >= need else -int(values[p]),
                    p,
                ),
            )
        ] = True
    return [
        [None if suppressed[k, j] else policy.round(int(values[k, j])) for j in range(n_years + 1)]
        for k in range(n_rows)
    ]
