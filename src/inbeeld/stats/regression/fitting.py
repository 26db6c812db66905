"""Newton-Raphson for the (penalised) log-likelihood, with blocked n x k products."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import linalg, special
from scipy.linalg import blas

_MAX_STEP = 5.0  # largest Newton step on the coefficient scale (as logistf's maxstep)
_TOL = 1e-10  # convergence: largest coefficient change
_MAX_HALVINGS = 40


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
    arithmetic. The buffers hold the quantities of ``owner``, the state evaluated last.

    ``m``: how many observations each row stands for (``distinct_rows``), or None for one
    each. A row with weight m is exactly m identical rows: every sum over the observations
    (log-likelihood, X'WX, score, Firth's hat diagonal, whose sum over identical rows is the
    weighted row's) is the same sum taken once per distinct row."""

    def __init__(
        self, X: np.ndarray, y: np.ndarray, firth: bool, m: np.ndarray | None = None
    ) -> None:
        n, k = X.shape
        self.X, self.y, self.firth, self.m = X, y, firth, m
        self.my = y if m is None else m * y
        self.eta, self.p, self.q = np.empty(n), np.empty(n), np.empty(n)
        self.wsqrt, self.tmp, self.r = np.empty(n), np.empty(n), np.empty(n)
        rows = min(n, _CHUNK_ROWS)
        self.block, self.block2 = np.empty((rows, k)), np.empty((rows, k))
        self.owner: _State | None = None

    def evaluate(self, b: np.ndarray) -> _State:
        X = self.X
        np.matmul(X, b, out=self.eta)
        special.expit(self.eta, out=self.p)
        np.negative(self.eta, out=self.tmp)
        special.expit(self.tmp, out=self.q)  # 1 - p without cancellation
        np.logaddexp(0.0, self.eta, out=self.tmp)
        log_norm = self.tmp.sum() if self.m is None else self.m @ self.tmp
        ll = float(self.my @ self.eta - log_norm)
        np.multiply(self.p, self.q, out=self.wsqrt)
        if self.m is not None:
            self.wsqrt *= self.m
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
        """Gradient of the (penalised) log-likelihood: X'm(y - p) or Firth's
        X'(m(y - p) + h(1/2 - p)), h the hat diagonal with the weights m p (1 - p)."""
        self.load(state)
        r = np.multiply(self.y, self.q, out=self.r)
        np.subtract(1.0, self.y, out=self.tmp)
        self.tmp *= self.p
        r -= self.tmp  # y - p
        if self.m is not None:
            r *= self.m
        if self.firth:
            # hat diagonal h_i = w_i x_i' I^-1 x_i = || L^-1 (sqrt(w_i) x_i) ||^2, w_i = m_i p_i q_i
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


def distinct_rows(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The distinct (row of X, outcome) pairs with how often each occurs, when X holds only 0
    and 1 (an intercept, a binary exposure, binary covariates, dummies) and that shortens the
    data at least fourfold; else None. The evaluation's adjusted comparisons fit hundreds of
    thousands of cases with a few thousand covariate patterns, so every pass of the fit gets
    that much shorter; the likelihood, its derivatives and the separation checks are sums over
    the observations and come out the same (``_Work``)."""
    n, k = X.shape
    if n < 4 * (k + 1) or k + 1 > 52 or not np.all((X == 0.0) | (X == 1.0)):
        return None
    # each (row, outcome) as the integer with those bits: exact in float64 up to 2^52
    bits = np.ldexp(1.0, np.arange(k + 1))
    key = (X @ bits[:k] + y * bits[k]).astype(np.int64)
    _keys, first, counts = np.unique(key, return_index=True, return_counts=True)
    if 4 * len(first) > n:
        return None
    return X[first], y[first], counts.astype(np.float64)
