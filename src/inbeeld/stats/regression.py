"""Logistic regression of a binary outcome on the exposure, adjusted for covariates (exploitation
form, minor, unit), that stays sound with small samples and separation.

Method: Firth's bias-reduced penalised likelihood (Firth 1993; Heinze & Schemper 2002), chosen
over exact (conditional) logistic regression because

- it gives finite estimates under complete and quasi-complete separation (a level of "unit" or
  "exploitation form" in which every case, or no case, has the outcome: routine in a pilot with
  few cases per unit), where maximum likelihood (ML) diverges;
- it removes the O(1/n) small-sample bias of the ML estimates, so small pilots are not
  systematically overstated, and it converges to ML as n grows;
- it costs one IRLS-like pass per iteration, so it runs on a million rows with twenty covariates
  in seconds, whereas exact logistic regression enumerates the conditional distribution of the
  sufficient statistics: infeasible beyond a few hundred cases or with a continuous covariate, and
  under separation it falls back to median-unbiased estimates, exactly where it would be needed.

The penalised log-likelihood is ``l(b) + 1/2 log det I(b)`` with ``I(b) = X'W(b)X`` (Jeffreys'
prior). It is maximised by Newton steps on the modified score
``U*(b) = X'(y - p + h (1/2 - p))``, with ``h`` the diagonal of the hat matrix
``W^1/2 X I^-1 X' W^1/2``, using ``I(b)`` as the (Fisher-scoring) Hessian and capping each step
at 5 on the coefficient scale (as R's logistf), with a backtracking line search (step halving
refined by quadratic interpolation) so the penalised likelihood never decreases. Because
``I(b)`` ignores the curvature of the penalty, near separation the steps can crawl or oscillate
along a flat direction; the exact slopes before and after a step then give a secant correction
along it (see ``_extrapolate``). ``firth=False`` runs the same loop without the penalty: plain
ML (Newton = Fisher scoring for the logit link). Converged when the largest coefficient change
is below 1e-10. All products over the rows (``X'WX`` by BLAS syrk, the hat diagonal, the score)
are taken in blocks of 32,768 rows into reused buffers: a Firth fit with 20 covariates on a
million rows takes about 1-2 s.

Inference: standard errors from ``I(b)^-1`` at the estimate and Wald intervals and p-values by
default. Heinze & Schemper recommend profile penalised-likelihood intervals under separation,
because the penalised likelihood is then markedly asymmetric and the Wald interval is too short on
the side of the separation. ``profile_ci=True`` (or a coefficient name, or several) computes them
for the exposure (or the named coefficients): the bounds ``t`` at which
``2 (l*(b^) - max_{b: b_j = t} l*(b)) = chi2_1(confidence)``, the penalty being that of the full
model (as in logistf), plus the penalised likelihood-ratio p-value for ``b_j = 0``, which then
replaces the Wald p-value of that coefficient. The root search lives in ``stats/firth_profile.py``;
its constrained fits are the Newton iteration below with ``b_j`` held fixed. Each bound costs a
root search over constrained fits, so it is several times slower than the fit itself. The
evaluation publishes the profile interval and p-value of the exposure.

Separation is detected for both methods. A fast exact certificate first: at any ``b`` the
weights ``lambda_i = |y_i - p_i|`` are positive and ``sum lambda_i s_i x_i = X'(y - p)`` (``s_i =
+-1`` for the outcome); if a correction keeps them positive and zeroes that sum, Farkas' lemma
proves there is no separating direction. Only when that certificate fails (at the ML end point, or
at the Firth estimate followed by a few ML steps) a one-pass check looks for a single column that
separates (a level of a categorical without events, or with only events), and failing that the
linear programme of Konis (2007) is solved:
maximise ``sum s_i x_i'd`` subject to ``s_i x_i'd >= 0`` and ``-1 <= d <= 1``; a positive optimum
is a separating direction ``d`` (complete when a second programme finds every margin strictly
positive), and the columns with a non-zero ``d_j`` are reported. The programme runs on the
distinct rows only; with many distinct rows it is slow (about 20 s for a million), but it is only
reached when the data are separated or close to it.

Firth's penalty pulls predicted probabilities towards 1/2 (Puhr et al. 2017); the odds ratios
reported here are unaffected by that intercept bias, but predicted probabilities from a Firth
fit should not be read as calibrated risks.

Checked in tests/stats/test_regression.py: ML against statsmodels' Logit, Firth against a direct
maximisation of the penalised likelihood with scipy, the profile bounds against the
chi-square condition.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize, special
from scipy import stats as sps
from scipy.linalg import blas

from inbeeld.stats.design import (
    INTERCEPT,
    DesignMatrix,
    _validate,
    design_matrix,
)
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.firth_profile import ProfileInterval, profile_interval
from inbeeld.stats.results import Interval

__all__ = [
    "INTERCEPT",
    "DesignMatrix",
    "LogisticResult",
    "ProfileInterval",
    "design_matrix",
    "logistic_regression",
]


_MAX_STEP = 5.0  # largest Newton step on the coefficient scale (as logistf's maxstep)
_TOL = 1e-10  # convergence: largest coefficient change
_MAX_HALVINGS = 40
_FEW_EVENTS_PER_COVARIATE = 10


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogisticResult:
    """A fitted logistic regression. Per-coefficient values are tuples in the order of ``names``;
    ``ci_low``/``ci_high`` bound the odds ratio and ``p`` tests it (Wald unless ``ci_method`` says "profile")."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    se: tuple[float, ...]
    odds_ratio: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    z: tuple[float, ...]
    p: tuple[float, ...]
    log_likelihood: float  # penalised (l + 1/2 log det I) when method == "Firth"
    converged: bool
    iterations: int
    method: str  # "Firth" or "ML"
    n: int
    n_events: int
    separation_detected: bool
    warnings: tuple[str, ...] = ()
    confidence: float = 0.95
    ci_method: tuple[str, ...] = ()
    profile: tuple[ProfileInterval, ...] = ()
    separation_columns: tuple[str, ...] = ()
    cov: tuple[tuple[float, ...], ...] = ()

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(
                f"no coefficient named {name!r}; known: {', '.join(self.names)}"
            ) from None

    def odds_ratio_interval(self, name: str) -> Interval:
        """The odds ratio of one coefficient with its interval (the profile one if computed)."""
        i = self.index(name)
        return Interval(
            estimate=self.odds_ratio[i],
            low=self.ci_low[i],
            high=self.ci_high[i],
            confidence=self.confidence,
            method=f"{self.method} logistic regression, {self.ci_method[i]} interval",
        )

    def profile_for(self, name: str) -> ProfileInterval | None:
        return next((pr for pr in self.profile if pr.name == name), None)


