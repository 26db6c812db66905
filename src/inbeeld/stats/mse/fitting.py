"""Poisson IRLS for one log-linear model, with the existence and rank checks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import linalg, optimize, special

from inbeeld.stats.exceptions import NotEstimable, StatsInputError
from inbeeld.stats.mse.results import LoglinearFit
from inbeeld.stats.mse.table import (
    EMPTY_OVERLAP,
    INTERCEPT,
    NO_MLE,
    NOT_IDENTIFIABLE,
    OK,
    CaptureHistories,
    EmptyOverlaps,
    Term,
    _parse_model,
    _term_name,
    capture_histories,
)

_IRLS_TOL = 1e-10  # largest coefficient change, relative to (1 + largest |coefficient|)
_IRLS_MAX_ITER = 200
_LP_TOL = 1e-6  # smallest positive optimum of the existence programme counted as "exists"


def _design(patterns: np.ndarray, lists: tuple[str, ...], terms: Sequence[Term]) -> np.ndarray:
    index = {name: j for j, name in enumerate(lists)}
    columns = [
        np.ones(patterns.shape[0]),
        *(patterns[:, j].astype(float) for j in range(len(lists))),
    ]
    columns += [(patterns[:, index[a]] * patterns[:, index[b]]).astype(float) for a, b in terms]
    return np.column_stack(columns)


def _poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    ratio = np.where(y > 0, y / np.where(mu > 0, mu, 1.0), 1.0)
    return float(2.0 * np.sum(special.xlogy(y, ratio) - (y - mu)))


def _irls(
    X: np.ndarray, y: np.ndarray, beta: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, bool, int]:
    """Poisson log-link IRLS (= Fisher scoring = Newton). Returns beta, mu, converged, iterations."""
    if beta is None:
        eta = np.log(y + 0.5)
    else:
        eta = X @ beta
    mu = np.exp(np.minimum(eta, 700.0))
    dev = _poisson_deviance(y, mu)
    converged = False
    iteration = 0
    while iteration < _IRLS_MAX_ITER:
        iteration += 1
        z = eta + (y - mu) / mu
        xtw = X.T * mu
        try:
            chol = linalg.cho_factor(xtw @ X, check_finite=False)
            proposal = linalg.cho_solve(chol, xtw @ z, check_finite=False)
        except linalg.LinAlgError:
            proposal = np.linalg.lstsq(xtw @ X, xtw @ z, rcond=None)[0]
        step = 1.0
        while True:
            candidate = proposal if beta is None else beta + step * (proposal - beta)
            eta_new = X @ candidate
            mu_new = np.exp(np.minimum(eta_new, 700.0))
            dev_new = _poisson_deviance(y, mu_new)
            if beta is None or (
                math.isfinite(dev_new) and dev_new <= dev + 1e-12 * (1.0 + abs(dev))
            ):
                break
            step /= 2.0
            if step < 1e-10:
                break
        change = np.inf if beta is None else float(np.max(np.abs(candidate - beta)))
        beta, eta, mu, dev = candidate, eta_new, mu_new, dev_new
        if change <= _IRLS_TOL * (1.0 + float(np.max(np.abs(beta)))):
            converged = True
            break
    return beta, mu, converged, iteration


def existence_check(X: np.ndarray, y: np.ndarray) -> bool:
    """The Fienberg-Rinaldo linear programme: True if a strictly positive table with the same
    sufficient statistics ``X'y`` exists, i.e. the (Poisson log-linear) MLE is finite.

    Maximise s over tables v with X'v = X'y and every v_i >= s >= 0; written with v = s + w
    (w >= 0) so that only the equality rows remain: X'w + s X'1 = X'y. A table without zeros is
    its own positive solution and needs no programme."""
    y = np.asarray(y, dtype=float)
    if y.size and float(np.min(y)) > _LP_TOL:
        return True
    m, _ = X.shape
    X = np.asarray(X, dtype=float)
    t = X.T @ y
    a_eq = np.hstack([X.T, X.T.sum(axis=1, keepdims=True)])
    c = np.zeros(m + 1)
    c[-1] = -1.0
    result = optimize.linprog(c, A_eq=a_eq, b_eq=t, bounds=(0, None), method="highs")
    if result.status != 0:  # infeasible cannot happen (w = y, s = 0 is feasible); be safe
        return False
    return float(-result.fun) > _LP_TOL


@dataclass(frozen=True, eq=False)
class _Prepared:
    """A model made ready to fit: its terms split into finite and empty ones, the cells kept."""

    terms: tuple[Term, ...]
    empty_terms: tuple[Term, ...]
    keep: np.ndarray  # boolean mask over the observable cells
    X: np.ndarray  # design over the kept cells
    names: tuple[str, ...]


def _keep_mask(table: CaptureHistories, empty: Iterable[Term]) -> np.ndarray:
    """The observable cells that are not fixed at 0 by an interaction at minus infinity."""
    keep = np.ones(table.counts.size, dtype=bool)
    for a, b in empty:
        i, j = table.lists.index(a), table.lists.index(b)
        keep &= ~((table.patterns[:, i] == 1) & (table.patterns[:, j] == 1))
    return keep


def _prepare(
    table: CaptureHistories, terms: tuple[Term, ...], empty_overlaps: EmptyOverlaps
) -> tuple[_Prepared | None, str]:
    lists = table.lists
    finite, empty = [], []
    for term in terms:
        (empty if table.overlap(*term) == 0 else finite).append(term)
    if empty and empty_overlaps == "exclude":
        return None, EMPTY_OVERLAP
    keep = _keep_mask(table, empty)
    X = _design(table.patterns[keep], lists, finite)
    names = (INTERCEPT, *lists, *(_term_name(t) for t in finite))
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return None, NOT_IDENTIFIABLE
    if not existence_check(X, table.counts[keep].astype(float)):
        return None, NO_MLE
    return _Prepared(tuple(finite), tuple(empty), keep, X, names), OK


def _fit_prepared(table: CaptureHistories, prep: _Prepared) -> LoglinearFit:
    y = table.counts[prep.keep].astype(float)
    beta, mu, converged, iterations = _irls(prep.X, y)
    fitted = np.zeros(table.counts.size)
    fitted[prep.keep] = mu
    loglik = float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1.0)))
    n_cells = table.counts.size
    n_params = prep.X.shape[1] + len(prep.empty_terms)
    unobserved = float(math.exp(beta[0]))
    return LoglinearFit(
        lists=table.lists,
        terms=prep.terms,
        empty_terms=prep.empty_terms,
        names=prep.names,
        coefficients=tuple(float(b) for b in beta),
        observed=table.observed,
        unobserved=unobserved,
        estimate=table.observed + unobserved,
        deviance=_poisson_deviance(y, mu),
        df_resid=n_cells - n_params,
        log_likelihood=loglik,
        n_params=n_params,
        n_cells=n_cells,
        aic=-2.0 * loglik + 2.0 * n_params,
        bic=-2.0 * loglik + math.log(n_cells) * n_params,
        converged=converged,
        iterations=iterations,
        fitted=fitted,
    )


def _table(
    data: object, counts: object, lists: Sequence[str] | None, frequency: str
) -> CaptureHistories:
    if isinstance(data, CaptureHistories):
        return data
    return capture_histories(data, counts, lists=lists, frequency=frequency)


def fit_loglinear(
    data: pl.DataFrame | np.ndarray | CaptureHistories,
    terms: Iterable[str | Term] = (),
    counts: Sequence[float] | np.ndarray | None = None,
    *,
    lists: Sequence[str] | None = None,
    frequency: str = "frequency",
    empty_overlaps: EmptyOverlaps = "extended",
) -> LoglinearFit:
    """Fit one log-linear model (all main effects plus the interactions ``terms``) to the
    observable cells. Raises NotEstimable if the model is excluded, has no finite MLE or is not
    identifiable (the message says which)."""
    _check_option("empty_overlaps", empty_overlaps, ("exclude", "extended"))
    table = _table(data, counts, lists, frequency)
    model = _parse_model(list(terms), table.lists)
    prep, status = _prepare(table, model, empty_overlaps)
    if prep is None:
        raise NotEstimable(f"model {_describe(model)}: {status}")
    return _fit_prepared(table, prep)


def _describe(terms: Sequence[Term]) -> str:
    return "main effects + " + " + ".join(_term_name(t) for t in terms) if terms else "independence"


def _check_option(name: str, value: object, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise StatsInputError(
            f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}"
        )
