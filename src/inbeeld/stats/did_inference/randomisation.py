"""Test inversion: the published interval and p-value of the group-time aggregate and of the
pre-trend check. See docs/methods/did_inference.md."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from inbeeld.stats.did_inference.aggregates import group_time_aggregates
from inbeeld.stats.did_inference.assignments import SEED, assignments

NO_INTERVAL_REASONS: dict[str, str] = {
    "no_estimate": "no cohort has comparison units and a period before its start",
    "too_few_assignments": (
        "too few distinct assignments of the start periods to the units for p < 0.05 to be "
        "attainable (e.g. one treated and one control unit)"
    ),
    "unbounded": (
        "the effects not rejected form an unbounded set: the data cannot tell the effect apart "
        "from the way the start periods fell"
    ),
}

VARIANCE_FLOOR = 0.25  # share of the mean variance over the assignments added to every one
TRANSITION_EXPOSURE = 0.5  # share of a transition period's cases taken as treated in the null


# --- test inversion ---------------------------------------------------------------------------


def _poly_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Products of quadratics, row by row: (k x 3) times (k x 3) ascending coefficients."""
    out = np.zeros((a.shape[0], 5))
    for i in range(3):
        for j in range(3):
            out[:, i + j] += a[:, i] * b[:, j]
    return out


