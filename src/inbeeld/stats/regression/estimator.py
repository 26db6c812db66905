"""The estimator: logistic_regression. See docs/methods/regression.md."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import linalg
from scipy import stats as sps

from inbeeld.stats.design import _validate
from inbeeld.stats.exceptions import StatsInputError
from inbeeld.stats.firth_profile import ProfileInterval, profile_interval
from inbeeld.stats.regression.fitting import _newton, _Work, distinct_rows
from inbeeld.stats.regression.results import LogisticResult
from inbeeld.stats.regression.separation import _detect_separation

_FEW_EVENTS_PER_COVARIATE = 10


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
    # Repeated (row, outcome) pairs are fitted once, with their count: the same sums
    grouped = distinct_rows(X, y)
    work = _Work(X, y, firth) if grouped is None else _Work(*grouped[:2], firth, m=grouped[2])
    state, converged, iterations, _diverging = _newton(work, b0, max_iter)

    warnings: list[str] = []
    if not converged:
        warnings.append(f"{method} fit did not converge in {iterations} iterations")
    separated, kind, sep_cols = _detect_separation(work, state, names)
    if separated:
        warnings.append(_separation_warning(kind, sep_cols, firth))
    covariates = k - (1 if intercept is not None else 0)
    if covariates and min(n_events, n - n_events) < _FEW_EVENTS_PER_COVARIATE * covariates:
        warnings.append(
            f"few events for the number of covariates ({min(n_events, n - n_events)} in the "
            f"smaller outcome group for {covariates} covariates): estimates are imprecise"
        )

    b = state.b
    cov, se, z, pvals, lo, hi = _wald(state, k, confidence, warnings)
    ci_method = ["Wald"] * k

    profiles: list[ProfileInterval] = []
    for name in _profile_targets(profile_ci, names, intercept):
        j = names.index(name)
        pr, notes = _profile(work, state, j, name, float(se[j]), confidence, max_iter)
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


def _separation_warning(kind: str, sep_cols, firth: bool) -> str:
    cols = ", ".join(sep_cols) if sep_cols else "the covariates"
    if firth:
        return (
            f"{kind} separation: the outcome is perfectly predicted by a combination of "
            f"{cols}; the Firth estimates stay finite but rest on the penalty, so read the "
            "profile-likelihood intervals"
        )
    return (
        f"{kind} separation: the outcome is perfectly predicted by a combination of "
        f"{cols}; maximum-likelihood estimates are infinite, use the Firth fit"
    )


def _profile_targets(profile_ci, names: tuple[str, ...], intercept: int | None) -> list[str]:
    """The coefficients to profile: none, the exposure (``True``: the first column after the
    intercept), or the names given; an unknown name is an input error."""
    if profile_ci is False:
        return []
    if profile_ci is True:
        candidates = [j for j in range(len(names)) if j != intercept]
        targets = [names[candidates[0]]] if candidates else []
    elif isinstance(profile_ci, str):
        targets = [profile_ci]
    else:
        targets = list(profile_ci)
    for name in targets:
        if name not in names:
            raise StatsInputError(f"profile_ci: no coefficient named {name!r}")
    return targets


def _profile(work: _Work, state, j: int, name: str, se: float, confidence: float, max_iter: int):
    """The profile (penalised-)likelihood interval of coefficient ``j`` and its notes."""

    def constrained(b0: np.ndarray, j: int) -> tuple[float, np.ndarray, bool]:
        s, conv, _it, _div = _newton(work, b0, max_iter=max(max_iter, 200), fixed=j)
        return s.objective, s.b, bool(conv or s.chol is None)

    return profile_interval(constrained, state.b, state.objective, j, se, confidence, name)


def _wald(state, k: int, confidence: float, warnings: list[str]):
    """Covariance, standard errors, z, p-values and Wald odds-ratio bounds of the fit; infinite
    standard errors (and a warning) when the information matrix is singular."""
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
    return cov, se, z, pvals, lo, hi
