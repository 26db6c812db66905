"""Cox proportional-hazards regression (Efron ties), with separation handling."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg, stats

from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.results import TestResult
from inbeeld.stats.survival.checks import _confidence, _durations, _observed, _rows

# Cox: Newton–Raphson settings (on standardised covariates).
_COX_MAX_ITER = 60
_COX_STEP_TOLERANCE = 1e-10
_COX_MAX_HALVINGS = 40
# (Quasi-)complete separation: the likelihood keeps rising as a coefficient grows, so Newton
# walks off (until exp() runs out of precision and the score is 0 in floating point). A
# coefficient is taken to diverge when, across the range of its covariate, both the estimate and
# its standard error exceed this many log-hazard units (a hazard ratio beyond e^20 ≈ 5·10^8 with
# an interval wider still): no real effect looks like that.
_COX_DIVERGENCE = 20.0


@dataclass(frozen=True)
class CoxResult:
    """Cox proportional-hazards fit (Efron ties). Per covariate, in ``names`` order: the log
    hazard ratio ``coef``, its standard error, the hazard ratio with its Wald interval, z and the
    two-sided p-value. ``converged`` is False (and ``warning`` says why) when there is no finite
    maximum, typically (quasi-)complete separation:

    * a dummy with no events at one of its values: its coef is ±inf (hazard ratio inf or 0, the
      rest of its row nan) and the other coefficients are their exact limits, the fit without
      the cases at that value;
    * any other divergence (or non-convergence): the numbers are the last Newton iterate and
      must not be reported as estimates.
    """

    names: tuple[str, ...]
    coef: tuple[float, ...]
    se: tuple[float, ...]
    hazard_ratio: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    z: tuple[float, ...]
    p: tuple[float, ...]
    log_likelihood: float
    n: int
    n_events: int
    converged: bool
    iterations: int
    warning: str = ""
    confidence: float = 0.95
    log_likelihood_null: float = float("nan")
    covariance: tuple[tuple[float, ...], ...] = ()

    def likelihood_ratio_test(self) -> TestResult:
        """Likelihood-ratio test of all coefficients against the null model (df = number of
        covariates)."""
        statistic = 2.0 * (self.log_likelihood - self.log_likelihood_null)
        return TestResult(
            statistic=statistic,
            p_value=float(stats.chi2.sf(statistic, len(self.names))),
            method="likelihood ratio",
        )

    def row(self, name: str) -> dict:
        i = self.names.index(name)
        return {
            "name": name,
            "coef": self.coef[i],
            "se": self.se[i],
            "hazard_ratio": self.hazard_ratio[i],
            "ci_low": self.ci_low[i],
            "ci_high": self.ci_high[i],
            "z": self.z[i],
            "p": self.p[i],
        }


class _EfronData:
    """Sorted data and the tie structure, computed once; ``evaluate`` gives the Efron partial
    log-likelihood, gradient and Hessian at beta in O(n·p²) without Python loops."""

    def __init__(self, durations: np.ndarray, observed: np.ndarray, x: np.ndarray):
        order = np.argsort(durations, kind="stable")
        t = durations[order]
        self.x = np.ascontiguousarray(x[order])
        self.e = observed[order]
        n = t.size
        new_time = np.empty(n, dtype=bool)
        new_time[0] = True
        np.not_equal(t[1:], t[:-1], out=new_time[1:])
        self.group = np.cumsum(new_time) - 1  # distinct-time index of each row
        self.group_start = np.flatnonzero(new_time)  # first row of each distinct time
        self.n_groups = self.group_start.size

        event_rows = np.flatnonzero(self.e)
        self.event_rows = event_rows
        eg = self.group[event_rows]  # the distinct time of each event
        first = np.empty(eg.size, dtype=bool)
        first[0] = True
        np.not_equal(eg[1:], eg[:-1], out=first[1:])
        starts = np.flatnonzero(first)  # positions (in the event list) where a tie group starts
        counts = np.diff(np.append(starts, eg.size))
        self.tie_starts = starts
        self.tie_groups = eg[starts]  # distinct-time index of each tie group
        self.tie_event_group = np.repeat(np.arange(starts.size), counts)  # tie group per event
        rank = np.arange(eg.size) - np.repeat(starts, counts)  # l = 0 .. d-1 within the group
        self.frac = rank / np.repeat(counts, counts).astype(np.float64)  # l / d
        self.x_events_sum = self.x[event_rows].sum(axis=0)

    def evaluate(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        # Overflow or underflow only happens far out on a diverging path; the caller sees the
        # non-finite log-likelihood (and halves the step) or the non-finite Hessian (and stops).
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            return self._evaluate(beta)

    def _evaluate(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        x, e = self.x, self.e
        eta = x @ beta
        shift = eta.max()
        w = np.exp(eta - shift)
        wx = w[:, None] * x
        # risk-set sums: per distinct time, then suffix sums over the distinct times
        s0_time = np.add.reduceat(w, self.group_start)
        s1_time = np.add.reduceat(wx, self.group_start, axis=0)
        s0_risk = np.cumsum(s0_time[::-1])[::-1][self.tie_groups]  # per tie group
        s1_risk = np.cumsum(s1_time[::-1], axis=0)[::-1][self.tie_groups]
        # tied-event sums per tie group (event rows of one time are contiguous)
        ev = self.event_rows
        s0_tied = np.add.reduceat(w[ev], self.tie_starts)
        s1_tied = np.add.reduceat(wx[ev], self.tie_starts, axis=0)
        # Efron: one term per event, l = 0 .. d-1 within its tie group, with the denominator
        # den_l = S0_risk - (l/d)·S0_tied; only scalars per event, sums per tie group.
        starts = self.tie_starts
        g_of = self.tie_event_group
        f = self.frac
        den = s0_risk[g_of] - f * s0_tied[g_of]
        loglik = float(eta[ev].sum() - np.log(den).sum() - ev.size * shift)
        inv = 1.0 / den
        inv2 = inv * inv
        a = np.add.reduceat(inv, starts)  # Σ_l 1/den
        b = np.add.reduceat(f * inv, starts)  # Σ_l (l/d)/den
        p0 = np.add.reduceat(inv2, starts)  # Σ_l 1/den²
        p1 = np.add.reduceat(f * inv2, starts)  # Σ_l (l/d)/den²
        p2 = np.add.reduceat(f * f * inv2, starts)  # Σ_l (l/d)²/den²
        a_full = np.zeros(self.n_groups)
        a_full[self.tie_groups] = a
        b_full = np.zeros(self.n_groups)
        b_full[self.tie_groups] = b
        # weight of row i in the Efron sums: w_i · (Σ_{t_j <= T_i} A_j − [event] B_{j(i)})
        c = w * (np.cumsum(a_full)[self.group] - np.where(e, b_full[self.group], 0.0))
        gradient = self.x_events_sum - c @ x
        # Σ_l u_l u_lᵀ / den_l² with u_l = S1_risk − (l/d)·S1_tied, summed over tie groups
        cross = (s1_risk * p1[:, None]).T @ s1_tied
        outer = (
            (s1_risk * p0[:, None]).T @ s1_risk
            - cross
            - cross.T
            + (s1_tied * p2[:, None]).T @ s1_tied
        )
        hessian = outer - (x * c[:, None]).T @ x
        return loglik, gradient, hessian


def _design(x, names: Sequence[str], n: int) -> tuple[np.ndarray, tuple[str, ...]]:
    names = tuple(str(nm) for nm in names)
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"covariates must be numbers: {exc}") from exc
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != n:
        raise StatsInputError(
            f"covariates must be {n} rows (one per duration), got shape {arr.shape}"
        )
    if arr.shape[1] == 0:
        raise StatsInputError("no covariates")
    if len(names) != arr.shape[1]:
        raise StatsInputError(f"{len(names)} names for {arr.shape[1]} covariate columns")
    if len(set(names)) != len(names):
        raise StatsInputError(f"covariate names are not unique: {names}")
    for j, nm in enumerate(names):
        finite = np.isfinite(arr[:, j])
        if not finite.all():
            raise StatsInputError(f"column {nm!r} is missing or not finite in {_rows(~finite)}")
        if n and np.all(arr[:, j] == arr[0, j]):
            raise StatsInputError(
                f"column {nm!r} is constant ({arr[0, j]:g} for every case): its effect cannot be "
                "estimated"
            )
    return arr, names


def _dependent_column(z: np.ndarray, names: tuple[str, ...]) -> str | None:
    """The first column that is a linear combination of the earlier ones (standardised data)."""
    gram = z.T @ z
    for j in range(1, gram.shape[0]):
        sub = gram[: j + 1, : j + 1]
        eig = np.linalg.eigvalsh(sub)
        if eig[0] <= 1e-10 * max(eig[-1], 1.0):
            return names[j]
    return None


def _diverging(beta: np.ndarray, hessian: np.ndarray, z_range: np.ndarray, each: bool = False):
    """Which coefficients run off to infinity (see _COX_DIVERGENCE), on the standardised scale."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        try:
            var = np.diag(np.linalg.inv(-hessian))
        except np.linalg.LinAlgError:
            var = np.full(beta.shape, np.inf)
        se = np.sqrt(np.where(np.isfinite(var) & (var >= 0), var, np.inf))
    flags = (np.abs(beta) * z_range > _COX_DIVERGENCE) & (se * z_range > _COX_DIVERGENCE)
    return flags if each else bool(flags.any())