def _real_roots(poly: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Every real root of the polynomials (rows of ascending coefficients, coefficients below
    ``tol`` taken as 0); quartics by the eigenvalues of their companion matrices at once."""
    coef = np.where(np.abs(poly) > tol, poly, 0.0)
    quartic = coef[:, 4] != 0
    roots = []
    if quartic.any():
        c = coef[quartic] / coef[quartic, 4:5]
        companion = np.zeros((c.shape[0], 4, 4))
        companion[:, 1:, :3] = np.eye(3)
        companion[:, :, 3] = -c[:, :4]
        values = np.linalg.eigvals(companion).ravel()
        roots.append(values.real[np.abs(values.imag) <= 1e-9 * (1 + np.abs(values.real))])
    for row in coef[~quartic]:
        nz = np.flatnonzero(row)
        if nz.size and nz[-1] > 0:
            values = np.roots(row[: nz[-1] + 1][::-1])
            roots.append(values.real[np.abs(values.imag) <= 1e-9 * (1 + np.abs(values.real))])
    return np.concatenate(roots) if roots else np.zeros(0)


def _invert_studentised(
    observed: np.ndarray,
    stats_a: np.ndarray,
    alpha: float,
    bounds: tuple[float, float] | None,
) -> tuple[float, float, float, str | None]:
    """(low, high, p-value of 0, reason) of the randomisation interval with the studentised
    statistic ``|T(Y - tau D)| / se(Y - tau D)``: tau is kept when
    #{a: |T_a| / se_a >= |T_obs| / se_obs} > alpha * n. Both sides squared and cross-multiplied,
    ``T_a(tau)^2 V_obs(tau) >= T_obs(tau)^2 V_a(tau)``: one quartic in tau per assignment. Each
    row of ``stats_a`` (and ``observed``) holds T(Y), T(D), V(Y), C(Y, D), V(D). ``bounds``: the
    range the effect can take (a 0/1 outcome: [-1, 1]); the set is intersected with it."""
    n = len(stats_a)
    needed = alpha * n

    def parts(rows):
        ty, td, vyy, vyd, vdd = rows.T
        return (np.stack([ty**2, -2 * ty * td, td**2], axis=1), np.stack([vyy, -2 * vyd, vdd], 1))

    num_a, var_a = parts(stats_a)
    num_o, var_o = parts(observed[None, :])
    # a floor: the mean variance over the assignments (a function of the outcome alone, so the
    # test stays exact), against variances of 0 where a side has a single informative unit
    floor = VARIANCE_FLOOR * var_a.mean(axis=0)
    var_a = var_a + floor
    var_o = var_o + floor
    left = _poly_mul(num_a, np.repeat(var_o, n, axis=0))  # T_a^2 V_obs
    right = _poly_mul(np.repeat(num_o, n, axis=0), var_a)  # T_obs^2 V_a
    poly = left - right
    tol = 1e-9 * (np.abs(left) + np.abs(right)) + 1e-300

    def count(tau: np.ndarray) -> np.ndarray:
        powers = tau[:, None, None] ** np.arange(5)[None, None, :]  # taus x 1 x 5
        lv = (left[None] * powers).sum(axis=2)
        rv = (right[None] * powers).sum(axis=2)
        return (lv >= rv - 1e-9 * (np.abs(lv) + np.abs(rv)) - 1e-300).sum(axis=1)

    def extreme_at_infinity(sign: float) -> int:
        big = np.abs(poly) > tol
        k = np.where(big.any(axis=1), 4 - np.argmax(big[:, ::-1], axis=1), -1)
        lead = np.where(k >= 0, poly[np.arange(n), np.maximum(k, 0)], 0.0)
        return int(((k < 0) | (lead * sign ** np.maximum(k, 0) > 0)).sum())

    p_zero = float(count(np.array([0.0]))[0]) / n
    upper = extreme_at_infinity(1.0) > needed
    lower = extreme_at_infinity(-1.0) > needed
    roots = _real_roots(poly, tol)
    if upper and lower:
        # too few assignments unless some effect can be rejected (and the range is bounded):
        # the count is constant between roots, so test every root and every midpoint
        ordered = np.sort(roots)
        points = np.concatenate([ordered, (ordered[1:] + ordered[:-1]) / 2])
        if bounds is None or all(
            (count(points[i : i + 256]) > needed).all() for i in range(0, len(points), 256)
        ):
            return math.nan, math.nan, p_zero, "too_few_assignments"
    if (upper or lower) and bounds is None:
        return math.nan, math.nan, p_zero, "unbounded"
    candidates = np.unique(np.concatenate([roots, [observed[0]]]))
    if bounds is not None:
        inside = (candidates >= bounds[0]) & (candidates <= bounds[1])
        candidates = np.unique(np.concatenate([candidates[inside], bounds]))
    ends = []
    for ordered in (candidates[::-1], candidates):  # from the outside in
        end = math.nan
        for chunk in range(0, len(ordered), 256):
            part = ordered[chunk : chunk + 256]
            accepted = part[count(part) > needed]
            if accepted.size:
                end = float(accepted[0])
                break
        ends.append(end)
    high, low = ends
    if math.isnan(low):  # nothing possible is kept: the data contradict the model of the test
        return math.nan, math.nan, p_zero, "unbounded"
    return low, high, p_zero, None


@dataclass(frozen=True)
class Randomisation:
    """Randomisation inference for one data set: the aggregate and the placebo aggregate."""

    estimate: float
    low: float
    high: float
    p_value: float
    reason: str | None
    pre_estimate: float
    pre_low: float
    pre_high: float
    pre_p_value: float
    pre_reason: str | None
    n_assignments: int
    enumerated: bool


def _placebo_interval(
    observed: float, reference: np.ndarray, alpha: float
) -> tuple[float, float, float, str | None]:
    """Location-shift interval of the placebo: delta is kept when
    1 + #{a != obs: |R_a| >= |observed - delta|} > alpha * n."""
    n = len(reference) + 1
    magnitude = np.sort(np.abs(reference))[::-1]
    p_zero = (1 + int((np.abs(reference) >= abs(observed) - 1e-12 * abs(observed)).sum())) / n
    k = math.floor(alpha * n)  # need 1 + #{|R| >= r} > alpha n, i.e. #{|R| >= r} >= k
    if k == 0:
        return math.nan, math.nan, p_zero, "too_few_assignments"
    if k > len(magnitude):
        return math.nan, math.nan, p_zero, "too_few_assignments"
    r = float(magnitude[k - 1])
    return observed - r, observed + r, p_zero, None


def randomisation_inference(
    N: np.ndarray,
    ybar: np.ndarray,
    start: np.ndarray,
    until: np.ndarray,
    *,
    control: str,
    weighting: str,
    confidence: float,
    transition: np.ndarray | None = None,
    seed: int = SEED,
    bounds: tuple[float, float] | None = None,
) -> Randomisation | None:
    """Randomisation inference for the group-time aggregate and its pre-trend placebo (see
    docs/methods/did_inference.md). ``start``/``until`` hold the observed pattern per unit; ``N``
    and ``ybar`` the case counts and means of every cell, the observed transition cells
    (``transition``) included: the observed assignment never uses them, other assignments do,
    with half the treatment in the null ``Y - tau D`` (the start fell part-way through). None when
    the observed assignment has no post comparison."""
    U, T = N.shape
    alpha = 1.0 - confidence
    D = (np.arange(T)[None, :] >= start[:, None]).astype(float)
    if transition is not None:
        D[transition] = TRANSITION_EXPOSURE
    movable = np.flatnonzero(until > 0)  # units treated from the first period stay as they are
    starts, untils, enumerated = _reference_set(start, until, movable, T, seed)
    means = np.stack([ybar, D])
    post, pre, variance = group_time_aggregates(
        N, means, starts, untils, control=control, weighting=weighting, influence=True
    )
    obs_post, obs_pre, obs_variance = group_time_aggregates(
        N,
        means,
        start[None, :],
        until[None, :],
        control=control,
        weighting=weighting,
        influence=True,
    )
    estimate = float(obs_post[0, 0])
    if not math.isfinite(estimate):
        return None
    usable = np.isfinite(post[:, 0])
    n_used = int(usable.sum())
    if n_used * alpha < 1.0:
        low = high = math.nan
        p_value = float((np.abs(post[usable, 0]) >= abs(estimate) * (1 - 1e-12)).sum()) / n_used
        reason: str | None = "too_few_assignments"
    else:
        rows = np.column_stack(
            [post[:, 0], post[:, 1], variance[:, 0, 0], variance[:, 0, 1], variance[:, 1, 1]]
        )
        observed = np.array([estimate, obs_post[0, 1], *obs_variance[0][[0, 0, 1], [0, 1, 1]]])
        low, high, p_value, reason = _invert_studentised(observed, rows[usable], alpha, bounds)
    # the placebo of every assignment except the observed pattern itself
    same = (starts[:, movable] == start[movable]).all(axis=1) & (
        untils[:, movable] == until[movable]
    ).all(axis=1)
    pre_estimate = float(obs_pre[0, 0])
    pre_low, pre_high, pre_p, pre_reason = _pre_trend_test(pre, pre_estimate, estimate, same, alpha)
    if reason == "too_few_assignments":  # the same reference set cannot test the placebo
        pre_low = pre_high = math.nan
        pre_reason = reason
    return Randomisation(
        estimate=estimate,
        low=low,
        high=high,
        p_value=p_value,
        reason=reason,
        pre_estimate=pre_estimate,
        pre_low=pre_low,
        pre_high=pre_high,
        pre_p_value=pre_p,
        pre_reason=pre_reason,
        n_assignments=n_used,
        enumerated=enumerated,
    )


def _reference_set(start, until, movable, T: int, seed: int):
    """Every assignment's (start, until) per unit: the movable units' patterns re-assigned, the
    units treated from the first period kept as they are."""
    labels = start[movable] * (T + 1) + until[movable]
    rows, enumerated = assignments(labels, seed=seed)
    starts = np.tile(start, (len(rows), 1))
    untils = np.tile(until, (len(rows), 1))
    starts[:, movable] = rows // (T + 1)
    untils[:, movable] = rows % (T + 1)
    return starts, untils, enumerated


def _pre_trend_test(pre, pre_estimate: float, estimate: float, same, alpha: float):
    """The pre-trend placebo against the reference set with the estimated effect removed:
    (low, high, p-value, reason for no interval)."""
    pre_low = pre_high = pre_p = math.nan
    pre_reason: str | None = "no_estimate"
    if math.isfinite(pre_estimate):
        adjusted = pre[:, 0] - estimate * pre[:, 1]  # the placebo of Y - tau_hat D
        reference = adjusted[np.isfinite(adjusted) & ~same]
        if (len(reference) + 1) * alpha < 1.0:
            pre_p = (1 + int((np.abs(reference) >= abs(pre_estimate)).sum())) / (len(reference) + 1)
            pre_reason = "too_few_assignments"
        else:
            pre_low, pre_high, pre_p, pre_reason = _placebo_interval(pre_estimate, reference, alpha)
    return pre_low, pre_high, pre_p, pre_reason
