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
``T_a(Y) - tau T_a(D)``. The p-value of tau counts the assignments with
``|T_a(Y) - tau T_a(D)| >= |T_obs - tau|`` (the observed one included); the 95 % interval is the
set of tau with p > 0.05, found exactly from the roots of one quadratic per assignment. The
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
units starting together), or an unbounded set of effects not rejected.

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
) -> tuple[np.ndarray, np.ndarray]:
    """The cohort-size weighted aggregates of the post and of the pre (placebo) group-time
    comparisons, exactly as ``stats.did`` computes them, for many assignments at once.

    ``N`` (units x periods) case counts; ``means`` (m x units x periods) cell means of m outcomes
    (empty cells any value); ``start``/``until`` (assignments x units) every unit's first treated
    period and first period that is no longer a clean control (T for never treated). Returns
    two arrays (assignments x m), NaN where an assignment has no usable comparison."""
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
    for g, f in sorted(patterns):
        members = (start == g) & (until == f)
        size = members.sum(axis=1).astype(float)  # the same in every assignment (a multiset)
        zm = members.astype(float)
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
            else:
                pre_sum += contribution
                pre_w += w
    with np.errstate(invalid="ignore", divide="ignore"):
        post = np.where(post_w[:, None] > 0, post_sum / post_w[:, None], np.nan)
        pre = np.where(pre_w[:, None] > 0, pre_sum / pre_w[:, None], np.nan)
    return post, pre


# --- test inversion ---------------------------------------------------------------------------


def _count(tau: np.ndarray, a2, a1, a0, scale: float) -> np.ndarray:
    """For each tau, the number of assignments whose quadratic is >= 0 (at least as extreme)."""
    q = a2[None, :] * tau[:, None] ** 2 + a1[None, :] * tau[:, None] + a0[None, :]
    return (q >= -1e-10 * scale).sum(axis=1)


def _count_at_infinity(a2, a1, a0, sign: float, scale: float) -> int:
    tol = 1e-10 * max(scale, 1.0)
    lead = np.where(np.abs(a2) > tol, a2, 0.0)
    lin = np.where(np.abs(a1) > tol, sign * a1, 0.0)
    extreme = (lead > 0) | ((lead == 0) & (lin > 0)) | ((lead == 0) & (lin == 0) & (a0 >= -tol))
    return int(extreme.sum())


def _invert(
    observed: float, stat_y: np.ndarray, stat_d: np.ndarray, alpha: float
) -> tuple[float, float, float, str | None]:
    """(low, high, p-value of 0, reason) of the randomisation interval for a constant shift:
    tau is kept when #{a: |Y_a - tau D_a| >= |observed - tau|} > alpha * n."""
    n = len(stat_y)
    a2 = stat_d**2 - 1.0
    a1 = 2.0 * (observed - stat_y * stat_d)
    a0 = stat_y**2 - observed**2
    scale = float(max(np.max(np.abs(stat_y)), abs(observed), 1e-300) ** 2)
    p_zero = float(_count(np.array([0.0]), a2, a1, a0, scale)[0]) / n
    needed = alpha * n
    upper = _count_at_infinity(a2, a1, a0, 1.0, scale) > needed
    lower = _count_at_infinity(a2, a1, a0, -1.0, scale) > needed
    if upper and lower:
        return math.nan, math.nan, p_zero, "too_few_assignments"
    if upper or lower:
        return math.nan, math.nan, p_zero, "unbounded"
    # the accepted set is closed and bounded; its hull ends at roots of the quadratics
    roots = []
    quad = np.abs(a2) > 1e-12
    disc = a1**2 - 4 * a2 * a0
    real = quad & (disc >= 0)
    sq = np.sqrt(np.where(real, disc, 0.0))
    roots.append(((-a1 - sq) / (2 * np.where(real, a2, 1.0)))[real])
    roots.append(((-a1 + sq) / (2 * np.where(real, a2, 1.0)))[real])
    linear = ~quad & (np.abs(a1) > 0)
    roots.append((-a0 / np.where(linear, a1, 1.0))[linear])
    candidates = np.unique(np.concatenate([*roots, [observed]]))
    low = high = math.nan
    for direction in (1, -1):  # from the outside in: the first accepted root is the hull's end
        ordered = candidates[::-direction]
        for chunk in range(0, len(ordered), 256):
            part = ordered[chunk : chunk + 256]
            accepted = part[_count(part, a2, a1, a0, scale) > needed]
            if accepted.size:
                if direction == 1:
                    high = float(accepted[0])
                else:
                    low = float(accepted[0])
                break
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
    post, pre = group_time_aggregates(
        N, means, starts, untils, control=control, weighting=weighting
    )
    obs_post, obs_pre = group_time_aggregates(
        N, means, start[None, :], until[None, :], control=control, weighting=weighting
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
        low, high, p_value, reason = _invert(estimate, post[usable, 0], post[usable, 1], alpha)

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
