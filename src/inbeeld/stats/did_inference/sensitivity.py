"""Sensitivity analyses only: the analytic linearised interval and two-way fixed effects."""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg
from scipy import stats as sps


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
