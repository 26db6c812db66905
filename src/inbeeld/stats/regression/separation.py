"""Detecting (quasi-)complete separation: a certificate of none, else a linear programme."""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize

from inbeeld.stats.regression.fitting import _newton, _State, _weighted_gram, _Work


def _no_separation_certificate(work: _Work, state: _State) -> bool:
    """True when Farkas' lemma proves that no separating direction exists: positive weights
    ``mu_i`` with ``sum mu_i s_i x_i = 0``, built from ``lambda_i = m_i |y_i - p_i|`` at ``state.b``
    (``m_i`` the row's count, fitting.distinct_rows)
    as ``mu_i = lambda_i (1 - s_i x_i'c)`` with ``c = (X' Lambda X)^-1 X'(y - p)``."""
    work.load(state)
    X, y = work.X, work.y
    lam = np.multiply(y, work.q, out=work.r)
    other = np.subtract(1.0, y, out=work.tmp)
    other *= work.p
    if work.m is not None:  # a row standing for m observations: m times their terms
        lam *= work.m
        other *= work.m
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
        ml = _Work(work.X, work.y, firth=False, m=work.m)
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