# --- fitting ----------------------------------------------------------------------------------


_CHUNK_ROWS = 32_768  # rows per block for the n x k products (a few MB: stays in cache)


def _weighted_gram(X: np.ndarray, v: np.ndarray, block: np.ndarray) -> np.ndarray:
    """X' diag(v^2) X, block by block: no n x k temporary."""
    k = X.shape[1]
    upper = np.zeros((k, k))
    for start in range(0, X.shape[0], block.shape[0]):
        stop = min(start + block.shape[0], X.shape[0])
        rows = block[: stop - start]
        np.multiply(X[start:stop], v[start:stop, None], out=rows)
        upper = blas.dsyrk(1.0, rows.T, beta=1.0, c=upper, trans=0, lower=0, overwrite_c=1)
    return np.triu(upper) + np.triu(upper, 1).T


@dataclass(eq=False)
class _State:
    b: np.ndarray
    ll: float
    objective: float  # penalised when Firth
    chol: np.ndarray | None  # lower Cholesky factor of I(b) = X'WX


class _Work:
    """Row-length buffers reused across iterations, and products over X taken block by block:
    on a million rows fresh n x k temporaries (page faults, cache misses) cost more than the
    arithmetic. The buffers hold the quantities of ``owner``, the state evaluated last."""

    def __init__(self, X: np.ndarray, y: np.ndarray, firth: bool) -> None:
        n, k = X.shape
        self.X, self.y, self.firth = X, y, firth
        self.eta, self.p, self.q = np.empty(n), np.empty(n), np.empty(n)
        self.wsqrt, self.tmp, self.r = np.empty(n), np.empty(n), np.empty(n)
        rows = min(n, _CHUNK_ROWS)
        self.block, self.block2 = np.empty((rows, k)), np.empty((rows, k))
        self.owner: _State | None = None

    def evaluate(self, b: np.ndarray) -> _State:
        X, y = self.X, self.y
        np.matmul(X, b, out=self.eta)
        special.expit(self.eta, out=self.p)
        np.negative(self.eta, out=self.tmp)
        special.expit(self.tmp, out=self.q)  # 1 - p without cancellation
        ll = float(y @ self.eta - np.logaddexp(0.0, self.eta, out=self.tmp).sum())
        np.multiply(self.p, self.q, out=self.wsqrt)
        np.sqrt(self.wsqrt, out=self.wsqrt)
        info = _weighted_gram(X, self.wsqrt, self.block)
        try:
            chol = linalg.cholesky(info, lower=True, check_finite=False)
        except (linalg.LinAlgError, ValueError):
            chol = None
        if chol is not None and np.all(np.diag(chol) > 0):
            logdet = 2.0 * float(np.log(np.diag(chol)).sum())
        else:
            chol, logdet = None, -math.inf
        state = _State(b=b, ll=ll, objective=ll + 0.5 * logdet if self.firth else ll, chol=chol)
        self.owner = state
        return state

    def load(self, state: _State) -> None:
        if self.owner is not state:
            fresh = self.evaluate(state.b)
            state.chol = fresh.chol
            self.owner = state

    def score(self, state: _State) -> np.ndarray:
        """Gradient of the (penalised) log-likelihood: X'(y - p) or Firth's X'(y - p + h(1/2 - p))."""
        self.load(state)
        r = np.multiply(self.y, self.q, out=self.r)
        np.subtract(1.0, self.y, out=self.tmp)
        self.tmp *= self.p
        r -= self.tmp  # y - p
        if self.firth:
            # hat diagonal h_i = w_i x_i' I^-1 x_i = || L^-1 (sqrt(w_i) x_i) ||^2
            X, k = self.X, len(state.b)
            linv_t = linalg.solve_triangular(
                state.chol, np.eye(k), lower=True, check_finite=False
            ).T.copy()
            h = self.tmp
            for start in range(0, X.shape[0], self.block.shape[0]):
                stop = min(start + self.block.shape[0], X.shape[0])
                rows, hat_rows = self.block[: stop - start], self.block2[: stop - start]
                np.multiply(X[start:stop], self.wsqrt[start:stop, None], out=rows)
                np.matmul(rows, linv_t, out=hat_rows)
                np.einsum("ij,ij->i", hat_rows, hat_rows, out=h[start:stop])
            h *= 0.5 - self.p
            r += h
        return self.X.T @ r


