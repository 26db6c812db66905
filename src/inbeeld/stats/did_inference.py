"""Inference for the staggered group-time aggregate (``stats.did``) that holds with few units.

Published: **randomisation inference over units and start periods.** Every unit that enters the
group-time estimate carries an adoption pattern (its first treated period and, when it started
part-way through a period, its transition periods; "never" is a pattern too). The observed
multiset of patterns is re-assigned to the units in every distinct way (all of them when there
are at most ``MAX_ENUMERATED``, otherwise the observed one plus ``N_SAMPLED`` draws with the fixed
seed ``SEED``, so a page shows the same numbers on every view) and the estimator is recomputed on
the same cells for every assignment. The aggregate is linear in the cell means, so under the
sharp null "every treated cell is shifted by tau" (the outcome without the intervention is
``Y - tau D``, ``D`` the observed treatment) the statistic of assignment ``a`` is
``T_a(Y) - tau T_a(D)``. The statistic is studentised (Chung & Romano 2013; Wu & Ding 2021):
``|T_a(Y - tau D)| / se_a(Y - tau D)``, se_a the analytic linearised standard error of
``analytic_summary`` computed for assignment a (the influence function is linear in the outcome,
so its variance is a quadratic in tau), plus a floor of ``VARIANCE_FLOOR`` times the mean of
these variances over the assignments (a function of the outcome alone, so the test stays exact
under the sharp null) against variances of 0 in sparse cells. The p-value of tau counts the
assignments at least as extreme as the observed one (itself included); the 95 % interval is the
set of tau with p > 0.05, found exactly from the roots of one quartic per assignment. With a 0/1
outcome (``bounds``) the set is intersected with [-1, 1], the range of the effect. The
observed transition cells, which the observed estimate leaves out, are used by the other
assignments with half the treatment (``TRANSITION_EXPOSURE``); leaving them out of every
assignment made the interval conservative (coverage 0.98 against 0.95 in simulated pilots).
Units treated from the first period never enter the estimate and keep their pattern.

The pre-trend check uses the same reference set: the placebo aggregate of every assignment on
``Y - tau_hat D`` (the estimated effect removed, so real effects do not widen the reference), its
p-value, and the interval ``placebo +- r`` with ``r`` the smallest half-width the reference
distribution does not reject (a location shift of the placebo alone); no interval where the
aggregate has too few assignments. Its false alarms at pilot size: 2-4 % (ADR 0006).

No interval is published when the design cannot support one (``NO_INTERVAL_REASONS``): fewer
distinct assignments than 1/alpha, or assignments that mirror each other so that no effect size can
ever be rejected (one treated and one control unit; three treated against three never-treated
units starting together), or an unbounded set of effects not rejected (a 0/1 outcome: never, the
set is cut at -1 and 1).

Sensitivity only: the analytic linearised interval (the influence function of Callaway &
Sant'Anna, clusters = units, t with G-1 degrees of freedom), ``analytic_summary``. With one or two
control units it is far too narrow (a single control unit adds nothing to its variance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import linalg
from scipy import stats as sps

__all__ = [
    "MAX_ENUMERATED",
    "NO_INTERVAL_REASONS",
    "N_SAMPLED",
    "SEED",
    "Randomisation",
    "analytic_summary",
    "assignments",
    "group_time_aggregates",
    "randomisation_inference",
    "twfe_estimate",
]

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

SEED = 20261206
MAX_ENUMERATED = 2000  # enumerate every distinct assignment up to this many
N_SAMPLED = 1999  # otherwise the observed assignment plus this many seeded draws
VARIANCE_FLOOR = 0.25  # share of the mean variance over the assignments added to every one
TRANSITION_EXPOSURE = 0.5  # share of a transition period's cases taken as treated in the null


# --- assignments ------------------------------------------------------------------------------


def _multinomial(counts: tuple[int, ...]) -> int:
    total = math.factorial(sum(counts))
    for c in counts:
        total //= math.factorial(c)
    return total


@lru_cache(maxsize=64)
def _distinct_permutations(counts: tuple[int, ...]) -> np.ndarray:
    """Every distinct arrangement of a multiset with ``counts[k]`` copies of label k, one per
    row, in lexicographic order."""
    n = sum(counts)
    out: list[list[int]] = []
    left = list(counts)
    prefix: list[int] = []

    def extend() -> None:
        if len(prefix) == n:
            out.append(prefix.copy())
            return
        for k, c in enumerate(left):
            if c:
                left[k] -= 1
                prefix.append(k)
                extend()
                prefix.pop()
                left[k] += 1

    extend()
    result = np.array(out, dtype=np.int64).reshape(len(out), n)
    result.flags.writeable = False
    return result


def assignments(labels: np.ndarray, *, seed: int = SEED) -> tuple[np.ndarray, bool]:
    """Re-assignments of ``labels`` (one pattern label per unit) to the units: every distinct one
    when there are at most ``MAX_ENUMERATED`` (the observed among them), else the observed first
    and ``N_SAMPLED`` seeded uniform draws. Returns (rows of labels, enumerated?)."""
    values, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if _multinomial(tuple(int(c) for c in counts)) <= MAX_ENUMERATED:
        return values[_distinct_permutations(tuple(int(c) for c in counts))], True
    rng = np.random.default_rng(seed)
    draws = rng.permuted(np.tile(labels, (N_SAMPLED, 1)), axis=1)
    return np.vstack([labels[None, :], draws]), False


# --- the estimator for many assignments at once -------------------------------------------------


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
    # cohorts as in stats.did._group_time: same start and same clean pre-period, 0 < f and g < T
    pairs = np.unique(start[0] * (T + 1) + until[0])  # every row holds the same multiset
    patterns = {(int(k // (T + 1)), int(k % (T + 1))) for k in pairs}
    patterns = {(g, f) for g, f in patterns if 0 < f and g < T}
    never = start == T
    if influence:
        psi = np.zeros((A, m, U))
        involved = np.zeros((A, U), dtype=bool)
        cohort_parts = []  # (members, size, sum of its ATT(g,t), number of its comparisons)
    for g, f in sorted(patterns):
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
    with np.errstate(invalid="ignore", divide="ignore"):
        psi /= post_w[:, None, None]
        # the estimated cohort shares (as analytic_summary): theta = sum_g n_g S_g / sum_g n_g k_g
        # with S_g the sum of cohort g's ATT(g,t) and k_g their number, n_g / G its share
        G = involved.sum(axis=1).astype(float)
        for members, size, att_sum, n_cmp in cohort_parts:
            factor = (att_sum - n_cmp[:, None] * post) / post_w[:, None]  # A x m
            share = np.where(involved, members - (size / G)[:, None], 0.0)  # A x U
            psi += factor[:, :, None] * share[:, None, :]
        variance = np.einsum("amu,anu->amn", psi, psi) * (G / (G - 1))[:, None, None]
    return post, pre, variance


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
    """Randomisation inference for the group-time aggregate and its pre-trend placebo (see the
    module docstring). ``start``/``until`` hold the observed pattern per unit; ``N`` and ``ybar``
    the case counts and means of every cell, the observed transition cells (``transition``)
    included: the observed assignment never uses them, other assignments do, with half the
    treatment in the null ``Y - tau D`` (the start fell part-way through). None when the observed
    assignment has no post comparison."""
    U, T = N.shape
    alpha = 1.0 - confidence
    D = (np.arange(T)[None, :] >= start[:, None]).astype(float)
    if transition is not None:
        D[transition] = TRANSITION_EXPOSURE
    movable = np.flatnonzero(until > 0)  # units treated from the first period stay as they are
    labels = start[movable] * (T + 1) + until[movable]
    rows, enumerated = assignments(labels, seed=seed)
    starts = np.tile(start, (len(rows), 1))
    untils = np.tile(until, (len(rows), 1))
    starts[:, movable] = rows // (T + 1)
    untils[:, movable] = rows % (T + 1)
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

    pre_estimate = float(obs_pre[0, 0])
    pre_low = pre_high = pre_p = math.nan
    pre_reason: str | None = "no_estimate"
    if math.isfinite(pre_estimate):
        adjusted = pre[:, 0] - estimate * pre[:, 1]  # the placebo of Y - tau_hat D
        same = (starts[:, movable] == start[movable]).all(axis=1) & (
            untils[:, movable] == until[movable]
        ).all(axis=1)
        reference = adjusted[np.isfinite(adjusted) & ~same]
        if (len(reference) + 1) * alpha < 1.0:
            pre_p = (1 + int((np.abs(reference) >= abs(pre_estimate)).sum())) / (len(reference) + 1)
            pre_reason = "too_few_assignments"
        else:
            pre_low, pre_high, pre_p, pre_reason = _placebo_interval(pre_estimate, reference, alpha)
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


# --- analytic linearised inference (sensitivity) -----------------------------------------------


def analytic_summary(comparisons, key: np.ndarray, confidence: float):
    """Cohort-size weighted mean of the ATT(g,t): (estimate, se, low, high, per-unit influence
    function), the standard error
    by linearisation (Callaway & Sant'Anna's influence function including the term for the
    estimated cohort shares), clusters = units, t with G - 1 degrees of freedom. ``key`` holds
    each unit's cohort key; ``comparisons`` are ``stats.did._Comparison``. None without any."""
    if not comparisons:
        return None
    counts = {g: int((key == g).sum()) for g in {c.key for c in comparisons}}
    sizes = np.array([counts[c.key] for c in comparisons], dtype=float)
    weights = sizes / sizes.sum()
    theta = float(weights @ np.array([c.estimate for c in comparisons]))
    psi = np.zeros(len(key))
    involved = np.zeros(len(key), dtype=bool)
    for w, c in zip(weights, comparisons, strict=True):
        psi += w * c.psi
        involved[c.treated_units] = True
        involved[c.control_units] = True
    # theta = sum_g n_g k_g A_g / sum_g n_g k_g (k_g comparisons of cohort g, A_g their mean),
    # with n_g / G the estimated share of cohort g among the G units in the sample
    G = int(involved.sum())
    k = {g: sum(1 for c in comparisons if c.key == g) for g in counts}
    mean_att = {g: float(np.mean([c.estimate for c in comparisons if c.key == g])) for g in counts}
    total = sum(counts[g] * k[g] for g in counts)
    for g in counts:
        indicator = (key[involved] == g).astype(float)
        psi[involved] += k[g] * (mean_att[g] - theta) * (indicator - counts[g] / G) / total
    se = math.sqrt(G / (G - 1) * float(psi @ psi))
    half = float(sps.t.ppf(0.5 + confidence / 2, G - 1)) * se
    return theta, se, theta - half, theta + half, psi


