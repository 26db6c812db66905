"""The group-time estimator for many assignments at once, with its influence functions."""

from __future__ import annotations

import numpy as np


def _weights(N: np.ndarray, t: int, base: int, weighting: str) -> np.ndarray:
    n_t, n_b = N[:, t], N[:, base]
    both = (n_t > 0) & (n_b > 0)
    if weighting == "units":
        return both.astype(float)
    return np.where(both, n_t * n_b / np.where(both, n_t + n_b, 1.0), 0.0)


def group_time_aggregates(
    N: np.ndarray,
    means: np.ndarray,
    start: np.ndarray,
    until: np.ndarray,
    *,
    control: str,
    weighting: str,
    influence: bool = False,
) -> tuple[np.ndarray, ...]:
    """The cohort-size weighted aggregates of the post and of the pre (placebo) group-time
    comparisons, exactly as ``stats.did`` computes them, for many assignments at once.

    ``N`` (units x periods) case counts; ``means`` (m x units x periods) cell means of m outcomes
    (empty cells any value); ``start``/``until`` (assignments x units) every unit's first treated
    period and first period that is no longer a clean control (T for never treated). Returns
    two arrays (assignments x m), NaN where an assignment has no usable comparison; with
    ``influence`` also the variance (assignments x m x m) of the post aggregate that
    ``analytic_summary`` computes for each assignment: the cross products
    ``G/(G-1) sum_u psi_u psi_u'`` of the per-unit influence functions of the m outcomes (linear in
    the outcome, so the variance of ``Y - tau D`` is a quadratic in tau)."""
    A, U = start.shape
    T = N.shape[1]
    m = means.shape[0]
    post_sum = np.zeros((A, m))
    post_w = np.zeros(A)
    pre_sum = np.zeros((A, m))
    pre_w = np.zeros(A)
    patterns = _cohort_patterns(start, until, T)
    never = start == T
    if influence:
        psi = np.zeros((A, m, U))
        involved = np.zeros((A, U), dtype=bool)
        cohort_parts = []  # (members, size, sum of its ATT(g,t), number of its comparisons)
    for g, f in patterns:
        members = (start == g) & (until == f)
        size = members.sum(axis=1).astype(float)  # the same in every assignment (a multiset)
        zm = members.astype(float)
        if influence:
            att_sum = np.zeros((A, m))
            n_cmp = np.zeros(A)
        for t in range(1, T):
            if f <= t < g:
                continue
            base = f - 1 if t >= g else t - 1
            h = _weights(N, t, base, weighting)
            both = h > 0
            change = np.where(both[None, :], means[:, :, t] - means[:, :, base], 0.0)  # m x U
            clean = until > t  # a control must be clean at t (base < t)
            controls = never & clean if control == "never" else clean & ~members
            zc = controls.astype(float)
            den_t, den_c = zm @ h, zc @ h
            ok = (den_t > 0) & (den_c > 0)
            if not ok.any():
                continue
            hc = h[:, None] * change.T  # U x m
            with np.errstate(invalid="ignore", divide="ignore"):
                att = (zm @ hc) / den_t[:, None] - (zc @ hc) / den_c[:, None]
            w = np.where(ok, size, 0.0)
            contribution = np.where(ok[:, None], w[:, None] * att, 0.0)
            if t >= g:
                post_sum += contribution
                post_w += w
                if influence:
                    _add_influence(psi, involved, zm, zc, h, change, den_t, den_c, w, ok)
                    att_sum += np.where(ok[:, None], att, 0.0)
                    n_cmp += ok
            else:
                pre_sum += contribution
                pre_w += w
        if influence:
            cohort_parts.append((zm, size, att_sum, n_cmp))
    with np.errstate(invalid="ignore", divide="ignore"):
        post = np.where(post_w[:, None] > 0, post_sum / post_w[:, None], np.nan)
        pre = np.where(pre_w[:, None] > 0, pre_sum / pre_w[:, None], np.nan)
    if not influence:
        return post, pre
    return post, pre, _variance(psi, involved, cohort_parts, post, post_w)


def _cohort_patterns(start: np.ndarray, until: np.ndarray, T: int) -> list[tuple[int, int]]:
    """The cohorts, in order, as in stats.did._group_time: same start and same clean pre-period,
    0 < f and g < T."""
    pairs = np.unique(start[0] * (T + 1) + until[0])  # every row holds the same multiset
    patterns = {(int(k // (T + 1)), int(k % (T + 1))) for k in pairs}
    return sorted((g, f) for g, f in patterns if 0 < f and g < T)


def _variance(psi, involved, cohort_parts, post, post_w) -> np.ndarray:
    """The analytic variance (assignments x m x m) of the post aggregate from the per-unit
    influence functions, with the estimated cohort shares' own contribution."""
    with np.errstate(invalid="ignore", divide="ignore"):
        psi /= post_w[:, None, None]
        # the estimated cohort shares (as analytic_summary): theta = sum_g n_g S_g / sum_g n_g k_g
        # with S_g the sum of cohort g's ATT(g,t) and k_g their number, n_g / G its share
        G = involved.sum(axis=1).astype(float)
        for members, size, att_sum, n_cmp in cohort_parts:
            factor = (att_sum - n_cmp[:, None] * post) / post_w[:, None]  # A x m
            share = np.where(involved, members - (size / G)[:, None], 0.0)  # A x U
            psi += factor[:, :, None] * share[:, None, :]
        return np.einsum("amu,anu->amn", psi, psi) * (G / (G - 1))[:, None, None]


def _add_influence(psi, involved, zm, zc, h, change, den_t, den_c, w, ok) -> None:
    """Add one comparison's weighted per-unit influence functions (treated side
    ``h (change - mean) / sum h``, control side minus the same) to ``psi`` (A x m x U)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        for z, den, sign in ((zm, den_t, 1.0), (zc, den_c, -1.0)):
            mean = np.where(ok[:, None], (z @ (h[:, None] * change.T)) / den[:, None], 0.0)
            part = z[:, None, :] * h[None, None, :] * (change[None, :, :] - mean[:, :, None])
            scale = np.where(ok, sign * w / np.where(ok, den, 1.0), 0.0)
            psi += scale[:, None, None] * part
            involved |= (z > 0) & ok[:, None]