def _line_search(
    work: _Work, state: _State, delta: np.ndarray, slope: float
) -> tuple[_State | None, float]:
    """Step length along the Newton direction: the full step unless the objective falls or
    the quadratic through phi(0), phi'(0) = slope and phi(step) puts the maximum well short of
    it (the scoring matrix I(b) ignores the curvature of Firth's penalty, so full steps can
    overshoot and oscillate); then the interpolated step, safeguarded to [0.1, 0.5] x step
    when the objective fell. Returns (new state or None, step)."""
    phi0 = state.objective
    tolerance = 1e-12 * (1.0 + abs(phi0))
    if slope < 1e-9 * (1.0 + abs(phi0)):
        # the predicted gain is below the rounding noise of the objective: the Newton step is
        # tiny and comparisons of objective values are meaningless, so take it
        cand = work.evaluate(state.b + delta)
        if cand.chol is not None and math.isfinite(cand.objective):
            return cand, 1.0
    step = 1.0
    for _ in range(_MAX_HALVINGS):
        cand = work.evaluate(state.b + step * delta)
        if cand.chol is None or not math.isfinite(cand.objective):
            step *= 0.5
            continue
        curvature = (cand.objective - phi0 - slope * step) / step**2
        best_step = -slope / (2.0 * curvature) if curvature < 0 else math.inf
        if cand.objective >= phi0 - tolerance:
            if best_step >= 0.75 * step:
                return cand, step
            other = work.evaluate(state.b + best_step * delta)
            if other.chol is not None and other.objective > cand.objective:
                return other, best_step
            return cand, step
        step = min(max(best_step, 0.1 * step), 0.5 * step)
    return None, 0.0