# --- two-way fixed effects (sensitivity only) --------------------------------------------------------------------


class _TwoWay:
    """Weighted least-squares projection onto unit + period effects on the (unit x period) grid
    with case counts as weights: z - a_u - b_t with sum_t N (z - a - b) = 0 per unit and
    sum_u N (z - a - b) = 0 per period (b of the first period fixed at 0)."""

    def __init__(self, N: np.ndarray) -> None:
        self.N = N
        U, T = N.shape
        M = np.zeros((U + T - 1, U + T - 1))
        M[:U, :U] = np.diag(N.sum(axis=1))
        M[U:, U:] = np.diag(N.sum(axis=0)[1:])
        M[:U, U:] = N[:, 1:]
        M[U:, :U] = N[:, 1:].T
        self.U = U
        try:
            self.factor = linalg.cho_factor(M)
            self.M = None
        except linalg.LinAlgError:  # units and periods not connected: a minimum-norm solution
            self.factor, self.M = None, M

    def effects(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Nz = self.N * z
        rhs = np.r_[Nz.sum(axis=1), Nz.sum(axis=0)[1:]]
        if self.factor is not None:
            sol = linalg.cho_solve(self.factor, rhs)
        else:
            sol = np.linalg.lstsq(self.M, rhs, rcond=None)[0]
        return sol[: self.U], np.r_[0.0, sol[self.U :]]

    def residual(self, z: np.ndarray) -> np.ndarray:
        a, b = self.effects(z)
        return z - a[:, None] - b[None, :]


def twfe_estimate(N, S, D, confidence) -> tuple[float, float, float, float, str | None]:
    """(estimate, se, low, high, note) of the TWFE coefficient of treated: a SENSITIVITY
    analysis only (biased under staggered adoption when the effect grows after the start), with
    statsmodels' CR1 cluster-robust standard error by unit and t(G-1)."""
    U, T = N.shape
    n_cases = N.sum()
    observed = N > 0
    ybar = np.divide(S, N, out=np.zeros_like(S), where=observed)
    proj = _TwoWay(N)
    D_tilde = proj.residual(D)
    denom = float((N * D_tilde**2).sum())
    spread = float((N * (D - (N * D).sum() / n_cases) ** 2).sum())
    if spread == 0 or denom <= 1e-10 * spread:
        return (
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            (
                "two-way fixed effects estimate not identifiable: the start of the intervention "
                "coincides with the period effects (no comparison units)"
            ),
        )
    beta = float((N * D_tilde * ybar).sum() / denom)
    a, b = proj.effects(np.where(observed, ybar - beta * D, 0.0))
    fitted = a[:, None] + b[None, :] + beta * D
    resid_total = np.where(observed, S - N * fitted, 0.0)  # sum of case residuals per cell
    scores = (D_tilde * resid_total).sum(axis=1)  # per unit
    k_params = U + T
    if n_cases <= k_params or U < 2:
        return (
            beta,
            math.nan,
            math.nan,
            math.nan,
            ("too few observations for a standard error of the two-way fixed effects estimate"),
        )
    correction = U / (U - 1) * (n_cases - 1) / (n_cases - k_params)
    se = math.sqrt(correction * float(scores @ scores)) / denom
    half = float(sps.t.ppf(0.5 + confidence / 2, U - 1)) * se
    return beta, se, beta - half, beta + half, None