def _separated_levels(x: np.ndarray, e: np.ndarray) -> dict[int, float]:
    """Two-valued columns (dummies) with no events at one of their values: column -> that value.
    Such a coefficient is infinite (the likelihood rises monotonically as the cases at that value
    drop out of every risk set)."""
    found = {}
    for j in range(x.shape[1]):
        col = x[:, j]
        low, high = col.min(), col.max()
        if not np.all((col == low) | (col == high)):
            continue
        events_high = int(np.count_nonzero(e & (col == high)))
        if events_high == 0:
            found[j] = float(high)
        elif events_high == int(e.sum()):
            found[j] = float(low)
    return found


def _cox_without_separated(
    d: np.ndarray,
    e: np.ndarray,
    x: np.ndarray,
    names: tuple[str, ...],
    confidence: float,
    separated: dict[int, float],
) -> CoxResult | None:
    """The limit of the fit as the separated coefficients go to ±infinity: the cases at an
    event-free value of a separated dummy leave every risk set, so the other coefficients are
    those of the fit without those cases (and columns). None when that reduced fit does not exist
    (e.g. another column becomes constant); the caller then runs Newton–Raphson on everything and
    detects the divergence numerically."""
    p = x.shape[1]
    keep = np.ones(d.size, dtype=bool)
    for j, value in separated.items():
        keep &= x[:, j] != value
    others = [j for j in range(p) if j not in separated]
    null = _EfronData(d, e, np.zeros((d.size, 1))).evaluate(np.zeros(1))[0]
    if others:
        try:
            reduced = cox_ph(
                d[keep], e[keep], x[keep][:, others], [names[j] for j in others], confidence
            )
        except StatsInputError:
            return None
        loglik, iterations = reduced.log_likelihood, reduced.iterations
    else:
        reduced = None
        loglik = _EfronData(d[keep], e[keep], np.zeros((int(keep.sum()), 1))).evaluate(np.zeros(1))[
            0
        ]
        iterations = 0
    nan = float("nan")
    fields = {k: [nan] * p for k in ("coef", "se", "hazard_ratio", "ci_low", "ci_high", "z", "p")}
    cov = [[nan] * p for _ in range(p)]
    for j, value in separated.items():
        upward = value < x[:, j].max()  # the event-free value is the lower one: coefficient +inf
        fields["coef"][j] = math.inf if upward else -math.inf
        fields["hazard_ratio"][j] = math.inf if upward else 0.0
    if reduced is not None:
        for k in fields:
            for i, j in enumerate(others):
                fields[k][j] = getattr(reduced, k)[i]
        for a, ja in enumerate(others):
            for b, jb in enumerate(others):
                cov[ja][jb] = reduced.covariance[a][b]
    described = "; ".join(
        f"no events among cases with {names[j]} = {v:g}" for j, v in separated.items()
    )
    infinite = ", ".join(repr(names[j]) for j in separated)
    warning = (
        f"the coefficient of {infinite} is infinite ((quasi-)complete separation: "
        f"{described}); the other coefficients are their limits, fitted without those cases"
    )
    if reduced is not None and reduced.warning:
        warning = f"{warning}; then: {reduced.warning}"
    return CoxResult(
        names=names,
        **{k: tuple(v) for k, v in fields.items()},
        log_likelihood=float(loglik),
        n=int(d.size),
        n_events=int(e.sum()),
        converged=False,
        iterations=iterations,
        warning=warning,
        confidence=confidence,
        log_likelihood_null=float(null),
        covariance=tuple(tuple(r) for r in cov),
    )


