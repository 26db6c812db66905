"""The engine: numbers linked by additive lines; primary and secondary suppression verified
by linear programmes (the attacker's interval of every suppressed number)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linprog

from inbeeld.stats.disclosure.policy import CellStatus, DisclosurePolicy

_TOL = 1e-6  # LP tolerance when comparing an interval width with the required width


def _primary(values: np.ndarray, policy: DisclosurePolicy) -> np.ndarray:
    primary = (values > 0) & (values < policy.min_cell)
    if not policy.publish_zeros:
        primary |= values == 0
    return primary


def _intervals(
    values: np.ndarray,
    lines: Sequence[tuple[int, ...]],
    suppressed: np.ndarray,
    order: Sequence[int],
    width: int,
    stop_at_exposed: bool,
) -> tuple[dict[int, tuple[float, float]], int | None]:
    """Min and max of each suppressed number (in ``order``) given the published ones. Returns the
    intervals and, with ``stop_at_exposed``, the first number whose interval is too narrow."""
    unknown = np.flatnonzero(suppressed)
    position = {int(c): k for k, c in enumerate(unknown)}
    rows, rhs = [], []
    for line in lines:  # members ... total: sum(members) - total = 0
        coef = np.zeros(len(unknown))
        known = 0.0
        for cell, sign in [(m, 1.0) for m in line[:-1]] + [(line[-1], -1.0)]:
            if suppressed[cell]:
                coef[position[cell]] += sign
            else:
                known += sign * float(values[cell])
        if coef.any():
            rows.append(coef)
            rhs.append(-known)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    result: dict[int, tuple[float, float]] = {}
    for cell in order:
        objective = np.zeros(len(unknown))
        objective[position[cell]] = 1.0
        bounds = []
        for sense in (1.0, -1.0):
            res = linprog(sense * objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            if res.status == 3 and sense < 0:  # unbounded above
                bounds.append(math.inf)
            elif res.status == 0:
                bounds.append(round(sense * float(res.fun), 6) + 0.0)
            else:  # the true values are feasible, so this is a solver failure
                raise RuntimeError(f"disclosure audit: linprog failed ({res.message})")
        low, high = max(bounds[0], 0.0), bounds[1]
        result[cell] = (low, high)
        if stop_at_exposed and high - low < width - _TOL:
            return result, cell
    return result, None


def _suppress(
    values: np.ndarray,
    lines: Sequence[tuple[int, ...]],
    is_total: np.ndarray,
    policy: DisclosurePolicy,
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[float, float]]]:
    """Primary suppression, secondary suppression to the line rule and the LP rule. Returns the
    primary mask, the suppressed mask and the audit intervals of the suppressed numbers."""
    n = len(values)
    width = policy.required_width
    lines_of: list[list[int]] = [[] for _ in range(n)]
    for index, line in enumerate(lines):
        for cell in line:
            lines_of[cell].append(index)
    primary = _primary(values, policy)
    suppressed = primary.copy()
    count = np.array([int(suppressed[list(line)].sum()) for line in lines])

    def suppress(cell: int) -> None:
        suppressed[cell] = True
        for index in lines_of[cell]:
            count[index] += 1

    def complete_lines() -> None:
        changed = True
        while changed:
            changed = False
            for index, line in enumerate(lines):
                if count[index] != 1:
                    continue
                alone = next(c for c in line if suppressed[c])
                # a partner of a small number must be able to give way when it grows: not a 0
                need = width - int(values[alone])
                candidates = [c for c in line if not suppressed[c]]

                def closes(c: int, index: int = index) -> bool:
                    return any(count[o] == 1 for o in lines_of[c] if o != index)

                suppress(
                    min(
                        candidates,
                        key=lambda c, need=need: (
                            values[c] < need,
                            int(values[c]),
                            not closes(c),
                            bool(is_total[c]),
                            c,
                        ),
                    )
                )
                changed = True

    while True:
        complete_lines()
        order = sorted(np.flatnonzero(suppressed).tolist(), key=lambda c: (not primary[c], c))
        audit, exposed = _intervals(values, lines, suppressed, order, width, stop_at_exposed=True)
        if exposed is None:
            return primary, suppressed, audit
        low, high = audit[exposed]
        need = width - (high - low)
        neighbours = {c for i in lines_of[exposed] for c in lines[i] if not suppressed[c]}
        candidates = neighbours or set(np.flatnonzero(~suppressed).tolist())
        if not candidates:  # cannot happen: with everything suppressed nothing is bounded
            raise RuntimeError("disclosure: no number left to suppress")
        suppress(
            min(
                candidates,
                key=lambda c: (
                    bool(is_total[c]),
                    values[c] < need,
                    int(values[c]) if values[c] >= need else -int(values[c]),
                    c,
                ),
            )
        )


def _statuses(
    values: np.ndarray, primary: np.ndarray, suppressed: np.ndarray, policy: DisclosurePolicy
) -> tuple[list[CellStatus], list[int | None]]:
    shown = CellStatus.PUBLISHED if policy.rounding_base is None else CellStatus.ROUNDED
    status, published = [], []
    for value, is_primary, is_suppressed in zip(values, primary, suppressed, strict=True):
        if is_suppressed:
            status.append(CellStatus.PRIMARY if is_primary else CellStatus.SECONDARY)
            published.append(None)
        else:
            status.append(shown)
            published.append(policy.round(int(value)))
    return status, published


def _percent(
    numerator: int | None, denominator: int | None, policy: DisclosurePolicy
) -> float | None:
    if numerator is None or denominator is None or denominator < policy.min_denominator:
        return None
    return 100.0 * numerator / denominator
