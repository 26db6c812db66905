"""The dark number: multiple-systems estimation (MSE) of the size of a closed population from the
overlap of k registration lists (log-linear Poisson models, model choice on AIC/BIC, Cormack's
profile-likelihood interval, optional parametric bootstrap).

The method, its assumptions and its references: docs/methods/mse.md. Checked in
tests/stats/test_mse.py against statsmodels' Poisson GLM and the Dutch six-list data.
"""

from inbeeld.stats.mse.estimator import estimate_population
from inbeeld.stats.mse.fitting import _design as _design
from inbeeld.stats.mse.fitting import _fit_prepared as _fit_prepared
from inbeeld.stats.mse.fitting import _prepare as _prepare
from inbeeld.stats.mse.fitting import existence_check, fit_loglinear
from inbeeld.stats.mse.profile import profile_interval
from inbeeld.stats.mse.results import CandidateModel, LoglinearFit, MSEResult
from inbeeld.stats.mse.selection import _Selector as _Selector
from inbeeld.stats.mse.table import (
    EMPTY_OVERLAP,
    INTERCEPT,
    MAX_LISTS,
    NO_MLE,
    NOT_CONVERGED,
    NOT_IDENTIFIABLE,
    OK,
    CaptureHistories,
    Criterion,
    EmptyOverlaps,
    Term,
    capture_histories,
)
from inbeeld.stats.mse.table import _all_pairs as _all_pairs

__all__ = [
    "EMPTY_OVERLAP",
    "INTERCEPT",
    "MAX_LISTS",
    "NOT_CONVERGED",
    "NOT_IDENTIFIABLE",
    "NO_MLE",
    "OK",
    "CandidateModel",
    "CaptureHistories",
    "Criterion",
    "EmptyOverlaps",
    "LoglinearFit",
    "MSEResult",
    "Term",
    "capture_histories",
    "estimate_population",
    "existence_check",
    "fit_loglinear",
    "profile_interval",
]