def _extrapolate(
    work: _Work, state: _State, U: np.ndarray, free: np.ndarray, delta, step, slope
) -> tuple[_State, np.ndarray]:
    """Firth's scoring matrix I(b) ignores the curvature of the penalty, so near separation a
    full step can cover only a small part of the way along a flat direction, or overshoot and
    oscillate; convergence is then slow, and the objective is too flat for the line search to
    see it. The slope along the previous direction before (``slope``) and after the step
    (``U . delta``) is exact, and gives the curvature actually met: when the step left more
    than half of the slope, or reversed it by more than half, move along that direction to the
    zero of the secant (at most 100 steps forward or the step cap), unless the objective falls."""
    if slope <= 0:
        return state, U
    ratio = float(U @ delta[free]) / slope
    if not (abs(ratio) > 0.5 and ratio < 1.0):
        return state, U
    extra = min(step * ratio / (1.0 - ratio), 100.0 * step)
    extra = min(extra, _MAX_STEP / max(float(np.max(np.abs(delta))), 1e-300))
    cand = work.evaluate(state.b + extra * delta)
    if cand.chol is not None and cand.objective >= state.objective - 1e-12 * (
        1.0 + abs(state.objective)
    ):
        return cand, work.score(cand)[free]
    work.load(state)
    return state, U


def _newton(
    work: _Work,
    b0: np.ndarray,
    max_iter: int,
    fixed: int | None = None,
) -> tuple[_State, bool, int, bool]:
    """Maximise the (penalised) log-likelihood; with ``fixed`` the coefficient of that column is
    held at its value in ``b0`` (a profile fit). Returns state, converged, iterations, diverging."""
    k = len(b0)
    free = np.arange(k) if fixed is None else np.delete(np.arange(k), fixed)
    state = work.evaluate(np.array(b0, dtype=np.float64))
    if state.chol is None:
        return state, False, 0, False
    if free.size == 0:  # nothing left to fit
        return state, True, 0, False
    stalled = 0
    previous: tuple[np.ndarray, float, float] | None = None  # direction, step, slope
    for it in range(1, max_iter + 1):
        U = work.score(state)[free]
        if previous is not None:
            state, U = _extrapolate(work, state, U, free, *previous)
        if fixed is None:
            delta_free = linalg.cho_solve((state.chol, True), U, check_finite=False)
        else:
            info = state.chol @ state.chol.T
            delta_free = linalg.solve(info[np.ix_(free, free)], U, assume_a="pos")
        biggest = float(np.max(np.abs(delta_free)))
        if biggest > _MAX_STEP:
            delta_free *= _MAX_STEP / biggest
        delta = np.zeros(k)
        delta[free] = delta_free
        slope = float(U @ delta_free)
        new, step = _line_search(work, state, delta, slope)
        previous = (delta, step, slope) if new is not None else None
        if new is None:  # no ascent left: at the optimum to machine precision
            return state, biggest < 1e-6, it, False
        gain = new.objective - state.objective
        state = new
        moved = step * float(np.max(np.abs(delta)))
        if moved < _TOL:
            return state, True, it, False
        if not work.firth and gain < 1e-11 * (1.0 + abs(state.objective)) and moved > 1e-3:
            # the likelihood has stopped rising while the coefficients keep running: divergence
            stalled += 1
            if stalled >= 3:
                return state, False, it, True
        else:
            stalled = 0
    return state, False, max_iter, False


# --- separation -------------------------------------------------------------------------------


def _no_separation_certificate(work: _Work, state: _State) -> bool:
    """True when Farkas' lemma proves that no separating direction exists: positive weights
    ``mu_i`` with ``sum mu_i s_i x_i = 0``, built from ``lambda_i = |y_i - p_i|`` at ``state.b``
    as ``mu_i = lambda_i (1 - s_i x_i'c)`` with ``c = (X' Lambda X)^-1 X'(y - p)``."""
    work.load(state)
    X, y = work.X, work.y
    lam = np.multiply(y, work.q, out=work.r)
    other = np.subtract(1.0, y, out=work.tmp)
    other *= work.p
    g = X.T @ (lam - other)  # X'(y - p)
    lam += other  # |y - p|
    work.owner = None  # the buffers are reused below
    if not np.all(lam > 1e-300):
        return False
    np.sqrt(lam, out=work.tmp)
    try:
        c = linalg.solve(_weighted_gram(X, work.tmp, work.block), g, assume_a="pos")
    except (linalg.LinAlgError, ValueError):
        return False
    margins = np.matmul(X, c, out=work.eta)
    margins *= 2.0 * y - 1.0
    return bool(np.all(margins < 1.0 - 1e-9))