def cox_ph(durations, observed, X, names: Sequence[str], confidence: float = 0.95) -> CoxResult:
    """Cox proportional-hazards regression with Efron's tie correction.

    ``X`` is an (n, p) array (or anything numpy turns into one, such as a polars DataFrame) with
    one column per name in ``names``. The covariates are standardised internally and the results
    reported on the original scale.
    """
    d = _durations(durations)
    e = _observed(observed, d.size)
    x, names = _design(X, names, d.size)
    zcrit = _confidence(confidence)
    n_events = int(e.sum())
    if n_events == 0:
        raise StatsInputError("no events (every case is censored): the Cox model cannot be fitted")

    mean = x.mean(axis=0)
    scale = x.std(axis=0, ddof=1)
    z = (x - mean) / scale
    dependent = _dependent_column(z, names)
    if dependent is not None:
        raise StatsInputError(
            f"column {dependent!r} is a linear combination of the columns before it (collinear): "
            "drop it or one of those"
        )

    separated = _separated_levels(x, e)
    if separated:
        result = _cox_without_separated(d, e, x, names, confidence, separated)
        if result is not None:
            return result

    data = _EfronData(d, e, z)
    p = x.shape[1]
    z_range = z.max(axis=0) - z.min(axis=0)
    beta, loglik, loglik_null, hessian, converged, warning, iterations = _newton(data, p, z_range)
    # At convergence the last step is below 1e-10: the log-likelihood and the Hessian of the
    # previous evaluation are those of the final beta to well beyond the reported precision.
    if _diverging(beta, hessian, z_range):
        converged = False
        diverging = [
            names[j] for j in np.flatnonzero(_diverging(beta, hessian, z_range, each=True))
        ]
        warning = (
            f"the coefficient of {', '.join(repr(nm) for nm in diverging)} diverges (the "
            "likelihood keeps rising as it grows): (quasi-)complete separation, e.g. no events "
            "in one category; there is no finite estimate"
        )
    coef, cov, se, zval, pval, hr, lo, hi = _wald(beta, hessian, scale, zcrit)

    def tup(a) -> tuple[float, ...]:
        return tuple(float(v) for v in a)

    return CoxResult(
        names=names,
        coef=tup(coef),
        se=tup(se),
        hazard_ratio=tup(hr),
        ci_low=tup(lo),
        ci_high=tup(hi),
        z=tup(zval),
        p=tup(pval),
        log_likelihood=float(loglik),
        n=int(d.size),
        n_events=n_events,
        converged=converged,
        iterations=iterations,
        warning=warning,
        confidence=confidence,
        log_likelihood_null=float(loglik_null),
        covariance=tuple(tup(r) for r in cov),
    )