def _separation_lp(
    X: np.ndarray, y: np.ndarray, names: tuple[str, ...]
) -> tuple[bool, str, tuple[str, ...]]:
    """Konis' linear programme on the distinct rows of s_i x_i. Returns (separated, kind,
    columns of the separating direction)."""
    A = X * (2.0 * y - 1.0)[:, None]
    scale = np.max(np.abs(A), axis=0)
    scale[scale == 0] = 1.0
    A = np.unique(A / scale, axis=0)
    res = optimize.linprog(
        -A.sum(axis=0),
        A_ub=-A,
        b_ub=np.zeros(A.shape[0]),
        bounds=[(-1.0, 1.0)] * A.shape[1],
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if res.status != 0 or -res.fun <= 1e-6:
        return False, "", ()
    d = res.x
    margins = A @ d
    if margins.min() < -1e-7 or margins.max() <= 1e-6:
        return False, "", ()
    # complete separation: a direction with every margin strictly positive (max t, A d >= t)
    k = A.shape[1]
    strict = optimize.linprog(
        np.r_[np.zeros(k), -1.0],
        A_ub=np.hstack([-A, np.ones((A.shape[0], 1))]),
        b_ub=np.zeros(A.shape[0]),
        bounds=[(-1.0, 1.0)] * k + [(0.0, 1.0)],
        method="highs",
    )
    kind = "complete" if strict.status == 0 and -strict.fun > 1e-7 else "quasi-complete"
    cols = tuple(names[j] for j in np.flatnonzero(np.abs(d) > 1e-6))
    return True, kind, cols


def _detect_separation(
    work: _Work, state: _State, names: tuple[str, ...]
) -> tuple[bool, str, tuple[str, ...]]:
    if _no_separation_certificate(work, state):
        return False, "", ()
    if work.firth:
        # The Firth estimate is not the ML point; a few ML steps from it give the certificate
        # when the ML estimate exists.
        ml = _Work(work.X, work.y, firth=False)
        s = state
        for _ in range(4):
            s, _conv, _it, diverging = _newton(ml, s.b, max_iter=1)
            if s.chol is None or diverging:
                break
            if _no_separation_certificate(ml, s):
                return False, "", ()
    single = _single_column_separation(work)
    if single is not None:
        kind, columns = single
        return True, kind, tuple(names[j] for j in columns)
    return _separation_lp(work.X, work.y, names)


def _single_column_separation(work: _Work) -> tuple[str, list[int]] | None:
    """The common case, found in one pass: a column whose products ``s_i x_ij`` all have the
    same sign, e.g. a level of a categorical in which no case (or every case) has the outcome."""
    X, y = work.X, work.y
    k = X.shape[1]
    low, high = np.full(k, np.inf), np.full(k, -np.inf)
    for start in range(0, X.shape[0], work.block.shape[0]):
        stop = min(start + work.block.shape[0], X.shape[0])
        rows = work.block[: stop - start]
        np.multiply(X[start:stop], (2.0 * y[start:stop] - 1.0)[:, None], out=rows)
        np.minimum(low, rows.min(axis=0), out=low)
        np.maximum(high, rows.max(axis=0), out=high)
    one_signed = ((low >= 0) & (high > 0)) | ((high <= 0) & (low < 0))
    if not one_signed.any():
        return None
    columns = [int(j) for j in np.flatnonzero(one_signed)]
    complete = any((low[j] > 0) or (high[j] < 0) for j in columns)
    return ("complete" if complete else "quasi-complete"), columns


# --- the estimator ----------------------------------------------------------------------------


def _exp(v: float) -> float:
    return math.exp(v) if v < 709.0 else math.inf


def logistic_regression(
    y,
    X,
    names: Sequence[str],
    *,
    firth: bool = True,
    confidence: float = 0.95,
    max_iter: int = 100,
    profile_ci: bool | str | Sequence[str] = False,
) -> LogisticResult:
    """Fit ``P(y=1) = expit(X b)``: Firth's penalised likelihood by default, ML with
    ``firth=False``.

    ``X`` should contain an intercept column of ones (see :func:`design_matrix`). ``profile_ci``:
    ``True`` for a profile (penalised-)likelihood interval of the exposure (the first column after
    the intercept), or the name(s) of the coefficient(s) to profile; their ``ci_low``/``ci_high``
    are then the profile bounds, their ``p`` the (penalised) likelihood-ratio p-value, and
    ``profile`` holds the test statistic as well.
    """
    if not 0.0 < confidence < 1.0:
        raise StatsInputError(f"confidence must be between 0 and 1, got {confidence}")
    if max_iter < 1:
        raise StatsInputError("max_iter must be at least 1")
    y, X, names = _validate(y, X, names)
    n, k = X.shape
    n_events = int(y.sum())
    method = "Firth" if firth else "ML"

    ybar = n_events / n
    b0 = np.zeros(k)
    intercept = next((j for j in range(k) if np.all(X[:, j] == 1.0)), None)
    if intercept is not None:
        b0[intercept] = math.log(ybar / (1.0 - ybar))
    work = _Work(X, y, firth)
    state, converged, iterations, _diverging = _newton(work, b0, max_iter)

    warnings: list[str] = []
    if not converged:
        warnings.append(f"{method} fit did not converge in {iterations} iterations")
    separated, kind, sep_cols = _detect_separation(work, state, names)
    if separated:
        cols = ", ".join(sep_cols) if sep_cols else "the covariates"
        if firth:
            warnings.append(
                f"{kind} separation: the outcome is perfectly predicted by a combination of "
                f"{cols}; the Firth estimates stay finite but rest on the penalty, so read the "
                "profile-likelihood intervals"
            )
        else:
            warnings.append(
                f"{kind} separation: the outcome is perfectly predicted by a combination of "
                f"{cols}; maximum-likelihood estimates are infinite, use the Firth fit"
            )
    covariates = k - (1 if intercept is not None else 0)
    if covariates and min(n_events, n - n_events) < _FEW_EVENTS_PER_COVARIATE * covariates:
        warnings.append(
            f"few events for the number of covariates ({min(n_events, n - n_events)} in the "
            f"smaller outcome group for {covariates} covariates): estimates are imprecise"
        )

    if state.chol is not None:
        cov = linalg.cho_solve((state.chol, True), np.eye(k), check_finite=False)
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    else:
        cov = np.full((k, k), np.nan)
        se = np.full(k, np.inf)
        warnings.append("the information matrix is singular: standard errors are not available")
    b = state.b
    zcrit = sps.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = b / se
    pvals = 2.0 * sps.norm.sf(np.abs(z))
    lo = [_exp(v) for v in b - zcrit * se]
    hi = [_exp(v) for v in b + zcrit * se]
    ci_method = ["Wald"] * k

    profiles: list[ProfileInterval] = []
    if profile_ci is not False:
        if profile_ci is True:
            candidates = [j for j in range(k) if j != intercept]
            targets = [names[candidates[0]]] if candidates else []
        elif isinstance(profile_ci, str):
            targets = [profile_ci]
        else:
            targets = list(profile_ci)

        def constrained(b0: np.ndarray, j: int) -> tuple[float, np.ndarray, bool]:
            s, conv, _it, _div = _newton(work, b0, max_iter=max(max_iter, 200), fixed=j)
            return s.objective, s.b, bool(conv or s.chol is None)

        for name in targets:
            if name not in names:
                raise StatsInputError(f"profile_ci: no coefficient named {name!r}")
            j = names.index(name)
            pr, notes = profile_interval(
                constrained, state.b, state.objective, j, float(se[j]), confidence, name
            )
            profiles.append(pr)
            warnings.extend(notes)
            lo[j], hi[j] = pr.odds_ratio_low, pr.odds_ratio_high
            pvals[j] = pr.p  # the penalised likelihood-ratio test, as logistf reports it
            ci_method[j] = "profile penalised likelihood" if firth else "profile likelihood"

    return LogisticResult(
        names=names,
        coef=tuple(float(v) for v in b),
        se=tuple(float(v) for v in se),
        odds_ratio=tuple(_exp(float(v)) for v in b),
        ci_low=tuple(float(v) for v in lo),
        ci_high=tuple(float(v) for v in hi),
        z=tuple(float(v) for v in z),
        p=tuple(float(v) for v in pvals),
        log_likelihood=float(state.objective),
        converged=bool(converged),
        iterations=int(iterations),
        method=method,
        n=int(n),
        n_events=n_events,
        separation_detected=bool(separated),
        warnings=tuple(warnings),
        confidence=confidence,
        ci_method=tuple(ci_method),
        profile=tuple(profiles),
        separation_columns=sep_cols,
        cov=tuple(tuple(float(v) for v in row) for row in cov),
    )