def _newton(data: _EfronData, p: int, z_range: np.ndarray):
    """Newton–Raphson with step-halving from beta = 0 on the standardised covariates. Returns
    beta, its log-likelihood, the null log-likelihood, the Hessian, whether it converged, a
    warning and the number of iterations; stops early when a coefficient diverges."""
    beta = np.zeros(p)
    loglik, gradient, hessian = data.evaluate(beta)
    loglik_null = loglik
    converged, warning, iterations = False, "", 0
    while True:
        if iterations >= _COX_MAX_ITER:
            warning = f"Newton-Raphson did not converge in {_COX_MAX_ITER} iterations"
            break
        try:
            delta = linalg.solve(-hessian, gradient, assume_a="pos", check_finite=True)
        except (linalg.LinAlgError, ValueError):
            warning = "the information matrix is singular or not finite; no estimate"
            break
        if np.max(np.abs(delta)) < _COX_STEP_TOLERANCE:
            beta = beta + delta
            converged = True
            break
        iterations += 1
        step = 1.0
        for _ in range(_COX_MAX_HALVINGS):
            candidate = beta + step * delta
            new = data.evaluate(candidate)
            if np.isfinite(new[0]) and new[0] >= loglik - 1e-12 * abs(loglik):
                break
            step /= 2
        else:
            warning = "step-halving could not increase the log-likelihood"
            break
        beta = candidate
        loglik, gradient, hessian = new
        if _diverging(beta, hessian, z_range):
            break
    return beta, loglik, loglik_null, hessian, converged, warning, iterations


def _wald(beta: np.ndarray, hessian: np.ndarray, scale: np.ndarray, zcrit: float):
    """Coefficients on the original scale with their covariance, standard errors, Wald z,
    p-values, hazard ratios and Wald interval bounds (NaN where the information is singular)."""
    p = beta.size
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        try:
            cov_std = np.linalg.inv(-hessian)
        except np.linalg.LinAlgError:
            cov_std = np.full((p, p), np.nan)
        coef = beta / scale
        cov = cov_std / np.outer(scale, scale)
        se = np.sqrt(np.diag(cov))
        zval = coef / se
        pval = stats.chi2.sf(zval**2, 1)
        hr = np.exp(coef)
        lo = np.exp(coef - zcrit * se)
        hi = np.exp(coef + zcrit * se)
    return coef, cov, se, zval, pval, hr, lo, hi
